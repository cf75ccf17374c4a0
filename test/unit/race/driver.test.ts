/**
 * The race driver (src/lib/race/run.ts) with a scripted world: a fake DNS source, a fake connector
 * and a ManualClock. Time moves only when the test moves it, 1 ms at a time, so every time in the
 * report is exact (no real-clock timing assertions).
 */
import {PassThrough} from 'node:stream'
import {describe, expect, it} from 'vitest'
import {ManualClock} from '../../../src/lib/clock.js'
import type {Connector, ConnectResult} from '../../../src/lib/race/connect.js'
import type {DnsAnswer, DnsSource, RaceQueryType} from '../../../src/lib/race/dns.js'
import type {HttpResult} from '../../../src/lib/race/http.js'
import type {RaceJson} from '../../../src/lib/race/report.js'
import {type RaceDeps, type RaceOptions, runRace} from '../../../src/lib/race/run.js'
import {schemaValidator} from '../../helpers/cli.js'

const validate = schemaValidator('race')

const V6A = '2001:db8:ee::11'
const V6B = '2001:db8:ee::12'
const V4A = '203.0.113.11'
const V4B = '203.0.113.12'

/** What a connection to an address meets: connect/refuse/unreach after `ms`, or never answer. */
type Behaviour = {kind: 'ok' | 'refused' | 'unreachable' | 'tls-fail', ms: number} | {kind: 'blackhole'}
/** A DNS answer at a time. */
type Scripted = {at: number, addresses?: string[], status?: DnsAnswer['status'], error?: string} | 'never'

interface World {
  clock: ManualClock
  deps: RaceDeps
  /** Every connect call: address, time, its signal and the socket handed out (if any). */
  calls: {address: string, at: number, signal: AbortSignal, socket?: PassThrough}[]
  queries: {type: RaceQueryType, name: string, at: number}[]
}

function world(spec: {dns?: Partial<Record<RaceQueryType, Scripted>>, hosts: Record<string, Behaviour>, sources?: Record<string, string | null>}): World {
  const clock = new ManualClock()
  const calls: World['calls'] = []
  const queries: World['queries'] = []
  const dns: DnsSource = {
    server: {address: '192.0.2.53', port: 53},
    async query(type, name) {
      queries.push({type, name, at: clock.now()})
      const s = spec.dns?.[type]
      if (!s || s === 'never') return new Promise<DnsAnswer>(() => {})
      await clock.sleep(s.at)
      const addresses = s.addresses ?? []
      const status = s.status ?? (addresses.length > 0 ? 'answer' : 'nodata')
      return {status, addresses, rcode: status === 'nxdomain' ? 'NXDOMAIN' : 'NOERROR', cnames: [], ...(s.error ? {error: s.error} : {})}
    },
  }
  const connector: Connector = {
    connect(address, _port, signal) {
      const call: World['calls'][number] = {address, at: clock.now(), signal}
      calls.push(call)
      const b = spec.hosts[address] ?? {kind: 'unreachable', ms: 0}
      return new Promise<ConnectResult>((resolve) => {
        if (b.kind === 'blackhole') {
          signal.addEventListener('abort', () => resolve({ok: false, error: 'cancelled'}), {once: true})
          return
        }
        const wait = b.ms === 0 ? Promise.resolve() : clock.sleep(b.ms, signal)
        void wait.then(() => {
          if (signal.aborted) return resolve({ok: false, error: 'cancelled'})
          if (b.kind === 'ok') {
            call.socket = new PassThrough()
            return resolve({ok: true, socket: call.socket, localAddress: address.includes(':') ? '2001:db8:ff::1' : '198.51.100.1'})
          }
          if (b.kind === 'tls-fail') return resolve({ok: false, error: 'tls: DEPTH_ZERO_SELF_SIGNED_CERT', tcpMs: 1})
          resolve({ok: false, error: b.kind === 'refused' ? 'ECONNREFUSED' : 'EHOSTUNREACH'})
        })
      })
    },
  }
  const sources = spec.sources ?? {}
  return {
    clock,
    calls,
    queries,
    deps: {
      clock,
      dns,
      connector,
      probeConnector: connector,
      sourceFor: async (a) => (a in sources ? sources[a]! : a.includes(':') ? '2001:db8:ff::1' : '198.51.100.1'),
      sources: {origin: 'lab', note: 'test sources'},
    },
  }
}

const OPTS: RaceOptions = {
  host: 'dual.race.test',
  port: 443,
  families: [6, 4],
  policy: 'rfc6724',
  attemptDelayMs: 250,
  resolutionDelayMs: 50,
  firstAddressFamilyCount: 1,
  timeoutMs: 2000,
  probeTimeoutMs: 1000,
  tls: false,
}

/** Runs the race to the end, moving the clock 1 ms at a time and letting I/O callbacks run. */
async function race(w: World, opts: Partial<RaceOptions> = {}, deps: Partial<RaceDeps> = {}): Promise<RaceJson> {
  let done = false
  const p = runRace({...OPTS, ...opts}, {...w.deps, ...deps}).finally(() => (done = true))
  for (let i = 0; i < 20_000 && !done; i++) {
    await new Promise((r) => setImmediate(r))
    if (!done) await w.clock.advance(1)
  }
  const {json} = await p
  expect(validate(json)).toEqual([])
  return json
}

const brief = (j: RaceJson) => j.attempts.map((a) => [a.address, a.startMs, a.endMs, a.outcome])

describe('runRace: Happy Eyeballs with a fake clock', () => {
  it('black-holed IPv6: IPv4 starts after the attempt delay and wins; IPv6 is cancelled, probed and called black-holed', async () => {
    const w = world({dns: {AAAA: {at: 10, addresses: [V6A]}, A: {at: 12, addresses: [V4A]}}, hosts: {[V6A]: {kind: 'blackhole'}, [V4A]: {kind: 'ok', ms: 5}}})
    const j = await race(w)
    expect(w.queries.map((q) => [q.type, q.at])).toEqual([['AAAA', 0], ['A', 0]])
    expect(j.dns.AAAA).toMatchObject({ms: 10, status: 'answer', addresses: [V6A]})
    expect(j.dns.A).toMatchObject({ms: 12, status: 'answer', addresses: [V4A]})
    expect(brief(j)).toEqual([
      [V6A, 10, 265, 'cancelled'],
      [V4A, 260, 265, 'connected'],
    ])
    // A arrived while IPv6 was in flight: the next start was scheduled then, for 250 ms after IPv6's.
    expect(j.attempts[1]).toMatchObject({plannedStartMs: 260, trigger: 'new-address', source: '198.51.100.1'})
    expect(j.result).toBe('connected')
    expect(j.winner).toEqual({address: V4A, family: 'ipv4', connectMs: 5, atMs: 265, tcpMs: 5, tlsMs: null, localAddress: '198.51.100.1'})
    // The IPv6 attempt was aborted when IPv4 won; the winner's socket was closed (no request to send).
    expect(w.calls[0]!.signal.aborted).toBe(true)
    expect(w.calls[1]!.socket!.destroyed).toBe(true)
    // The follow-up probe waited the probe timeout and heard nothing.
    expect(j.probes).toEqual([{address: V6A, family: 'ipv6', startMs: 265, endMs: 1265, outcome: 'timed out'}])
    const v6 = j.verdicts.find((v) => v.family === 'ipv6')!
    expect(v6).toMatchObject({status: 'black-holed', hiddenByFallback: true, probe: {address: V6A, outcome: 'timed out', ms: 1000}})
    expect(v6.message).toBe(`IPv6: black-holed, no answer from ${V6A} in 1 s (race and follow-up probe); Happy Eyeballs hid it by falling back to IPv4 after 250 ms`)
    expect(j.verdicts.find((v) => v.family === 'ipv4')).toMatchObject({status: 'ok', connectMs: 5})
    expect(j.sorted.map((s) => [s.address, s.rule])).toEqual([
      [V6A, null],
      [V4A, 'rule 6: prefer higher precedence (40 > 35)'],
    ])
    expect(j.attemptOrder).toEqual([V6A, V4A])
    expect(j.elapsedMs).toBe(1265)
  })

  it('ends once the verdict is known: an AAAA still outstanding is waited for only as long as a probe, not the whole timeout', async () => {
    const w = world({dns: {AAAA: 'never', A: {at: 10, addresses: [V4A]}}, hosts: {[V4A]: {kind: 'ok', ms: 5}}})
    const j = await race(w, {probeTimeoutMs: 300, timeoutMs: 2000})
    expect(j.winner?.address).toBe(V4A)
    // Won at 65 (A at 10, the 50 ms resolution delay, 5 ms to connect); over at 65 + 300, not at 2000.
    expect(w.clock.now()).toBeGreaterThanOrEqual(365)
    expect(w.clock.now()).toBeLessThan(400)
  })

  it('a timer that fires late shows: the attempt starts late, its planned start stays on the schedule', async () => {
    const w = world({dns: {AAAA: {at: 10, addresses: [V6A]}, A: {at: 10, addresses: [V4A]}}, hosts: {[V6A]: {kind: 'blackhole'}, [V4A]: {kind: 'ok', ms: 5}}})
    // The driver's timers wake 3 ms late (a busy event loop); the world's own delays are exact.
    const late = {now: () => w.clock.now(), sleep: (ms: number, signal?: AbortSignal) => w.clock.sleep(ms + 3, signal)}
    const j = await race(w, {probeTimeoutMs: 0}, {clock: late})
    expect(j.attempts.map((a) => [a.address, a.plannedStartMs, a.startMs])).toEqual([
      [V6A, 10, 10],
      [V4A, 260, 263],
    ])
  })

  it('the first success wins, and every other attempt is cancelled and its socket never leaks', async () => {
    const w = world({
      dns: {AAAA: {at: 5, addresses: [V6A, V6B]}, A: {at: 5, addresses: [V4A, V4B]}},
      hosts: {[V6A]: {kind: 'ok', ms: 700}, [V4A]: {kind: 'ok', ms: 600}, [V6B]: {kind: 'ok', ms: 100}, [V4B]: {kind: 'blackhole'}},
    })
    const j = await race(w, {probeTimeoutMs: 0})
    // Stagger: 5, 255, 505, 755; V6B (started at 505) connects at 605 before V4A (255 + 600 = 855).
    expect(brief(j)).toEqual([
      [V6A, 5, 605, 'cancelled'],
      [V4A, 255, 605, 'cancelled'],
      [V6B, 505, 605, 'connected'],
    ])
    expect(w.calls.map((c) => c.address)).toEqual([V6A, V4A, V6B])
    expect(w.calls.map((c) => c.signal.aborted)).toEqual([true, true, false])
    // Cancelled attempts never produced a socket; the winner's was closed at the end.
    expect(w.calls.map((c) => c.socket?.destroyed)).toEqual([undefined, undefined, true])
    expect(j.winner).toMatchObject({address: V6B, family: 'ipv6', connectMs: 100, atMs: 605})
    expect(j.probes).toEqual([])
    // Without probes the race alone cannot tell: the cancelled family is "slow" and nothing more.
    expect(j.verdicts.find((v) => v.family === 'ipv4')).toMatchObject({status: 'slow', probe: null})
  })

  it('an attempt that fails at once starts the next one at once (10 ms spacing), and the stagger restarts from it', async () => {
    const w = world({dns: {AAAA: {at: 10, addresses: [V6A, V6B]}, A: {at: 10, addresses: [V4A]}}, hosts: {[V6A]: {kind: 'refused', ms: 1}, [V4A]: {kind: 'blackhole'}, [V6B]: {kind: 'ok', ms: 3}}})
    const j = await race(w)
    expect(brief(j)).toEqual([
      [V6A, 10, 11, 'refused'],
      [V4A, 20, 273, 'cancelled'],
      [V6B, 270, 273, 'connected'],
    ])
    expect(j.attempts.map((a) => a.trigger)).toEqual(['first', 'previous-failed', 'attempt-delay'])
    expect(j.attempts[0]!.error).toBe('ECONNREFUSED')
    // Attempt 2 was hurried: the schedule alone would have started it at 260.
    expect(j.attempts[1]!.plannedStartMs).toBe(260)
    expect(j.verdicts.find((v) => v.family === 'ipv6')!.message).toBe(`IPv6: ok, ${V6B} connected in 3 ms (after 1 failed attempt)`)
    expect(j.verdicts.find((v) => v.family === 'ipv4')).toMatchObject({status: 'black-holed', probe: {outcome: 'timed out'}})
  })

  it('Resolution Delay: A first, AAAA within 50 ms: IPv6 still goes first', async () => {
    const w = world({dns: {AAAA: {at: 40, addresses: [V6A]}, A: {at: 10, addresses: [V4A]}}, hosts: {[V6A]: {kind: 'ok', ms: 2}, [V4A]: {kind: 'ok', ms: 1}}})
    const j = await race(w)
    expect(brief(j)).toEqual([[V6A, 40, 42, 'connected']])
    expect(j.verdicts.map((v) => v.status)).toEqual(['ok', 'not-tried'])
  })

  it('Resolution Delay: A first, AAAA later than 50 ms: IPv4 starts at A + 50 and a late AAAA joins the race next', async () => {
    const w = world({dns: {AAAA: {at: 100, addresses: [V6A]}, A: {at: 10, addresses: [V4A]}}, hosts: {[V6A]: {kind: 'ok', ms: 4}, [V4A]: {kind: 'blackhole'}}})
    const j = await race(w, {probeTimeoutMs: 0})
    expect(brief(j)).toEqual([
      [V4A, 60, 314, 'cancelled'],
      [V6A, 310, 314, 'connected'],
    ])
    expect(j.attempts[1]!.trigger).toBe('new-address')
  })

  it('Resolution Delay 0: IPv4 starts as soon as A arrives', async () => {
    const w = world({dns: {AAAA: {at: 30, addresses: [V6A]}, A: {at: 10, addresses: [V4A]}}, hosts: {[V6A]: {kind: 'ok', ms: 1}, [V4A]: {kind: 'ok', ms: 5}}})
    const j = await race(w, {resolutionDelayMs: 0})
    expect(brief(j)).toEqual([[V4A, 10, 15, 'connected']])
    // The AAAA answer that came after the race is still reported.
    expect(j.dns.AAAA).toMatchObject({ms: 30, addresses: [V6A]})
    expect(j.sorted.map((s) => s.address)).toEqual([V6A, V4A])
  })

  it('--timeout bounds the race: everything black-holed ends "timed out" with no winner', async () => {
    const w = world({dns: {AAAA: {at: 3, addresses: [V6A]}, A: {at: 3, addresses: [V4A]}}, hosts: {[V6A]: {kind: 'blackhole'}, [V4A]: {kind: 'blackhole'}}})
    const j = await race(w, {timeoutMs: 1000})
    expect(j.result).toBe('timeout')
    expect(j.winner).toBeNull()
    expect(brief(j)).toEqual([
      [V6A, 3, 1000, 'timed out'],
      [V4A, 253, 1000, 'timed out'],
    ])
    expect(w.calls.every((c) => c.signal.aborted)).toBe(true)
    expect(j.probes).toEqual([])
    expect(j.verdicts.map((v) => v.status)).toEqual(['black-holed', 'black-holed'])
  })

  it('NXDOMAIN: no attempt, result no-addresses', async () => {
    const w = world({dns: {AAAA: {at: 4, status: 'nxdomain', error: 'NXDOMAIN'}, A: {at: 5, status: 'nxdomain', error: 'NXDOMAIN'}}, hosts: {}})
    const j = await race(w)
    expect(j.result).toBe('no-addresses')
    expect(j.attempts).toEqual([])
    expect(j.verdicts.map((v) => v.message)).toEqual(['IPv6: no addresses (AAAA query failed: NXDOMAIN)', 'IPv4: no addresses (A query failed: NXDOMAIN)'])
  })

  it('a missing AAAA answer does not hold IPv4 back beyond the resolution delay; the report says it never came', async () => {
    const w = world({dns: {AAAA: 'never', A: {at: 10, addresses: [V4A]}}, hosts: {[V4A]: {kind: 'ok', ms: 2}}})
    const j = await race(w, {timeoutMs: 500})
    expect(brief(j)).toEqual([[V4A, 60, 62, 'connected']])
    expect(j.dns.AAAA).toMatchObject({ms: null, status: 'pending'})
    // The driver waited for AAAA until the race timeout, then gave up.
    expect(j.elapsedMs).toBe(500)
  })

  it('pinned addresses (--resolve): no DNS at all, attempts start at 0', async () => {
    const w = world({hosts: {[V6A]: {kind: 'unreachable', ms: 0}, [V4A]: {kind: 'ok', ms: 7}}})
    const j = await race(w, {pinned: [V4A, V6A]}, {dns: null})
    expect(w.queries).toEqual([])
    expect(j.pinned).toEqual([V4A, V6A])
    expect(j.resolver).toBeNull()
    expect(j.dns.AAAA).toEqual({ms: 0, status: 'pinned', addresses: [V6A]})
    expect(brief(j)).toEqual([
      [V6A, 0, 0, 'unreachable'],
      [V4A, 10, 17, 'connected'],
    ])
  })

  it('-4: only A is asked, only IPv4 raced and judged', async () => {
    const w = world({dns: {AAAA: {at: 1, addresses: [V6A]}, A: {at: 8, addresses: [V4A]}}, hosts: {[V6A]: {kind: 'ok', ms: 1}, [V4A]: {kind: 'ok', ms: 2}}})
    const j = await race(w, {families: [4]})
    expect(w.queries.map((q) => q.type)).toEqual(['A'])
    expect(j.dns.AAAA.status).toBe('not-asked')
    expect(brief(j)).toEqual([[V4A, 8, 10, 'connected']])
    expect(j.verdicts.map((v) => v.family)).toEqual(['ipv4'])
  })

  it('rule 1: an address without a source goes last, so IPv4 is tried first', async () => {
    const w = world({
      dns: {AAAA: {at: 20, addresses: [V6A]}, A: {at: 2, addresses: [V4A]}},
      hosts: {[V6A]: {kind: 'unreachable', ms: 0}, [V4A]: {kind: 'blackhole'}},
      sources: {[V6A]: null},
    })
    const j = await race(w)
    expect(j.sorted.map((s) => [s.address, s.source, s.ruleNumber])).toEqual([
      [V4A, '198.51.100.1', null],
      [V6A, null, 1],
    ])
    expect(j.sorted[1]!.rule).toBe(`rule 1: avoid unusable destinations (no source address for ${V6A})`)
    // A came first; AAAA within the resolution delay started the race with both known, and the
    // sort put IPv4 first. The unroutable IPv6 address came next, one attempt delay later, and failed at once.
    expect(brief(j)).toEqual([
      [V4A, 20, 2000, 'timed out'],
      [V6A, 270, 270, 'unreachable'],
    ])
  })

  it('a slow family: the probe connects later than the attempt delay, and the verdict says slow and hidden', async () => {
    const w = world({dns: {AAAA: {at: 10, addresses: [V6B]}, A: {at: 10, addresses: [V4B]}}, hosts: {[V6B]: {kind: 'ok', ms: 400}, [V4B]: {kind: 'ok', ms: 2}}})
    const j = await race(w)
    expect(brief(j)).toEqual([
      [V6B, 10, 262, 'cancelled'],
      [V4B, 260, 262, 'connected'],
    ])
    expect(j.probes).toEqual([{address: V6B, family: 'ipv6', startMs: 262, endMs: 662, outcome: 'connected'}])
    expect(j.verdicts[0]!.message).toBe(
      `IPv6: slow, ${V6B} connected in 400 ms on a follow-up probe, slower than the 250 ms attempt delay; Happy Eyeballs hid it by falling back to IPv4 after 250 ms`,
    )
  })

  it('a family that merely started too late keeps "not tried"; the probe adds that it works', async () => {
    // A first, no resolution delay, a 10 ms attempt delay: IPv4 starts at 10, IPv6 (AAAA at 12) at 20.
    const w = world({dns: {AAAA: {at: 12, addresses: [V6A]}, A: {at: 10, addresses: [V4A]}}, hosts: {[V6A]: {kind: 'ok', ms: 8}, [V4A]: {kind: 'ok', ms: 15}}})
    const j = await race(w, {resolutionDelayMs: 0, attemptDelayMs: 10})
    expect(brief(j)).toEqual([
      [V4A, 10, 25, 'connected'],
      [V6A, 20, 25, 'cancelled'],
    ])
    expect(j.probes).toEqual([{address: V6A, family: 'ipv6', startMs: 25, endMs: 33, outcome: 'connected'}])
    expect(j.verdicts[0]).toMatchObject({status: 'not-tried', probe: {outcome: 'connected', ms: 8}})
    expect(j.verdicts[0]!.message).toBe(`IPv6: not tried to the end, cancelled after 5 ms when IPv4 connected (in 15 ms); ${V6A} connects in 8 ms (follow-up probe)`)
  })

  it('a slow family that would have won with a longer delay: the probe says slow', async () => {
    const w = world({dns: {AAAA: {at: 12, addresses: [V6A]}, A: {at: 10, addresses: [V4A]}}, hosts: {[V6A]: {kind: 'ok', ms: 30}, [V4A]: {kind: 'ok', ms: 15}}})
    const j = await race(w, {resolutionDelayMs: 0, attemptDelayMs: 10})
    expect(j.verdicts[0]).toMatchObject({status: 'slow', probe: {outcome: 'connected', ms: 30}})
    expect(j.verdicts[0]!.message).toMatch(/^IPv6: slow, 2001:db8:ee::11 connected in 30 ms on a follow-up probe, slower than the 10 ms attempt delay/)
  })

  it('the winning socket goes to afterWin (the HTTP request), which owns it', async () => {
    const w = world({dns: {AAAA: {at: 1, addresses: [V6A]}, A: {at: 1, addresses: [V4A]}}, hosts: {[V6A]: {kind: 'ok', ms: 2}}})
    const seen: unknown[] = []
    const http: HttpResult = {method: 'GET', url: 'http://dual.race.test/', httpVersion: '1.1', status: 204, ttfbMs: 1, totalMs: 1, bytes: 0, truncated: false, headers: {}, error: null}
    const j = await race(w, {url: 'http://dual.race.test/'}, {afterWin: async (socket, winner) => (seen.push(socket, winner.address), http)})
    expect(seen).toEqual([w.calls[0]!.socket, V6A])
    expect(w.calls[0]!.socket!.destroyed).toBe(false)
    expect(j.http).toEqual(http)
  })

  it('attempt delays are clamped with a warning (RFC 8305 §5)', async () => {
    const w = world({dns: {AAAA: {at: 1, addresses: [V6A, V6B]}, A: {at: 1, addresses: []}}, hosts: {[V6A]: {kind: 'blackhole'}, [V6B]: {kind: 'ok', ms: 1}}})
    const j = await race(w, {attemptDelayMs: 5, probeTimeoutMs: 0})
    expect(j.options.attemptDelayMs).toBe(10)
    expect(j.warnings).toEqual(['attempt delay 5 ms is below the 10 ms floor of RFC 8305 §5; using 10 ms'])
    expect(brief(j)).toEqual([
      [V6A, 1, 12, 'cancelled'],
      [V6B, 11, 12, 'connected'],
    ])
  })

  it('first address family count 2: two IPv6 addresses before the first IPv4', async () => {
    const w = world({dns: {AAAA: {at: 1, addresses: [V6A, V6B]}, A: {at: 1, addresses: [V4A, V4B]}}, hosts: {}})
    const j = await race(w, {firstAddressFamilyCount: 2})
    expect(j.attemptOrder).toEqual([V6A, V6B, V4A, V4B])
    expect(j.attempts.map((a) => a.address)).toEqual([V6A, V6B, V4A, V4B])
    expect(j.result).toBe('all-failed')
  })

  it('the HTTPS query is sent at once and reported, without changing the race', async () => {
    const w = world({dns: {AAAA: {at: 3, addresses: [V6A]}, A: {at: 3, addresses: [V4A]}, HTTPS: {at: 20}}, hosts: {[V6A]: {kind: 'ok', ms: 1}}})
    const j = await race(w, {httpsQname: 'dual.race.test', tls: true})
    expect(w.queries.map((q) => [q.type, q.name, q.at])).toEqual([
      ['AAAA', 'dual.race.test', 0],
      ['A', 'dual.race.test', 0],
      ['HTTPS', 'dual.race.test', 0],
    ])
    expect(brief(j)).toEqual([[V6A, 3, 4, 'connected']])
    expect(j.dns.HTTPS).toMatchObject({qname: 'dual.race.test', ms: 20, status: 'nodata', records: []})
  })

  it('TLS: a failed handshake fails the attempt; the verdict says TLS, not unreachable', async () => {
    const w = world({dns: {AAAA: {at: 1, addresses: [V6A]}, A: {at: 1, addresses: [V4A]}}, hosts: {[V6A]: {kind: 'tls-fail', ms: 4}, [V4A]: {kind: 'tls-fail', ms: 3}}})
    const j = await race(w, {tls: true})
    expect(j.result).toBe('all-failed')
    expect(j.attempts.map((a) => [a.outcome, a.error, a.tcpMs, a.tlsMs])).toEqual([
      ['failed', 'tls: DEPTH_ZERO_SELF_SIGNED_CERT', 1, 3],
      ['failed', 'tls: DEPTH_ZERO_SELF_SIGNED_CERT', 1, 2],
    ])
    expect(j.verdicts.map((v) => [v.status, v.message])).toEqual([
      ['tls-failed', `IPv6: TCP connected but the TLS handshake failed (${V6A}: DEPTH_ZERO_SELF_SIGNED_CERT)`],
      ['tls-failed', `IPv4: TCP connected but the TLS handshake failed (${V4A}: DEPTH_ZERO_SELF_SIGNED_CERT)`],
    ])
  })

  it('compares with the OS getaddrinfo order and says where it differs', async () => {
    const w = world({dns: {AAAA: {at: 1, addresses: [V6A]}, A: {at: 1, addresses: [V4A]}}, hosts: {[V6A]: {kind: 'ok', ms: 1}}})
    const j = await race(w, {}, {getaddrinfo: async () => ({addresses: [V4A, V6A, '127.0.0.1'], error: null})})
    expect(j.getaddrinfo).toEqual({
      addresses: [V4A, V6A, '127.0.0.1'],
      error: null,
      sameOrder: false,
      onlyGetaddrinfo: ['127.0.0.1'],
      onlyDns: [],
      firstDifference: `getaddrinfo puts ${V4A} before ${V6A}, dnsx (--policy rfc6724) puts ${V6A} first`,
      matchingPolicies: [],
    })
  })
})
