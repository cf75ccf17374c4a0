/**
 * The querying engine of `dnsx ecs`: asks one question of every authoritative server address
 * with every client subnet (plus the two baselines), `repeat` times each, politely (a per-server
 * rate limit and a bound on parallel queries), checks each reply's ECS echo (RFC 7871), and
 * optionally walks an address range with the scope-aware {@link Explorer}.
 *
 * Everything that does I/O is injected: the DNS client (anything with `exchange`) and the clock
 * (`now` and `sleep`), so tests drive time by hand. The engine never throws for network trouble:
 * a timeout is a result with rcode `TIMEOUT`.
 */
import {systemClock, type Clock} from '../clock.js'
import type {Exchange, ExchangeOptions} from '../dns/client.js'
import type {DnsMessage} from '../dns/message.js'
import {typeName} from '../dns/types.js'
import {UsageError} from '../errors.js'
import {recordJson} from '../query.js'
import {analyseEcsResults, sortAnswers, type AnalyseOptions, type EcsAnalysis, type EcsResult} from './analysis.js'
import {checkEcsCompliance, type EcsFieldMismatch, type EcsSent, type EcsStatus, type ScopeMeaning} from './compliance.js'
import {Explorer, type ExplorerMapEntry, type ExplorerStats} from './explore.js'
import {countrySubnets, presetSubnets, type FamilySelection} from './presets.js'
import {compareSubnets, DEFAULT_SOURCE_PREFIX, parseSubnet, subnetNote} from '../net/cidr.js'
import {count} from '../words.js'

/** What the engine needs from a DNS client (a `DnsClient` fits). */
export interface EcsClient {
  exchange(opts: ExchangeOptions): Promise<Exchange>
}

/** One address of one authoritative server. */
export interface EcsServerTarget {
  /** NS host name, absolute with the trailing dot; null when given as an address (`--server`). */
  name: string | null
  address: string
}

/** Where a client subnet came from. */
export type ProbeKind = 'baseline' | 'opt-out' | 'subnet' | 'country'

/** One client subnet to ask with. */
export interface SubnetProbe {
  /** Canonical CIDR sent in the ECS option; null = no ECS option at all (the baseline). */
  subnet: string | null
  kind: ProbeKind
  /** For country subnets: `DE Deutsche Telekom AS3320`. */
  label?: string
  /** ISO country code, for country subnets. */
  country?: string
}

/** One reply (or failure) for one (server address, subnet, attempt). */
export interface EcsReply {
  /** Server address (the key that groups results per server). */
  server: string
  serverName: string | null
  subnet: string | null
  /** 1-based repeat number. */
  attempt: number
  /** Response code, or `TIMEOUT` / `ERROR` when no reply was accepted. */
  rcode: string
  /** Answer data, sorted: records of the asked type as presentation data, others as `TYPE data` (e.g. `CNAME x.example.`). */
  answers: string[]
  /** Smallest TTL of the answer records; null when there are none. */
  ttl: number | null
  /** AA flag of the reply; null without a reply. */
  authoritative: boolean | null
  /** ECS echo status; null when no reply arrived. */
  ecs: EcsStatus | null
  /** SCOPE PREFIX-LENGTH of the echoed option; null when none was echoed. */
  scope: number | null
  scopeMeaning: ScopeMeaning | null
  /** The ECS option of the reply as received. */
  echo: {family: number; address: string; sourcePrefix: number; scopePrefix: number} | null
  mismatches: EcsFieldMismatch[]
  /** Protocol problems with this reply, one sentence each. */
  problems: string[]
  rttMs: number | null
  /** Why the reply is not usable (no reply, a referral, ...); null when it is. */
  error: string | null
  /** NOERROR/NXDOMAIN with authoritative data: counted by the analysis. */
  usable: boolean
}

/** Options of the range walk. */
export interface ExploreOptions {
  /** Range to walk, e.g. `198.51.100.0/22`. */
  range: string
  /** Upper bound on explore queries (default 256). */
  maxQueries?: number
  /** Source prefix sent and smallest block (default /24 IPv4, /56 IPv6: what resolvers send). */
  minPrefix?: number
  /** Server address to walk against; default: the first answering server, preferring one that tailors. */
  server?: string
}

/** One explore query and its reply. */
export interface ExploreProbe {
  subnet: string
  rcode: string
  scope: number | null
  answers: string[]
}

/** The range map and how it was made. */
export interface ExploreResult {
  range: string
  server: EcsServerTarget | null
  /** Whether scope 0 replies were taken to cover the whole range (only for servers that do not tailor). */
  trustScopeZero: boolean
  map: ExplorerMapEntry[]
  unexplored: string[]
  stats: ExplorerStats
  probes: ExploreProbe[]
  /** Why the walk did not happen or is partial. */
  notes: string[]
}

export interface EcsRunOptions {
  client: EcsClient
  /** Default: the client's transport clock when it has one, else the system clock. */
  clock?: Clock
  /** Query name (no trailing dot needed). */
  name: string
  /** Record type mnemonic. */
  type: string
  /** Port of every server (default 53). */
  port?: number
  servers: EcsServerTarget[]
  subnets: SubnetProbe[]
  /** Queries per (server address, subnet); default 1. */
  repeat?: number
  /** Queries per second to each server (all its addresses together); default {@link DEFAULT_QPS}. */
  qps?: number
  /** Queries in flight at once, over all servers; default 8. */
  concurrency?: number
  /** Refuse to start when the matrix needs more queries than this (default 5000). */
  maxQueries?: number
  timeoutMs?: number
  retries?: number
  explore?: ExploreOptions
  analyse?: AnalyseOptions
  /** Called after each matrix query. */
  onProgress?: (done: number, total: number) => void
}

export interface EcsRunResult {
  replies: EcsReply[]
  analysis: EcsAnalysis
  explore: ExploreResult | null
  /** Queries sent: matrix plus explore. */
  queries: number
  elapsedMs: number
}

/** Polite default rate: queries per second to one server. */
export const DEFAULT_QPS = 20
export const DEFAULT_CONCURRENCY = 8
export const DEFAULT_MAX_QUERIES = 5000

/** Countries asked when no subnet, country or preset is given: one per region and then some. */
export const DEFAULT_COUNTRIES = ['US', 'BR', 'DE', 'GB', 'ZA', 'IN', 'JP', 'AU'] as const

/** The opt-out subnet (RFC 7871 §7.1.2: source prefix 0, "do not use my address"). */
export const OPT_OUT_SUBNET = '0.0.0.0/0'

const USABLE = new Set(['NOERROR', 'NXDOMAIN'])

// ---------------------------------------------------------------------------------------------
// Subnet plan

export interface SubnetPlanInput {
  /** `--subnet` values as typed (CIDR or bare address). */
  subnets?: readonly string[]
  /** `--countries` codes. */
  countries?: readonly string[]
  /** `--preset` name. */
  preset?: string
  /** Families of country/preset subnets (default both). */
  family?: FamilySelection
  /** Subnets that must be asked anyway (from expectations), already probes. */
  extra?: readonly SubnetProbe[]
  /** Use {@link DEFAULT_COUNTRIES} when nothing else is given (default true). */
  defaults?: boolean
}

export interface SubnetPlan {
  probes: SubnetProbe[]
  /** Notes for stderr: host bits cleared, bare addresses, defaults used. */
  notes: string[]
}

/**
 * The client subnets to ask with: the baseline (no ECS) and the opt-out (`0.0.0.0/0`) first,
 * then `--subnet`s, countries and the preset in the order given, duplicates removed (the
 * first label wins).
 * @throws UsageError for a bad subnet, an unknown country or preset.
 */
export function planSubnets(input: SubnetPlanInput): SubnetPlan {
  const notes: string[] = []
  const probes: SubnetProbe[] = [
    {subnet: null, kind: 'baseline'},
    {subnet: OPT_OUT_SUBNET, kind: 'opt-out'},
  ]
  const seen = new Set<string | null>([null, OPT_OUT_SUBNET])
  const add = (p: SubnetProbe) => {
    if (seen.has(p.subnet)) return
    seen.add(p.subnet)
    probes.push(p)
  }
  for (const text of input.subnets ?? []) {
    const s = parseSubnet(text)
    const note = subnetNote(s)
    if (note) notes.push(note)
    add({subnet: s.cidr, kind: s.sourcePrefix === 0 ? 'opt-out' : 'subnet'})
  }
  const family = input.family ?? 'both'
  if (input.countries && input.countries.length > 0) {
    for (const c of countrySubnets(input.countries, {family})) add({subnet: c.cidr, kind: 'country', label: c.label, country: c.country})
  }
  if (input.preset !== undefined) {
    for (const c of presetSubnets(input.preset, {family})) add({subnet: c.cidr, kind: 'country', label: c.label, country: c.country})
  }
  const explicit = (input.subnets?.length ?? 0) + (input.countries?.length ?? 0) + (input.preset === undefined ? 0 : 1)
  for (const p of input.extra ?? []) add(p)
  if (explicit === 0 && (input.defaults ?? true)) {
    for (const c of countrySubnets([...DEFAULT_COUNTRIES], {family})) add({subnet: c.cidr, kind: 'country', label: c.label, country: c.country})
    notes.push(`no --subnet, --countries or --preset: asking with access-ISP subnets of ${DEFAULT_COUNTRIES.join(', ')}`)
  }
  return {probes, notes}
}

// ---------------------------------------------------------------------------------------------
// Scheduling: a per-server rate limit and a bound on queries in flight.

interface Job {
  key: string
  fn: () => Promise<unknown>
  resolve: (v: any) => void
  reject: (e: unknown) => void
}

/**
 * Runs jobs with at most `concurrency` in flight, and starts jobs of one key (one server) at
 * least `1000 / qps` ms apart on the given clock. When a slot frees up, the job whose server
 * may be asked soonest goes next, so a slow server does not hold the others back.
 */
export class QueryScheduler {
  private readonly queues = new Map<string, Job[]>()
  private readonly nextAt = new Map<string, number>()
  private running = 0
  private readonly interval: number

  constructor(
    private readonly clock: Clock,
    qps: number,
    private readonly concurrency: number,
  ) {
    if (!(qps > 0)) throw new UsageError(`qps must be positive, got ${qps}`, 'ecs-limits')
    if (!(concurrency >= 1)) throw new UsageError(`concurrency must be at least 1, got ${concurrency}`, 'ecs-limits')
    this.interval = 1000 / qps
  }

  /** Runs `fn` when the rate limit of `key` and the concurrency bound allow. */
  submit<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const q = this.queues.get(key)
      const job: Job = {key, fn, resolve, reject}
      if (q) q.push(job)
      else this.queues.set(key, [job])
      this.pump()
    })
  }

  private readyAt(key: string, now: number): number {
    return Math.max(now, this.nextAt.get(key) ?? -Infinity)
  }

  private pump(): void {
    while (this.running < this.concurrency) {
      const now = this.clock.now()
      let best: string | null = null
      let bestAt = Infinity
      for (const [key, q] of this.queues) {
        if (q.length === 0) continue
        const at = this.readyAt(key, now)
        if (at < bestAt) {
          best = key
          bestAt = at
        }
      }
      if (best === null) return
      const q = this.queues.get(best)!
      const job = q.shift()!
      if (q.length === 0) this.queues.delete(best)
      this.nextAt.set(best, bestAt + this.interval)
      this.running++
      void this.start(job, bestAt - now)
    }
  }

  private async start(job: Job, wait: number): Promise<void> {
    try {
      if (wait > 0) await this.clock.sleep(wait)
      job.resolve(await job.fn())
    } catch (err) {
      job.reject(err)
    } finally {
      this.running--
      this.pump()
    }
  }
}

// ---------------------------------------------------------------------------------------------
// One query

/** The ECS option for a subnet, or null for the baseline. */
function ecsFor(subnet: string | null): EcsSent | null {
  if (subnet === null) return null
  const s = parseSubnet(subnet, {requirePrefix: true})
  return {family: s.family, address: s.address, sourcePrefix: s.sourcePrefix}
}

/** Answer data of a reply: records of the asked type as data, other types (CNAME, DNAME) prefixed with the type. */
export function answerData(msg: DnsMessage, type: string): {answers: string[]; ttl: number | null} {
  const want = typeName(type)
  const out: string[] = []
  let ttl: number | null = null
  for (const rr of msg.answers) {
    const r = recordJson(rr)
    if (r.type === 'RRSIG' && want !== 'RRSIG') continue
    out.push(r.type === want || want === 'ANY' ? r.data : `${r.type} ${r.data}`)
    ttl = ttl === null ? r.ttl : Math.min(ttl, r.ttl)
  }
  return {answers: sortAnswers(out), ttl}
}

/** Turns one exchange into an {@link EcsReply}. Exported for tests. */
export function replyFromExchange(ex: Exchange, server: EcsServerTarget, subnet: string | null, attempt: number, type: string): EcsReply {
  const base = {server: server.address, serverName: server.name, subnet, attempt}
  const msg = ex.message
  if (!msg) {
    const timeout = ex.error?.code === 'timeout'
    return {
      ...base,
      rcode: timeout ? 'TIMEOUT' : 'ERROR',
      answers: [],
      ttl: null,
      authoritative: null,
      ecs: null,
      scope: null,
      scopeMeaning: null,
      echo: null,
      mismatches: [],
      problems: [],
      rttMs: null,
      error: ex.error?.message ?? 'no reply',
      usable: false,
    }
  }
  const sent = ecsFor(subnet)
  const got = msg.edns?.ecs ?? null
  const c = checkEcsCompliance(sent, got ? {family: got.family, address: got.address, sourcePrefix: got.sourcePrefix, scopePrefix: got.scopePrefix} : null)
  const problems = [...c.problems, ...(got?.problems ?? []).map((p) => `reply ECS option: ${p}`)]
  if (sent && !msg.edns) problems.push('the reply has no OPT record (no EDNS), so no ECS either')
  const {answers, ttl} = answerData(msg, type)
  let error: string | null = null
  if (!USABLE.has(msg.rcode)) error = `${msg.rcode} from the server`
  else if (!msg.flags.aa && answers.length === 0) error = 'not authoritative: a referral or a lame server'
  if (msg.rcode === 'NOERROR' && !msg.flags.aa && answers.length > 0) problems.push('answer without the AA flag: the server is not authoritative for the name')
  if (msg.flags.tc) problems.push('truncated reply (TC) even over TCP')
  return {
    ...base,
    rcode: msg.rcode,
    answers,
    ttl,
    authoritative: msg.flags.aa,
    ecs: c.ecs,
    scope: got ? got.scopePrefix : null,
    scopeMeaning: c.scopeMeaning,
    echo: got ? {family: got.family, address: got.address, sourcePrefix: got.sourcePrefix, scopePrefix: got.scopePrefix} : null,
    mismatches: c.mismatches,
    problems,
    rttMs: Math.round(ex.rttMs * 100) / 100,
    error,
    usable: error === null,
  }
}

/** The analysis input for a reply: unusable replies get an rcode the analysis counts as a failure. */
export function toEcsResult(r: EcsReply): EcsResult {
  let rcode = r.rcode
  if (!r.usable && USABLE.has(rcode)) rcode = 'NOT-AUTHORITATIVE'
  return {
    server: r.server,
    ...(r.serverName === null ? {} : {serverName: r.serverName}),
    subnet: r.subnet,
    scope: r.scope,
    rcode,
    answers: r.answers,
    ...(r.ttl === null ? {} : {ttl: r.ttl}),
    ecs: r.ecs ?? (r.subnet === null ? 'not-sent' : 'absent'),
  }
}

// ---------------------------------------------------------------------------------------------
// The run

function clockOf(opts: EcsRunOptions): Clock {
  if (opts.clock) return opts.clock
  const c = (opts.client as {transport?: {clock?: Clock}}).transport?.clock
  return c ?? systemClock
}

function rateKey(s: EcsServerTarget): string {
  return s.name ?? s.address
}

function positiveInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new UsageError(`${what} must be a positive whole number, got ${value}`, 'ecs-limits')
  return value
}

/**
 * Asks every server address with every subnet, `repeat` times, then analyses the replies and,
 * with `explore`, walks the range against one server.
 * @throws UsageError when the matrix would exceed `maxQueries` or the options are invalid.
 */
export async function runEcs(opts: EcsRunOptions): Promise<EcsRunResult> {
  const clock = clockOf(opts)
  const start = clock.now()
  const repeat = positiveInt(opts.repeat ?? 1, '--repeat')
  const qps = opts.qps ?? DEFAULT_QPS
  if (!(qps > 0)) throw new UsageError(`--qps must be positive, got ${qps}`, 'ecs-limits')
  const concurrency = positiveInt(opts.concurrency ?? DEFAULT_CONCURRENCY, '--concurrency')
  const maxQueries = positiveInt(opts.maxQueries ?? DEFAULT_MAX_QUERIES, '--max-queries')
  if (opts.servers.length === 0) throw new UsageError('no server to ask', 'ecs-no-server')
  if (opts.subnets.length === 0) throw new UsageError('no client subnet to ask with', 'ecs-no-subnet')
  const planned = opts.servers.length * opts.subnets.length * repeat
  if (planned > maxQueries) {
    throw new UsageError(
      `${count(opts.servers.length, 'server address', 'server addresses')} × ${count(opts.subnets.length, 'subnet')} × ${count(repeat, 'repeat')} = ${count(planned, 'query')}, more than --max-queries ${maxQueries}; ask fewer subnets or servers, or raise --max-queries`,
      'ecs-too-many-queries',
    )
  }
  const scheduler = new QueryScheduler(clock, qps, concurrency)
  const port = opts.port ?? 53
  let queries = 0

  const ask = async (server: EcsServerTarget, subnet: string | null): Promise<Exchange> => {
    queries++
    const ecs = ecsFor(subnet)
    return opts.client.exchange({
      server: {address: server.address, port},
      question: {name: opts.name, type: typeName(opts.type), class: 'IN'},
      rd: false,
      edns: ecs ? {ecs} : {},
      // A server that rejects EDNS would be asked again without ECS: that reply says nothing about ECS.
      ednsFallback: false,
      timeoutMs: opts.timeoutMs ?? 2000,
      retries: opts.retries ?? 1,
    })
  }

  // Matrix: per server, attempt-major (every subnet once, then again), so repeats spread over time.
  const tasks: Array<Promise<EcsReply>> = []
  let done = 0
  for (const server of opts.servers) {
    for (let attempt = 1; attempt <= repeat; attempt++) {
      for (const probe of opts.subnets) {
        tasks.push(
          scheduler
            .submit(rateKey(server), () => ask(server, probe.subnet))
            .then((ex) => {
              done++
              opts.onProgress?.(done, planned)
              return replyFromExchange(ex, server, probe.subnet, attempt, opts.type)
            }),
        )
      }
    }
  }
  const unordered = await Promise.all(tasks)
  const subnetIndex = new Map(opts.subnets.map((p, i) => [p.subnet, i]))
  const serverIndex = new Map(opts.servers.map((s, i) => [s.address, i]))
  const replies = [...unordered].sort(
    (a, b) =>
      serverIndex.get(a.server)! - serverIndex.get(b.server)! ||
      subnetIndex.get(a.subnet)! - subnetIndex.get(b.subnet)! ||
      a.attempt - b.attempt,
  )
  const analysis = analyseEcsResults(replies.map(toEcsResult), opts.analyse)

  let explore: ExploreResult | null = null
  if (opts.explore) explore = await runExplore(opts.explore, opts, replies, analysis, scheduler, ask, concurrency)

  return {replies, analysis, explore, queries, elapsedMs: Math.round((clock.now() - start) * 100) / 100}
}

/** Picks the server to walk the range against and whether its scope-0 replies can be believed. */
function exploreTarget(
  ex: ExploreOptions,
  servers: EcsServerTarget[],
  replies: EcsReply[],
  analysis: EcsAnalysis,
): {server: EcsServerTarget | null; trustScopeZero: boolean; note: string | null} {
  const summary = new Map(analysis.servers.map((s) => [s.server, s]))
  const answering = servers.filter((s) => replies.some((r) => r.server === s.address && r.usable))
  let server: EcsServerTarget | undefined
  if (ex.server !== undefined) {
    server = servers.find((s) => s.address === ex.server)
    if (!server) return {server: null, trustScopeZero: false, note: `explore server ${ex.server} is not one of the servers asked`}
  } else {
    const tailors = (s: EcsServerTarget) => {
      const b = summary.get(s.address)?.behaviour
      return b === 'tailored' || b === 'scope0-but-differs'
    }
    server = answering.find(tailors) ?? answering[0]
  }
  if (!server) return {server: null, trustScopeZero: false, note: 'no server answered, so the range was not walked'}
  const b = summary.get(server.address)
  // Scope 0 means "valid for every client". Servers that tailor often say 0 for their fallback
  // answer too, which would hide the tailored networks: for them each reply covers its block only.
  const trustScopeZero = b !== undefined && (b.behaviour === 'ecs-unaware' || b.behaviour === 'echo-only') && !b.differsBySubnet
  return {server, trustScopeZero, note: null}
}

async function runExplore(
  ex: ExploreOptions,
  opts: EcsRunOptions,
  replies: EcsReply[],
  analysis: EcsAnalysis,
  scheduler: QueryScheduler,
  ask: (server: EcsServerTarget, subnet: string | null) => Promise<Exchange>,
  concurrency: number,
): Promise<ExploreResult> {
  const range = parseSubnet(ex.range, {requirePrefix: true})
  const minPrefix = ex.minPrefix ?? DEFAULT_SOURCE_PREFIX[range.family]
  // Always send the resolver-sized prefix: servers match rules only when the source prefix is at
  // least as long as the rule (a /22 gets the fallback), so shorter sources would see nothing.
  const explorer = new Explorer(range.cidr, {maxQueries: ex.maxQueries ?? 256, minPrefix, startPrefix: minPrefix, trustScope: true})
  const target = exploreTarget(ex, opts.servers, replies, analysis)
  const notes: string[] = []
  if (target.note) notes.push(target.note)
  const probes: ExploreProbe[] = []
  if (target.server) {
    const server = target.server
    const inflight = new Set<Promise<void>>()
    // Slow start: one query at a time while replies cover more than the block asked (the scope
    // skips space, so speculative queries would be wasted); doubled, up to `concurrency`, while
    // each reply covers only its own block.
    let window = 1
    const launch = (q: {subnet: string; sourcePrefix: number}) => {
      const p: Promise<void> = scheduler
        .submit(rateKey(server), () => ask(server, q.subnet))
        .then((exch) => {
          const r = replyFromExchange(exch, server, q.subnet, 1, opts.type)
          probes.push({subnet: q.subnet, rcode: r.rcode, scope: r.scope, answers: r.answers})
          if (!r.usable) {
            explorer.reportFailure(q.subnet)
            return
          }
          let scope = r.ecs === 'echoed' && r.scope !== null ? r.scope : 0
          if (scope === 0 && !target.trustScopeZero) scope = q.sourcePrefix
          window = scope >= q.sourcePrefix ? Math.min(concurrency, window * 2) : 1
          explorer.report(q.subnet, {answers: r.answers, scope})
        })
        .finally(() => inflight.delete(p))
      inflight.add(p)
    }
    for (;;) {
      while (inflight.size < window) {
        const q = explorer.next()
        if (!q) break
        launch(q)
      }
      if (inflight.size === 0) break
      await Promise.race(inflight)
    }
    const stats = explorer.stats()
    if (stats.limitHit) notes.push(`stopped after ${count(stats.queries, 'query')} (--explore-max-queries); ${count(explorer.unexplored().length, 'block')} unexplored`)
    if (stats.failed > 0) notes.push(`${stats.failed} explore quer${stats.failed === 1 ? 'y' : 'ies'} failed; their blocks stay unexplored`)
    if (stats.inconsistencies > 0) notes.push(`${stats.inconsistencies} repl${stats.inconsistencies === 1 ? 'y' : 'ies'} claimed (by scope) space that already had another answer; the first answer was kept`)
    if (stats.scopeBeyondLimit > 0) notes.push(`${stats.scopeBeyondLimit} repl${stats.scopeBeyondLimit === 1 ? 'y' : 'ies'} asked for more than /${explorer.minPrefix} (scope longer than the source); the answer was kept for the block`)
    if (!target.trustScopeZero) notes.push(`scope 0 replies were taken to cover only the /${explorer.minPrefix} asked, because this server tailors answers`)
    const kind = analysis.servers.find((s) => s.server === server.address)?.policy
    if (kind === 'weighted' || kind === 'multivalue' || kind === 'mixed') notes.push(`answers of this server are random (${kind}): each block shows one draw`)
  }
  probes.sort((a, b) => compareSubnets(a.subnet, b.subnet))
  return {
    range: range.cidr,
    server: target.server,
    trustScopeZero: target.trustScopeZero,
    map: explorer.map(),
    unexplored: explorer.unexplored(),
    stats: explorer.stats(),
    probes,
    notes,
  }
}
