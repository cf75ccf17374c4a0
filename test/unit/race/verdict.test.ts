import {describe, expect, it} from 'vitest'

import {type AttemptRecord, HappyEyeballs, type HappyEyeballsOptions, type Input} from '../../../src/lib/race/scheduler.js'
import {familyVerdicts, formatVerdicts} from '../../../src/lib/race/verdict.js'
import {formatMs} from '../../../src/lib/clock.js'

const V6A = '2001:db8::a'
const V6B = '2001:db8::b'
const V4A = '192.0.2.1'

/** Runs a scripted race and returns what the verdicts need. */
function play(steps: [number, Input][], opts: HappyEyeballsOptions = {}) {
  const he = new HappyEyeballs(opts)
  he.process({kind: 'start'}, 0)
  for (const [t, input] of steps) he.process(input, t)
  return {attempts: he.attempts(), dns: he.dnsResults(), result: he.result()}
}

const aaaa = (...addresses: string[]): Input => ({kind: 'dns', rrtype: 'AAAA', addresses})
const a = (...addresses: string[]): Input => ({kind: 'dns', rrtype: 'A', addresses})
const ok = (id: number): Input => ({kind: 'attempt-result', id, ok: true})
const fail = (id: number, error: string): Input => ({kind: 'attempt-result', id, ok: false, error})
const fire = (id: number): Input => ({kind: 'timer', id})

describe('familyVerdicts', () => {
  it('IPv6 connects: ok; IPv4 was never needed', () => {
    const race = play([
      [0, aaaa(V6A)],
      [1, a(V4A)],
      [23, ok(1)],
    ])
    const [v6, v4] = familyVerdicts(race)
    expect(v6).toEqual({
      family: 6,
      status: 'ok',
      message: 'IPv6: ok, 2001:db8::a connected in 23 ms',
      addresses: [V6A],
      attempts: 1,
      connectMs: 23,
      waitedMs: null,
      hiddenByFallback: false,
    })
    expect(v4).toMatchObject({status: 'not-tried', message: 'IPv4: not tried, IPv6 connected first', attempts: 0})
  })

  it('IPv6 silent until IPv4 won: slow, and Happy Eyeballs hid it', () => {
    const race = play([
      [0, aaaa(V6A)],
      [0, a(V4A)],
      [250, fire(1)],
      [280, ok(2)],
    ])
    const [v6, v4] = familyVerdicts(race)
    expect(v6).toMatchObject({status: 'slow', waitedMs: 280, hiddenByFallback: true})
    expect(v6!.message).toBe(
      'IPv6: slow, no answer in 280 ms (cancelled when IPv4 connected); Happy Eyeballs hid it by falling back to IPv4 after 250 ms',
    )
    expect(v4!.message).toBe('IPv4: ok, 192.0.2.1 connected in 30 ms')
  })

  it('IPv6 timed out after 2 s while IPv4 had connected at 250 ms: black-holed and hidden', () => {
    // A log where the losing attempt was allowed to run to its own 2 s timeout.
    const attempts: AttemptRecord[] = [
      {id: 1, address: V6A, family: 6, plannedStartMs: 0, startMs: 0, endMs: 2000, outcome: 'timed out', error: 'timeout', trigger: 'first'},
      {id: 2, address: V4A, family: 4, plannedStartMs: 250, startMs: 250, endMs: 270, outcome: 'connected', trigger: 'attempt-delay'},
    ]
    const verdicts = familyVerdicts({
      attempts,
      dns: [
        {rrtype: 'AAAA', addresses: [V6A], atMs: 0},
        {rrtype: 'A', addresses: [V4A], atMs: 0},
      ],
      result: {kind: 'done', winner: {id: 2, address: V4A}, reason: 'connected'},
    })
    expect(formatVerdicts(verdicts)).toBe(
      'IPv6: black-holed, no answer in 2 s; Happy Eyeballs hid it by falling back to IPv4 after 250 ms\n' +
        'IPv4: ok, 192.0.2.1 connected in 20 ms',
    )
  })

  it('overall timeout with IPv6 silent and IPv4 refused: black-holed and refused, nothing hidden', () => {
    const race = play(
      [
        [0, aaaa(V6A)],
        [0, a(V4A)],
        [250, fire(2)],
        [262, fail(2, 'ECONNREFUSED')],
        [2000, fire(1)],
      ],
      {timeoutMs: 2000},
    )
    expect(race.result).toMatchObject({reason: 'timeout'})
    const [v6, v4] = familyVerdicts(race)
    expect(v6).toMatchObject({status: 'black-holed', message: 'IPv6: black-holed, no answer in 2 s', hiddenByFallback: false})
    expect(v4).toMatchObject({status: 'refused', message: 'IPv4: refused, 192.0.2.1 refused the connection in 12 ms'})
  })

  it('a silent wait of 2 s counts as black-holed even without a timeout outcome', () => {
    const race = play([
      [0, aaaa(V6A)],
      [0, a()],
      [2500, ok(1)],
    ])
    expect(familyVerdicts(race)[0]).toMatchObject({status: 'slow', connectMs: 2500})
    const silent = play([
      [0, aaaa(V6A, V6B)],
      [0, a(V4A)],
      [250, fire(1)],
      [500, fire(2)],
      [2100, ok(2)],
    ])
    expect(familyVerdicts(silent)[0]!.message).toBe(
      'IPv6: black-holed, no answer from any of 2 addresses in 2.1 s; Happy Eyeballs hid it by falling back to IPv4 after 250 ms',
    )
  })

  it('IPv6 unreachable at once: the error is quoted and the fallback noted', () => {
    const race = play([
      [0, aaaa(V6A)],
      [0, a(V4A)],
      [1, fail(1, 'EHOSTUNREACH')],
      [10, fire(2)],
      [40, ok(2)],
    ])
    const [v6] = familyVerdicts(race)
    expect(v6).toMatchObject({status: 'unreachable', hiddenByFallback: true})
    expect(v6!.message).toBe('IPv6: unreachable (2001:db8::a: EHOSTUNREACH); Happy Eyeballs hid it by falling back to IPv4 after 10 ms')
  })

  it('no fallback clause when the failing family was only tried after the winning one', () => {
    // A answered first, AAAA late: IPv4 led, so IPv6 failing was not hidden by a fallback.
    const race = play([
      [10, a(V4A)],
      [60, fire(1)],
      [100, aaaa(V6A)],
      [310, fire(2)],
      [320, fail(2, 'EHOSTUNREACH')],
      [400, ok(1)],
    ])
    const [v6, v4] = familyVerdicts(race)
    expect(v6).toMatchObject({status: 'unreachable', hiddenByFallback: false, message: 'IPv6: unreachable (2001:db8::a: EHOSTUNREACH)'})
    expect(v4!.message).toBe('IPv4: ok, 192.0.2.1 connected in 340 ms')
  })

  it('an attempt cancelled sooner than the winner took is not held against its family', () => {
    const race = play([
      [0, aaaa(V6A)],
      [0, a(V4A)],
      [250, fire(1)],
      [300, ok(1)],
    ])
    const [v6, v4] = familyVerdicts(race)
    expect(v6!.status).toBe('ok')
    expect(v4).toMatchObject({
      status: 'not-tried',
      message: 'IPv4: not tried to the end, cancelled after 50 ms when IPv6 connected (in 300 ms)',
    })
  })

  it('explains missing addresses from the DNS answers', () => {
    const empty = play([
      [0, aaaa()],
      [5, a(V4A)],
      [20, ok(1)],
    ])
    expect(familyVerdicts(empty)[0]).toMatchObject({status: 'no-addresses', message: 'IPv6: no addresses (AAAA answer was empty)'})
    const failed = play([[0, {kind: 'dns', rrtype: 'AAAA', addresses: [], error: 'SERVFAIL'}]])
    expect(familyVerdicts(failed)[0]!.message).toBe('IPv6: no addresses (AAAA query failed: SERVFAIL)')
    expect(familyVerdicts(failed)[1]!.message).toBe('IPv4: no addresses (no A answer)')
  })

  it('attempts still in flight are judged at nowMs', () => {
    const race = play([[0, aaaa(V6A)]])
    expect(familyVerdicts({...race, nowMs: 700})[0]).toMatchObject({
      status: 'slow',
      waitedMs: 700,
      message: 'IPv6: slow, no answer in 700 ms (still waiting)',
    })
    expect(familyVerdicts({...race, nowMs: 2400})[0]!.status).toBe('black-holed')
  })

  it('notes earlier failures of the family that connected, and honours slowMs', () => {
    const race = play([
      [0, aaaa(V6A, V6B)],
      [0, a()],
      [5, fail(1, 'refused')],
      [15, fire(2)],
      [615, ok(2)],
    ])
    expect(familyVerdicts(race)[0]!.message).toBe('IPv6: ok, 2001:db8::b connected in 600 ms (after 1 failed attempt)')
    expect(familyVerdicts({...race, slowMs: 500})[0]!.status).toBe('slow')
  })
})

describe('formatMs: every duration dnsx prints', () => {
  it('keeps at most three significant digits without trailing zeros, and rounds into the next unit at its bound', () => {
    expect(formatMs(0)).toBe('0 ms')
    expect(formatMs(0.4123)).toBe('0.412 ms')
    expect(formatMs(4.214)).toBe('4.21 ms')
    expect(formatMs(4.2)).toBe('4.2 ms')
    expect(formatMs(9.996)).toBe('10 ms')
    expect(formatMs(12.34)).toBe('12.3 ms')
    expect(formatMs(30)).toBe('30 ms')
    expect(formatMs(99.96)).toBe('100 ms')
    expect(formatMs(249.6)).toBe('250 ms')
    expect(formatMs(999.4)).toBe('999 ms')
    expect(formatMs(999.6)).toBe('1 s')
    expect(formatMs(2049)).toBe('2.05 s')
    expect(formatMs(2100)).toBe('2.1 s')
    expect(formatMs(12_345)).toBe('12.3 s')
    expect(formatMs(125_000)).toBe('125 s')
    expect(formatMs(null)).toBe('-')
    expect(formatMs(Number.NaN)).toBe('-')
  })
})
