/**
 * The `dnsx race` driver: runs the sans-I/O {@link HappyEyeballs} machine against real (or lab, or
 * test) DNS, sockets and timers, and turns what happened into the report ({@link RaceJson}).
 *
 * 1. At t = 0 the AAAA and A queries (and HTTPS, when asked) go out at once; each answer is fed
 *    to the machine when it arrives, after the RFC 6724 source of every new address is known.
 *    Pinned addresses (--resolve, an IP literal) are fed at t = 0 instead.
 * 2. The machine's outputs are carried out: start a connection attempt through the
 *    {@link Connector}, arm or disarm a timer on the {@link Clock}, cancel an attempt (abort its
 *    signal: the connector destroys the socket), stop at `done`.
 * 3. After the race: answers still outstanding are awaited (until the race timeout), attempts
 *    cancelled without an answer get a follow-up probe (a fresh TCP connection, bounded by the
 *    probe timeout) so the verdict can tell black-holed from slow, and `afterWin` (the HTTP
 *    request) runs over the winning socket; these three run at the same time.
 *
 * Nothing here reads the real clock or opens a socket by itself: tests pass a ManualClock, a fake
 * DNS source and a fake connector.
 */
import type {Duplex} from 'node:stream'
import {type Clock, systemClock} from '../clock.js'
import type {ConnectResult, Connector} from './connect.js'
import type {DnsAnswer, DnsSource} from './dns.js'
import type {HttpResult} from './http.js'
import {
  type AttemptJson,
  type DnsJson,
  familyName,
  type HttpsJson,
  ms,
  type ProbeJson,
  type RaceJson,
  refineVerdicts,
  type SortedJson,
  type WinnerJson,
} from './report.js'
import {type Family, familyOf, interleaveFamilies, type PolicyName, scopeName, sortDestinations} from './rfc6724.js'
import {type AttemptRecord, HappyEyeballs, type Input, type Output, outcomeOf} from './scheduler.js'
import {compareWithGetaddrinfo, type GetaddrinfoComparison} from './target.js'
import {familyVerdicts} from './verdict.js'

/** What to race. */
export interface RaceOptions {
  /** Host name or IP literal (reported as `target`). */
  host: string
  port: number
  url?: string | null
  lab?: boolean
  /** Families to use, e.g. [6, 4]; [4] for -4. */
  families: readonly Family[]
  /** Addresses pinned by --resolve or an IP literal: no DNS. */
  pinned?: readonly string[] | null
  /** Owner name for the HTTPS query, or null for none. */
  httpsQname?: string | null
  policy: PolicyName
  attemptDelayMs: number
  resolutionDelayMs: number
  firstAddressFamilyCount: number
  /** Bound on the race (DNS included), ms. */
  timeoutMs: number
  /** Follow-up probe bound, ms; 0 disables probes. */
  probeTimeoutMs: number
  tls: boolean
  alpn?: readonly string[]
}

/** The outside world, injected. */
export interface RaceDeps {
  clock?: Clock
  /** Null when every address is pinned. */
  dns: DnsSource | null
  connector: Connector
  /** Plain TCP connector for follow-up probes (null: no probes). */
  probeConnector?: Connector | null
  /** The RFC 6724 source for a destination (null: no route). */
  sourceFor: (address: string) => Promise<string | null> | string | null
  sources: {origin: 'os' | 'lab', note: string}
  /** The OS's getaddrinfo, for comparison (null outside name lookups, or in the lab). */
  getaddrinfo?: (() => Promise<{addresses: string[], error: string | null}>) | null
  /** Runs over the winning socket (e.g. the HTTP request); owns and closes the socket. */
  afterWin?: ((socket: Duplex, winner: WinnerJson) => Promise<HttpResult | null>) | null
}

/** A finished race: the report, plus raw (unrounded) timings for benchmarks. */
export interface RaceRun {
  json: RaceJson
  raw: {attempts: (AttemptRecord & {issuedMs: number})[]}
}

interface Live {
  ac: AbortController
  issuedMs: number
  result?: ConnectResult
}

const RRTYPE: Record<Family, 'AAAA' | 'A'> = {6: 'AAAA', 4: 'A'}

/** Runs one race (see the module comment). Rejects only on a bug (a misuse of the machine). */
export async function runRace(opts: RaceOptions, deps: RaceDeps): Promise<RaceRun> {
  const clock = deps.clock ?? systemClock
  warmUp(opts.policy)
  const t0 = clock.now()
  const now = () => clock.now() - t0
  const families = ([6, 4] as const).filter((f) => opts.families.includes(f))
  if (families.length === 0) throw new RangeError('no address family to race')
  const sources = new Map<string, string | null>()
  const sourceOf = (address: string) => sources.get(address) ?? null
  const he = new HappyEyeballs({
    attemptDelayMs: opts.attemptDelayMs,
    resolutionDelayMs: opts.resolutionDelayMs,
    firstAddressFamilyCount: opts.firstAddressFamilyCount,
    timeoutMs: opts.timeoutMs,
    rrtypes: families.map((f) => RRTYPE[f]),
    sort: (addresses) => sortDestinations(addresses.map((address) => ({address})), {sourceFor: sourceOf, policy: opts.policy}).map((s) => s.address),
  })
  const warnings: string[] = [...he.warnings]

  const dns: {AAAA: DnsJson, A: DnsJson, HTTPS?: HttpsJson} = {
    AAAA: {ms: null, status: families.includes(6) ? 'pending' : 'not-asked', addresses: []},
    A: {ms: null, status: families.includes(4) ? 'pending' : 'not-asked', addresses: []},
  }

  // ---- the machine and its outputs ------------------------------------------------------
  const timers = new Map<number, AbortController>()
  const live = new Map<number, Live>()
  let failure: unknown = null
  let finished!: () => void
  const raceDone = new Promise<void>((resolve) => (finished = resolve))

  const feed = (input: Input): void => {
    if (failure !== null) return
    let outputs: Output[]
    try {
      outputs = he.process(input, now())
    } catch (err) {
      failure = err
      finished()
      return
    }
    for (const o of outputs) execute(o)
  }

  const execute = (o: Output): void => {
    switch (o.kind) {
      case 'start-attempt': {
        const rec: Live = {ac: new AbortController(), issuedMs: now()}
        live.set(o.id, rec)
        let pending: Promise<ConnectResult>
        try {
          pending = deps.connector.connect(o.address, opts.port, rec.ac.signal)
        } catch (err) {
          pending = Promise.resolve({ok: false, error: String((err as Error)?.message ?? err)})
        }
        pending.then(
          (r) => {
            rec.result = r
            if (rec.ac.signal.aborted) {
              r.socket?.destroy()
              return
            }
            feed({kind: 'attempt-result', id: o.id, ok: r.ok, ...(r.error === undefined ? {} : {error: r.error})})
          },
          (err) => feed({kind: 'attempt-result', id: o.id, ok: false, error: String((err as Error)?.message ?? err)}),
        )
        return
      }
      case 'cancel-attempt': {
        const rec = live.get(o.id)
        if (!rec) return
        rec.ac.abort()
        rec.result?.socket?.destroy()
        return
      }
      case 'set-timer': {
        const ac = new AbortController()
        timers.set(o.id, ac)
        const due = async () => {
          await clock.sleep(Math.max(0, o.atMs - now()), ac.signal)
          // Node's timers count whole milliseconds from a cached loop time and can fire up to 1 ms
          // early; never start an attempt before its time (RFC 8305's 10 ms spacing is a MUST).
          // The last fraction of a millisecond on the real clock: yield to I/O until it is time.
          while (!ac.signal.aborted && now() < o.atMs) {
            if (clock === systemClock && o.atMs - now() < 1) await new Promise((resolve) => setImmediate(resolve))
            else await clock.sleep(o.atMs - now(), ac.signal)
          }
        }
        void due().then(() => {
          if (ac.signal.aborted) return
          timers.delete(o.id)
          feed({kind: 'timer', id: o.id})
        })
        return
      }
      case 'cancel-timer': {
        timers.get(o.id)?.abort()
        timers.delete(o.id)
        return
      }
      case 'done':
        finished()
        return
    }
  }

  const ensureSources = async (addresses: readonly string[]): Promise<void> => {
    const fresh = addresses.filter((a) => !sources.has(a))
    const lookup = async (a: string) => {
      try {
        return await deps.sourceFor(a)
      } catch {
        return null
      }
    }
    const found = await Promise.all(fresh.map(async (a) => [a, await lookup(a)] as const))
    for (const [a, s] of found) sources.set(a, s)
  }

  // Answers are fed in arrival order, each once its addresses' sources are known.
  let chain: Promise<void> = Promise.resolve()
  const deliver = (input: Extract<Input, {kind: 'dns'}>): void => {
    chain = chain.then(async () => {
      await ensureSources(input.addresses)
      feed(input)
    })
  }

  feed({kind: 'start'})
  const queries: Promise<void>[] = []
  const pinned = opts.pinned ? opts.pinned.filter((a) => families.includes(familyOf(a))) : null
  if (pinned) {
    for (const f of families) {
      const addresses = pinned.filter((a) => familyOf(a) === f)
      dns[RRTYPE[f]] = {ms: 0, status: 'pinned', addresses}
      deliver({kind: 'dns', rrtype: RRTYPE[f], addresses})
    }
  } else if (deps.dns) {
    const source = deps.dns
    for (const f of families) {
      const rrtype = RRTYPE[f]
      queries.push(
        source.query(rrtype, opts.host).then((answer) => {
          dns[rrtype] = dnsJson(answer, now())
          const addresses = answer.addresses.filter((a) => safeFamily(a) === f)
          deliver({kind: 'dns', rrtype, addresses, ...(answer.error === undefined ? {} : {error: answer.error})})
        }),
      )
    }
    if (opts.httpsQname) {
      const qname = opts.httpsQname
      dns.HTTPS = {qname, ms: null, status: 'pending', addresses: [], records: []}
      queries.push(
        source.query('HTTPS', qname).then((answer) => {
          const records = answer.https ?? []
          const hints = [...new Set(records.flatMap((r) => [...r.ipv6hint, ...r.ipv4hint]))]
          dns.HTTPS = {qname, ...dnsJson(answer, now()), addresses: hints, records}
          // Recorded by the machine; RFC 8305 races A/AAAA only (hints are not used).
          deliver({kind: 'dns', rrtype: 'HTTPS', addresses: hints, ...(answer.error === undefined ? {} : {error: answer.error})})
        }),
      )
    }
  } else {
    throw new RangeError('no DNS source and no pinned addresses')
  }

  await raceDone
  if (failure !== null) throw failure
  const result = he.result()!

  // ---- after the race ---------------------------------------------------------------------
  const attemptsRaw = he.attempts()
  const winnerRec = result.winner ? attemptsRaw.find((a) => a.id === result.winner!.id) ?? null : null
  const winnerLive = winnerRec ? live.get(winnerRec.id) : undefined
  const winnerSocket = winnerLive?.result?.socket

  // A DNS answer still outstanding when the race is won is waited for as long as a follow-up
  // probe may take, not for the whole timeout: the verdict is known, and dnsx should exit.
  const dnsWait = (async () => {
    const left = Math.min(opts.timeoutMs - now(), opts.probeTimeoutMs)
    if (queries.length === 0 || left <= 0) return
    const stop = new AbortController()
    await Promise.race([Promise.all(queries).then(() => chain), clock.sleep(left, stop.signal)])
    stop.abort()
  })()

  let winner: WinnerJson | null = null
  if (winnerRec && winnerLive) {
    const r = winnerLive.result!
    const connectMs = winnerRec.endMs! - winnerLive.issuedMs
    winner = {
      address: winnerRec.address,
      family: familyName(winnerRec.family),
      connectMs: ms(connectMs),
      atMs: ms(winnerRec.endMs!),
      tcpMs: r.tcpMs === undefined ? (opts.tls ? null : ms(connectMs)) : ms(r.tcpMs),
      tlsMs: r.tcpMs === undefined ? null : ms(connectMs - r.tcpMs),
      localAddress: r.localAddress ?? null,
    }
  }

  const probeConnector = deps.probeConnector
  const toProbe = probeConnector && opts.probeTimeoutMs > 0 && winnerRec ? attemptsRaw.filter((a) => a.outcome === 'cancelled') : []
  const probing = Promise.all(toProbe.map((a) => probe(a.address, a.family)))
  async function probe(address: string, family: Family): Promise<ProbeJson> {
    const startMs = now()
    const ac = new AbortController()
    const stop = new AbortController()
    const timedOut = clock.sleep(opts.probeTimeoutMs, stop.signal).then(() => 'timeout' as const)
    const r = await Promise.race([probeConnector!.connect(address, opts.port, ac.signal), timedOut])
    stop.abort()
    const endMs = now()
    if (r === 'timeout') {
      ac.abort()
      return {address, family: familyName(family), startMs: ms(startMs), endMs: ms(endMs), outcome: 'timed out'}
    }
    r.socket?.destroy()
    return {
      address,
      family: familyName(family),
      startMs: ms(startMs),
      endMs: ms(endMs),
      outcome: r.ok ? 'connected' : outcomeOf(r.error),
      ...(r.ok || r.error === undefined ? {} : {error: r.error}),
    }
  }

  const httpWork = winnerSocket && winner && deps.afterWin ? deps.afterWin(winnerSocket, winner) : Promise.resolve(null)
  if (winnerSocket && !deps.afterWin) winnerSocket.destroy()
  const gaiWork = deps.getaddrinfo ? deps.getaddrinfo() : Promise.resolve(null)
  const [probes, http, gai] = await Promise.all([probing, httpWork, gaiWork, dnsWait])

  // ---- the report -------------------------------------------------------------------------
  const known = [
    ...new Set([
      ...(pinned ?? []).filter((a) => familyOf(a) === 6),
      ...dns.AAAA.addresses,
      ...(pinned ?? []).filter((a) => familyOf(a) === 4),
      ...dns.A.addresses,
    ]),
  ].filter((a) => families.includes(familyOf(a)))
  await ensureSources(known)
  const sortedRaw = sortDestinations(known.map((address) => ({address})), {sourceFor: sourceOf, policy: opts.policy})
  const sorted: SortedJson[] = sortedRaw.map((s) => ({
    address: s.address,
    family: familyName(s.family),
    source: s.source,
    rule: s.rule,
    ruleNumber: s.ruleNumber,
    precedence: s.precedence,
    label: s.label,
    scope: scopeName(s.scope),
  }))
  const attemptOrder = interleaveFamilies(sortedRaw, opts.firstAddressFamilyCount).map((s) => s.address)
  let getaddrinfo: GetaddrinfoComparison | null = null
  if (gai) {
    await ensureSources(gai.addresses.filter((a) => safeFamily(a) !== null))
    getaddrinfo = compareWithGetaddrinfo(gai, sortedRaw.map((s) => s.address), opts.policy, sourceOf, known)
  }

  const attempts: AttemptJson[] = attemptsRaw.map((a) => {
    const l = live.get(a.id)
    const r = l?.result
    const issued = l?.issuedMs ?? a.startMs
    const end = a.endMs ?? now()
    const tcpMs = r?.tcpMs
    return {
      id: a.id,
      address: a.address,
      family: familyName(a.family),
      source: (r?.ok ? r.localAddress : undefined) ?? sourceOf(a.address),
      startMs: ms(issued),
      plannedStartMs: ms(a.plannedStartMs),
      endMs: ms(end),
      outcome: a.outcome ?? 'cancelled',
      ...(a.error === undefined ? {} : {error: a.error}),
      trigger: a.trigger,
      ...(tcpMs === undefined ? {} : {tcpMs: ms(tcpMs), tlsMs: ms(end - issued - tcpMs)}),
    }
  })

  // Verdicts judge the attempts from when their connections really started, as the report shows them.
  const judged = attemptsRaw.map((a) => ({...a, startMs: Math.min(live.get(a.id)?.issuedMs ?? a.startMs, a.endMs ?? Infinity)}))
  const base = familyVerdicts({attempts: judged, dns: he.dnsResults(), result}).filter((v) => families.includes(v.family))
  const verdicts = refineVerdicts(base, probes, judged, {
    attemptDelayMs: he.attemptDelayMs,
    probeTimeoutMs: opts.probeTimeoutMs,
    winner: winnerRec ? judged.find((a) => a.id === winnerRec.id)! : null,
  }).map((v) =>
    pinned && v.status === 'no-addresses'
      ? {...v, message: `${v.family === 'ipv6' ? 'IPv6' : 'IPv4'}: no addresses (none pinned)`}
      : v,
  )

  const tlsInfo = winnerLive?.result?.tls
  const json: RaceJson = {
    target: opts.host,
    port: opts.port,
    url: opts.url ?? null,
    lab: Boolean(opts.lab),
    options: {
      policy: opts.policy,
      attemptDelayMs: he.attemptDelayMs,
      resolutionDelayMs: he.resolutionDelayMs,
      firstAddressFamilyCount: he.firstAddressFamilyCount,
      timeoutMs: opts.timeoutMs,
      probeTimeoutMs: opts.probeTimeoutMs,
      families: families.map(familyName),
      tls: opts.tls,
      alpn: [...(opts.alpn ?? [])],
    },
    resolver: pinned || !deps.dns ? null : {address: deps.dns.server.address, port: deps.dns.server.port},
    pinned: pinned ? [...pinned] : null,
    dns,
    sources: deps.sources,
    sorted,
    attemptOrder,
    getaddrinfo,
    attempts,
    probes,
    result: result.reason,
    winner,
    verdicts,
    tls: tlsInfo ? {...tlsInfo, handshakeMs: winner?.tlsMs ?? null} : null,
    http,
    elapsedMs: ms(now()),
    warnings,
  }
  const raw = attemptsRaw.map((a) => ({...a, issuedMs: live.get(a.id)?.issuedMs ?? a.startMs}))
  return {json, raw: {attempts: raw}}
}

/**
 * Runs a throw-away machine through a race before the clock starts, so the first real attempt is
 * not a millisecond late while the machine and the ordering code get compiled.
 */
function warmUp(policy: PolicyName): void {
  const he = new HappyEyeballs({
    timeoutMs: 1000,
    sort: (addresses) => sortDestinations(addresses.map((address) => ({address})), {sourceFor: (a) => a, policy}).map((s) => s.address),
  })
  try {
    he.process({kind: 'start'}, 0)
    he.process({kind: 'dns', rrtype: 'A', addresses: ['192.0.2.1', '192.0.2.2']}, 1)
    he.process({kind: 'dns', rrtype: 'AAAA', addresses: ['2001:db8::1', '2001:db8::2']}, 2)
    he.process({kind: 'attempt-result', id: 1, ok: false, error: 'ECONNREFUSED'}, 3)
    he.process({kind: 'timer', id: 3}, 260)
  } catch {
    // only an optimisation
  }
}

function dnsJson(answer: DnsAnswer, at: number): DnsJson {
  return {
    ms: ms(at),
    status: answer.status,
    addresses: [...answer.addresses],
    rcode: answer.rcode,
    ...(answer.error === undefined ? {} : {error: answer.error}),
    ...(answer.cnames.length > 0 ? {cnames: [...answer.cnames]} : {}),
  }
}

function safeFamily(address: string): Family | null {
  try {
    return familyOf(address)
  } catch {
    return null
  }
}
