/**
 * --compare-recursive: ask a recursive resolver the same question and put its
 * (non-authoritative) answer beside the authoritative one: same data or not,
 * and its remaining TTL against the authoritative TTL.
 */
import type {DnsClient} from '../dns/client.js'
import type {Endpoint} from '../dns/transport.js'
import {recordJson, type RecordJson} from '../query.js'
import type {TraceJson} from './json.js'

export interface RecursiveComparison {
  resolver: {address: string, port: number}
  rcode: string | null
  authoritative: boolean | null
  records: RecordJson[]
  sameData: boolean | null
  /** Per RRset: authoritative TTL, resolver's remaining TTL, and how long it has been cached. */
  ttl: {name: string, type: string, authoritativeTtl: number, resolverTtl: number, cachedForS: number | null}[]
  error: string | null
}

const key = (r: RecordJson) => `${r.name.toLowerCase()} ${r.type} ${r.data.toLowerCase()}`

/** Ask `server` (a recursive resolver) the trace's question with RD=1 and compare its answer. */
export async function compareRecursive(client: DnsClient, server: Endpoint, j: TraceJson, timeoutMs: number): Promise<RecursiveComparison> {
  const ex = await client.exchange({server, question: {name: j.name === '.' ? '' : j.name.replace(/\.$/, ''), type: j.type, class: 'IN'}, rd: true, timeoutMs})
  if (!ex.message) return {resolver: server, rcode: null, authoritative: null, records: [], sameData: null, ttl: [], error: ex.error?.message ?? 'no reply'}
  const records = ex.message.answers.map(recordJson)
  const auth = j.answer?.records ?? []
  const a = new Set(auth.map(key))
  const b = new Set(records.map(key))
  const same = a.size === b.size && [...a].every((k) => b.has(k)) && (j.answer?.rcode ?? null) === ex.message.rcode
  const ttl: RecursiveComparison['ttl'] = []
  for (const r of records) {
    const match = auth.find((x) => x.name.toLowerCase() === r.name.toLowerCase() && x.type === r.type)
    if (!match || ttl.some((t) => t.name === r.name && t.type === r.type)) continue
    ttl.push({name: r.name, type: r.type, authoritativeTtl: match.ttl, resolverTtl: r.ttl, cachedForS: r.ttl <= match.ttl ? match.ttl - r.ttl : null})
  }
  return {resolver: server, rcode: ex.message.rcode, authoritative: ex.message.flags.aa, records, sameData: same, ttl, error: null}
}
