/**
 * The probing engine of `dnsx anycast-probe`: per address, `count` probes at
 * `interval`, each an ordinary query carrying the EDNS NSID option plus (unless
 * told not to) CHAOS TXT hostname.bind, id.server, version.bind and
 * version.server; every target probed concurrently; then RTT statistics,
 * identity decoding, site choice, flips, interception hints and the
 * speed-of-light checks.
 *
 * The engine talks to the network only through an injected client (anything
 * with DnsClient's `exchange`) and keeps time only with an injected Clock, so
 * tests drive it with fake servers, fake clients and fake time. It never throws
 * for network trouble: a probe that got nothing is a lost probe.
 *
 * {@link summarizeTarget} and {@link clientRegion} are pure: they turn samples
 * into the reported result, and are usable (and tested) without any I/O.
 */
import type {Clock} from '../clock.js'
import type {Exchange, ExchangeOptions} from '../dns/client.js'
import type {Question} from '../dns/message.js'
import {fqdn} from '../dns/names.js'
import {allSites, lookupSite, operatorsForAddress, parseAddress, type IdentitySource} from './catalogue.js'
import {decodeIdentity, interceptionHints, matchSoftware, type Decoded, type DecodedSite, type InterceptionHint} from './decode.js'
import {greatCircleKm, intersectDiscs, maxDistanceKm, plausibility, type Disc, type FromPoint} from './physics.js'
import {flips, rttStats} from './stats.js'

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/** The part of DnsClient the engine uses. */
export interface ProbeClient {
  exchange(opts: ExchangeOptions): Promise<Exchange>
}

/** How a target was found. */
export type TargetVia = 'address' | 'name' | 'zone' | 'roots'

/** One address to probe. */
export interface ProbeTarget {
  /** What the user knows it as: the address itself, the name given, the NS name, the root letter's name. */
  target: string
  address: string
  port: number
  family: 4 | 6
  via: TargetVia
  /** The ordinary query that carries NSID (default `. SOA`); `--zone` probes use the zone's SOA. */
  query?: {name: string; type: string}
}

/** The CHAOS TXT names asked. */
export const CHAOS_NAMES = ['hostname.bind', 'id.server', 'version.bind', 'version.server'] as const
export type ChaosName = (typeof CHAOS_NAMES)[number]

/** Identity sources in the order they are preferred for choosing a site. */
export const SOURCE_ORDER: readonly IdentitySource[] = ['nsid', 'hostname.bind', 'id.server']

/**
 * Site coordinates in sites.json are airports or city centres, and a `--from`
 * IATA code is an airport too: claims are judged impossible only when they are
 * farther than light can go plus this margin.
 */
export const PLAUSIBILITY_MARGIN_KM = 100

/**
 * Least time between two rounds of CHAOS questions to one address. BIND's
 * built-in CHAOS view rate-limits (responses-per-second 3, slip 0: the rest
 * are dropped), so asking hostname.bind five times a second loses answers and
 * costs a timeout each; at most twice a second stays under the limit.
 */
export const CHAOS_MIN_GAP_MS = 500

/** Consecutive lost probes after which a target counts as silent (watch events). */
export const SILENT_AFTER = 3

/**
 * What the environment says an identity at an address stands for, when the
 * catalogue cannot tell: the lab publishes its instance list (syd01 at
 * 192.0.2.203 is its Sydney instance), as real operators publish theirs.
 * Consulted only for identities the catalogue leaves 'unknown'.
 */
export interface IdentityBook {
  lookup(address: string, identity: string): {siteCode: string; operator: string; note: string} | null
}

export interface ProbeOptions {
  client: ProbeClient
  clock: Clock
  /** Probes per target; Infinity keeps probing until the deadline or the signal (--watch). */
  count: number
  /** Time between the starts of consecutive probes of one target, ms. */
  intervalMs: number
  /** Per-query timeout, ms (one try: a probe that gets nothing is lost, not retried). */
  timeoutMs: number
  /** Ask the CHAOS names too (default true). */
  chaos?: boolean
  /** Least time between CHAOS rounds to one address (default CHAOS_MIN_GAP_MS); probes in between carry NSID only. */
  chaosGapMs?: number
  /** TCP instead of UDP for every query. */
  tcp?: boolean
  /** Overall bound on the run, ms from its start (on `clock`). Default: no bound but `count`. */
  deadlineMs?: number
  /** Stops the run (Ctrl-C, --watch-duration). In-flight probes are abandoned. */
  signal?: AbortSignal
  /** The client's position (--from), for the plausibility verdicts. */
  from?: FromPoint | null
  marginKm?: number
  /** Targets probed at once (default 256). */
  concurrency?: number
  /** Samples kept per target (older ones are summarised but dropped from `samples`), default 1000. */
  keepSamples?: number
  onEvent?: (e: ProbeEvent) => void
  /** Extra identity knowledge (the lab's instance list). */
  book?: IdentityBook | null
}

// ---------------------------------------------------------------------------------------------
// Samples and events
// ---------------------------------------------------------------------------------------------

/** One CHAOS TXT answer. */
export interface ChaosAnswer {
  /** TXT strings of the answer (each record's strings joined); empty when there was none. */
  values: string[]
  rcode: string | null
  rttMs: number | null
  error: {code: string; message: string} | null
}

/** One probe of one address. */
export interface Sample {
  /** 0-based probe number. */
  index: number
  /** When the probe started, ms since the run started (on the engine's clock). */
  atMs: number
  /** RTT of the ordinary query; null when it got no reply. */
  rttMs: number | null
  rcode: string | null
  aa: boolean | null
  transport: 'udp' | 'tcp'
  /** UDP source port of the ordinary query (a new one per probe), when known. */
  localPort: number | null
  /** NSID as text, or as hex when not printable; null when absent or empty. */
  nsid: string | null
  nsidHex: string | null
  error: {code: string; message: string} | null
  chaos: Partial<Record<ChaosName, ChaosAnswer>>
}

/** The identity of one probe: the first source that answered (NSID, hostname.bind, id.server). */
export interface ProbeIdentity {
  source: IdentitySource
  identity: string
  siteCode: string | null
}

export type ProbeEvent =
  | {type: 'sample'; target: ProbeTarget; sample: Sample; identity: ProbeIdentity | null}
  /** The first identity seen for a target, or a change of it (with `siteChanged` when the decoded site changed too). */
  | {type: 'change'; target: ProbeTarget; atMs: number; index: number; from: ProbeIdentity | null; to: ProbeIdentity; siteChanged: boolean; rttMs: number | null}
  /** SILENT_AFTER consecutive probes got nothing at all. */
  | {type: 'silent'; target: ProbeTarget; atMs: number; index: number}
  /** Answering again after being silent. */
  | {type: 'back'; target: ProbeTarget; atMs: number; index: number}
  | {type: 'target-done'; target: ProbeTarget; result: TargetResult}

// ---------------------------------------------------------------------------------------------
// Results (the JSON shape: schemas/anycast-probe.json)
// ---------------------------------------------------------------------------------------------

export interface RttJson {
  min: number | null
  median: number | null
  p95: number | null
  max: number | null
  mean: number | null
  jitter: number | null
}

export interface SiteJson extends DecodedSite {
  /** IATA / UN/LOCODE / private table. */
  codeSystem: string | null
  /** The identity source and string the site was read from. */
  source: IdentitySource
  identity: string
  confidence: Decoded['confidence']
}

export interface PlausibilityJson {
  verdict: 'consistent' | 'impossible' | 'unverifiable'
  /** Why, in words ("no --from given", "NL AMS is 6200 km away but 12.1 ms allows 1193 km"). */
  reason: string
  /** Site code the verdict is about (for impossible: the offending one). */
  site: string | null
  rttMinMs: number | null
  distanceKm: number | null
  maxKm: number | null
}

/** A site seen at this address, with the fastest packet that claimed it. */
export interface SiteSeenJson {
  code: string
  name: string
  country: string
  lat: number
  lon: number
  sources: IdentitySource[]
  /** Probes whose identity (any source) decoded to this site. */
  probes: number
  /** RTT of the fastest packet carrying a claim of this site. */
  rttMinMs: number | null
  plausibility: PlausibilityJson
}

export interface DecodedJson {
  source: IdentitySource
  raw: string
  count: number
  operator: string | null
  format: string | null
  siteCode: string | null
  codeSystem: string | null
  site: DecodedSite | null
  confidence: Decoded['confidence']
  instance?: string
  fitsOperator?: boolean
  expectedOperators?: string[]
  software?: Decoded['software']
  note?: string
}

export interface FlipsJson {
  /** Identity changes between consecutive answered probes, for `source`. */
  count: number
  /** The identity source flips are counted on (the first of nsid, hostname.bind, id.server that answered). */
  source: IdentitySource | null
  distinct: {identity: string; count: number; siteCode: string | null}[]
  /** Probes without an identity from `source`. */
  missing: number
  /** Changes counted on every source. */
  bySource: Record<IdentitySource, number>
  /** Changes of decoded site (not just of instance) on `source`. */
  siteChanges: number
}

export interface HintJson {
  /** InterceptionHint codes, plus `software-version` and `missing-nsid`. */
  code: InterceptionHint['code'] | 'software-version' | 'missing-nsid'
  message: string
}

export interface SampleJson {
  index: number
  atMs: number
  rttMs: number | null
  rcode: string | null
  aa: boolean | null
  localPort: number | null
  nsid: string | null
  chaos: Partial<Record<ChaosName, {values: string[]; rcode: string | null; rttMs: number | null; error: string | null}>>
  error: string | null
  /** The probe's identity (see ProbeIdentity). */
  identity: string | null
  siteCode: string | null
}

export interface TargetResult {
  target: string
  address: string
  port: number
  family: 4 | 6
  via: TargetVia
  query: {name: string; type: string; class: 'IN'}
  transport: 'udp' | 'tcp'
  /** Probes sent. */
  probes: number
  /** Probes whose ordinary query got a reply. */
  answered: number
  /** Probes that got no reply at all (neither the query nor any CHAOS name). */
  lost: number
  rttMs: RttJson
  identities: Record<'nsid' | ChaosName, string[]>
  decoded: DecodedJson[]
  site: SiteJson | null
  /** The site code even when sites.json does not know the place (site is then null). */
  siteCode: string | null
  sites: SiteSeenJson[]
  plausibility: PlausibilityJson
  flips: FlipsJson
  hints: HintJson[]
  samples: SampleJson[]
  /** Samples left out of `samples` (long --watch runs). */
  samplesOmitted: number
  /** The last error, when nothing at all answered. */
  error: {code: string; message: string} | null
}

export interface ClientRegionJson {
  /** The --from position, when given. */
  from: {label: string; lat: number; lon: number} | null
  /** Discs intersected: one per (address, site) claim with an RTT. */
  discs: number
  /** false when two claims cannot both be true. */
  consistent: boolean
  /** Where the client must be (approximate bound), when the claims agree. */
  region: {lat: number; lon: number; radiusKm: number; near: {code: string; name: string; country: string; distanceKm: number} | null} | null
  /** The two claims that contradict each other. */
  conflicting: [string, string] | null
}

export interface ProbeRun {
  targets: TargetResult[]
  client: ClientRegionJson
  marginKm: number
  elapsedMs: number
  /** complete: every probe was sent; deadline: the overall deadline stopped it; aborted: the signal did. */
  stopped: 'complete' | 'deadline' | 'aborted'
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

function r3(x: number): number {
  return Math.round(x * 1000) / 1000
}

function r1(x: number): number {
  return Math.round(x * 10) / 10
}

function num(x: number): number | null {
  return Number.isFinite(x) ? r3(x) : null
}

/** TXT strings of the answers to a CHAOS question (each record's strings joined). */
function txtValues(ex: Exchange, name: string): string[] {
  const out: string[] = []
  for (const rr of ex.message?.answers ?? []) {
    if (rr.type !== 'TXT' || String(rr.name).toLowerCase().replace(/\.$/, '') !== name) continue
    const data = (rr as {data?: unknown}).data
    const parts = Array.isArray(data) ? data : [data]
    out.push(parts.map((p) => (Buffer.isBuffer(p) ? p.toString('utf8') : String(p ?? ''))).join(''))
  }
  return out
}

function sampleIdentity(s: Sample, source: IdentitySource): string | null {
  if (source === 'nsid') return s.nsid
  const v = s.chaos[source]?.values.find((x) => x.trim() !== '')
  return v ?? null
}

/** RTT of the packet that carried `source`'s identity in sample `s`. */
function claimRtt(s: Sample, source: IdentitySource): number | null {
  return source === 'nsid' ? s.rttMs : s.chaos[source]?.rttMs ?? null
}

function answeredAnything(s: Sample): boolean {
  return s.rcode !== null || Object.values(s.chaos).some((c) => c?.rcode !== null && c?.rcode !== undefined)
}

/** Per-target cache of decodeIdentity results. */
class Decoder {
  private readonly cache = new Map<string, Decoded>()
  constructor(private readonly address: string, private readonly book?: IdentityBook | null) {}
  decode(identity: string, source: IdentitySource): Decoded {
    const key = `${source}\u0000${identity}`
    let d = this.cache.get(key)
    if (!d) {
      d = decodeIdentity(identity, {source, address: this.address})
      if (d.confidence === 'unknown' && this.book) d = fromBook(d, this.book, this.address)
      this.cache.set(key, d)
    }
    return d
  }
}

function fromBook(d: Decoded, book: IdentityBook, address: string): Decoded {
  const b = book.lookup(address, d.identity)
  if (!b) return d
  const site = lookupSite(b.siteCode, 'iata')
  return {
    ...d,
    operator: b.operator,
    format: 'book',
    siteCode: site?.code ?? b.siteCode.toUpperCase(),
    codeSystem: 'iata',
    site: site ? {code: site.code, name: site.name, country: site.country, lat: site.lat, lon: site.lon} : null,
    confidence: 'unverified',
    note: b.note,
  }
}

/** The identity of one probe: the first of nsid, hostname.bind, id.server present in it. */
export function probeIdentity(s: Sample, decoder: {decode(identity: string, source: IdentitySource): Decoded}, prefer?: IdentitySource | null): ProbeIdentity | null {
  const order = prefer ? [prefer, ...SOURCE_ORDER.filter((x) => x !== prefer)] : SOURCE_ORDER
  for (const source of order) {
    const identity = sampleIdentity(s, source)
    if (identity === null) continue
    return {source, identity, siteCode: decoder.decode(identity, source).siteCode}
  }
  return null
}

function describeSite(s: {code: string; name?: string; country?: string}): string {
  return s.name ? `${s.code} (${s.name}, ${s.country})` : s.code
}

function verdictFor(rttMin: number | null, from: FromPoint | null | undefined, site: DecodedSite | null, code: string | null, marginKm: number): PlausibilityJson {
  const base = {site: code, rttMinMs: rttMin === null ? null : r3(rttMin), distanceKm: null, maxKm: null}
  if (rttMin === null) return {...base, verdict: 'unverifiable', reason: 'no RTT for the claim'}
  const maxKm = maxDistanceKm(rttMin)
  if (!site) return {...base, maxKm: r1(maxKm), verdict: 'unverifiable', reason: code ? `site ${code} is not in the site table` : 'no site could be decoded from the identities'}
  if (!from) return {...base, maxKm: r1(maxKm), verdict: 'unverifiable', reason: 'no --from given (see the client region)'}
  const p = plausibility(rttMin, from, site, {marginKm})
  const distanceKm = r1(p.distanceKm ?? 0)
  const place = describeSite(site)
  const reason =
    p.verdict === 'impossible'
      ? `${place} is ${Math.round(distanceKm)} km from ${from.label}, but ${r3(rttMin)} ms allows at most ${Math.round(maxKm)} km (+${marginKm} km margin): the answer came from closer (interception or a mislabelled site)`
      : `${place} is ${Math.round(distanceKm)} km from ${from.label}; ${r3(rttMin)} ms allows up to ${Math.round(maxKm)} km`
  return {...base, distanceKm, maxKm: r1(maxKm), verdict: p.verdict, reason}
}

/** Software whose banner at a catalogued operator's address means a home router or local box answered. */
const HOME_SOFTWARE = new Set(['dnsmasq', 'local-hostname'])

/** Addresses where a home router or local resolver is expected to answer. */
function isLocalAddress(address: string): boolean {
  const a = parseAddress(address)
  if (!a) return true
  return ['private', 'loopback', 'linkLocal', 'carrierGradeNat', 'uniqueLocal', 'unspecified'].includes(a.range())
}

function extraHints(address: string, identities: TargetResult['identities'], samples: Sample[], already: HintJson[]): HintJson[] {
  let bound: ReturnType<typeof operatorsForAddress>
  try {
    bound = operatorsForAddress(address)
  } catch {
    return []
  }
  const hints: HintJson[] = []
  const expected = bound.map((op) => op.operator).join(' / ')
  // A home-router banner (dnsmasq, OpenWrt ...) from an operator's address, or from any
  // non-local address: the classic transparent interception by a router or CPE on the path.
  {
    const local = isLocalAddress(address)
    const identityHinted = already.some((h) => h.code === 'software-identity')
    outer: for (const name of ['version.bind', 'version.server', 'hostname.bind', 'id.server'] as const) {
      if (identityHinted && !name.startsWith('version.')) continue
      for (const v of identities[name]) {
        const sw = matchSoftware(v)
        if (!sw || !HOME_SOFTWARE.has(sw.id)) continue
        if (bound.length === 0 && local) break outer
        const owner = bound.length > 0 ? `${address} belongs to ${expected} but` : `${address} is not a local address, yet it`
        hints.push({
          code: name.startsWith('version.') ? 'software-version' : 'software-identity',
          message: `${owner} answered ${name} with "${v}", which looks like ${sw.name}${sw.typical ? ` (typical of ${sw.typical})` : ''}: queries to it are probably intercepted or answered by a box on the path`,
        })
        break outer
      }
    }
  }
  if (bound.length === 0) return hints
  // An operator known (from real, non-illustrative examples) to send NSID did not send it.
  const sendsNsid = bound.filter((op) => op.examples.some((e) => e.source === 'nsid' && !e.illustrative))
  const replies = samples.filter((s) => s.rcode !== null)
  if (sendsNsid.length > 0 && replies.length > 0 && replies.every((s) => s.nsid === null)) {
    hints.push({
      code: 'missing-nsid',
      message: `${address} belongs to ${sendsNsid.map((op) => op.operator).join(' / ')}, which answers NSID, but none of ${replies.length} replies carried one: a middlebox may be answering or proxying queries to it`,
    })
  }
  return hints
}

// ---------------------------------------------------------------------------------------------
// Summary (pure)
// ---------------------------------------------------------------------------------------------

export interface SummaryContext {
  from?: FromPoint | null
  marginKm?: number
  transport?: 'udp' | 'tcp'
  /** Probes sent (default samples.length). */
  sent?: number
  /** Samples dropped before these (long watch runs), whose RTTs are in `extraRtts`. */
  omitted?: number
  keepSamples?: number
  book?: IdentityBook | null
}

/**
 * Turn one target's samples into its result: RTT statistics (from the ordinary
 * query), distinct identities per source, their decoding, the site (the most
 * frequent decoded site of the preferred source), every site seen with the RTT
 * of the fastest packet that claimed it and its plausibility, flips, and
 * interception hints.
 */
export function summarizeTarget(target: ProbeTarget, samples: Sample[], ctx: SummaryContext = {}): TargetResult {
  const marginKm = ctx.marginKm ?? PLAUSIBILITY_MARGIN_KM
  const decoder = new Decoder(target.address, ctx.book)
  const query = target.query ?? {name: '', type: 'SOA'}
  const rtts = samples.map((s) => s.rttMs).filter((x): x is number => x !== null)
  const st = rttStats(rtts)

  // identities, distinct, in order of first appearance
  const identities: TargetResult['identities'] = {nsid: [], 'hostname.bind': [], 'id.server': [], 'version.bind': [], 'version.server': []}
  const counts = new Map<string, number>()
  const push = (key: keyof TargetResult['identities'], v: string | null) => {
    if (v === null || v.trim() === '') return
    if (!identities[key].includes(v)) identities[key].push(v)
    const k = `${key}\u0000${v}`
    counts.set(k, (counts.get(k) ?? 0) + 1)
  }
  for (const s of samples) {
    push('nsid', s.nsid)
    for (const name of CHAOS_NAMES) for (const v of s.chaos[name]?.values ?? []) push(name, v)
  }

  // decoding of each distinct identity
  const decoded: DecodedJson[] = []
  for (const source of SOURCE_ORDER) {
    for (const raw of identities[source]) {
      const d = decoder.decode(raw, source)
      const j: DecodedJson = {
        source,
        raw,
        count: counts.get(`${source}\u0000${raw}`) ?? 0,
        operator: d.operator,
        format: d.format,
        siteCode: d.siteCode,
        codeSystem: d.codeSystem,
        site: d.site,
        confidence: d.confidence,
      }
      if (d.instance !== undefined) j.instance = d.instance
      if (d.fitsOperator !== undefined) j.fitsOperator = d.fitsOperator
      if (d.expectedOperators) j.expectedOperators = d.expectedOperators
      if (d.software) j.software = d.software
      if (d.note) j.note = d.note
      decoded.push(j)
    }
  }

  // the preferred source: the first that answered at all
  const primary = SOURCE_ORDER.find((src) => identities[src].length > 0) ?? null
  const bySource = {} as Record<IdentitySource, number>
  for (const src of SOURCE_ORDER) bySource[src] = flips(samples.map((s) => sampleIdentity(s, src))).count
  const f = primary ? flips(samples.map((s) => sampleIdentity(s, primary))) : {count: 0, distinct: [], missing: samples.length}
  const siteSeq = primary ? samples.map((s) => {
    const id = sampleIdentity(s, primary)
    return id === null ? null : decoder.decode(id, primary).siteCode ?? `?${id}`
  }) : []
  const flipsJson: FlipsJson = {
    count: f.count,
    source: primary,
    distinct: f.distinct.map((d) => ({identity: d.identity, count: d.count, siteCode: primary ? decoder.decode(d.identity, primary).siteCode : null})),
    missing: f.missing,
    bySource,
    siteChanges: flips(siteSeq).count,
  }

  // every site claimed, with the fastest packet claiming it
  const seen = new Map<string, {site: DecodedSite | null; sources: Set<IdentitySource>; probes: Set<number>; rttMin: number | null}>()
  for (const s of samples) {
    for (const source of SOURCE_ORDER) {
      const id = sampleIdentity(s, source)
      if (id === null) continue
      const d = decoder.decode(id, source)
      if (!d.siteCode) continue
      let e = seen.get(d.siteCode)
      if (!e) {
        e = {site: d.site, sources: new Set(), probes: new Set(), rttMin: null}
        seen.set(d.siteCode, e)
      }
      e.sources.add(source)
      e.probes.add(s.index)
      const rtt = claimRtt(s, source)
      if (rtt !== null && (e.rttMin === null || rtt < e.rttMin)) e.rttMin = rtt
    }
  }
  const sites: SiteSeenJson[] = []
  for (const [code, e] of seen) {
    if (!e.site) continue
    sites.push({
      ...e.site,
      sources: SOURCE_ORDER.filter((x) => e.sources.has(x)),
      probes: e.probes.size,
      rttMinMs: e.rttMin === null ? null : r3(e.rttMin),
      plausibility: verdictFor(e.rttMin, ctx.from, e.site, code, marginKm),
    })
  }

  // the site: most frequent decoded site of the preferred source, else of the others
  let site: SiteJson | null = null
  let siteCode: string | null = null
  for (const source of SOURCE_ORDER) {
    const tally = new Map<string, {n: number; identity: string; d: Decoded}>()
    for (const s of samples) {
      const id = sampleIdentity(s, source)
      if (id === null) continue
      const d = decoder.decode(id, source)
      if (!d.siteCode) continue
      const t = tally.get(d.siteCode)
      if (t) t.n++
      else tally.set(d.siteCode, {n: 1, identity: id, d})
    }
    let best: {n: number; identity: string; d: Decoded} | null = null
    for (const t of tally.values()) if (!best || t.n > best.n) best = t
    if (best) {
      siteCode = best.d.siteCode
      site = best.d.site
        ? {...best.d.site, codeSystem: best.d.codeSystem, source, identity: best.identity, confidence: best.d.confidence}
        : null
      break
    }
  }

  // plausibility of the target: impossible if any claim is; else the chosen site's verdict
  const answered = samples.filter(answeredAnything)
  let verdict: PlausibilityJson
  const impossible = sites.filter((x) => x.plausibility.verdict === 'impossible')
  if (answered.length === 0) {
    verdict = {verdict: 'unverifiable', reason: 'no answer', site: null, rttMinMs: null, distanceKm: null, maxKm: null}
  } else if (impossible.length > 0) {
    verdict = impossible[0]!.plausibility
  } else if (siteCode !== null) {
    const e = sites.find((x) => x.code === siteCode)
    verdict = e ? e.plausibility : verdictFor(st.count ? st.min : null, ctx.from, null, siteCode, marginKm)
  } else {
    verdict = verdictFor(st.count ? st.min : null, ctx.from, null, null, marginKm)
  }

  // hints
  const hints: HintJson[] = []
  try {
    hints.push(...interceptionHints(target.address, {nsid: identities.nsid, 'hostname.bind': identities['hostname.bind'], 'id.server': identities['id.server']}))
  } catch {
    // not an IP address: nothing to say
  }
  hints.push(...extraHints(target.address, identities, samples, hints))

  const keep = ctx.keepSamples ?? Infinity
  const kept = samples.length > keep ? samples.slice(samples.length - keep) : samples
  const samplesJson: SampleJson[] = kept.map((s) => {
    const id = probeIdentity(s, decoder, primary)
    const chaos: SampleJson['chaos'] = {}
    for (const name of CHAOS_NAMES) {
      const c = s.chaos[name]
      if (c) chaos[name] = {values: c.values, rcode: c.rcode, rttMs: c.rttMs === null ? null : r3(c.rttMs), error: c.error?.message ?? null}
    }
    return {
      index: s.index,
      atMs: r3(s.atMs),
      rttMs: s.rttMs === null ? null : r3(s.rttMs),
      rcode: s.rcode,
      aa: s.aa,
      localPort: s.localPort,
      nsid: s.nsid,
      chaos,
      error: s.error?.message ?? null,
      identity: id?.identity ?? null,
      siteCode: id?.siteCode ?? null,
    }
  })

  let error: TargetResult['error'] = null
  if (answered.length === 0) {
    const last = [...samples].reverse().find((s) => s.error)
    error = last?.error ?? {code: 'no-probe', message: 'no probe was sent (deadline)'}
  }

  return {
    target: target.target,
    address: target.address,
    port: target.port,
    family: target.family,
    via: target.via,
    query: {name: fqdn(query.name), type: query.type, class: 'IN'},
    transport: ctx.transport ?? samples[0]?.transport ?? 'udp',
    probes: ctx.sent ?? samples.length,
    answered: samples.filter((s) => s.rcode !== null).length,
    lost: samples.length - answered.length,
    rttMs: {min: num(st.min), median: num(st.median), p95: num(st.p95), max: num(st.max), mean: num(st.mean), jitter: num(st.jitter)},
    identities,
    decoded,
    site,
    siteCode,
    sites,
    plausibility: verdict,
    flips: flipsJson,
    hints,
    samples: samplesJson,
    samplesOmitted: (ctx.omitted ?? 0) + (samples.length - kept.length),
    error,
  }
}

/** The place in sites.json closest to a point (IATA airports and metro codes). */
export function nearestPlace(p: {lat: number; lon: number}): {code: string; name: string; country: string; distanceKm: number} | null {
  let best: {code: string; name: string; country: string; distanceKm: number} | null = null
  for (const s of allSites()) {
    if (s.kind !== 'iata' && s.kind !== 'iata-metro') continue
    const d = greatCircleKm(p, s)
    if (!best || d < best.distanceKm - 1e-9 || (Math.abs(d - best.distanceKm) < 1e-9 && s.kind === 'iata-metro')) best = {code: s.code, name: s.name, country: s.country, distanceKm: r1(d)}
  }
  return best
}

/**
 * Where the client must be: the intersection of the discs "within
 * maxDistanceKm(rtt) + margin of site X" of every located claim of every
 * target, or the two claims that contradict each other.
 */
export function clientRegion(targets: TargetResult[], opts: {from?: FromPoint | null; marginKm?: number} = {}): ClientRegionJson {
  const marginKm = opts.marginKm ?? PLAUSIBILITY_MARGIN_KM
  const discs: Disc[] = []
  for (const t of targets) {
    for (const s of t.sites) {
      if (s.rttMinMs === null) continue
      discs.push({lat: s.lat, lon: s.lon, radiusKm: maxDistanceKm(s.rttMinMs) + marginKm, label: `${t.target === t.address ? t.address : `${t.target} (${t.address})`} at ${s.code}`})
    }
  }
  const from = opts.from ? {label: opts.from.label, lat: opts.from.lat, lon: opts.from.lon} : null
  if (discs.length === 0) return {from, discs: 0, consistent: true, region: null, conflicting: null}
  const x = intersectDiscs(discs)
  if (!x.consistent) return {from, discs: discs.length, consistent: false, region: null, conflicting: x.conflicting ?? null}
  const region = x.region ? {...x.region, near: nearestPlace(x.region)} : null
  return {from, discs: discs.length, consistent: true, region, conflicting: null}
}

// ---------------------------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------------------------

function chaosQuestion(name: ChaosName): Question {
  return {name, type: 'TXT', class: 'CH'}
}

/** One probe: the ordinary query with NSID and the CHAOS questions, sent together. */
async function probeOnce(target: ProbeTarget, index: number, atMs: number, opts: ProbeOptions, timeoutMs: number, askChaos: boolean): Promise<Sample> {
  const server = {address: target.address, port: target.port}
  const q = target.query ?? {name: '', type: 'SOA'}
  const base = {server, rd: false, tcp: Boolean(opts.tcp), timeoutMs, retries: 0}
  const main = opts.client.exchange({...base, question: {name: q.name, type: q.type, class: 'IN'}, edns: {nsid: true}})
  const chaos = !askChaos ? [] : CHAOS_NAMES.map((name) => opts.client.exchange({...base, question: chaosQuestion(name), edns: false}))
  const [ex, ...cx] = await Promise.all([main, ...chaos])
  const m = ex!.message
  const nsid = m?.edns?.nsid ?? null
  const nsidHex = nsid && nsid.hex !== '' ? nsid.hex : null
  const sample: Sample = {
    index,
    atMs,
    rttMs: m ? ex!.rttMs : null,
    rcode: m ? m.rcode : null,
    aa: m ? m.flags.aa : null,
    transport: ex!.transport,
    localPort: ex!.attempts[ex!.attempts.length - 1]?.localPort ?? null,
    nsid: nsidHex === null ? null : nsid!.text ?? `0x${nsidHex}`,
    nsidHex,
    error: m ? null : ex!.error ?? {code: 'timeout', message: 'no reply'},
    chaos: {},
  }
  cx.forEach((c, i) => {
    const name = CHAOS_NAMES[i]!
    sample.chaos[name] = {
      values: c.message ? txtValues(c, name) : [],
      rcode: c.message ? c.message.rcode : null,
      rttMs: c.message ? c.rttMs : null,
      error: c.message ? null : c.error ?? {code: 'timeout', message: 'no reply'},
    }
  })
  return sample
}

class AbortedError extends Error {}

function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p
  if (signal.aborted) return Promise.reject(new AbortedError())
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortedError())
    signal.addEventListener('abort', onAbort, {once: true})
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e) => {
        signal.removeEventListener('abort', onAbort)
        reject(e)
      },
    )
  })
}

/**
 * Probe every target concurrently and summarise. Resolves when every target
 * has sent `count` probes, or the deadline passed, or the signal fired
 * (the samples gathered so far are summarised in every case).
 */
export async function probeTargets(targets: ProbeTarget[], opts: ProbeOptions): Promise<ProbeRun> {
  const clock = opts.clock
  const start = clock.now()
  const deadline = opts.deadlineMs === undefined ? Infinity : start + opts.deadlineMs
  const marginKm = opts.marginKm ?? PLAUSIBILITY_MARGIN_KM
  const keep = opts.keepSamples ?? 1000
  const emit = opts.onEvent ?? (() => {})
  let stopped: ProbeRun['stopped'] = 'complete'
  // A timer-free deadline: sleeps are cut short, and no probe starts after it.
  const stopCtl = new AbortController()
  const onOuterAbort = () => stopCtl.abort()
  opts.signal?.addEventListener('abort', onOuterAbort, {once: true})
  if (opts.signal?.aborted) stopCtl.abort()

  const results: TargetResult[] = new Array(targets.length)

  async function runTarget(t: ProbeTarget, slot: number): Promise<void> {
    const samples: Sample[] = []
    const decoder = new Decoder(t.address, opts.book)
    let sent = 0
    let omitted = 0
    const last: Partial<Record<IdentitySource, ProbeIdentity>> = {}
    let lastId: ProbeIdentity | null = null
    let lostRun = 0
    let silent = false
    let lastChaos = -Infinity
    const chaosGap = opts.chaosGapMs ?? CHAOS_MIN_GAP_MS
    const tStart = clock.now()
    for (let i = 0; i < opts.count; i++) {
      if (stopCtl.signal.aborted) break
      const now = clock.now()
      if (now >= deadline) {
        if (stopped === 'complete') stopped = 'deadline'
        break
      }
      const timeoutMs = Math.max(1, Math.min(opts.timeoutMs, deadline - now))
      const askChaos = opts.chaos !== false && now - lastChaos >= chaosGap
      if (askChaos) lastChaos = now
      let sample: Sample
      try {
        sample = await abortable(probeOnce(t, i, now - start, opts, timeoutMs, askChaos), stopCtl.signal)
      } catch (err) {
        if (err instanceof AbortedError) break
        throw err
      }
      if (timeoutMs < opts.timeoutMs && clock.now() >= deadline && !answeredAnything(sample)) {
        // cut short by the overall deadline (the end of --watch): not a lost probe
        if (stopped === 'complete') stopped = 'deadline'
        break
      }
      sent++
      samples.push(sample)
      if (samples.length > keep * 2) {
        // Long --watch runs: keep RTT statistics honest by summarising only what is kept.
        const drop = samples.length - keep
        samples.splice(0, drop)
        omitted += drop
      }
      // events
      // the probe's identity: prefer a source that answered before too, so a missing NSID is not a change
      const present = SOURCE_ORDER.filter((source) => sampleIdentity(sample, source) !== null)
      const src = present.find((source) => last[source] !== undefined) ?? present[0]
      let id: ProbeIdentity | null = null
      if (src) {
        const v = sampleIdentity(sample, src)!
        id = {source: src, identity: v, siteCode: decoder.decode(v, src).siteCode}
      }
      emit({type: 'sample', target: t, sample, identity: id})
      if (answeredAnything(sample)) {
        if (silent) emit({type: 'back', target: t, atMs: sample.atMs, index: i})
        silent = false
        lostRun = 0
      } else if (++lostRun === SILENT_AFTER && !silent) {
        silent = true
        emit({type: 'silent', target: t, atMs: sample.atMs, index: i})
      }
      if (id) {
        const prev = last[id.source] ?? null
        if (prev === null && lastId === null) {
          emit({type: 'change', target: t, atMs: sample.atMs, index: i, from: null, to: id, siteChanged: true, rttMs: claimRtt(sample, id.source)})
        } else if (prev !== null && prev.identity !== id.identity) {
          emit({type: 'change', target: t, atMs: sample.atMs, index: i, from: prev, to: id, siteChanged: prev.siteCode !== id.siteCode, rttMs: claimRtt(sample, id.source)})
        }
        lastId = id
      }
      for (const source of SOURCE_ORDER) {
        const v = sampleIdentity(sample, source)
        if (v !== null) last[source] = {source, identity: v, siteCode: decoder.decode(v, source).siteCode}
      }
      if (i + 1 >= opts.count) break
      const next = tStart + (i + 1) * opts.intervalMs
      const wait = Math.min(next, deadline) - clock.now()
      if (wait > 0) await clock.sleep(wait, stopCtl.signal)
    }
    const result = summarizeTarget(t, samples, {from: opts.from, marginKm, transport: opts.tcp ? 'tcp' : 'udp', sent, omitted, keepSamples: keep, book: opts.book})
    results[slot] = result
    emit({type: 'target-done', target: t, result})
  }

  // bounded concurrency
  const limit = Math.max(1, opts.concurrency ?? 256)
  let next = 0
  const workers = Array.from({length: Math.min(limit, targets.length)}, async () => {
    while (next < targets.length) {
      const slot = next++
      await runTarget(targets[slot]!, slot)
    }
  })
  try {
    await Promise.all(workers)
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort)
  }
  if (opts.signal?.aborted) stopped = 'aborted'
  return {
    targets: results,
    client: clientRegion(results, {from: opts.from, marginKm}),
    marginKm,
    elapsedMs: r3(clock.now() - start),
    stopped,
  }
}
