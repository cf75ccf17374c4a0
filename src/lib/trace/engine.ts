/**
 * The trace engine: iterative resolution from the root hints as a sans-I/O
 * state machine. It is a generator that yields the queries it wants sent (one,
 * or several in parallel under --all) and is resumed with their outcomes; a
 * driver (driver.ts) does the I/O, tests script the outcomes by hand.
 *
 * What it does (see README "dnsx trace"): primes the root (RFC 9609), follows
 * referrals, accepts only in-bailiwick glue, resolves glueless NS names with
 * nested sub-traces, follows CNAME/DNAME chains across zones from the closest
 * known cut, moves to the next server on lame/dead ones, and bounds all work.
 */
import type {DnsMessage, Rr} from '../dns/message.js'
import {ancestorAt, canonicalName, fqdn, isSubdomain, labelCount, MAX_NAME_WIRE, wireLength} from '../dns/names.js'
import {typeName} from '../dns/types.js'
import {classifyResponse, rrData, rrName, rrType, type Classification, type StepKind} from './classify.js'
import {count} from '../words.js'

export interface ServerRef {
  name: string | null
  address: string
}

/** A query the engine wants sent (RD=0, EDNS). */
export interface TraceQuery {
  id: number
  server: ServerRef
  qname: string
  qtype: string
  zone: string | null
  purpose: StepPurpose
  depth: number
  /** The overall deadline (absolute, on the engine's clock): no exchange may outlive it. */
  deadline?: number
}

export type StepPurpose = 'prime' | 'main' | 'ns-address' | 'child-ns' | 'child-address'

/** What came back for a query (a subset of the client's Exchange). */
export interface TraceOutcome {
  message: DnsMessage | null
  error: {code: string, message: string, ignoredSummary?: string} | null
  rttMs: number
  transport: 'udp' | 'tcp'
  transportReason: string
  /** Tries after the first (timeouts, TCP after TC, EDNS fallback). */
  retries?: number
  /** The whole exchange, every try included (ms). */
  totalMs?: number
  /** The server rejected EDNS and the reply came without it. */
  ednsFallback?: boolean
  /** Why each packet that was not accepted as the reply was ignored (wrong ID, malformed...). */
  ignored?: string[]
}

export type NsLabel = 'in-domain' | 'sibling' | 'glueless'

export interface NsInfo {
  name: string
  label: NsLabel
  /** Addresses from glue (or from resolving the name). */
  addresses: string[]
  /** Glue we were given (in-bailiwick only). */
  glue: string[]
  resolved: boolean
}

export interface TraceStep {
  index: number
  depth: number
  purpose: StepPurpose
  /** For ns-address steps: the NS name being resolved. */
  for?: string
  zone: string | null
  qname: string
  qtype: string
  server: ServerRef
  transport: 'udp' | 'tcp'
  transportReason: string
  rttMs: number | null
  /** Present when the exchange needed more than one try. */
  retries?: number
  /** With retries: the time the exchange took, every try included (ms). */
  spentMs?: number
  /** Present (true) when the server rejected EDNS and was asked again without it. */
  ednsFallback?: boolean
  /** Present when packets were ignored (wrong ID or question, malformed, wrong source). */
  ignored?: {count: number, reasons: string[]}
  rcode: string | null
  aa: boolean | null
  kind: StepKind
  /** What this step taught, in words. */
  detail: string
  referral?: {zone: string, ns: {name: string, label: NsLabel, glue: string[]}[]}
  records?: Rr[]
  /** NODATA/NXDOMAIN: the SOA from the authority section (its TTL and MINIMUM bound negative caching). */
  soa?: Rr
}

export interface Problem {
  code: string
  zone: string | null
  server: string | null
  message: string
  /** zone-unreachable: every server of the zone that was tried, and why it was passed over. */
  passedOver?: {server: string | null, address: string, reason: string}[]
}

export interface TraceAnswer {
  rcode: string
  authoritative: boolean
  server: ServerRef | null
  zone: string | null
  /** The whole CNAME/DNAME chain, then the target's records. */
  records: Rr[]
  /** For each record: whether the reply that carried it was authoritative, and from whom. */
  sources: (RecordSource | null)[]
}

export interface RecordSource {
  aa: boolean
  server: ServerRef
  zone: string | null
}

export type ResultKind = 'answer' | 'nodata' | 'nxdomain' | 'error'

export interface TraceResult {
  name: string
  type: string
  kind: ResultKind
  steps: TraceStep[]
  answer: TraceAnswer | null
  problems: Problem[]
  stats: {queries: number, nsLookups: number, referrals: number, cnames: number, elapsedMs: number, limitHit: string | null}
  /** Per-server RTTs observed (ms), by address. */
  servers: {address: string, name: string | null, zone: string | null, queries: number, rttMs: number[], outcomes: Record<string, number>}[]
}

export interface TraceLimits {
  maxQueries: number
  maxReferrals: number
  maxCnames: number
  /** Nesting of glueless NS lookups. */
  maxNsDepth: number
  /**
   * Glueless NS names resolved for one delegation before its servers are given up (the NXNS
   * bound, as resolvers patched in 2020 have); with --all, maxGluelessAll.
   */
  maxGlueless: number
  maxGluelessAll: number
  /** Overall deadline in ms from the start. */
  deadlineMs: number
}

/** RFC 9156 §2.3: at most this many minimised queries per name before sending the full name. */
export const MAX_MINIMISE_COUNT = 10

export const DEFAULT_LIMITS: TraceLimits = {maxQueries: 200, maxReferrals: 30, maxCnames: 12, maxNsDepth: 4, maxGlueless: 5, maxGluelessAll: 20, deadlineMs: 30_000}

export interface TraceOptions {
  name: string
  type: string
  /** Root hints: names and addresses of the root servers. */
  rootHints: {name: string, address: string}[]
  /** Start below the root at these servers (zone unknown). */
  startServers?: string[]
  family: 4 | 6 | 'both'
  /** Query every NS and address at each cut, in parallel, and compare. */
  all?: boolean
  /** QNAME minimisation (RFC 9156): reveal one more label per zone cut, QTYPE A, with fallbacks. */
  qmin?: boolean
  /** Prime the root with NS . (default true unless startServers). */
  prime?: boolean
  limits?: Partial<TraceLimits>
  /** Monotonic clock (ms) for the overall deadline. */
  now: () => number
  /** Progress events. */
  onStep?: (step: TraceStep) => void
  /** Shared delegation cache (bulk traces). */
  cache?: DelegationCache
}

/** Zone cut → its name servers. Shared between traces of one run. */
export class DelegationCache {
  readonly zones = new Map<string, NsInfo[]>()
  /** Addresses of NS names learned by sub-traces. */
  readonly addresses = new Map<string, string[]>()
  /** In-bailiwick glue seen in referrals, by NS name: the parent's word, a fallback. */
  readonly glue = new Map<string, string[]>()
  /** DS, RRSIG and NSEC/NSEC3 records of each referral's authority section, by child zone. */
  readonly referralDs = new Map<string, Rr[]>()
  primed = false
}

class LimitHit extends Error {
  constructor(readonly limit: string, message: string) {
    super(message)
  }
}

type Gen<T> = Generator<TraceQuery[], T, TraceOutcome[]>

interface Resolution {
  kind: ResultKind
  rcode: string
  authoritative: boolean
  server: ServerRef | null
  zone: string | null
  records: Rr[]
}

interface ZoneReply {
  cls: Classification
  msg: DnsMessage
  server: ServerRef
  step: TraceStep
}

const addrFamily = (a: string) => (a.includes(':') ? 6 : 4)

/**
 * The state of resolving one name and type (dnspython's `_Resolution`): where the walk is (the
 * zone and its servers), what it has seen on the way (referrals, CNAME/DNAME targets, the chain
 * so far), and QNAME minimisation's progress below the current cut (RFC 9156 §3). The engine
 * asks it what to send next and tells it what came back; it does no I/O.
 */
class NameResolution {
  /** The name being resolved now (a CNAME/DNAME target once the chain is followed). */
  name: string
  /** CNAME/DNAME records followed so far. */
  readonly chain: Rr[] = []
  /** Every name of the chain, to find loops. */
  readonly seen: Set<string>
  /** CNAMEs and DNAMEs followed. */
  cnames = 0
  zone: string | null = null
  servers: NsInfo[] = []
  /** Referrals followed since the last cut was chosen, and the zones they led to. */
  hops = 0
  visited = new Set<string>()
  private qminLabels = 0
  private qminRounds = 0
  private qminOff = true

  constructor(name: string, readonly type: string, private readonly qmin: boolean) {
    this.name = name
    this.seen = new Set([name])
  }

  /** Start (again) from a zone cut: at the beginning, and after each CNAME or DNAME. */
  startAt(cut: {zone: string | null, servers: NsInfo[]}): void {
    this.zone = cut.zone
    this.servers = cut.servers
    this.hops = 0
    this.visited = new Set()
    this.qminLabels = 0
    this.qminRounds = 0
    this.qminOff = !this.qmin
  }

  /** The question to send next: the full name, or under QNAME minimisation one label more than the cut. */
  question(): {name: string, type: string, minimised: boolean} {
    if (!this.qminOff && this.zone !== null) {
      const want = Math.max(labelCount(this.zone) + 1, this.qminLabels)
      if (want < labelCount(this.name) && this.qminRounds < MAX_MINIMISE_COUNT) {
        this.qminLabels = want
        this.qminRounds++
        return {name: ancestorAt(this.name, want), type: 'A', minimised: true}
      }
    }
    return {name: this.name, type: this.type, minimised: false}
  }

  /** A minimised query failed: ask the full name from now on. */
  stopMinimising(): void {
    this.qminOff = true
  }

  /** A minimised query found no cut at that name: reveal one label more. */
  revealOneMore(): void {
    this.qminLabels++
  }

  /** A minimised query got a referral: below the new cut, start minimising afresh. */
  minimisedReferral(): void {
    this.qminLabels = 0
  }

  /** Follow a referral into `child`. */
  descend(child: string, servers: NsInfo[]): void {
    this.zone = child
    this.servers = servers
  }

  /** Follow a CNAME or DNAME to its target. */
  follow(target: string): void {
    this.seen.add(target)
    this.name = target
  }
}

/** Build the engine. Drive it with `driveTrace` or by hand in tests. */
export function* traceEngine(opts: TraceOptions): Gen<TraceResult> {
  const limits = {...DEFAULT_LIMITS, ...opts.limits}
  const start = opts.now()
  const cache = opts.cache ?? new DelegationCache()
  const qname = canonicalName(opts.name)
  const qtype = typeName(opts.type)
  const steps: TraceStep[] = []
  const problems: Problem[] = []
  const serverStats = new Map<string, TraceResult['servers'][number]>()
  const nsStack: string[] = []
  /** The servers of a zone passed over by its last askZone, and why (for zone-unreachable). */
  const passedOver = new Map<string, NonNullable<Problem['passedOver']>>()
  /** Glueless NS names resolved per delegation (the NXNS bound). */
  const gluelessDone = new Map<string, {n: number}>()
  let nextId = 1
  /** The walk's work so far, across every name it resolves (the result's stats). */
  const count = {queries: 0, nsLookups: 0, referrals: 0, cnames: 0}
  let limitHit: string | null = null
  /** Which server gave each record, and whether that reply was authoritative. */
  const provenance = new WeakMap<Rr, RecordSource>()
  /** The first real question, sent alongside the priming query (see send()). */
  let primeRider: Omit<TraceQuery, 'id' | 'server'> | null = null
  let preloaded: {q: TraceQuery, o: TraceOutcome} | null = null

  const problem = (code: string, zone0: string | null, server: string | null, message: string, extra: Partial<Problem> = {}) => {
    const zone = zone0 === null ? null : fqdn(zone0)
    if (!problems.some((p) => p.code === code && p.zone === zone && p.server === server && p.message === message)) problems.push({code, zone, server, message, ...extra})
  }
  const usable = (a: string) => opts.family === 'both' || addrFamily(a) === opts.family

  /**
   * Steps recorded but not yet given to onStep: a step's detail may still be written after it is
   * recorded (a referral's NS list, priming's summary), and is final once the engine asks for its
   * next queries or returns, which is when they are announced.
   */
  const unannounced: TraceStep[] = []
  const announce = () => {
    for (const st of unannounced.splice(0)) opts.onStep?.(st)
  }

  /** Send queries (in parallel) and record a step for each. */
  function* send(reqs: Omit<TraceQuery, 'id'>[]): Gen<{q: TraceQuery, o: TraceOutcome, step: TraceStep}[]> {
    // A reply that came back with the priming query (see prime()) answers the
    // first root question without another round trip.
    if (reqs.length === 1 && preloaded && reqs[0].zone === '' && reqs[0].qname === preloaded.q.qname && reqs[0].qtype === preloaded.q.qtype && reqs[0].purpose === preloaded.q.purpose) {
      const {q, o} = preloaded
      preloaded = null
      return [{q, o, step: recordStep(q, o)}]
    }
    if (count.queries + reqs.length > limits.maxQueries) throw new LimitHit('queries', `stopped after ${count.queries} queries (limit ${limits.maxQueries})`)
    if (opts.now() - start >= limits.deadlineMs) throw new LimitHit('deadline', `stopped at the overall deadline of ${limits.deadlineMs} ms`)
    const qs = reqs.map((r) => ({...r, id: nextId++, deadline: start + limits.deadlineMs}))
    // Priming rides with the first real question to the same root server (RFC 9609
    // asks for priming, not for waiting on it): one root round trip instead of two.
    let rider: TraceQuery | null = null
    if (primeRider && qs.length === 1 && qs[0].purpose === 'prime' && count.queries + 2 <= limits.maxQueries) {
      rider = {...primeRider, server: qs[0].server, id: nextId++, deadline: start + limits.deadlineMs}
      primeRider = null
    }
    count.queries += qs.length + (rider ? 1 : 0)
    announce()
    const outs = yield rider ? [...qs, rider] : qs
    if (rider && outs[qs.length]?.message) preloaded = {q: rider, o: outs[qs.length]}
    return qs.map((q, i) => {
      const o = outs[i]
      const step = recordStep(q, o)
      return {q, o, step}
    })
  }

  function recordStep(q: TraceQuery, o: TraceOutcome): TraceStep {
    const m = o.message
    let kind: StepKind
    let cls: Classification | null = null
    if (!m) kind = o.error?.code === 'timeout' ? 'timeout' : 'error'
    else {
      cls = classifyResponse(m, q.zone, q.qname, q.qtype)
      kind = cls.kind
    }
    const step: TraceStep = {
      index: steps.length + 1,
      depth: q.depth,
      purpose: q.purpose,
      zone: q.zone,
      qname: q.qname,
      qtype: q.qtype,
      server: q.server,
      transport: o.transport,
      transportReason: o.transportReason,
      rttMs: m ? Math.round(o.rttMs * 100) / 100 : null,
      rcode: m?.rcode ?? null,
      aa: m ? m.flags.aa : null,
      kind,
      detail: '',
    }
    if (q.purpose === 'ns-address') step.for = q.qname
    if (o.retries) {
      step.retries = o.retries
      if (o.totalMs !== undefined) step.spentMs = Math.round(o.totalMs * 100) / 100
    }
    if (o.ednsFallback) step.ednsFallback = true
    if (o.ignored?.length) step.ignored = {count: o.ignored.length, reasons: [...new Set(o.ignored)].slice(0, 5)}
    step.detail = describe(step, cls, o)
    if (cls?.records?.length) step.records = cls.records
    if (cls?.soa && (kind === 'nodata' || kind === 'nxdomain')) step.soa = cls.soa
    const key = q.server.address
    const s = serverStats.get(key) ?? {address: key, name: q.server.name, zone: q.zone === null ? null : fqdn(q.zone), queries: 0, rttMs: [], outcomes: {}}
    s.queries++
    if (m) s.rttMs.push(step.rttMs!)
    s.outcomes[kind] = (s.outcomes[kind] ?? 0) + 1
    serverStats.set(key, s)
    steps.push(step)
    unannounced.push(step)
    return step
  }

  /** Glue handling for a referral (RFC 1034 §4.3.2; in-bailiwick only). */
  function delegationFrom(child: string, parent: string | null, nsNames: string[], msg: DnsMessage, server: ServerRef): NsInfo[] {
    const glue = new Map<string, string[]>()
    for (const rr of msg.additionals) {
      const t = rrType(rr)
      if (t !== 'A' && t !== 'AAAA') continue
      const owner = rrName(rr)
      if (!nsNames.includes(owner)) continue
      // Accept glue only within the zone the server speaks for (the parent's bailiwick).
      const bailiwick = parent ?? child
      if (!isSubdomain(owner, bailiwick)) {
        problem('out-of-bailiwick-glue', child, server.address, `ignored out-of-bailiwick glue ${fqdn(owner)} ${t} ${rrData(rr)} in the referral to ${fqdn(child)}`)
        continue
      }
      glue.set(owner, [...(glue.get(owner) ?? []), String(rrData(rr))])
    }
    // Other address records in the additional section are never used (as Unbound scrubs them);
    // say so: outside what the server may speak for they are cache-poisoning bait, inside it
    // they are still not glue for any NS of this referral.
    for (const rr of msg.additionals) {
      const t = rrType(rr)
      if ((t !== 'A' && t !== 'AAAA') || nsNames.includes(rrName(rr))) continue
      if (parent !== null && !isSubdomain(rrName(rr), parent)) {
        problem('out-of-bailiwick-glue', child, server.address, `ignored out-of-bailiwick record ${fqdn(rrName(rr))} ${t} ${rrData(rr)} in the referral to ${fqdn(child)}`)
      } else {
        problem('unrelated-additional', child, server.address, `ignored ${fqdn(rrName(rr))} ${t} ${rrData(rr)} in the referral to ${fqdn(child)}: not the address of any NS it names`)
      }
    }
    for (const [name, g] of glue) if (g.length) cache.glue.set(name, g)
    return nsNames.map((name) => {
      const g = glue.get(name) ?? []
      const label: NsLabel = isSubdomain(name, child) ? 'in-domain' : parent !== null && isSubdomain(name, parent) && g.length > 0 ? 'sibling' : 'glueless'
      const known = cache.addresses.get(name)
      return {name, label, glue: g, addresses: g.length ? g : known ?? [], resolved: g.length > 0 || known !== undefined}
    })
  }

  /** Make sure an NS has addresses: glue, cache, or a nested sub-trace. */
  function* nsAddresses(ns: NsInfo, zone: string, depth: number): Gen<string[]> {
    if (ns.resolved) return ns.addresses
    const cached = cache.addresses.get(ns.name)
    if (cached) {
      ns.addresses = cached
      ns.resolved = true
      return cached
    }
    if (ns.label === 'in-domain') {
      ns.resolved = true
      problem('in-domain-ns-without-glue', zone, ns.name, `NS ${fqdn(ns.name)} is inside ${fqdn(zone)} but the referral carried no glue for it: a dead end`)
      return []
    }
    if (nsStack.includes(ns.name)) {
      ns.resolved = true
      problem('ns-loop', zone, ns.name, `resolving NS ${fqdn(ns.name)} needs itself (${[...nsStack, ns.name].map(fqdn).join(' → ')}): a delegation loop`)
      return []
    }
    if (depth >= limits.maxNsDepth) {
      ns.resolved = true
      problem('limit-ns-depth', zone, ns.name, `NS ${fqdn(ns.name)} not resolved: glueless lookups nested ${depth} deep (limit ${limits.maxNsDepth})`)
      return []
    }
    count.nsLookups++
    nsStack.push(ns.name)
    const found: string[] = []
    try {
      // Only the families that can be used: -4 never asks AAAA, -6 never A.
      const types = opts.family === 6 ? ['AAAA'] : opts.family === 4 ? ['A'] : ['A', 'AAAA']
      for (const t of types) {
        if (t === 'AAAA' && opts.family === 'both' && found.length > 0) break
        const r = yield* resolve(ns.name, t, depth + 1, 'ns-address')
        // The records end with the target's: any record of the asked type is an address of the NS.
        for (const rr of r.records) if (rrType(rr) === t) found.push(String(rrData(rr)))
      }
    } finally {
      nsStack.pop()
    }
    ns.addresses = [...new Set(found)]
    // A referral carried in-bailiwick glue for this name that its own zone does not give (a
    // parent and a child that disagree, or a name that does not resolve): the parent's
    // addresses are tried after the child's, as resolvers do, and the finding is reported.
    const extra = (cache.glue.get(ns.name) ?? []).filter((a) => !ns.addresses.includes(a))
    // Glue of a family the lookup did not ask (AAAA once A was found) is simply more addresses.
    const families = new Set(ns.addresses.map(addrFamily))
    const differ = ns.addresses.length === 0 ? extra : extra.filter((a) => families.has(addrFamily(a)))
    if (differ.length) {
      problem('ns-address-from-glue', zone, ns.name, ns.addresses.length
        ? `NS ${fqdn(ns.name)} resolves to ${ns.addresses.join(' ')}, but a referral's glue says ${differ.join(' ')}: both are tried`
        : `NS ${fqdn(ns.name)} of ${fqdn(zone)} did not resolve; its glue address ${differ.join(' ')} from an earlier referral is used`)
    }
    ns.addresses = [...ns.addresses, ...extra]
    ns.resolved = true
    cache.addresses.set(ns.name, ns.addresses)
    if (ns.addresses.length === 0) problem('ns-unresolvable', zone, ns.name, `NS ${fqdn(ns.name)} of ${fqdn(zone)} has no address`)
    return ns.addresses
  }

  /**
   * The addresses of a zone's servers, each given once, for one round of asking. NXNS (2020):
   * a referral to many glueless NS names must not multiply into as many lookups (at most
   * maxGlueless are resolved, as patched resolvers do), nor many names sharing one address into
   * as many identical queries (names that share an address share its verdict).
   */
  function addressSource(zoneKey: string, depth: number) {
    const cap = opts.all ? limits.maxGluelessAll : limits.maxGlueless
    // Counted per delegation over the whole walk (--all's child check and the asking share it).
    const done = gluelessDone.get(zoneKey) ?? {n: 0}
    gluelessDone.set(zoneKey, done)
    const skipped: string[] = []
    const given = new Set<string>()
    return {
      /** The usable addresses of `ns` not given before (resolving it if it is glueless and the cap allows). */
      * fresh(ns: NsInfo): Gen<string[]> {
        if (!ns.resolved && !cache.addresses.has(ns.name) && ns.label !== 'in-domain') {
          if (done.n >= cap) {
            skipped.push(ns.name)
            return []
          }
          done.n++
        }
        const out = (yield* nsAddresses(ns, zoneKey, depth)).filter((a) => usable(a) && !given.has(a))
        for (const a of out) given.add(a)
        return out
      },
      /** Report `limit-glueless` if the cap left NS names unresolved. */
      report(): void {
        if (skipped.length === 0) return
        problem('limit-glueless', zoneKey, null, `resolved ${done.n} glueless NS name${done.n === 1 ? '' : 's'} of ${fqdn(zoneKey)} and left ${skipped.length} more unresolved (${skipped.slice(0, 3).map(fqdn).join(' ')}${skipped.length > 3 ? ' ...' : ''}): limit ${cap} per delegation (--max-glueless)`)
        skipped.length = 0
      },
    }
  }

  /** Ask the servers of `zone` until one gives a usable reply. */
  function* askZone(zone: string | null, servers: NsInfo[], name: string, type: string, depth: number, purpose: StepPurpose): Gen<ZoneReply | null> {
    const zoneKey = zone ?? ''
    // Servers with addresses first; glueless ones are resolved only if needed.
    const ordered = [...servers].sort((a, b) => Number(b.resolved && b.addresses.length > 0) - Number(a.resolved && a.addresses.length > 0))
    let fallback: ZoneReply | null = null
    const passed: NonNullable<Problem['passedOver']> = []
    passedOver.set(zoneKey, passed)
    const passOver = (s: ServerRef, reason: string) => {
      if (!passed.some((p) => p.address === s.address && p.reason === reason)) passed.push({server: s.name && s.name !== s.address ? fqdn(s.name) : null, address: s.address, reason})
    }
    const source = addressSource(zoneKey, depth)
    /**
     * One server's reply, for the sequential and the --all paths alike: a dead or lame server
     * is a problem of that server (reported), and a lame server's non-authoritative records
     * are kept only as a last resort.
     */
    const judge = (o: TraceOutcome, step: TraceStep): {usable: true, reply: ZoneReply} | {usable: false, fallback: ZoneReply | null} => {
      if (!o.message) {
        const why = failure(o, step)
        problem(step.kind === 'timeout' ? 'server-timeout' : 'server-error', zone, step.server.address, `${serverLabel(step.server)} for ${fqdn(zoneKey)}: ${why}`)
        passOver(step.server, why)
        return {usable: false, fallback: null}
      }
      const cls = classifyResponse(o.message, zone, name, type)
      const reply = {cls, msg: o.message, server: step.server, step}
      for (const w of cls.warnings ?? []) problem(w.code, zone, step.server.address, `${serverLabel(step.server)}: ${w.reason}`)
      if (cls.kind !== 'lame') return {usable: true, reply}
      // Priming (RFC 9609 §4.1): a root server that sends the NS set without AA still gives
      // the root's servers; use it at once rather than asking every root server.
      if (purpose === 'prime' && cls.code === 'lame-no-aa' && cls.records?.some((rr) => rrType(rr) === 'NS')) return {usable: true, reply}
      problem(cls.code ?? 'lame', zone, step.server.address, `${serverLabel(step.server)} is lame for ${fqdn(zoneKey)}: ${cls.reason}`)
      passOver(step.server, cls.reason ?? cls.code ?? 'lame')
      return {usable: false, fallback: cls.records?.length ? reply : null}
    }
    if (opts.all) {
      const targets: ServerRef[] = []
      for (const ns of ordered) for (const a of yield* source.fresh(ns)) targets.push({name: ns.name, address: a})
      source.report()
      if (targets.length === 0) {
        noAddress(zone, servers)
        return null
      }
      const results = yield* send(targets.map((server) => ({server, qname: name, qtype: type, zone, purpose, depth})))
      let chosen: ZoneReply | null = null
      let lameFallback: ZoneReply | null = null
      const signatures = new Map<string, string[]>()
      for (const {o, step} of results) {
        const r = judge(o, step)
        if (r.usable === false) {
          lameFallback ??= r.fallback
          continue
        }
        const sig = signature(r.reply.cls)
        signatures.set(sig, [...(signatures.get(sig) ?? []), serverLabel(step.server)])
        chosen ??= r.reply
      }
      if (signatures.size > 1) {
        problem('servers-disagree', zone, null, `servers of ${fqdn(zoneKey)} disagree: ${[...signatures.entries()].map(([s, who]) => `${who.join(', ')} → ${s}`).join('; ')}`)
      }
      return chosen ?? lameFallback
    }
    let tried = 0
    for (const ns of ordered) {
      for (const address of yield* source.fresh(ns)) {
        tried++
        const server = {name: ns.name, address}
        const [{o, step}] = yield* send([{server, qname: name, qtype: type, zone, purpose, depth}])
        const r = judge(o, step)
        if (r.usable) return r.reply
        fallback ??= r.fallback
      }
    }
    source.report()
    if (tried === 0) noAddress(zone, servers)
    return fallback
  }

  /**
   * No server of the zone was asked. When it is for want of an address of the chosen family
   * (-4/-6), say so; missing glue and unresolvable NS names have their own problems already.
   */
  function noAddress(zone: string | null, servers: NsInfo[]): void {
    if (opts.family === 'both' || !servers.some((n) => n.addresses.length > 0)) return
    problem('no-servers', zone, null, `no usable server for ${fqdn(zone ?? '')} over IPv${opts.family}: its servers have only IPv${opts.family === 4 ? 6 : 4} addresses`)
  }

  /**
   * The deepest known zone cut above `name`, with its servers. A DS RRset lives on the parent
   * side of a cut (RFC 4035 §2.4): for DS the cut at `name` itself is skipped.
   */
  function closestCut(name: string, type: string): {zone: string | null, servers: NsInfo[]} {
    let best: string | null = null
    for (const z of cache.zones.keys()) {
      if (z === '\u0000start') continue
      if (type === 'DS' && z === name && name !== '') continue
      if (isSubdomain(name, z) && (best === null || labelCount(z) > labelCount(best))) best = z
    }
    if (best === null) return {zone: null, servers: cache.zones.get('\u0000start') ?? []}
    return {zone: best, servers: cache.zones.get(best)!}
  }

  /** Resolve name/type iteratively, following referrals and CNAME/DNAME chains. */
  function* resolve(name0: string, type: string, depth: number, purpose: StepPurpose): Gen<Resolution> {
    const r = new NameResolution(canonicalName(name0), type, Boolean(opts.qmin))
    const fail = (server: ServerRef | null, authoritative = false): Resolution =>
      ({kind: 'error', rcode: 'SERVFAIL', authoritative, server, zone: r.zone, records: r.chain})
    r.startAt(closestCut(r.name, type))
    for (;;) {
      const ask = r.question()
      if (r.servers.length === 0) {
        problem('no-servers', r.zone, null, `no usable server for ${fqdn(r.zone ?? '')}${opts.family !== 'both' ? ` over IPv${opts.family}` : ''}`)
        return fail(null)
      }
      const reply = yield* askZone(r.zone, r.servers, ask.name, ask.type, depth, purpose)
      if (ask.minimised) {
        // A minimised query: only a referral moves us down; anything else means no cut at
        // ask.name, and failures fall back to the full name.
        const k = reply?.cls.kind
        if (k === 'nxdomain' || !reply || k === 'lame') {
          problem('qmin-fallback', r.zone, reply?.server.address ?? null, `QNAME minimisation: ${fqdn(ask.name)} A got ${k ?? 'no usable reply'}; asking the full name instead`)
          r.stopMinimising()
          continue
        }
        if (k !== 'referral') {
          r.revealOneMore()
          continue
        }
        r.minimisedReferral()
      }
      if (!reply) {
        const passed = passedOver.get(r.zone ?? '') ?? []
        const why = passed.length ? `: ${passed.map((p) => `${serverLabel({name: p.server, address: p.address})} ${p.reason}`).join('; ')}` : ''
        problem('zone-unreachable', r.zone, null, `no server of ${fqdn(r.zone ?? '')} gave a usable answer for ${fqdn(ask.name)} ${ask.type}${why}`, {passedOver: passed})
        return fail(null)
      }
      const {cls, msg, server} = reply
      const zone = r.zone
      // Remember where every record came from: AA is marked per RRset.
      for (const rr of cls.records ?? []) provenance.set(rr, {aa: msg.flags.aa, server, zone})
      for (const rr of msg.answers) if (!provenance.has(rr)) provenance.set(rr, {aa: msg.flags.aa, server, zone})
      // A CNAME or DNAME without AA from every server asked (a parent's cached or aggregated
      // answer): not the zone's word, but its target has servers of its own. Follow it there.
      const alias = cls.kind === 'lame' && cls.follow ? cls.follow : cls.kind === 'cname' || cls.kind === 'dname' ? cls.kind : null
      if (cls.kind === 'lame' && alias) {
        problem('non-authoritative-alias', zone, server.address, `${cls.follow!.toUpperCase()} ${fqdn(r.name)} → ${fqdn(cls.target!)} came without AA from ${serverLabel(server)} (a server of ${fqdn(zone ?? '')}); following it to the target's own servers`)
      } else if (cls.kind === 'lame') {
        // Only non-authoritative data was to be had: report it as such.
        problem('non-authoritative-answer', zone, server.address, `only a non-authoritative answer was available for ${fqdn(r.name)} ${type}`)
        if (cls.negative) return {kind: cls.negative, rcode: msg.rcode, authoritative: false, server, zone, records: r.chain}
        return {kind: 'answer', rcode: msg.rcode, authoritative: false, server, zone, records: [...r.chain, ...(cls.records ?? [])]}
      }
      if (cls.kind === 'referral') {
        const child = cls.child!
        if (r.visited.has(child)) {
          problem('referral-loop', zone, server.address, `referral loop: ${fqdn(child)} again`)
          return fail(server)
        }
        r.visited.add(child)
        count.referrals++
        if (++r.hops > limits.maxReferrals) throw new LimitHit('referrals', `more than ${limits.maxReferrals} referrals for ${fqdn(r.name)}`)
        if (!isSubdomain(r.name, child)) {
          problem('sideways-referral', zone, server.address, `referral to ${fqdn(child)} is not above ${fqdn(r.name)}`)
          return fail(server)
        }
        const ns = delegationFrom(child, zone, cls.ns!, msg, server)
        reply.step.referral = {zone: fqdn(child), ns: ns.map((n) => ({name: fqdn(n.name), label: n.label, glue: n.glue}))}
        reply.step.detail = referralDetail(child, ns)
        cache.zones.set(child, ns)
        // The DS RRset (or its denial) a referral carries, signed by the parent: the DNSSEC pass
        // validates it rather than asking again (servers need not answer a separate DS query).
        const proof = msg.authorities.filter((rr) => ['DS', 'RRSIG', 'NSEC', 'NSEC3'].includes(rrType(rr)))
        if (proof.some((rr) => rrType(rr) !== 'RRSIG')) cache.referralDs.set(child, proof)
        if (opts.all && purpose === 'main') yield* checkChild(child, ns, depth)
        r.descend(child, ns)
        continue
      }
      if (cls.kind === 'answer' || cls.kind === 'nodata' || cls.kind === 'nxdomain') {
        return {kind: cls.kind, rcode: msg.rcode, authoritative: msg.flags.aa, server, zone, records: [...r.chain, ...(cls.records ?? [])]}
      }
      if (!alias) return fail(server)
      // CNAME or DNAME: follow from the closest known cut.
      r.chain.push(...(cls.records ?? []))
      const target = cls.target!
      count.cnames++
      if (r.seen.has(target)) {
        problem('cname-loop', zone, server.address, `${alias.toUpperCase()} loop: ${[...r.seen, target].map(fqdn).join(' → ')}`)
        return fail(server, msg.flags.aa)
      }
      if (++r.cnames > limits.maxCnames) throw new LimitHit('cnames', `CNAME chain longer than ${limits.maxCnames}`)
      // RFC 6672 §2.2: a substitution longer than a name may be is YXDOMAIN, not a query.
      if (wireLength(target) > MAX_NAME_WIRE) {
        problem('dname-overflow', zone, server.address, `DNAME substitution makes ${fqdn(r.name)} into a name of ${wireLength(target)} octets (at most ${MAX_NAME_WIRE}): YXDOMAIN (RFC 6672 §2.2)`)
        return {kind: 'error', rcode: 'YXDOMAIN', authoritative: msg.flags.aa, server, zone, records: r.chain}
      }
      // A server may add the target's records when it is in the same zone, and is their
      // authority only if the target is not below a cut that zone delegates.
      const more = msg.answers.filter((rr) => rrName(rr) === target && (rrType(rr) === type || rrType(rr) === 'CNAME'))
      if (more.some((rr) => rrType(rr) === type) && zone !== null && isSubdomain(target, zone) && msg.flags.aa && !delegatedBelow(target, zone, msg)) {
        r.chain.push(...more)
        return {kind: 'answer', rcode: msg.rcode, authoritative: true, server, zone, records: r.chain}
      }
      r.follow(target)
      r.startAt(closestCut(target, type))
    }
  }

  /**
   * Whether `zone` delegates a cut above `name`: one the walk knows, or one the reply itself
   * shows (NS records in its authority section for a name between the two).
   */
  function delegatedBelow(name: string, zone: string, msg: DnsMessage): boolean {
    const below = (z: string) => z !== zone && isSubdomain(z, zone) && isSubdomain(name, z)
    if ([...cache.zones.keys()].some(below)) return true
    return msg.authorities.some((rr) => rrType(rr) === 'NS' && below(rrName(rr)))
  }

  /** --all: compare the parent's view of a cut with the child's own. */
  function* checkChild(child: string, ns: NsInfo[], depth: number): Gen<void> {
    const targets: ServerRef[] = []
    const source = addressSource(child, depth)
    for (const n of ns) for (const a of yield* source.fresh(n)) targets.push({name: n.name, address: a})
    source.report()
    if (targets.length === 0) return
    const res = yield* send(targets.map((server) => ({server, qname: child, qtype: 'NS', zone: child, purpose: 'child-ns' as const, depth})))
    const parentSet = ns.map((n) => n.name).sort().join(' ')
    let authoritative: ServerRef | null = null
    for (const {o, step} of res) {
      if (!o.message) continue
      const cls = classifyResponse(o.message, child, child, 'NS')
      if (cls.kind === 'lame' && cls.code !== 'lame-no-aa') {
        // REFUSED, SERVFAIL, a referral upwards...: the same words as for the walk's own queries.
        problem(cls.code ?? 'lame', child, step.server.address, `${serverLabel(step.server)} is lame for ${fqdn(child)}: ${cls.reason}`)
        continue
      }
      if (!o.message.flags.aa) {
        problem('lame-no-aa', child, step.server.address, `${serverLabel(step.server)} is not authoritative for ${fqdn(child)} (no AA on its NS set)`)
        continue
      }
      authoritative ??= step.server
      const childSet = o.message.answers.filter((rr) => rrType(rr) === 'NS').map((rr) => canonicalName(String(rrData(rr)))).sort().join(' ')
      if (childSet && childSet !== parentSet) {
        problem('ns-mismatch', child, step.server.address, `parent lists NS {${parentSet.split(' ').map(fqdn).join(', ')}} but ${serverLabel(step.server)} lists {${childSet.split(' ').map(fqdn).join(', ')}}`)
      }
    }
    // Glue against the child's authoritative addresses for in-domain names.
    const t = authoritative
    if (!t) return
    for (const n of ns.filter((x) => x.glue.length > 0 && x.label === 'in-domain')) {
      const fam = n.glue.some((g) => addrFamily(g) === 4) ? 'A' : 'AAAA'
      const [r] = yield* send([{server: t, qname: n.name, qtype: fam, zone: child, purpose: 'child-address', depth}])
      if (!r.o.message?.flags.aa) continue
      const auth = r.o.message.answers.filter((rr) => rrType(rr) === fam).map((rr) => String(rrData(rr))).sort()
      const glue = n.glue.filter((g) => (fam === 'A') === (addrFamily(g) === 4)).sort()
      if (auth.length && auth.join(',') !== glue.join(',')) {
        problem('glue-mismatch', child, t.address, `glue for ${fqdn(n.name)} is ${glue.join(', ')} but ${serverLabel(t)} says ${auth.join(', ')}`)
      }
    }
  }

  // --- main ---
  let final: Resolution | null = null
  try {
    if (opts.startServers?.length) {
      cache.zones.set('\u0000start', opts.startServers.map((a) => ({name: a, label: 'glueless' as NsLabel, addresses: [a], glue: [], resolved: true})))
    } else {
      if (!cache.zones.has('')) {
        const hints = new Map<string, string[]>()
        for (const h of opts.rootHints) hints.set(canonicalName(h.name), [...(hints.get(canonicalName(h.name)) ?? []), h.address])
        cache.zones.set('', [...hints.entries()].map(([name, addresses]) => ({name, label: 'in-domain' as NsLabel, addresses, glue: addresses, resolved: true})))
      }
      if ((opts.prime ?? true) && !cache.primed) {
        cache.primed = true
        if (!opts.all) {
          const minimise = opts.qmin && labelCount(qname) > 1
          primeRider = {qname: minimise ? ancestorAt(qname, 1) : qname, qtype: minimise ? 'A' : qtype, zone: '', purpose: 'main', depth: 0}
        }
        yield* prime()
        primeRider = null
      }
    }
    final = yield* resolve(qname, qtype, 0, 'main')
  } catch (err) {
    if (!(err instanceof LimitHit)) throw err
    limitHit = err.limit
    problem(`limit-${err.limit}`, null, null, err.message)
  }

  function* prime(): Gen<void> {
    const servers = cache.zones.get('')!
    const reply = yield* askZone('', servers, '', 'NS', 0, 'prime')
    if (!reply || (reply.cls.kind !== 'answer' && reply.cls.kind !== 'lame')) {
      problem('priming-failed', '', null, 'priming query NS . got no answer with the root NS set; using the root hints as they are')
      return
    }
    if (reply.cls.kind === 'lame') problem('priming-no-aa', '', reply.server.address, `${serverLabel(reply.server)} sent the root NS set without the AA flag; used it all the same`)
    const names = reply.msg.answers.filter((rr) => rrType(rr) === 'NS').map((rr) => canonicalName(String(rrData(rr))))
    const ns = delegationFrom('', null, names, reply.msg, reply.server)
    reply.step.detail = `primed the root: ${names.length} servers, ${ns.filter((n) => n.glue.length).length} with addresses`
    // Keep hint addresses for names the priming reply gave no address for.
    for (const n of ns) {
      if (n.addresses.length) continue
      const hint = servers.find((s) => s.name === n.name)
      if (hint) {
        n.addresses = hint.addresses
        n.resolved = true
      }
    }
    if (ns.some((n) => n.addresses.length)) cache.zones.set('', ns)
  }

  const kind: ResultKind = final?.kind ?? 'error'
  let answer: TraceAnswer | null = null
  if (final && (final.kind !== 'error' || final.records.length)) {
    const sources = final.records.map((r) => provenance.get(r) ?? null)
    // Authoritative only when every part of the chain came with AA (a parent's non-AA CNAME is not).
    const authoritative = final.kind !== 'error' && final.authoritative && sources.every((s) => s === null || s.aa)
    answer = {rcode: final.rcode, authoritative, server: final.server, zone: final.zone === null ? null : fqdn(final.zone), records: final.records, sources}
  }
  announce()
  return {
    name: fqdn(qname),
    type: qtype,
    kind,
    steps,
    answer,
    problems,
    stats: {...count, elapsedMs: Math.round((opts.now() - start) * 100) / 100, limitHit},
    servers: [...serverStats.values()],
  }
}

/** Why an exchange failed, saying when the server did send something that could not be accepted. */
function failure(o: TraceOutcome, step: TraceStep): string {
  const why = o.error?.message ?? step.kind
  // The client may already say "no acceptable reply ... (3 malformed, 1 wrong ID ignored)".
  if (!step.ignored || o.error?.ignoredSummary) return why
  return `${why}; ${count(step.ignored.count, 'packet')} ignored (${step.ignored.reasons[0]}${step.ignored.reasons.length > 1 ? ', ...' : ''})`
}

function serverLabel(s: ServerRef): string {
  return s.name && s.name !== s.address ? `${fqdn(s.name)} (${s.address})` : s.address
}

function signature(cls: Classification): string {
  if (cls.kind === 'referral') return `referral to ${fqdn(cls.child!)} NS ${[...cls.ns!].sort().map(fqdn).join(' ')}`
  const data = (cls.records ?? []).map((rr) => `${rrType(rr)} ${JSON.stringify(rrData(rr))}`).sort().join(', ')
  return `${cls.kind}${data ? ` ${data}` : ''}`
}

function referralDetail(child: string, ns: NsInfo[]): string {
  const parts = ns.map((n) => `${fqdn(n.name)}${n.glue.length ? ` [${n.label}, glue ${n.glue.join(' ')}]` : ` [${n.label === 'in-domain' ? 'in-domain, NO glue' : 'glueless'}]`}`)
  return `referral to ${fqdn(child)}: ${parts.join(', ')}`
}

function describe(step: TraceStep, cls: Classification | null, o: TraceOutcome): string {
  switch (step.kind) {
    // The client's message already says "no reply from X ... in N ms": not "no reply (no reply ...)".
    case 'timeout': return `${o.error?.message ?? 'no reply'}${step.ignored ? `; ignored ${count(step.ignored.count, 'packet')}: ${step.ignored.reasons.join('; ')}` : ''}`
    case 'error': return `error: ${o.error?.message ?? 'unknown'}`
    case 'referral': return `referral to ${fqdn(cls!.child!)}`
    case 'answer': return `${step.aa ? 'authoritative' : 'non-authoritative'} answer: ${count(cls!.records!.length, 'record')}`
    case 'cname': return `CNAME to ${fqdn(cls!.target!)}`
    case 'dname': return `DNAME: ${fqdn(step.qname)} becomes ${wireLength(cls!.target!) > MAX_NAME_WIRE ? `${cls!.target!}. (too long)` : fqdn(cls!.target!)}`
    case 'nodata': return `no ${step.qtype} records (NODATA)${cls!.soa ? '' : ', and no SOA in the authority section'}`
    case 'nxdomain': return `the name does not exist (NXDOMAIN)${cls!.soa ? '' : ', and no SOA in the authority section'}`
    case 'lame': return cls!.reason ?? 'lame'
  }
}
