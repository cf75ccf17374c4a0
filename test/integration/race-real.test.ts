/**
 * `dnsx race` on real sockets, in a network namespace the test makes (`unshare -rnm`, see
 * fixtures/race-ns.mjs): nothing leaves it.
 *
 *   2001:db8:ee::11   black-holed: routed into a veth with a permanent neighbour entry to a MAC
 *                     nobody owns, so SYNs vanish (no RST, no ICMP)
 *   2001:db8:ee::13,
 *   203.0.113.13      on lo, nothing listening: refused (RST)
 *   203.0.113.10,
 *   2001:db8:ee::10   HTTP on 80; HTTPS on 443 (HTTP/2 + HTTP/1.1) with a self-signed certificate
 *                     generated here with the openssl CLI
 *   127.0.0.53        a tiny DNS server: bh.race.test (AAAA ::11, A .10), dual.race.test (::10, .10),
 *                     refused.race.test (::13, .13); private /etc/hosts, resolv.conf, nsswitch.conf
 *
 * The built CLI (dist/) runs inside; set DNSX_BIN to use another build.
 */
import {spawn, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {RaceJson} from '../../src/lib/race/report.js'
import {BIN, ROOT, schemaValidator} from '../helpers/cli.js'

const FIXTURE = fileURLToPath(new URL('./fixtures/race-ns.mjs', import.meta.url))
const CLI = process.env.DNSX_BIN ?? BIN
const validate = schemaValidator('race')

function availability(): {ok: boolean, missing: string[]} {
  const missing: string[] = []
  for (const tool of ['unshare', 'ip', 'openssl', 'mount']) {
    if (spawnSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool} || test -x /sbin/${tool}`]).status !== 0) missing.push(tool)
  }
  if (!fs.existsSync(path.join(path.dirname(CLI), '..', 'dist', 'commands', 'race.js'))) missing.push('a build (npm run build)')
  if (missing.length === 0) {
    const r = spawnSync('unshare', ['-rnm', 'sh', '-c', 'ip link set lo up && ip link add bh0 type veth peer name bh1'], {encoding: 'utf8', timeout: 5000})
    if (r.status !== 0) missing.push(`unprivileged namespaces with veth (${(r.stderr || r.error?.message || '').trim()})`)
  }
  if (missing.length > 0 && process.env.CI) throw new Error(`race-real tests cannot run in CI: missing ${missing.join(', ')}`)
  return {ok: missing.length === 0, missing}
}

const avail = availability()
if (!avail.ok) console.warn(`[race-real] skipping: missing ${avail.missing.join(', ')}`)

interface Ran {
  id: string
  code: number | null
  stdout: string
  stderr: string
  ms: number
}

const race = (id: string, args: string[], timeoutMs = 20_000) => ({id, argv: [process.execPath, CLI, 'race', ...args, '--no-color'], timeoutMs})

describe.skipIf(!avail.ok)('dnsx race on real sockets (namespace)', () => {
  const results = new Map<string, Ran>()
  let dir = ''
  const json = (id: string): RaceJson => {
    const r = results.get(id)!
    const j = JSON.parse(r.stdout) as RaceJson
    expect(validate(j)).toEqual([])
    return j
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnsx-race-real-'))
    const cert = path.join(dir, 'cert.pem')
    const key = path.join(dir, 'key.pem')
    const ssl = spawnSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', '/CN=dnsx race test', '-addext', 'subjectAltName=DNS:dual.race.test,DNS:bh.race.test,IP:203.0.113.10',
      '-keyout', key, '-out', cert,
    ], {encoding: 'utf8'})
    if (ssl.status !== 0) throw new Error(`openssl failed: ${ssl.stderr}`)
    const r = ['--resolver', '127.0.0.53']
    const plan = {
      cwd: ROOT,
      addresses: ['203.0.113.10', '203.0.113.13', '2001:db8:ee::10', '2001:db8:ee::13', '127.0.0.53'],
      blackholes: ['2001:db8:ee::11'],
      web: ['203.0.113.10', '2001:db8:ee::10'],
      cert,
      key,
      dns: {
        address: '127.0.0.53',
        records: {
          'bh.race.test': {AAAA: ['2001:db8:ee::11'], A: ['203.0.113.10']},
          'dual.race.test': {AAAA: ['2001:db8:ee::10'], A: ['203.0.113.10']},
          'refused.race.test': {AAAA: ['2001:db8:ee::13'], A: ['203.0.113.13']},
          'www.race.test': {AAAA: ['2001:db8:ee::11', '2001:db8:ee::10'], A: ['203.0.113.10']},
        },
      },
      hosts: '127.0.0.1 localhost\n203.0.113.10 bh.race.test\n2001:db8:ee::11 bh.race.test\n',
      commands: [
        race('blackhole', ['bh.race.test', '--port', '80', ...r, '--probe-timeout', '600', '--json']),
        race('blackhole-text', ['bh.race.test', '--port', '80', ...r, '--probe-timeout', '300']),
        race('refused', ['refused.race.test', '--port', '80', ...r, '--json']),
        race('refused-literal', ['203.0.113.13', '--port', '80']),
        race('tls-h2', ['https://dual.race.test/', ...r, '--cacert', cert, '--json']),
        race('tls-fallback', ['https://bh.race.test/hello?x=1', ...r, '--cacert', cert, '--probe-timeout', '0', '--json']),
        race('tls-untrusted', ['https://dual.race.test/', ...r, '--timeout', '1500', '--json']),
        race('tls-insecure', ['https://dual.race.test/', ...r, '--insecure', '-4', '--alpn', 'http/1.1', '--json']),
        race('pinned', ['http://pinned.race.test/', '--resolve', 'pinned.race.test:80:2001:db8:ee::11,203.0.113.10', '--probe-timeout', '0', '--json']),
        race('gai-differs', ['www.race.test', '--port', '80', ...r, '--probe-timeout', '0', '--json']),
        race('expect', ['bh.race.test', '--port', '80', ...r, '--probe-timeout', '0', '--expect-family', 'ipv6', '--json']),
      ],
    }
    const planPath = path.join(dir, 'plan.json')
    fs.writeFileSync(planPath, JSON.stringify(plan))
    const out = await new Promise<{code: number | null, stdout: string, stderr: string}>((resolve) => {
      const child = spawn('unshare', ['-rnm', process.execPath, FIXTURE, planPath], {stdio: ['ignore', 'pipe', 'pipe']})
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (d) => (stdout += d))
      child.stderr.on('data', (d) => (stderr += d))
      const timer = setTimeout(() => child.kill('SIGKILL'), 150_000)
      child.on('close', (code) => {
        clearTimeout(timer)
        resolve({code, stdout, stderr})
      })
    })
    for (const line of out.stdout.split('\n').filter(Boolean)) {
      const r = JSON.parse(line) as Ran
      results.set(r.id, r)
    }
    if (results.size !== plan.commands.length) throw new Error(`namespace fixture failed (exit ${out.code}): ${out.stderr}`)
  }, 180_000)

  afterAll(() => {
    if (dir) fs.rmSync(dir, {recursive: true, force: true})
  })

  it('black-holed IPv6: IPv4 starts one attempt delay later and wins; the verdict says black-holed, hidden by Happy Eyeballs', () => {
    const r = results.get('blackhole')!
    expect(r.code).toBe(0)
    const j = json('blackhole')
    expect(j.resolver).toEqual({address: '127.0.0.53', port: 53})
    expect(j.dns.AAAA.addresses).toEqual(['2001:db8:ee::11'])
    expect(j.dns.A.addresses).toEqual(['203.0.113.10'])
    // Sources from the kernel: the black-holed route still has a source (the loss is further on).
    expect(j.sources.origin).toBe('os')
    expect(j.sorted.map((s) => [s.address, s.ruleNumber])).toEqual([['2001:db8:ee::11', null], ['203.0.113.10', 6]])
    expect(j.sorted.every((s) => s.source !== null)).toBe(true)
    expect(j.attempts.map((a) => [a.address, a.outcome])).toEqual([
      ['2001:db8:ee::11', 'cancelled'],
      ['203.0.113.10', 'connected'],
    ])
    const [v6, v4] = j.attempts
    // The 250 ms Connection Attempt Delay is the scheduler's logic, tested on an injected clock
    // (scheduler.test.ts); on real sockets only the order is the kernel's to keep.
    expect(v4!.plannedStartMs).toBeGreaterThan(v6!.startMs)
    expect(v4!.startMs).toBeGreaterThanOrEqual(v4!.plannedStartMs)
    expect(j.winner).toMatchObject({address: '203.0.113.10', family: 'ipv4', localAddress: '203.0.113.10'})
    expect(j.probes).toMatchObject([{address: '2001:db8:ee::11', outcome: 'timed out'}])
    expect(j.verdicts[0]).toMatchObject({family: 'ipv6', status: 'black-holed', hiddenByFallback: true})
    expect(j.verdicts[0]!.message).toMatch(/^IPv6: black-holed, no answer from 2001:db8:ee::11 in 600 ms \(race and follow-up probe\); Happy Eyeballs hid it by falling back to IPv4 after \d+ ms$/)
    // The OS's getaddrinfo (glibc, through the namespace's files and DNS) agrees with RFC 6724 here.
    expect(j.getaddrinfo).toMatchObject({error: null, sameOrder: true})
    expect(j.getaddrinfo!.addresses).toEqual(['2001:db8:ee::11', '203.0.113.10'])
    expect(j.getaddrinfo!.matchingPolicies).toContain('glibc')
  })

  it('the text output draws the timeline', () => {
    const r = results.get('blackhole-text')!
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^ {4}1 {2}2001:db8:ee::11 {2}v6 .* cancelled .*├─+○$/m)
    expect(r.stdout).toMatch(/^ {4}2 {2}203\.0\.113\.10 {5}v4 .* connected .*●$/m)
    expect(r.stdout).toMatch(/^ {3}getaddrinfo: 2001:db8:ee::11, 203\.0\.113\.10 {2}same order$/m)
    expect(r.stdout).toMatch(/^ {3}probe 2001:db8:ee::11 {2}after the race: no answer in \d+ ms$/m)
    expect(r.stdout).toMatch(/^ {3}IPv6: black-holed/m)
  })

  it('a refused port: both families fail at once (RST), exit 3', () => {
    const r = results.get('refused')!
    expect(r.code).toBe(3)
    const j = json('refused')
    expect(j.result).toBe('all-failed')
    expect(j.attempts.map((a) => [a.address, a.outcome, a.error])).toEqual([
      ['2001:db8:ee::13', 'refused', 'ECONNREFUSED'],
      ['203.0.113.13', 'refused', 'ECONNREFUSED'],
    ])
    // The second attempt does not wait out the attempt delay: it starts on the first's failure, or
    // on the A answer when that comes after the RST (on real sockets either may come first; the
    // scheduler's own tests fix the order with a fake clock).
    expect(j.attempts[0]!.trigger).toBe('first')
    expect(['previous-failed', 'new-address']).toContain(j.attempts[1]!.trigger)
    expect(j.attempts[1]!.startMs).toBeGreaterThanOrEqual(j.attempts[0]!.startMs)
    expect(j.attempts[1]!.startMs).toBeLessThan(j.attempts[0]!.startMs + j.options.attemptDelayMs)
    expect(j.verdicts.map((v) => v.status)).toEqual(['refused', 'refused'])
    expect(r.stderr).toMatch(/^error: no connection to refused\.race\.test port 80: every attempt failed$/m)
    const lit = results.get('refused-literal')!
    expect(lit.code).toBe(3)
    expect(lit.stdout).toMatch(/DNS skipped: addresses pinned/)
    expect(lit.stdout).toMatch(/IPv4: refused, 203\.0\.113\.13 refused the connection/)
  })

  it('TLS with the generated self-signed certificate (--cacert): ALPN h2, and the request goes over HTTP/2 with undici', () => {
    const r = results.get('tls-h2')!
    expect(r.code).toBe(0)
    const j = json('tls-h2')
    expect(j.winner).toMatchObject({address: '2001:db8:ee::10', family: 'ipv6'})
    expect(j.winner!.tcpMs).not.toBeNull()
    expect(j.winner!.tlsMs).toBeGreaterThan(0)
    expect(j.tls).toMatchObject({version: 'TLSv1.3', alpn: 'h2', servername: 'dual.race.test', verified: true, verifyError: null})
    expect(j.tls!.certificate).toMatchObject({subject: 'dnsx race test'})
    expect(j.http).toMatchObject({method: 'GET', httpVersion: '2', status: 200, error: null})
    expect(j.http!.ttfbMs).toBeGreaterThanOrEqual(0)
    expect(j.dns.HTTPS).toMatchObject({qname: 'dual.race.test', status: 'nodata'})
  })

  it('TLS behind a black-holed IPv6: IPv4 completes the handshake and serves the request', () => {
    const r = results.get('tls-fallback')!
    expect(r.code).toBe(0)
    const j = json('tls-fallback')
    expect(j.attempts.map((a) => [a.address, a.outcome])).toEqual([
      ['2001:db8:ee::11', 'cancelled'],
      ['203.0.113.10', 'connected'],
    ])
    expect(j.attempts[1]!.tlsMs).toBeGreaterThan(0)
    expect(j.http).toMatchObject({status: 200, error: null, url: 'https://bh.race.test/hello?x=1'})
    expect(j.http!.bytes).toBeGreaterThan(0)
  })

  it('an untrusted certificate fails every attempt with a hint (exit 3); --insecure accepts it, unverified', () => {
    const bad = results.get('tls-untrusted')!
    expect(bad.code).toBe(3)
    const j = json('tls-untrusted')
    expect(j.winner).toBeNull()
    expect(j.attempts.map((a) => [a.outcome, a.error])).toEqual([
      ['failed', 'tls: DEPTH_ZERO_SELF_SIGNED_CERT'],
      ['failed', 'tls: DEPTH_ZERO_SELF_SIGNED_CERT'],
    ])
    expect(j.verdicts.map((v) => [v.status, v.message])).toEqual([
      ['tls-failed', 'IPv6: TCP connected but the TLS handshake failed (2001:db8:ee::10: DEPTH_ZERO_SELF_SIGNED_CERT)'],
      ['tls-failed', 'IPv4: TCP connected but the TLS handshake failed (203.0.113.10: DEPTH_ZERO_SELF_SIGNED_CERT)'],
    ])
    expect(bad.stderr).toMatch(/every attempt failed \(tls: DEPTH_ZERO_SELF_SIGNED_CERT: the certificate is not trusted: give its CA with --cacert FILE, or accept it with --insecure\)/)
    const ok = results.get('tls-insecure')!
    expect(ok.code).toBe(0)
    const k = json('tls-insecure')
    expect(k.tls).toMatchObject({verified: false, alpn: 'http/1.1', verifyError: 'DEPTH_ZERO_SELF_SIGNED_CERT'})
    expect(k.http).toMatchObject({status: 200, httpVersion: '1.1'})
  })

  it('--resolve pins the addresses and skips DNS, as curl does', () => {
    const r = results.get('pinned')!
    expect(r.code).toBe(0)
    const j = json('pinned')
    expect(j.resolver).toBeNull()
    expect(j.getaddrinfo).toBeNull()
    expect(j.dns.AAAA).toEqual({ms: 0, status: 'pinned', addresses: ['2001:db8:ee::11']})
    expect(j.winner).toMatchObject({address: '203.0.113.10'})
    expect(j.http).toMatchObject({status: 200})
  })

  it('where glibc\'s getaddrinfo orders differently (rule 9 over all 128 bits), the report says so', () => {
    const j = json('gai-differs')
    // dnsx: rule 9 up to 64 bits ties, rule 10 keeps the DNS order, interleaving puts IPv4 second.
    expect(j.sorted.map((s) => [s.address, s.ruleNumber])).toEqual([['2001:db8:ee::11', null], ['2001:db8:ee::10', 10], ['203.0.113.10', 6]])
    expect(j.attemptOrder).toEqual(['2001:db8:ee::11', '203.0.113.10', '2001:db8:ee::10'])
    // glibc: ::10 shares all 128 bits with its source (itself), ::11 only 127.
    expect(j.getaddrinfo).toMatchObject({
      addresses: ['2001:db8:ee::10', '2001:db8:ee::11', '203.0.113.10'],
      sameOrder: false,
      firstDifference: 'getaddrinfo puts 2001:db8:ee::10 before 2001:db8:ee::11, dnsx (--policy rfc6724) puts 2001:db8:ee::11 first',
      matchingPolicies: [],
    })
    // The black-holed ::11 goes first; IPv4 wins one attempt delay later.
    expect(j.winner).toMatchObject({address: '203.0.113.10'})
  })

  it('--expect-family ipv6 fails when IPv4 had to win (exit 1)', () => {
    const r = results.get('expect')!
    expect(r.code).toBe(1)
    expect(json('expect').expectations).toEqual([{expectation: 'family=ipv6', ok: false, expected: 'ipv6', actual: 'ipv4'}])
    expect(r.stderr.trim()).toBe('FAIL family=ipv6: expected ipv6, got ipv4')
  })
})
