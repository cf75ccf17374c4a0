/**
 * `dnsx race`: target and --resolve parsing, expectations, exit reasons, the text rendering and
 * usage errors (in-process, no network: the usage checks run before anything is opened).
 */
import chalk from 'chalk'
import {afterEach, beforeAll, beforeEach, describe, expect, it} from 'vitest'
import Race from '../../../src/commands/race.js'
import {failureOf, raceExpectations} from '../../../src/lib/race/setup.js'
import type {RaceJson} from '../../../src/lib/race/report.js'
import {
  compareWithGetaddrinfo,
  httpsQname,
  normalizeAddress,
  parseResolve,
  parseTarget,
  pinnedAddresses,
} from '../../../src/lib/race/target.js'
import {renderRace} from '../../../src/lib/render/race.js'
import {ROOT, schemaValidator} from '../../helpers/cli.js'

const validate = schemaValidator('race')

describe('parseTarget', () => {
  it('URLs carry scheme, port and TLS', () => {
    expect(parseTarget('https://www.example.test/a?b')).toMatchObject({host: 'www.example.test', port: 443, tls: true, literal: null})
    expect(parseTarget('http://www.example.test:8080/')).toMatchObject({host: 'www.example.test', port: 8080, tls: false})
    expect(parseTarget('http://[2001:db8::1]/')).toMatchObject({host: '2001:db8::1', port: 80, literal: 6})
    expect(parseTarget('https://203.0.113.10:8443/')).toMatchObject({host: '203.0.113.10', port: 8443, literal: 4, tls: true})
    expect(parseTarget('HTTPS://Dual.Race.Test/').url!.href).toBe('https://dual.race.test/')
  })

  it('a bare HOST takes --port, else 443; --tls only when asked', () => {
    expect(parseTarget('dual.race.test')).toMatchObject({host: 'dual.race.test', port: 443, tls: false, url: null})
    expect(parseTarget('dual.race.test.', {port: 80})).toMatchObject({host: 'dual.race.test', port: 80})
    expect(parseTarget('[2001:db8::1]', {tls: true})).toMatchObject({host: '2001:db8::1', literal: 6, tls: true})
    expect(parseTarget('2001:db8::1')).toMatchObject({host: '2001:db8::1', literal: 6})
  })

  it('rejects what it cannot race, as usage errors', () => {
    expect(() => parseTarget('ftp://x.test/')).toThrow(/unsupported URL scheme "ftp"/)
    expect(() => parseTarget('http://x.test/', {tls: true})).toThrow(/--tls cannot be used with an http:\/\/ URL/)
    expect(() => parseTarget('https://x.test/', {port: 8443})).toThrow(/put the port in the URL/)
    expect(() => parseTarget('x.test:8443')).toThrow(/give the port with --port/)
    expect(() => parseTarget('x.test/path')).toThrow(/neither a host nor an http\(s\) URL/)
    expect(() => parseTarget('')).toThrow(/missing HOST or URL/)
    expect(() => parseTarget('a..b')).toThrow(/empty label/)
  })
})

describe('--resolve', () => {
  it('parses curl\'s HOST:PORT:ADDR[,ADDR...] with bare or bracketed IPv6', () => {
    expect(parseResolve('Example.Test:443:2001:db8::1,[2001:db8::2],192.0.2.1')).toEqual({
      host: 'example.test',
      port: 443,
      addresses: ['2001:db8::1', '2001:db8::2', '192.0.2.1'],
    })
    expect(parseResolve('+*:80:192.0.2.7')).toEqual({host: '*', port: 80, addresses: ['192.0.2.7']})
    expect(() => parseResolve('example.test:443')).toThrow(/expected HOST:PORT:ADDR/)
    expect(() => parseResolve('example.test:70000:192.0.2.1')).toThrow(/not a port number/)
    expect(() => parseResolve('example.test:443:not-an-ip')).toThrow(/"not-an-ip" is not an IP address/)
  })

  it('pins the addresses of every entry matching host and port', () => {
    const entries = ['a.test:443:192.0.2.1', 'A.test.:443:2001:db8::1,192.0.2.1', 'a.test:80:192.0.2.9', '*:443:192.0.2.3'].map(parseResolve)
    expect(pinnedAddresses(entries, 'a.test', 443)).toEqual(['192.0.2.1', '2001:db8::1', '192.0.2.3'])
    expect(pinnedAddresses(entries, 'a.test', 80)).toEqual(['192.0.2.9'])
    expect(pinnedAddresses(entries, 'b.test', 8443)).toBeNull()
  })

  it('asks _PORT._https.HOST for a non-443 port (RFC 9460 §9.1)', () => {
    expect(httpsQname('a.test', 443)).toBe('a.test')
    expect(httpsQname('a.test', 8443)).toBe('_8443._https.a.test')
  })
})

describe('getaddrinfo comparison', () => {
  const source = (a: string) => (a.includes(':') ? '2001:db8:ff::1' : '198.51.100.1')
  it('same order', () => {
    const c = compareWithGetaddrinfo({addresses: ['2001:db8::1', '192.0.2.1'], error: null}, ['2001:db8::1', '192.0.2.1'], 'rfc6724', source)
    expect(c).toMatchObject({sameOrder: true, firstDifference: null, onlyDns: [], onlyGetaddrinfo: []})
    expect(c.matchingPolicies).toEqual(['rfc6724', 'rfc6724-update', 'glibc'])
  })

  it('a ULA: glibc\'s default table ranks it above IPv4, RFC 6724 below', () => {
    const ula = 'fd00::10'
    const src = (a: string) => (a.includes(':') ? 'fd00::1' : '198.51.100.1')
    const c = compareWithGetaddrinfo({addresses: [ula, '192.0.2.1'], error: null}, ['192.0.2.1', ula], 'rfc6724', src)
    expect(c.sameOrder).toBe(false)
    expect(c.firstDifference).toBe(`getaddrinfo puts ${ula} before 192.0.2.1, dnsx (--policy rfc6724) puts 192.0.2.1 first`)
    expect(c.matchingPolicies).toEqual(['rfc6724-update', 'glibc'])
  })

  it('rule 9 beyond 64 bits (glibc) is something no table reproduces: dnsx keeps the DNS order', () => {
    const src = (a: string) => (a.includes(':') ? '2001:db8:ee::10' : '203.0.113.10')
    const dns = ['2001:db8:ee::11', '2001:db8:ee::10', '203.0.113.10']
    const c = compareWithGetaddrinfo({addresses: ['2001:db8:ee::10', '2001:db8:ee::11', '203.0.113.10'], error: null}, dns, 'rfc6724', src, dns)
    expect(c).toMatchObject({sameOrder: false, matchingPolicies: []})
    expect(c.firstDifference).toBe('getaddrinfo puts 2001:db8:ee::10 before 2001:db8:ee::11, dnsx (--policy rfc6724) puts 2001:db8:ee::11 first')
  })

  it('errors and spellings', () => {
    expect(compareWithGetaddrinfo({addresses: [], error: 'ENOTFOUND'}, ['192.0.2.1'], 'rfc6724', source)).toMatchObject({sameOrder: false, onlyDns: ['192.0.2.1'], matchingPolicies: []})
    expect(normalizeAddress('2001:DB8:0::1')).toBe('2001:db8::1')
  })
})

/** A small finished race, as the driver reports it. */
function sample(over: Partial<RaceJson> = {}): RaceJson {
  return {
    target: 'v6-blackhole.race.test',
    port: 80,
    url: 'http://v6-blackhole.race.test/',
    lab: true,
    options: {policy: 'rfc6724', attemptDelayMs: 250, resolutionDelayMs: 50, firstAddressFamilyCount: 1, timeoutMs: 2000, probeTimeoutMs: 2000, families: ['ipv6', 'ipv4'], tls: false, alpn: []},
    resolver: {address: '192.0.2.53', port: 53},
    pinned: null,
    dns: {AAAA: {ms: 10, status: 'answer', addresses: ['2001:db8:ee::11'], rcode: 'NOERROR'}, A: {ms: 12, status: 'answer', addresses: ['203.0.113.11'], rcode: 'NOERROR'}},
    sources: {origin: 'lab', note: 'sources synthesized for the lab'},
    sorted: [
      {address: '2001:db8:ee::11', family: 'ipv6', source: '2001:db8:ff::7', rule: null, ruleNumber: null, precedence: 40, label: 1, scope: 'global'},
      {address: '203.0.113.11', family: 'ipv4', source: '198.51.100.7', rule: 'rule 6: prefer higher precedence (40 > 35)', ruleNumber: 6, precedence: 35, label: 4, scope: 'global'},
    ],
    attemptOrder: ['2001:db8:ee::11', '203.0.113.11'],
    getaddrinfo: null,
    attempts: [
      {id: 1, address: '2001:db8:ee::11', family: 'ipv6', source: '2001:db8:ff::7', startMs: 10, plannedStartMs: 10, endMs: 262, outcome: 'cancelled', trigger: 'first'},
      {id: 2, address: '203.0.113.11', family: 'ipv4', source: '198.51.100.7', startMs: 260, plannedStartMs: 260, endMs: 262, outcome: 'connected', trigger: 'attempt-delay'},
    ],
    probes: [{address: '2001:db8:ee::11', family: 'ipv6', startMs: 262, endMs: 2262, outcome: 'timed out'}],
    result: 'connected',
    winner: {address: '203.0.113.11', family: 'ipv4', connectMs: 2, atMs: 262, tcpMs: 2, tlsMs: null, localAddress: '198.51.100.7'},
    verdicts: [
      {family: 'ipv6', status: 'black-holed', message: 'IPv6: black-holed, no answer from 2001:db8:ee::11 in 2 s (race and follow-up probe); Happy Eyeballs hid it by falling back to IPv4 after 250 ms', addresses: ['2001:db8:ee::11'], attempts: 1, connectMs: null, waitedMs: 2000, hiddenByFallback: true, probe: {address: '2001:db8:ee::11', outcome: 'timed out', ms: 2000}},
      {family: 'ipv4', status: 'ok', message: 'IPv4: ok, 203.0.113.11 connected in 2 ms', addresses: ['203.0.113.11'], attempts: 1, connectMs: 2, waitedMs: null, hiddenByFallback: false, probe: null},
    ],
    tls: null,
    http: {method: 'GET', url: 'http://v6-blackhole.race.test/', httpVersion: '1.1', status: 200, ttfbMs: 1.5, totalMs: 1.7, bytes: 76, truncated: false, headers: {'content-type': 'text/plain'}, error: null},
    elapsedMs: 2262,
    warnings: [],
    ...over,
  }
}

describe('expectations and exit reasons', () => {
  it('--expect-family and --expect-max-connect (time since the start, DNS included)', () => {
    const j = sample()
    expect(validate(j)).toEqual([])
    expect(raceExpectations(j, {family: 'ipv4', maxConnectMs: 300})).toEqual([
      {expectation: 'family=ipv4', ok: true, expected: 'ipv4', actual: 'ipv4'},
      {expectation: 'max-connect=300', ok: true, expected: 'connected within 300 ms of the start', actual: '262 ms (the attempt itself took 2 ms)'},
    ])
    expect(raceExpectations(j, {family: 'ipv6', maxConnectMs: 100}).map((e) => e.ok)).toEqual([false, false])
    const none = sample({winner: null, result: 'timeout'})
    expect(raceExpectations(none, {family: 'ipv6', maxConnectMs: 100}).map((e) => e.actual)).toEqual(['no connection', 'no connection'])
  })

  it('exit 3 reasons: no winner (with a TLS hint), no address, a failed request', () => {
    expect(failureOf(sample())).toBeNull()
    const tlsFail = sample({
      winner: null,
      result: 'all-failed',
      attempts: [{id: 1, address: '203.0.113.11', family: 'ipv4', source: null, startMs: 1, plannedStartMs: 1, endMs: 3, outcome: 'failed', error: 'tls: DEPTH_ZERO_SELF_SIGNED_CERT', trigger: 'first'}],
    })
    expect(failureOf(tlsFail)).toBe(
      'no connection to v6-blackhole.race.test port 80: every attempt failed (tls: DEPTH_ZERO_SELF_SIGNED_CERT: the certificate is not trusted: give its CA with --cacert FILE, or accept it with --insecure)',
    )
    const nx = sample({winner: null, result: 'no-addresses', attempts: [], dns: {AAAA: {ms: 3, status: 'nxdomain', addresses: [], error: 'NXDOMAIN'}, A: {ms: 3, status: 'nxdomain', addresses: [], error: 'NXDOMAIN'}}})
    expect(failureOf(nx)).toBe('no address for v6-blackhole.race.test (AAAA: NXDOMAIN; A: NXDOMAIN)')
    const http = sample()
    http.http = {...http.http!, status: null, error: 'UND_ERR_SOCKET: other side closed'}
    expect(failureOf(http)).toBe('the request to http://v6-blackhole.race.test/ failed: UND_ERR_SOCKET: other side closed')
  })
})

describe('renderRace', () => {
  beforeAll(() => {
    chalk.level = 0
  })

  it('shows DNS times, the order with reasons, the waterfall, probes, verdicts, winner and HTTP', () => {
    const text = renderRace(sample())
    const lines = text.split('\n')
    expect(lines[0]).toBe(';; dnsx race http://v6-blackhole.race.test/ [lab]')
    expect(text).toMatch(/^ {3}AAAA {6}10 ms {2}2001:db8:ee::11$/m)
    expect(text).toMatch(/^ {3}A {9}12 ms {2}203\.0\.113\.11$/m)
    expect(text).toMatch(/^ {4}2 {2}203\.0\.113\.11 {5}IPv4 {2}from 198\.51\.100\.7 {4}rule 6: prefer higher precedence \(40 > 35\)$/m)
    expect(text).toMatch(/attempt order \(first address family count 1\): 2001:db8:ee::11, 203\.0\.113\.11/)
    // One waterfall row per attempt: the IPv6 bar runs from 10 ms to the cancel, IPv4 is a dot at the end.
    const v6 = lines.find((l) => l.startsWith('    1  2001:db8:ee::11  v6'))!
    expect(v6).toMatch(/10 ms +262 ms {2}cancelled {3}\s+├─+○$/)
    const v4 = lines.find((l) => l.startsWith('    2  203.0.113.11     v4'))!
    expect(v4).toMatch(/260 ms +262 ms {2}connected {3}\s+●$/)
    expect(text).toContain('probe 2001:db8:ee::11  after the race: no answer in 2 s')
    expect(text).toContain('IPv6: black-holed, no answer from 2001:db8:ee::11 in 2 s (race and follow-up probe); Happy Eyeballs hid it by falling back to IPv4 after 250 ms')
    expect(text).toContain('Winner  203.0.113.11 (IPv4) connected at 262 ms; the attempt took 2 ms')
    expect(text).toContain('HTTP    200 over HTTP/1.1, first byte 1.5 ms after the request, 76 bytes in 1.7 ms, text/plain')
  })

  it('says why there is no winner, and shows TLS details and the getaddrinfo order', () => {
    const j = sample({
      winner: null,
      result: 'timeout',
      http: null,
      tls: {version: 'TLSv1.3', alpn: 'h2', cipher: 'TLS_AES_128_GCM_SHA256', servername: 'x.test', verified: false, verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT', certificate: {subject: 'x', issuer: 'x', validTo: null, subjectAltName: null, fingerprint256: null}, handshakeMs: 3},
      getaddrinfo: {addresses: ['203.0.113.11', '2001:db8:ee::11'], error: null, sameOrder: false, onlyGetaddrinfo: [], onlyDns: [], firstDifference: 'getaddrinfo puts 203.0.113.11 before 2001:db8:ee::11, dnsx (--policy rfc6724) puts 2001:db8:ee::11 first', matchingPolicies: []},
    })
    const text = renderRace(j)
    expect(text).toContain('Winner  none: no attempt connected within the 2000 ms timeout')
    expect(text).toContain('TLS     TLSv1.3, ALPN h2, TLS_AES_128_GCM_SHA256, certificate "x" NOT verified (DEPTH_ZERO_SELF_SIGNED_CERT; accepted by --insecure), SNI x.test')
    expect(text).toContain('getaddrinfo: 203.0.113.11, 2001:db8:ee::11  differs: getaddrinfo puts 203.0.113.11 before 2001:db8:ee::11')
  })
})

describe('dnsx race: usage errors (exit 2, nothing opened)', () => {
  let saved: typeof process.exitCode
  beforeEach(() => {
    saved = process.exitCode
    process.exitCode = undefined
  })
  afterEach(() => {
    process.exitCode = saved
  })

  async function run(argv: string[]): Promise<{stderr: string, exitCode: number}> {
    const err: string[] = []
    const e = process.stderr.write
    process.stderr.write = ((c: unknown) => (err.push(String(c)), true)) as typeof process.stderr.write
    try {
      await Race.run([...argv, '--no-color'], ROOT)
    } catch {
      // oclif may rethrow after catch() printed the line
    } finally {
      process.stderr.write = e
    }
    const exitCode = (process.exitCode as number | undefined) ?? 0
    process.exitCode = undefined
    return {stderr: err.join(''), exitCode}
  }

  it.each([
    [['ftp://x.test/'], /unsupported URL scheme "ftp"/],
    [['https://x.test/', '--port', '1'], /put the port in the URL/],
    [['203.0.113.1', '-6'], /203\.0\.113\.1 is an IPv4 address, but -6 was given/],
    [['x.test', '--resolve', 'x.test:443'], /expected HOST:PORT:ADDR/],
    [['x.test', '--resolve', 'x.test:443:192.0.2.1', '-6'], /--resolve gives no IPv6 address for x\.test:443/],
    [['https://x.test/', '--cacert', '/nonexistent/ca.pem'], /cannot read --cacert \/nonexistent\/ca\.pem: no such file/],
    [['http://x.test/', '-H', 'bad header'], /--header: bad header "bad header"/],
    [['x.test', '--policy', 'bsd'], /--policy "bsd": expected one of/],
    [['x.test', '--resolver', 'resolver.example'], /--resolver needs an IP address, not "resolver\.example"/],
  ])('%j', async (argv, message) => {
    const r = await run(argv as string[])
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(message)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
  })
})
