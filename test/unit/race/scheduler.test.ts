import {describe, expect, it} from 'vitest'

import {sortDestinations} from '../../../src/lib/race/rfc6724.js'
import {clampAttemptDelay, HappyEyeballs, type HappyEyeballsOptions, outcomeOf} from '../../../src/lib/race/scheduler.js'

const V6A = '2001:db8::a'
const V6B = '2001:db8::b'
const V4A = '192.0.2.1'
const V4B = '192.0.2.2'

// Output builders, so expected sequences read like the RFC's timeline.
const start = (id: number, address: string) => ({kind: 'start-attempt', id, address, family: address.includes(':') ? 6 : 4})
const timer = (id: number, atMs: number, purpose: string) => ({kind: 'set-timer', id, atMs, purpose})
const cancelTimer = (id: number) => ({kind: 'cancel-timer', id})
const cancelAttempt = (id: number) => ({kind: 'cancel-attempt', id})
const done = (reason: string, winner: {id: number; address: string} | null = null) => ({kind: 'done', winner, reason})

/** A machine plus a scripted clock: `at(t).x(...)` feeds one event at time t. */
function race(opts: HappyEyeballsOptions = {}) {
  const he = new HappyEyeballs(opts)
  const at = (t: number) => ({
    start: () => he.process({kind: 'start'}, t),
    aaaa: (...addresses: string[]) => he.process({kind: 'dns', rrtype: 'AAAA', addresses}, t),
    a: (...addresses: string[]) => he.process({kind: 'dns', rrtype: 'A', addresses}, t),
    dnsError: (rrtype: 'A' | 'AAAA', error: string) => he.process({kind: 'dns', rrtype, addresses: [], error}, t),
    ok: (id: number) => he.process({kind: 'attempt-result', id, ok: true}, t),
    fail: (id: number, error = 'refused') => he.process({kind: 'attempt-result', id, ok: false, error}, t),
    fire: (id: number) => he.process({kind: 'timer', id}, t),
  })
  return {he, at}
}

describe('HappyEyeballs: AAAA first, staggered attempts', () => {
  it('starts IPv6 at once, interleaves families and staggers every 250 ms; the first success cancels the rest', () => {
    const {he, at} = race({timeoutMs: 10_000})
    expect(at(0).start()).toEqual([timer(1, 10_000, 'overall-timeout')])
    expect(at(5).aaaa(V6A, V6B)).toEqual([start(1, V6A), timer(2, 255, 'attempt-delay')])
    expect(at(8).a(V4A, V4B)).toEqual([])
    expect(he.pending()).toEqual([V4A, V6B, V4B])
    expect(at(255).fire(2)).toEqual([start(2, V4A), timer(3, 505, 'attempt-delay')])
    expect(at(505).fire(3)).toEqual([start(3, V6B), timer(4, 755, 'attempt-delay')])
    expect(at(755).fire(4)).toEqual([start(4, V4B)])
    expect(at(800).ok(3)).toEqual([
      cancelAttempt(1),
      cancelAttempt(2),
      cancelAttempt(4),
      cancelTimer(1),
      done('connected', {id: 3, address: V6B}),
    ])
    expect(he.done).toBe(true)
    expect(he.result()).toEqual(done('connected', {id: 3, address: V6B}))
    expect(he.attempts()).toEqual([
      {id: 1, address: V6A, family: 6, plannedStartMs: 5, startMs: 5, endMs: 800, outcome: 'cancelled', trigger: 'first'},
      {id: 2, address: V4A, family: 4, plannedStartMs: 255, startMs: 255, endMs: 800, outcome: 'cancelled', trigger: 'attempt-delay'},
      {id: 3, address: V6B, family: 6, plannedStartMs: 505, startMs: 505, endMs: 800, outcome: 'connected', trigger: 'attempt-delay'},
      {id: 4, address: V4B, family: 4, plannedStartMs: 755, startMs: 755, endMs: 800, outcome: 'cancelled', trigger: 'attempt-delay'},
    ])
  })

  it('ignores everything after done: late results of cancelled attempts and stale timers', () => {
    const {he, at} = race()
    at(0).start()
    at(0).aaaa(V6A)
    at(0).a(V4A)
    at(250).fire(1)
    expect(at(260).ok(2)).toEqual([cancelAttempt(1), done('connected', {id: 2, address: V4A})])
    expect(at(300).ok(1)).toEqual([])
    expect(at(300).fire(1)).toEqual([])
    expect(he.attempts()[0]!.outcome).toBe('cancelled')
    expect(he.pending()).toEqual([])
  })

  it('an address seen twice is attempted once', () => {
    const {he, at} = race()
    at(0).start()
    at(0).aaaa(V6A, '2001:DB8:0::a')
    at(0).a(V4A, V4A)
    expect(he.pending()).toEqual([V4A])
  })
})

describe('HappyEyeballs: failures advance the race', () => {
  it('a failure starts the next attempt at once and restarts the stagger from it', () => {
    const {he, at} = race()
    at(0).start()
    expect(at(0).aaaa(V6A, V6B)).toEqual([start(1, V6A), timer(1, 250, 'attempt-delay')])
    expect(at(1).a(V4A)).toEqual([])
    expect(at(30).fail(1, 'refused')).toEqual([cancelTimer(1), start(2, V4A), timer(2, 280, 'attempt-delay')])
    expect(at(280).fire(2)).toEqual([start(3, V6B)])
    expect(he.attempts().map((a) => [a.id, a.outcome, a.plannedStartMs, a.startMs, a.trigger])).toEqual([
      [1, 'refused', 0, 0, 'first'],
      [2, null, 250, 30, 'previous-failed'],
      [3, null, 280, 280, 'attempt-delay'],
    ])
    expect(he.attempts()[0]).toMatchObject({endMs: 30, error: 'refused'})
  })

  it('a failure of an older attempt also hurries the next one', () => {
    const {at} = race()
    at(0).start()
    at(0).aaaa(V6A, V6B)
    at(0).a(V4A, V4B)
    expect(at(250).fire(1)).toEqual([start(2, V4A), timer(2, 500, 'attempt-delay')])
    expect(at(300).fail(1, 'unreachable')).toEqual([cancelTimer(2), start(3, V6B), timer(3, 550, 'attempt-delay')])
  })

  it('never starts two attempts within 10 ms (RFC 8305 §5), even after a failure', () => {
    const {he, at} = race()
    at(0).start()
    at(0).aaaa(V6A)
    at(0).a(V4A)
    expect(at(3).fail(1)).toEqual([cancelTimer(1), timer(2, 10, 'attempt-delay')])
    expect(at(10).fire(2)).toEqual([start(2, V4A)])
    expect(he.attempts()[1]).toMatchObject({startMs: 10, plannedStartMs: 250, trigger: 'previous-failed'})
  })

  it('when every address has failed and DNS is complete: done, no winner', () => {
    const {he, at} = race()
    at(0).start()
    at(0).aaaa(V6A)
    expect(at(20).fail(1, 'unreachable')).toEqual([]) // A still outstanding: keep waiting
    expect(at(40).a(V4A)).toEqual([start(2, V4A)])
    expect(at(60).fail(2, 'ECONNREFUSED')).toEqual([done('all-failed')])
    expect(he.attempts().map((a) => a.outcome)).toEqual(['unreachable', 'refused'])
  })

  it('a new address arriving after everything failed starts at once', () => {
    const {he, at} = race({resolutionDelayMs: 50})
    at(0).start()
    at(0).a(V4A)
    at(50).fire(1)
    expect(at(60).fail(1, 'timeout')).toEqual([])
    expect(at(400).aaaa(V6A)).toEqual([start(2, V6A)])
    expect(he.attempts()[1]).toMatchObject({trigger: 'new-address', plannedStartMs: 400})
    expect(he.attempts()[0]!.outcome).toBe('timed out')
  })
})

describe('HappyEyeballs: Resolution Delay (RFC 8305 §3)', () => {
  it('A first, AAAA within 50 ms: waits, then starts with IPv6', () => {
    const {at} = race()
    at(0).start()
    expect(at(10).a(V4A)).toEqual([timer(1, 60, 'resolution-delay')])
    expect(at(40).aaaa(V6A)).toEqual([cancelTimer(1), start(1, V6A), timer(2, 290, 'attempt-delay')])
    expect(at(290).fire(2)).toEqual([start(2, V4A)])
  })

  it('A first, AAAA late: IPv4 starts at the 50 ms mark, IPv6 is merged in and tried next', () => {
    const {he, at} = race()
    at(0).start()
    expect(at(10).a(V4A, V4B)).toEqual([timer(1, 60, 'resolution-delay')])
    expect(at(60).fire(1)).toEqual([start(1, V4A), timer(2, 310, 'attempt-delay')])
    expect(at(100).aaaa(V6A, V6B)).toEqual([])
    expect(he.pending()).toEqual([V6A, V4B, V6B])
    expect(at(310).fire(2)).toEqual([start(2, V6A), timer(3, 560, 'attempt-delay')])
    expect(at(560).fire(3)).toEqual([start(3, V4B), timer(4, 810, 'attempt-delay')])
    expect(at(810).fire(4)).toEqual([start(4, V6B)])
  })

  it('AAAA first: no waiting at all', () => {
    const {at} = race()
    at(0).start()
    expect(at(7).aaaa(V6A)).toEqual([start(1, V6A)])
    expect(at(9).a(V4A)).toEqual([timer(1, 257, 'attempt-delay')])
  })

  it('A first, then a negative AAAA within the delay: IPv4 starts at once', () => {
    const {at} = race()
    at(0).start()
    expect(at(10).a(V4A)).toEqual([timer(1, 60, 'resolution-delay')])
    expect(at(20).dnsError('AAAA', 'SERVFAIL')).toEqual([cancelTimer(1), start(1, V4A)])
  })

  it('negative AAAA first, then A: IPv4 starts without a Resolution Delay', () => {
    const {at} = race()
    at(0).start()
    expect(at(10).aaaa()).toEqual([])
    expect(at(15).a(V4A)).toEqual([start(1, V4A)])
  })

  it('a resolution delay of 0 starts IPv4 immediately', () => {
    const {at} = race({resolutionDelayMs: 0})
    at(0).start()
    expect(at(10).a(V4A)).toEqual([start(1, V4A)])
  })

  it('rrtypes [A] does not wait for AAAA at all', () => {
    const {at} = race({rrtypes: ['A']})
    at(0).start()
    expect(at(10).a(V4A)).toEqual([start(1, V4A)])
    expect(at(20).fail(1)).toEqual([done('all-failed')])
  })

  it('no addresses at all: done once both answers are in', () => {
    const {he, at} = race()
    at(0).start()
    expect(at(10).dnsError('A', 'SERVFAIL')).toEqual([])
    expect(at(20).aaaa()).toEqual([done('no-addresses')])
    expect(he.dnsResults()).toEqual([
      {rrtype: 'A', addresses: [], error: 'SERVFAIL', atMs: 10},
      {rrtype: 'AAAA', addresses: [], atMs: 20},
    ])
  })
})

describe('HappyEyeballs: overall timeout', () => {
  it('cancels everything in flight, logs it as timed out and ends with no winner', () => {
    const {he, at} = race({timeoutMs: 1000})
    expect(at(0).start()).toEqual([timer(1, 1000, 'overall-timeout')])
    at(0).aaaa(V6A, V6B)
    at(0).a(V4A)
    at(250).fire(2)
    expect(at(500).fire(3)).toEqual([start(3, V6B)])
    expect(at(1000).fire(1)).toEqual([cancelAttempt(1), cancelAttempt(2), cancelAttempt(3), done('timeout')])
    expect(he.attempts().map((a) => [a.outcome, a.endMs])).toEqual([
      ['timed out', 1000],
      ['timed out', 1000],
      ['timed out', 1000],
    ])
  })

  it('can end the race while still waiting for DNS', () => {
    const {at} = race({timeoutMs: 40})
    expect(at(0).start()).toEqual([timer(1, 40, 'overall-timeout')])
    expect(at(10).a(V4A)).toEqual([timer(2, 60, 'resolution-delay')])
    expect(at(40).fire(1)).toEqual([cancelTimer(2), done('timeout')])
  })
})

describe('HappyEyeballs: ordering', () => {
  it('First Address Family Count 2 tries two IPv6 addresses before IPv4', () => {
    const {he, at} = race({firstAddressFamilyCount: 2})
    at(0).start()
    at(0).aaaa(V6A, V6B, '2001:db8::c')
    at(0).a(V4A, V4B)
    expect(he.pending()).toEqual([V6B, V4A, '2001:db8::c', V4B])
    expect(at(250).fire(1)).toEqual([start(2, V6B), timer(2, 500, 'attempt-delay')])
    expect(at(500).fire(2)).toEqual([start(3, V4A), timer(3, 750, 'attempt-delay')])
  })

  it('uses the injected preference sort, then interleaves', () => {
    // A policy that prefers IPv4 (e.g. RFC 6724 with an IPv4 source only matching IPv4 labels).
    const sources: Record<string, string> = {[V4A]: '192.0.2.100', [V4B]: '192.0.2.100', [V6A]: 'fe80::1'}
    const sort = (addresses: string[]) =>
      sortDestinations(
        addresses.map((address) => ({address})),
        {sourceFor: (a) => sources[a] ?? null},
      ).map((d) => d.address)
    const {he, at} = race({sort})
    at(0).start()
    expect(at(0).a(V4A, V4B)).toEqual([timer(1, 50, 'resolution-delay')])
    expect(at(20).aaaa(V6A)).toEqual([cancelTimer(1), start(1, V4A), timer(2, 270, 'attempt-delay')])
    expect(he.pending()).toEqual([V6A, V4B])
  })

  it('addresses the sort leaves out are never attempted', () => {
    const {he, at} = race({sort: (addresses) => addresses.filter((a) => !a.includes(':'))})
    at(0).start()
    expect(at(0).aaaa(V6A)).toEqual([])
    expect(at(5).a(V4A)).toEqual([start(1, V4A)])
    expect(he.pending()).toEqual([])
    expect(at(9).fail(1)).toEqual([done('all-failed')])
  })

  it('HTTPS answers are recorded but neither start attempts nor count towards DNS completion', () => {
    const {he, at} = race()
    at(0).start()
    expect(he.process({kind: 'dns', rrtype: 'HTTPS', addresses: ['2001:db8::99', '192.0.2.99']}, 1)).toEqual([])
    expect(at(2).a(V4A)).toEqual([timer(1, 52, 'resolution-delay')])
    expect(he.pending()).toEqual([V4A])
    expect(he.dnsResults()[0]).toEqual({rrtype: 'HTTPS', addresses: ['2001:db8::99', '192.0.2.99'], atMs: 1})
  })
})

describe('HappyEyeballs: misuse and options', () => {
  it('rejects time going backwards, double start, events before start and unknown ids', () => {
    const {he, at} = race()
    expect(() => at(0).aaaa(V6A)).toThrow(/before start/)
    at(10).start()
    expect(() => at(10).start()).toThrow(/already started/)
    expect(() => at(5).aaaa(V6A)).toThrow(RangeError)
    expect(() => at(20).ok(42)).toThrow(/unknown attempt id 42/)
    expect(() => at(20).aaaa('not-an-ip')).toThrow(TypeError)
    expect(he.process({kind: 'timer', id: 99}, 20)).toEqual([])
  })

  it('clamps the attempt delay and reports why', () => {
    expect(new HappyEyeballs({attemptDelayMs: 5}).attemptDelayMs).toBe(10)
    expect(new HappyEyeballs({attemptDelayMs: 5}).warnings).toHaveLength(1)
    expect(new HappyEyeballs({attemptDelayMs: 3000}).attemptDelayMs).toBe(2000)
    expect(new HappyEyeballs().warnings).toEqual([])
    expect(() => new HappyEyeballs({firstAddressFamilyCount: 0})).toThrow(RangeError)
    expect(() => new HappyEyeballs({timeoutMs: 0})).toThrow(RangeError)
    expect(() => new HappyEyeballs({resolutionDelayMs: -1})).toThrow(RangeError)
    expect(() => new HappyEyeballs({rrtypes: []})).toThrow(RangeError)
  })

  it('a clamped delay is the one used for staggering', () => {
    const {at} = race({attemptDelayMs: 3000})
    at(0).start()
    expect(at(0).aaaa(V6A, V6B)).toEqual([start(1, V6A), timer(1, 2000, 'attempt-delay')])
  })
})

describe('clampAttemptDelay', () => {
  it('follows RFC 8305 §5: 10 ms floor, 100 ms recommended minimum, 2 s maximum', () => {
    expect(clampAttemptDelay(250)).toEqual({ms: 250})
    expect(clampAttemptDelay(100)).toEqual({ms: 100})
    expect(clampAttemptDelay(2000)).toEqual({ms: 2000})
    expect(clampAttemptDelay(50)).toEqual({ms: 50, warning: 'attempt delay 50 ms is below the 100 ms minimum RFC 8305 §5 recommends'})
    expect(clampAttemptDelay(10)).toMatchObject({ms: 10, warning: expect.stringContaining('100 ms minimum')})
    expect(clampAttemptDelay(9)).toEqual({ms: 10, warning: 'attempt delay 9 ms is below the 10 ms floor of RFC 8305 §5; using 10 ms'})
    expect(clampAttemptDelay(-5)).toMatchObject({ms: 10})
    expect(clampAttemptDelay(2001)).toEqual({
      ms: 2000,
      warning: 'attempt delay 2001 ms is above the 2 s maximum RFC 8305 §5 recommends; using 2000 ms',
    })
    expect(() => clampAttemptDelay(Number.NaN)).toThrow(RangeError)
  })
})

describe('outcomeOf', () => {
  it('maps driver errors and Node error codes', () => {
    expect(outcomeOf('refused')).toBe('refused')
    expect(outcomeOf('ECONNREFUSED')).toBe('refused')
    expect(outcomeOf('EHOSTUNREACH')).toBe('unreachable')
    expect(outcomeOf('ETIMEDOUT')).toBe('timed out')
    expect(outcomeOf('EACCES')).toBe('failed')
    expect(outcomeOf(undefined)).toBe('failed')
  })
})
