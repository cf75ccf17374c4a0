/**
 * `dnsx race --lab`: the command against the embedded lab's dual-stack hosts in race.test (real
 * loopback sockets and timers, in-process through `Race.run`). Timing checks are loose and
 * relative (the lab's servers share the event loop); exact scheduling is proven in driver.test.ts.
 *
 *   dual          both families work            → IPv6 wins at once
 *   v6-blackhole  IPv6 SYNs vanish              → IPv4 after the attempt delay; black-holed, hidden
 *   v6-slow       IPv6 connects after 400 ms    → IPv4 after the attempt delay; slow, hidden
 *   refused       port 80 refused on both, 443 open on IPv4 only
 *   multi         3 + 2 addresses, some failing
 */
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import Race from '../../../src/commands/race.js'
import type {RaceJson} from '../../../src/lib/race/report.js'
import {ROOT, schemaValidator} from '../../helpers/cli.js'

const validate = schemaValidator('race')

let savedExit: typeof process.exitCode
beforeEach(() => {
  savedExit = process.exitCode
  process.exitCode = undefined
})
afterEach(() => {
  process.exitCode = savedExit
})

/** Runs `dnsx race ARGS --lab` in-process; with --json returns the document. */
async function lab(argv: string[], json = true): Promise<{j: RaceJson, stdout: string, stderr: string, exitCode: number}> {
  const out: string[] = []
  const err: string[] = []
  const o = process.stdout.write
  const e = process.stderr.write
  process.stdout.write = ((c: unknown) => (out.push(String(c)), true)) as typeof process.stdout.write
  process.stderr.write = ((c: unknown) => (err.push(String(c)), true)) as typeof process.stderr.write
  try {
    await Race.run([...argv, '--lab', '--no-color', ...(json ? ['--json'] : [])], ROOT)
  } finally {
    process.stdout.write = o
    process.stderr.write = e
  }
  const exitCode = (process.exitCode as number | undefined) ?? 0
  process.exitCode = undefined
  const stdout = out.join('')
  const j = json ? (JSON.parse(stdout) as RaceJson) : ({} as RaceJson)
  if (json) expect(validate(j)).toEqual([])
  return {j, stdout, stderr: err.join(''), exitCode}
}

const outcomes = (j: RaceJson) => j.attempts.map((a) => [a.address, a.outcome])

describe('dnsx race --lab', () => {
  it('dual.race.test: IPv6 is preferred (rule 6) and wins at once; IPv4 is never tried', async () => {
    const {j, exitCode} = await lab(['dual.race.test', '--port', '80', '--expect-family', 'ipv6'])
    expect(exitCode).toBe(0)
    expect(j).toMatchObject({target: 'dual.race.test', port: 80, lab: true, resolver: {address: '192.0.2.53', port: 53}, result: 'connected'})
    expect(j.dns.AAAA.addresses).toEqual(['2001:db8:ee::10'])
    expect(j.dns.A.addresses).toEqual(['203.0.113.10'])
    expect(j.sorted.map((s) => [s.address, s.source, s.rule])).toEqual([
      ['2001:db8:ee::10', '2001:db8:ff::7', null],
      ['203.0.113.10', '198.51.100.7', 'rule 6: prefer higher precedence (40 > 35)'],
    ])
    expect(j.sources.origin).toBe('lab')
    expect(j.getaddrinfo).toBeNull()
    expect(outcomes(j)).toEqual([['2001:db8:ee::10', 'connected']])
    expect(j.winner).toMatchObject({address: '2001:db8:ee::10', family: 'ipv6'})
    expect(j.verdicts.map((v) => v.status)).toEqual(['ok', 'not-tried'])
    expect(j.expectations).toEqual([{expectation: 'family=ipv6', ok: true, expected: 'ipv6', actual: 'ipv6'}])
  })

  it('v6-blackhole.race.test: IPv4 wins one attempt delay later; the verdict says black-holed and hidden', async () => {
    const {j, exitCode} = await lab(['http://v6-blackhole.race.test/', '--probe-timeout', '600'])
    expect(exitCode).toBe(0)
    expect(outcomes(j)).toEqual([
      ['2001:db8:ee::11', 'cancelled'],
      ['203.0.113.11', 'connected'],
    ])
    const [v6, v4] = j.attempts
    // The IPv4 attempt was planned exactly one attempt delay after IPv6 started, and started then.
    expect(v4!.plannedStartMs - v6!.startMs).toBeGreaterThanOrEqual(240)
    expect(v4!.plannedStartMs - v6!.startMs).toBeLessThanOrEqual(250.2)
    expect(v4!.startMs).toBeGreaterThanOrEqual(v4!.plannedStartMs)
    expect(j.winner).toMatchObject({address: '203.0.113.11', family: 'ipv4'})
    expect(j.probes).toMatchObject([{address: '2001:db8:ee::11', outcome: 'timed out'}])
    expect(j.verdicts[0]).toMatchObject({family: 'ipv6', status: 'black-holed', hiddenByFallback: true})
    expect(j.verdicts[0]!.message).toMatch(/^IPv6: black-holed, no answer from 2001:db8:ee::11 in 600 ms \(race and follow-up probe\); Happy Eyeballs hid it by falling back to IPv4 after 25\d ms$/)
    expect(j.http).toMatchObject({status: 200, httpVersion: '1.1', error: null})
    expect(j.http!.bytes).toBeGreaterThan(0)
  })

  it('--expect-family ipv6 fails on the black-holed host (exit 1, one FAIL line)', async () => {
    const {j, stderr, exitCode} = await lab(['v6-blackhole.race.test', '--port', '80', '--probe-timeout', '0', '--expect-family', 'ipv6', '--expect-max-connect', '100'])
    expect(exitCode).toBe(1)
    expect(j.expectations!.map((e) => e.ok)).toEqual([false, false])
    expect(stderr).toMatch(/^FAIL family=ipv6: expected ipv6, got ipv4$/m)
    expect(stderr).toMatch(/^FAIL max-connect=100: expected connected within 100 ms of the start, got \d+ ms \(the attempt itself took/m)
  })

  it('v6-slow.race.test: IPv6 connects after 400 ms, too late; the probe shows it is slow, not dead', async () => {
    const {j} = await lab(['v6-slow.race.test', '--port', '80'])
    expect(outcomes(j)).toEqual([
      ['2001:db8:ee::12', 'cancelled'],
      ['203.0.113.12', 'connected'],
    ])
    expect(j.probes).toMatchObject([{address: '2001:db8:ee::12', outcome: 'connected'}])
    const p = j.probes[0]!
    expect(p.endMs - p.startMs).toBeGreaterThanOrEqual(399)
    expect(j.verdicts[0]).toMatchObject({family: 'ipv6', status: 'slow', hiddenByFallback: true})
    expect(j.verdicts[0]!.message).toMatch(/slower than the 250 ms attempt delay; Happy Eyeballs hid it by falling back to IPv4/)
  })

  it('with a 500 ms attempt delay the slow IPv6 path wins', async () => {
    const {j} = await lab(['v6-slow.race.test', '--port', '80', '--attempt-delay', '500'])
    expect(outcomes(j)).toEqual([['2001:db8:ee::12', 'connected']])
    expect(j.winner!.connectMs).toBeGreaterThanOrEqual(399)
  })

  it('refused.race.test port 80: both families refuse at once; exit 3 with the timeline', async () => {
    const {j, stderr, exitCode} = await lab(['refused.race.test', '--port', '80'])
    expect(exitCode).toBe(3)
    expect(j.result).toBe('all-failed')
    expect(j.winner).toBeNull()
    expect(outcomes(j)).toEqual([
      ['2001:db8:ee::13', 'refused'],
      ['203.0.113.13', 'refused'],
    ])
    // The IPv4 attempt followed the refusal (or the A answer, when that came later) at once, not after 250 ms.
    expect(['previous-failed', 'new-address']).toContain(j.attempts[1]!.trigger)
    expect(j.attempts[1]!.startMs - j.attempts[0]!.startMs).toBeLessThan(100)
    expect(j.verdicts.map((v) => v.status)).toEqual(['refused', 'refused'])
    expect(stderr).toMatch(/^error: no connection to refused\.race\.test port 80: every attempt failed$/m)
  })

  it('https://refused.race.test/: IPv6 refused, IPv4 completes TLS (the lab certificate is trusted in the lab) and HTTP', async () => {
    const {j, exitCode} = await lab(['https://refused.race.test/'])
    expect(exitCode).toBe(0)
    expect(outcomes(j)).toEqual([
      ['2001:db8:ee::13', 'refused'],
      ['203.0.113.13', 'connected'],
    ])
    expect(j.dns.HTTPS).toMatchObject({qname: 'refused.race.test', status: 'nodata'})
    expect(j.attempts[1]!.tcpMs).toBeGreaterThanOrEqual(0)
    expect(j.attempts[1]!.tlsMs).toBeGreaterThan(0)
    expect(j.tls).toMatchObject({version: 'TLSv1.3', alpn: 'http/1.1', servername: 'refused.race.test', verified: true})
    expect(j.http).toMatchObject({status: 200, httpVersion: '1.1', error: null})
    expect(j.verdicts[0]!.message).toMatch(/^IPv6: refused, 2001:db8:ee::13 refused the connection in [\d.]+ ms; Happy Eyeballs hid it by falling back to IPv4 after [\d.]+ ms$/)
  })

  it('https://dual.race.test/: the HTTPS record (ALPN and hints) is reported', async () => {
    const {j} = await lab(['https://dual.race.test/'])
    expect(j.dns.HTTPS!.records).toEqual([
      {priority: 1, target: '.', alpn: ['h2', 'http/1.1'], port: null, ipv4hint: ['203.0.113.10'], ipv6hint: ['2001:db8:ee::10'], ech: false, data: '1 . alpn="h2,http/1.1" ipv4hint=203.0.113.10 ipv6hint=2001:db8:ee::10'},
    ])
    expect(j.winner!.family).toBe('ipv6')
    expect(j.winner!.tlsMs).not.toBeNull()
  })

  it('multi.race.test: several addresses per family; unreachable IPv6 moves on at once, black-holed IPv4 is overtaken', async () => {
    const {j} = await lab(['multi.race.test', '--port', '80', '--probe-timeout', '300'])
    expect(j.attemptOrder).toEqual(['2001:db8:ee::20', '203.0.113.20', '2001:db8:ee::21', '203.0.113.21', '203.0.113.22'])
    expect(outcomes(j)).toEqual([
      ['2001:db8:ee::20', 'unreachable'],
      ['203.0.113.20', 'cancelled'],
      ['2001:db8:ee::21', 'connected'],
    ])
    expect(j.attempts[1]!.trigger).toBe('previous-failed')
    expect(j.verdicts[0]!.message).toMatch(/^IPv6: ok, 2001:db8:ee::21 connected in [\d.]+ ms \(after 1 failed attempt\)$/)
    expect(j.verdicts[1]).toMatchObject({status: 'black-holed'})
    expect(j.verdicts[1]!.message).toContain('not tried: 203.0.113.21, 203.0.113.22')
  })

  it('--first-family-count 2 and -4', async () => {
    const two = await lab(['multi.race.test', '--port', '80', '--first-family-count', '2', '--probe-timeout', '0'])
    expect(two.j.attemptOrder.slice(0, 3)).toEqual(['2001:db8:ee::20', '2001:db8:ee::21', '203.0.113.20'])
    const four = await lab(['multi.race.test', '--port', '80', '-4', '--attempt-delay', '100', '--probe-timeout', '0'])
    expect(four.j.dns.AAAA.status).toBe('not-asked')
    expect(outcomes(four.j)).toEqual([
      ['203.0.113.20', 'cancelled'],
      ['203.0.113.21', 'refused'],
      ['203.0.113.22', 'connected'],
    ])
  })

  it('--resolve pins addresses and skips DNS; --policy is reported', async () => {
    const {j} = await lab(['dual.race.test', '--port', '80', '--resolve', 'dual.race.test:80:203.0.113.11,2001:db8:ee::11', '--policy', 'glibc', '--probe-timeout', '0'])
    expect(j.pinned).toEqual(['203.0.113.11', '2001:db8:ee::11'])
    expect(j.resolver).toBeNull()
    expect(j.dns.A).toEqual({ms: 0, status: 'pinned', addresses: ['203.0.113.11']})
    expect(j.options.policy).toBe('glibc')
    expect(outcomes(j)).toEqual([
      ['2001:db8:ee::11', 'cancelled'],
      ['203.0.113.11', 'connected'],
    ])
  })

  it('v6only and v4only hosts; NXDOMAIN exits 3', async () => {
    expect(outcomes((await lab(['v6only.race.test', '--port', '80'])).j)).toEqual([['2001:db8:ee::31', 'connected']])
    const v4 = await lab(['v4only.race.test', '--port', '80'])
    expect(outcomes(v4.j)).toEqual([['203.0.113.30', 'connected']])
    expect(v4.j.verdicts[0]!.message).toBe('IPv6: no addresses (AAAA answer was empty)')
    const nx = await lab(['nxdomain.race.test', '--port', '80'])
    expect(nx.exitCode).toBe(3)
    expect(nx.j.result).toBe('no-addresses')
    expect(nx.stderr).toMatch(/^error: no address for nxdomain\.race\.test \(AAAA: NXDOMAIN; A: NXDOMAIN\)$/m)
  })

  it('prints the timeline as text', async () => {
    const {stdout, exitCode} = await lab(['http://v6-blackhole.race.test/', '--probe-timeout', '300'], false)
    expect(exitCode).toBe(0)
    expect(stdout).toMatch(/^;; dnsx race http:\/\/v6-blackhole\.race\.test\/ \[lab\]$/m)
    expect(stdout).toMatch(/^ {4}1 {2}2001:db8:ee::11 {2}v6 .* cancelled .*├─+○$/m)
    expect(stdout).toMatch(/^ {4}2 {2}203\.0\.113\.11 {5}v4 .* connected .*●$/m)
    expect(stdout).toMatch(/^ {3}IPv6: black-holed, .*Happy Eyeballs hid it by falling back to IPv4 after/m)
    expect(stdout).toMatch(/^HTTP {4}200 over HTTP\/1\.1, first byte/m)
  })
})
