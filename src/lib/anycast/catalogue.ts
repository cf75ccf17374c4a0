/**
 * Data layer of `dnsx anycast-probe`: the operator identity-format catalogue
 * (`data/anycast/operators.json`) and the site table (`data/anycast/sites.json`).
 *
 * Both files are read lazily on first use and cached in module variables. They
 * are validated when loaded: a broken regex or a pattern without its site group
 * is a bug in the shipped data and throws at once, with the entry named.
 */
import {InternalError, UsageError} from '../errors.js'
import fs from 'node:fs'
import ipaddr from 'ipaddr.js'
import {shippedFile} from '../paths.js'

/** Where an identity string came from. */
export type IdentitySource = 'nsid' | 'hostname.bind' | 'id.server'

/**
 * How a site code is to be read: an IATA airport or metro code, a UN/LOCODE
 * ("DE HAM"), or an operator's own table (`private:<table>`, e.g. `private:netnod`).
 */
export type CodeSystem = 'iata' | 'iata-metro' | 'unlocode' | `private:${string}`

/** Kind of a site-table entry. */
export type SiteKind = 'iata' | 'iata-metro' | 'unlocode' | 'private'

/** A site as reported to callers. */
export interface SiteInfo {
  /** The code as the table writes it: "AMS", "LON", "DE HAM", "BEI". */
  code: string
  /** City (or place) name. */
  name: string
  /** ISO 3166-1 alpha-2 country code. */
  country: string
  lat: number
  lon: number
  kind: SiteKind
}

/** One row of `sites.json`. */
export interface SiteRecord extends SiteInfo {
  /** Private tables only: which operator's table ("netnod", "droot"). */
  table?: string
  /** UN/LOCODE rows: the IATA code whose city, name and coordinates were used. */
  derivedFrom?: string
  /** false when the row is an inference that could not be checked. */
  verified?: boolean
  note?: string
}

/** Result of {@link lookupSite}: the site plus how sure the table is about it. */
export interface SiteLookup extends SiteInfo {
  /** false when the row is marked unverified, or was derived at lookup time (UN/LOCODE fallback). */
  verified: boolean
  /** Set when the row did not exist and was derived, e.g. UN/LOCODE "PL GDN" from IATA GDN in PL. */
  derived?: string
}

/** One identity pattern of a catalogue entry, as stored in operators.json. */
export interface PatternSpec {
  regex: string
  flags?: string
  /** Name of the regex group holding the site code; absent when the format carries no site. */
  siteGroup?: string
  codeSystem?: CodeSystem
  /** Overrides the entry's `sources`. */
  sources?: IdentitySource[]
  verified?: boolean
  /** Generic shape: only attributed when the query went to one of the entry's addresses. */
  requiresAddress?: boolean
  notes?: string
}

/** A catalogue example: a real (or `illustrative`) identity and the site it must decode to. */
export interface ExampleSpec {
  identity: string
  source: IdentitySource
  address?: string
  /** Expected normalised site code, or null when the format has no site. */
  site: string | null
  seen?: string
  illustrative?: boolean
}

/** One operator entry of operators.json. */
export interface OperatorSpec {
  id: string
  operator: string
  service?: string
  addresses: string[]
  sources: IdentitySource[]
  verified: boolean
  notes?: string
  patterns: PatternSpec[]
  examples: ExampleSpec[]
}

/** A DNS-software signature (dnsmasq-2.90, unbound 1.9.0 ...), used as an interception hint. */
export interface SoftwareSpec {
  id: string
  name: string
  /** Where this software is typically found, for messages. */
  typical?: string
  regex: string
  flags?: string
  verified?: boolean
  examples?: string[]
}

/** A pattern compiled and bound to its entry. */
export interface CompiledPattern extends PatternSpec {
  re: RegExp
  index: number
}

/** An operator entry with compiled patterns and parsed address ranges. */
export interface CompiledOperator extends Omit<OperatorSpec, 'patterns'> {
  patterns: CompiledPattern[]
  ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]>
}

/** Compiled software signature. */
export interface CompiledSoftware extends SoftwareSpec {
  re: RegExp
}

interface Catalogue {
  operators: CompiledOperator[]
  software: CompiledSoftware[]
}

interface SiteTable {
  sites: SiteRecord[]
  /** key: `${kind}:${table ?? ''}:${normalised code}` */
  index: Map<string, SiteRecord>
}

let catalogueCache: Catalogue | undefined
let siteCache: SiteTable | undefined

function readJson(name: string): unknown {
  return JSON.parse(fs.readFileSync(shippedFile(`data/anycast/${name}`), 'utf8'))
}

/** Parse an address or CIDR into a range; throws a one-line Error on bad input. */
function parseRange(text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] {
  if (text.includes('/')) {
    const [addr, bits] = ipaddr.parseCIDR(text)
    return [addr, bits]
  }
  const addr = ipaddr.parse(text)
  return [addr, addr.kind() === 'ipv4' ? 32 : 128]
}

function compileCatalogue(raw: unknown): Catalogue {
  const doc = raw as {operators?: OperatorSpec[]; software?: SoftwareSpec[]}
  if (!Array.isArray(doc.operators)) throw new InternalError('operators.json: no "operators" array')
  const ids = new Set<string>()
  const operators = doc.operators.map((op): CompiledOperator => {
    if (ids.has(op.id)) throw new InternalError(`operators.json: duplicate id ${op.id}`)
    ids.add(op.id)
    const patterns = op.patterns.map((p, index): CompiledPattern => {
      let re: RegExp
      try {
        re = new RegExp(p.regex, p.flags ?? '')
      } catch (error) {
        throw new InternalError(`operators.json: ${op.id} pattern ${index}: ${(error as Error).message}`)
      }
      if (p.siteGroup && !p.regex.includes(`(?<${p.siteGroup}>`)) {
        throw new InternalError(`operators.json: ${op.id} pattern ${index} has no group named ${p.siteGroup}`)
      }
      if (p.siteGroup && !p.codeSystem) throw new InternalError(`operators.json: ${op.id} pattern ${index} has a siteGroup but no codeSystem`)
      return {...p, re, index}
    })
    const ranges = op.addresses.map((a) => {
      try {
        return parseRange(a)
      } catch {
        throw new InternalError(`operators.json: ${op.id}: bad address or CIDR "${a}"`)
      }
    })
    return {...op, patterns, ranges}
  })
  const software = (doc.software ?? []).map((s): CompiledSoftware => ({...s, re: new RegExp(s.regex, s.flags ?? '')}))
  return {operators, software}
}

function loadCatalogue(): Catalogue {
  catalogueCache ??= compileCatalogue(readJson('operators.json'))
  return catalogueCache
}

/** Normalise a site code for indexing: upper case; UN/LOCODE as "CC LLL". */
export function normaliseCode(code: string, system?: string): string {
  const c = code.trim().toUpperCase()
  if (system === 'unlocode') {
    const m = /^([A-Z]{2})[\s\-_.]?([A-Z0-9]{3})$/.exec(c)
    return m ? `${m[1]} ${m[2]}` : c
  }
  return c
}

function siteKey(kind: SiteKind, table: string | undefined, code: string): string {
  return `${kind}:${table ?? ''}:${code}`
}

function loadSites(): SiteTable {
  if (siteCache) return siteCache
  const doc = readJson('sites.json') as {sites?: SiteRecord[]}
  if (!Array.isArray(doc.sites)) throw new InternalError('sites.json: no "sites" array')
  const index = new Map<string, SiteRecord>()
  for (const s of doc.sites) {
    const code = normaliseCode(s.code, s.kind === 'unlocode' ? 'unlocode' : undefined)
    index.set(siteKey(s.kind, s.table, code), s)
  }
  siteCache = {sites: doc.sites, index}
  return siteCache
}

/** The compiled operator catalogue (loaded on first call). */
export function operatorCatalogue(): readonly CompiledOperator[] {
  return loadCatalogue().operators
}

/** The compiled DNS-software signatures (loaded on first call). */
export function softwareSignatures(): readonly CompiledSoftware[] {
  return loadCatalogue().software
}

/** Every row of sites.json (loaded on first call). */
export function allSites(): readonly SiteRecord[] {
  return loadSites().sites
}

/**
 * Parse an IP address for matching: IPv4-mapped IPv6 (::ffff:1.1.1.1) becomes IPv4.
 * Returns null for anything that is not an IP address.
 */
export function parseAddress(address: string): ipaddr.IPv4 | ipaddr.IPv6 | null {
  const text = address.trim().replace(/^\[(.*)\]$/, '$1')
  if (!ipaddr.isValid(text)) return null
  return ipaddr.process(text)
}

/**
 * The catalogue entries whose service addresses include `address` (exact IPs or CIDRs).
 * Throws an Error if `address` is not an IP address.
 */
export function operatorsForAddress(address: string): CompiledOperator[] {
  const addr = parseAddress(address)
  if (!addr) throw new UsageError(`not an IP address: "${address}"`, 'bad-address')
  return loadCatalogue().operators.filter((op) =>
    op.ranges.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits)),
  )
}

function toLookup(s: SiteRecord, derived?: string): SiteLookup {
  const out: SiteLookup = {
    code: s.kind === 'unlocode' ? normaliseCode(s.code, 'unlocode') : s.code.toUpperCase(),
    name: s.name,
    country: s.country,
    lat: s.lat,
    lon: s.lon,
    kind: s.kind,
    verified: s.verified !== false && derived === undefined,
  }
  if (derived !== undefined) out.derived = derived
  return out
}

/**
 * Look a site code up in sites.json.
 *
 * - `iata` (the default) and `iata-metro`: the IATA location namespace, airports
 *   and metro codes together (they never collide: LON is London, LHR Heathrow).
 * - `unlocode`: "DE HAM", "de-ham" or "DEHAM". If the code is not in the table
 *   but its location part is an IATA code of the same country (PL GDN -> GDN,
 *   Gdansk PL), that city is returned with `verified: false` and `derived` set.
 * - `private:<table>`: an operator's own codes (e.g. `private:netnod`).
 *
 * Returns null when the code is unknown in that system.
 */
export function lookupSite(code: string, system: CodeSystem | string = 'iata'): SiteLookup | null {
  const table = loadSites()
  if (system === 'iata' || system === 'iata-metro') {
    const c = normaliseCode(code)
    const s = table.index.get(siteKey('iata', undefined, c)) ?? table.index.get(siteKey('iata-metro', undefined, c))
    return s ? toLookup(s) : null
  }
  if (system === 'unlocode') {
    const c = normaliseCode(code, 'unlocode')
    const s = table.index.get(siteKey('unlocode', undefined, c))
    if (s) return toLookup(s)
    const m = /^([A-Z]{2}) ([A-Z]{3})$/.exec(c)
    if (!m) return null
    const iata = table.index.get(siteKey('iata', undefined, m[2])) ?? table.index.get(siteKey('iata-metro', undefined, m[2]))
    if (iata && iata.country === m[1]) {
      return {...toLookup(iata, iata.code), code: c, kind: 'unlocode'}
    }
    return null
  }
  if (system.startsWith('private:')) {
    const s = table.index.get(siteKey('private', system.slice('private:'.length), normaliseCode(code)))
    return s ? toLookup(s) : null
  }
  return null
}

