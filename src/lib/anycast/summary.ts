/**
 * From samples to the reported result, pure: RTT statistics, identity decoding and site choice,
 * flips, interception hints, and the speed-of-light plausibility of each claim
 * ({@link summarizeTarget}, {@link clientRegion}).
 */
import type {Exchange} from '../dns/client.js'
import {fqdn} from '../dns/names.js'
import {allSites, lookupSite, operatorsForAddress, parseAddress, type IdentitySource} from './catalogue.js'
import {decodeIdentity, interceptionHints, matchSoftware, type Decoded, type DecodedSite} from './decode.js'
import {greatCircleKm, intersectDiscs, maxDistanceKm, plausibility, type Disc, type FromPoint} from './physics.js'
import {flips, rttStats} from './stats.js'
import {CHAOS_NAMES, PLAUSIBILITY_MARGIN_KM, SOURCE_ORDER, type ClientRegionJson, type DecodedJson, type FlipsJson, type HintJson, type IdentityBook, type PlausibilityJson, type ProbeIdentity, type ProbeTarget, type Sample, type SampleJson, type SiteJson, type SiteSeenJson, type TargetResult} from './model.js'
import {count} from '../words.js'

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

export function r3(x: number): number {
  return Math.round(x * 1000) / 1000
}

function r1(x: number): number {
  return Math.round(x * 10) / 10
}

function num(x: number): number | null {
  return Number.isFinite(x) ? r3(x) : null
}

/** TXT strings of the answers to a CHAOS question (each record's strings joined). */
export function txtValues(ex: Exchange, name: string): string[] {
  const out: string[] = []
  for (const rr of ex.message?.answers ?? []) {
    if (rr.type !== 'TXT' || String(rr.name).toLowerCase().replace(/\.$/, '') !== name) continue
    const data = (rr as {data?: unknown}).data
    const parts = Array.isArray(data) ? data : [data]
    out.push(parts.map((p) => (Buffer.isBuffer(p) ? p.toString('utf8') : String(p ?? ''))).join(''))
  }
  return out
}

export function sampleIdentity(s: Sample, source: IdentitySource): string | null {
  if (source === 'nsid') return s.nsid
  const v = s.chaos[source]?.values.find((x) => x.trim() !== '')
  return v ?? null
}

/** RTT of the packet that carried `source`'s identity in sample `s`. */
export function claimRtt(s: Sample, source: IdentitySource): number | null {
  return source === 'nsid' ? s.rttMs : s.chaos[source]?.rttMs ?? null
}

export function answeredAnything(s: Sample): boolean {
  return s.rcode !== null || Object.values(s.chaos).some((c) => c?.rcode !== null && c?.rcode !== undefined)
}

/** Per-target cache of decodeIdentity results. */
export class Decoder {
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
      message: `${address} belongs to ${sendsNsid.map((op) => op.operator).join(' / ')}, which answers NSID, but none of ${count(replies.length, 'reply')} carried one: a middlebox may be answering or proxying queries to it`,
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
