/**
 * Root hints: IANA's named.root (shipped in data/) or a file in the same
 * zone-file format (--root-hints).
 */
import {parseZoneFile} from '../dns/zonefile.js'
import {canonicalName} from '../dns/names.js'
import {UsageError} from '../errors.js'
import {FILE_LIMITS, readTextFile} from '../files.js'
import {shippedFile} from '../paths.js'

export interface RootHint {
  name: string
  address: string
}


/** Parse hints text: NS records at the root, and the A/AAAA of those names. */
export function parseRootHints(text: string, fileName = 'root hints'): RootHint[] {
  let records
  try {
    records = parseZoneFile(text, {origin: '', fileName})
  } catch (err) {
    throw new UsageError(`${fileName}: ${(err as Error).message}`, 'bad-root-hints')
  }
  const names = records.filter((r) => r.type === 'NS' && canonicalName(r.name) === '').map((r) => canonicalName(String(r.data)))
  const out: RootHint[] = []
  for (const r of records) {
    if ((r.type === 'A' || r.type === 'AAAA') && names.includes(canonicalName(r.name))) out.push({name: canonicalName(r.name), address: String(r.data)})
  }
  if (out.length === 0) throw new UsageError(`${fileName}: no root server addresses found (expected NS records for "." with A/AAAA records)`, 'bad-root-hints')
  return out
}

export function loadRootHints(path?: string): RootHint[] {
  const file = path ?? shippedFile('data/named.root')
  const text = readTextFile({path: file, what: 'root hints', maxBytes: FILE_LIMITS.rootHints, code: 'bad-root-hints'})
  return parseRootHints(text, path ?? 'named.root')
}
