/**
 * Decoding of anycast DNS server identities (EDNS NSID, CHAOS TXT hostname.bind /
 * id.server) into operator, site and place, driven by data/anycast/operators.json.
 *
 * Nothing here guesses: a string that matches no catalogued format decodes to
 * `confidence: 'unknown'` with operator and site null.
 */
import {
  type CodeSystem,
  type CompiledOperator,
  type CompiledPattern,
  type IdentitySource,
  type SiteLookup,
  lookupSite,
  operatorCatalogue,
  operatorsForAddress,
  softwareSignatures,
} from './catalogue.js'
import {greatCircleKm} from './physics.js'

export {lookupSite, operatorsForAddress} from './catalogue.js'
export type {CodeSystem, IdentitySource, SiteLookup} from './catalogue.js'

/** Where a decoded site is. */
export interface DecodedSite {
  code: string
  /** City (or place) name. */
  name: string
  /** ISO 3166-1 alpha-2. */
  country: string
  lat: number
  lon: number
}

/** Context of one identity answer. */
export interface DecodeContext {
  source: IdentitySource
  /** The address the query was sent to; lets generic formats be attributed and mismatches be seen. */
  address?: string
}

/** A DNS software signature recognised in an identity (e.g. "dnsmasq-2.90"). */
export interface SoftwareMatch {
  id: string
  name: string
  /** Where this software is typically found ("home routers, Pi-hole and local forwarders"). */
  typical?: string
  version?: string
}

/** Result of {@link decodeIdentity}. */
export interface Decoded {
  /** The string as given. */
  raw: string
  /** The string the patterns were matched against (trimmed, quotes and trailing dot removed). */
  identity: string
  /** Operator name from the catalogue, or null. */
  operator: string | null
  /** Catalogue entry id (e.g. "k-root"), or null. */
  format: string | null
  /** Normalised site code ("AMS", "DE HAM", "BEI"), or null. */
  siteCode: string | null
  /** How siteCode is to be read, or null. */
  codeSystem: CodeSystem | null
  /** The place, when the code is in sites.json (or derivable, see lookupSite), else null. */
  site: DecodedSite | null
  /**
   * - known: a verified format, and (if it carries a site) a verified site-table row.
   * - unverified: a format matched, but the format, the site row or the way it was
   *   matched is not verified, or the site code is not in the table.
   * - unknown: no catalogued format matched; nothing is claimed.
   */
  confidence: 'known' | 'unverified' | 'unknown'
  /** Instance / node part of the identity, when the format has one. */
  instance?: string
  /**
   * Only when `address` was given, belongs to a catalogued operator and the
   * identity is not empty: whether the identity fits a format of that operator.
   * false is an interception hint.
   */
  fitsOperator?: boolean
  /** Operators catalogued for the address, when it was given and is known. */
  expectedOperators?: string[]
  /** DNS software recognised in the identity (home routers, local resolvers). */
  software?: SoftwareMatch
  /** Short human-readable remark on how the result was reached, when not obvious. */
  note?: string
}

/** Strip what dig and friends wrap around an identity: quotes, blanks, trailing dot. */
function cleanIdentity(raw: string): string {
  let s = raw.trim()
  if (s.length >= 2 && s.startsWith('"') && s.endsWith('"')) s = s.slice(1, -1).trim()
  if (s.endsWith('.') && s.length > 1) s = s.slice(0, -1)
  return s
}

function patternSources(op: CompiledOperator, p: CompiledPattern): IdentitySource[] {
  return p.sources ?? op.sources
}

interface Hit {
  op: CompiledOperator
  pattern: CompiledPattern
  groups: Record<string, string | undefined>
}

function findMatch(
  identity: string,
  ops: readonly CompiledOperator[],
  opts: {source?: IdentitySource; allowAddressBound: boolean},
): Hit | null {
  for (const op of ops) {
    for (const p of op.patterns) {
      if (p.requiresAddress && !opts.allowAddressBound) continue
      if (opts.source && !patternSources(op, p).includes(opts.source)) continue
      const m = p.re.exec(identity)
      if (m) return {op, pattern: p, groups: m.groups ?? {}}
    }
  }
  return null
}

/** Recognise DNS software (dnsmasq, unbound, BIND ...) from an identity or version string. */
export function matchSoftware(identity: string): SoftwareMatch | null {
  const s = cleanIdentity(identity)
  for (const sig of softwareSignatures()) {
    const m = sig.re.exec(s)
    if (m) {
      const out: SoftwareMatch = {id: sig.id, name: sig.name}
      if (sig.typical) out.typical = sig.typical
      if (m.groups?.version) out.version = m.groups.version
      return out
    }
  }
  return null
}

function toDecoded(raw: string, identity: string, hit: Hit): Decoded {
  const {op, pattern, groups} = hit
  let verified = op.verified !== false && pattern.verified !== false
  let siteCode: string | null = null
  let codeSystem: CodeSystem | null = null
  let site: DecodedSite | null = null
  let note: string | undefined
  if (pattern.siteGroup && pattern.codeSystem) {
    const code = groups[pattern.siteGroup]
    codeSystem = pattern.codeSystem
    if (code) {
      const found: SiteLookup | null = lookupSite(code, codeSystem)
      if (found) {
        siteCode = found.code
        site = {code: found.code, name: found.name, country: found.country, lat: found.lat, lon: found.lon}
        if (!found.verified) {
          verified = false
          note = found.derived
            ? `site ${found.code} is not in the table; read as IATA ${found.derived} of the same country`
            : `site ${found.code} is an unverified entry of the site table`
        }
      } else {
        siteCode = codeSystem === 'unlocode' ? code.toUpperCase().replace(/^([A-Z]{2})[-_. ]?/, '$1 ') : code.toUpperCase()
        verified = false
        note = `site code ${siteCode} (${codeSystem}) is not in the site table`
      }
    }
  }
  const out: Decoded = {
    raw,
    identity,
    operator: op.operator,
    format: op.id,
    siteCode,
    codeSystem,
    site,
    confidence: verified ? 'known' : 'unverified',
  }
  if (groups.instance) out.instance = groups.instance
  if (note) out.note = note
  return out
}

/**
 * Match against `ops`, first with the patterns documented for `source`, then with
 * the others (a known format seen through another channel: decoded, but
 * 'unverified' and noted).
 */
function decodeWith(
  raw: string,
  identity: string,
  ops: readonly CompiledOperator[],
  source: IdentitySource,
  allowAddressBound: boolean,
): Decoded | null {
  const hit = findMatch(identity, ops, {source, allowAddressBound})
  if (hit) return toDecoded(raw, identity, hit)
  const other = findMatch(identity, ops, {allowAddressBound})
  if (!other) return null
  const out = toDecoded(raw, identity, other)
  out.confidence = 'unverified'
  const documented = patternSources(other.op, other.pattern).join(', ')
  out.note = `format documented for ${documented}, seen here via ${source}` + (out.note ? `; ${out.note}` : '')
  return out
}

function unknown(raw: string, identity: string): Decoded {
  return {raw, identity, operator: null, format: null, siteCode: null, codeSystem: null, site: null, confidence: 'unknown'}
}

/**
 * Decode one identity string into operator, site code and place.
 *
 * Matching order:
 * 1. If `ctx.address` belongs to catalogued operators, their formats are tried
 *    first, including generic shapes marked `requiresAddress` (Cloudflare's
 *    "yul01"). A hit sets `fitsOperator: true`.
 * 2. Otherwise every other catalogued format is tried in catalogue order,
 *    except `requiresAddress` ones. If the address is known, a hit here
 *    (another operator's format) or no hit at all gives `fitsOperator: false`.
 *
 * In each step the patterns documented for `ctx.source` come first; a format
 * documented only for another source still matches, with confidence
 * 'unverified' and a note.
 *
 * An unknown string gives operator/site null and confidence 'unknown'. DNS
 * software signatures (dnsmasq-2.90 ...) are reported in `software`.
 *
 * Throws an Error if `ctx.address` is given but is not an IP address.
 */
export function decodeIdentity(raw: string, ctx: DecodeContext): Decoded {
  const identity = cleanIdentity(raw)
  const all = operatorCatalogue()
  const bound = ctx.address === undefined ? [] : operatorsForAddress(ctx.address)
  let result: Decoded | null = null
  let fits: boolean | undefined
  if (identity !== '') {
    if (bound.length > 0) {
      result = decodeWith(raw, identity, bound, ctx.source, true)
      if (result) fits = true
    }
    if (!result) {
      const others = bound.length > 0 ? all.filter((op) => !bound.includes(op)) : all
      result = decodeWith(raw, identity, others, ctx.source, false)
      if (bound.length > 0) fits = false
    }
  }
  const out = result ?? unknown(raw, identity)
  if (bound.length > 0) {
    if (fits !== undefined) out.fitsOperator = fits
    out.expectedOperators = bound.map((op) => op.operator)
  }
  const software = identity === '' ? null : matchSoftware(identity)
  if (software && out.operator === null) out.software = software
  return out
}

/** Identities gathered for one address, by source. */
export interface IdentitiesBySource {
  nsid: string[]
  'hostname.bind': string[]
  'id.server': string[]
}

/** One interception hint: a stable code for scripts and a one-line message for people. */
export interface InterceptionHint {
  /**
   * - software-identity: the address's operator is known but the answer is a DNS software banner or a router name.
   * - foreign-operator: the answer is another catalogued operator's identity.
   * - identity-mismatch: the answer fits no format known for the address's operator.
   * - site-mismatch: NSID and CHAOS answers decode to sites far apart.
   */
  code: 'software-identity' | 'foreign-operator' | 'identity-mismatch' | 'site-mismatch'
  message: string
}

/** Distance under which two decoded sites are treated as the same place (same metro). */
export const SAME_SITE_KM = 100

function describeSite(d: Decoded): string {
  return d.site ? `${d.siteCode} (${d.site.name}, ${d.site.country})` : String(d.siteCode)
}

/**
 * Look at the identities one address gave and say what suggests that the
 * answers did not come from the operator the address belongs to (transparent
 * DNS interception, a captive portal, a home router answering for it), or that
 * the identity channels disagree.
 *
 * Hints (one per distinct identity and source, then at most one site hint):
 * - the address belongs to a catalogued operator and an identity fits none of
 *   its formats: `software-identity` when it is a DNS software banner or router
 *   name (1.1.1.1 answering "dnsmasq-2.90"), `foreign-operator` when it is
 *   another operator's identity, else `identity-mismatch`;
 * - `site-mismatch`: NSID and CHAOS (hostname.bind + id.server) answers both
 *   decode to sites, and no NSID site is within {@link SAME_SITE_KM} of any
 *   CHAOS site.
 *
 * An address unknown to the catalogue yields only site hints. Empty strings are
 * ignored; an empty result means nothing suspicious was seen, not that the path
 * is proven clean. Throws an Error if `address` is not an IP address.
 */
export function interceptionHints(address: string, identities: IdentitiesBySource): InterceptionHint[] {
  const bound = operatorsForAddress(address)
  const expected = bound.map((op) => op.operator).join(' / ')
  const hints: InterceptionHint[] = []
  const decoded: Record<IdentitySource, Decoded[]> = {nsid: [], 'hostname.bind': [], 'id.server': []}
  for (const source of ['nsid', 'hostname.bind', 'id.server'] as const) {
    const seen = new Set<string>()
    for (const raw of identities[source] ?? []) {
      const d = decodeIdentity(raw, {source, address})
      if (d.identity === '' || seen.has(d.identity)) continue
      seen.add(d.identity)
      decoded[source].push(d)
      if (bound.length === 0 || d.fitsOperator !== false) continue
      const what = `${address} belongs to ${expected} but answered ${source} with "${d.identity}"`
      if (d.software) {
        const v = d.software.version ? ` ${d.software.version}` : ''
        hints.push({
          code: 'software-identity',
          message: `${what}, which looks like ${d.software.name}${v}${d.software.typical ? ` (typical of ${d.software.typical})` : ''}: queries to it are probably intercepted or answered locally`,
        })
      } else if (d.operator) {
        const where = d.site ? ` at ${describeSite(d)}` : ''
        hints.push({
          code: 'foreign-operator',
          message: `${what}, an identity of ${d.operator}${where}: queries to it are probably redirected to another resolver`,
        })
      } else {
        hints.push({
          code: 'identity-mismatch',
          message: `${what}, which fits none of its known formats: possible interception (or the operator changed its naming)`,
        })
      }
    }
  }
  const located = (ds: Decoded[]) => ds.filter((d) => d.site && d.fitsOperator !== false)
  const nsidSites = located(decoded.nsid)
  const chaosSites = located([...decoded['hostname.bind'], ...decoded['id.server']])
  if (nsidSites.length > 0 && chaosSites.length > 0) {
    const close = nsidSites.some((a) => chaosSites.some((b) => greatCircleKm(a.site!, b.site!) <= SAME_SITE_KM))
    if (!close) {
      const a = nsidSites[0]!
      const b = chaosSites[0]!
      const km = Math.round(greatCircleKm(a.site!, b.site!))
      hints.push({
        code: 'site-mismatch',
        message: `${address}: NSID says ${describeSite(a)} but CHAOS says ${describeSite(b)}, ${km} km apart: the two channels reached different servers (route change, load balancer, or a middlebox answering one of them)`,
      })
    }
  }
  return hints
}

/** Text form of an NSID payload. */
export interface NsidText {
  /** Lower-case hex of the payload, no separators ("" for an empty payload). */
  hex: string
  /** The payload as text, only when it is non-empty, valid UTF-8 and has no control characters; else null. */
  text: string | null
}

const decoder = new TextDecoder('utf-8', {fatal: true})

/**
 * Render an EDNS NSID payload (RFC 5001): always as hex, and as text when it is
 * printable (valid UTF-8 without C0/C1 control characters or DEL).
 */
export function nsidToText(buf: Uint8Array): NsidText {
  const hex = Array.from(buf, (b) => b.toString(16).padStart(2, '0')).join('')
  if (buf.length === 0) return {hex, text: null}
  let text: string
  try {
    text = decoder.decode(buf)
  } catch {
    return {hex, text: null}
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/u.test(text)) return {hex, text: null}
  return {hex, text}
}
