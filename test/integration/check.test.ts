/**
 * `dnsx check` end to end: the built CLI running check files against the lab and against real
 * servers (Knot, NSD, BIND, Unbound) in a network namespace; exit codes, the FAIL lines, the
 * results table, JUnit XML and the --json document (validated against schemas/check.json).
 */
import {existsSync, mkdtempSync, readFileSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {realDnsAvailable, startRealWorld, type RealWorld} from '../harness/realdns.js'
import {STANDARD_EXPECTATIONS as E, STANDARD_WORLD} from '../harness/worlds.js'
import {BIN, ROOT, runCli, schemaValidator} from '../helpers/cli.js'
import {find, parseXml} from '../unit/check/xml.js'

const validateCheck = schemaValidator('check')
const tmp = mkdtempSync(path.join(os.tmpdir(), 'dnsx-check-it-'))

function write(name: string, lines: string[]): string {
  const file = path.join(tmp, name)
  writeFileSync(file, lines.join('\n') + '\n')
  return file
}

/** The commands this build has (a check file can only use those). */
const HAVE = (c: string) => existsSync(path.join(ROOT, 'dist', 'commands', `${c}.js`))

interface CheckDoc {
  file: string
  checks: {name: string, command: string, outcome: string, exit: number | null, failures: string[], expectations: {ok: boolean}[], error?: {code: string, message: string}, argv: string[]}[]
  summary: {total: number, passed: number, failed: number, errors: number}
}

/** The checks that did not pass, for an assertion's message. */
function notPassing(doc: CheckDoc): string {
  return doc.checks
    .filter((c) => c.outcome !== 'pass')
    .map((c) => `${c.name}: ${c.outcome} (exit ${c.exit}) ${c.failures.join('; ')} ${c.error?.message ?? ''}\n`)
    .join('')
}

describe('dnsx check against the lab', () => {
  it('dnsx check --lab runs the shipped suite, every command present, and passes (exit 0); --json and --junit agree', async () => {
    const junit = path.join(tmp, 'lab.xml')
    const r = await runCli(['check', '--lab', '--json', '--junit', junit], {timeoutMs: 170_000})
    const doc = JSON.parse(r.stdout) as CheckDoc
    expect(r.code, notPassing(doc) + r.stderr).toBe(0)
    expect(validateCheck(doc)).toEqual([])
    expect(doc.file).toBe('data/checks/lab.yaml')
    const commands = new Set(doc.checks.map((c) => c.command))
    for (const c of ['query', 'trace', 'anycast-probe', 'ecs', 'race']) if (HAVE(c)) expect(commands, `the lab suite exercises ${c}`).toContain(c)
    expect(doc.summary).toMatchObject({total: doc.checks.length, passed: doc.checks.length, failed: 0, errors: 0})
    for (const c of doc.checks) {
      expect(c.argv).toContain('--lab')
      expect(c.expectations.length, `${c.name} has expectations`).toBeGreaterThan(0)
      expect(c.expectations.every((e) => e.ok)).toBe(true)
    }
    const root = parseXml(readFileSync(junit, 'utf8'))
    expect(root.attrs).toMatchObject({tests: String(doc.checks.length), failures: '0', errors: '0'})
    expect(find(root, 'testcase').map((t) => t.attrs.name)).toEqual(doc.checks.map((c) => c.name))
    expect(find(root, 'failure')).toEqual([])
    expect(find(root, 'error')).toEqual([])
  }, 180_000)

  it('one failing expectation: exit 1, the FAIL line, FAIL in the table, a JUnit <failure>', async () => {
    const file = write('one-fails.yaml', [
      'defaults: {lab: true}',
      'checks:',
      '  - name: www is 192.0.2.80',
      '    command: trace',
      '    args: [www.example.test]',
      '    expect: {answer: [192.0.2.80], authoritative: true}',
      '  - name: www is 192.0.2.99',
      '    command: query',
      '    args: [www.example.test]',
      '    expect: {answer: 192.0.2.99, rcode: NOERROR}',
    ])
    const junit = path.join(tmp, 'one-fails.xml')
    const r = await runCli(['check', file, '--junit', junit], {timeoutMs: 60_000})
    expect(r.code, r.stderr).toBe(1)
    const line = 'FAIL answer=192.0.2.99: expected 192.0.2.99 in the answer, got 192.0.2.80'
    expect(r.stderr.split('\n')).toContain(`${line} (check "www is 192.0.2.99")`)
    expect(r.stderr).not.toMatch(/rcode=NOERROR/)
    expect(r.stdout).toMatch(/^www is 192\.0\.2\.80\s+trace\s+PASS\s/m)
    expect(r.stdout).toMatch(/^www is 192\.0\.2\.99\s+query\s+FAIL\s+.*answer=192\.0\.2\.99 \(got 192\.0\.2\.80\)/m)
    expect(r.stdout).toMatch(/2 checks: 1 passed, 1 failed, 0 could not run/)
    const root = parseXml(readFileSync(junit, 'utf8'))
    const [ok, bad] = find(root, 'testcase')
    expect(find(ok, 'failure')).toEqual([])
    const [failure] = find(bad, 'failure')
    expect(failure.attrs.message).toBe(line)
    expect(failure.text).toBe(line)
    expect(find(bad, 'system-out')[0].text).toBe('dnsx query www.example.test --lab --expect-answer=192.0.2.99 --expect-rcode=NOERROR --json')
    expect(root.attrs).toMatchObject({tests: '2', failures: '1', errors: '0'})
  }, 90_000)

  it('checks that cannot run (a dead server, an invalid argument): exit 3 over 1, <error> elements', async () => {
    const file = write('cannot-run.yaml', [
      'defaults: {lab: true, timeout: 300}',
      'checks:',
      '  - name: dead server',
      '    command: query',
      "    args: [www.dead.test, '@192.0.2.42']",
      '    flags: {retries: 0}',
      '    expect: {rcode: NOERROR}',
      '  - name: invalid name',
      '    command: trace',
      '    args: [a..b]',
      '  - name: fails',
      '    command: query',
      '    args: [www.example.test]',
      '    expect: {rcode: NXDOMAIN}',
      '  - name: lame and expecting an answer',
      '    command: trace',
      '    args: [www.lame.test]',
      '    expect: {rcode: NOERROR}',
    ])
    const junit = path.join(tmp, 'cannot-run.xml')
    const r = await runCli(['check', file, '--junit', junit, '--json'], {timeoutMs: 60_000})
    expect(r.code, r.stderr).toBe(3)
    const doc = JSON.parse(r.stdout) as CheckDoc
    expect(validateCheck(doc)).toEqual([])
    // A trace that could not complete is ERROR, not FAIL, even with its expectation unmet.
    expect(doc.checks.map((c) => [c.outcome, c.exit])).toEqual([['error', 3], ['error', 2], ['fail', 1], ['error', 3]])
    expect(doc.checks[3].failures).toEqual(['FAIL rcode=NOERROR: expected NOERROR, got no answer'])
    expect(doc.checks[0].error?.message).toMatch(/192\.0\.2\.42/)
    expect(doc.checks[1].error?.message).toMatch(/empty label/)
    expect(doc.summary).toMatchObject({total: 4, passed: 0, failed: 1, errors: 3})
    expect(r.stderr).toMatch(/^ERROR check "dead server" could not run: /m)
    expect(r.stderr).toMatch(/^FAIL rcode=NXDOMAIN: expected NXDOMAIN, got NOERROR \(check "fails"\)$/m)
    const root = parseXml(readFileSync(junit, 'utf8'))
    const cases = find(root, 'testcase')
    expect(find(cases[0], 'error')[0].attrs.message).toBe(doc.checks[0].error!.message)
    expect(find(cases[1], 'error')[0].attrs.type).toBe(doc.checks[1].error!.code)
    expect(find(cases[2], 'failure')).toHaveLength(1)
    expect(root.attrs).toMatchObject({tests: '4', failures: '1', errors: '3'})
  }, 90_000)

  it('a check killed at maxDuration could not run', async () => {
    const file = write('slow.yaml', ['checks:', '  - {name: slow, command: trace, args: [www.dead.test], lab: true, maxDuration: 200, timeout: 2000}'])
    const r = await runCli(['check', file, '--json'], {timeoutMs: 30_000})
    expect(r.code).toBe(3)
    const doc = JSON.parse(r.stdout) as CheckDoc
    expect(doc.checks[0]).toMatchObject({outcome: 'error', exit: null, error: {code: 'max-duration', message: 'killed after 200 ms (maxDuration)'}})
  })

  it('reads the file from stdin with -, and --lab applies to every check', async () => {
    const yaml = ['checks:', '  - {name: resolver, command: query, args: [www.example.test], expect: {answer: 192.0.2.80}}'].join('\n')
    const r = await runCli(['check', '-', '--lab', '--json'], {input: yaml, timeoutMs: 30_000})
    expect(r.code, r.stderr).toBe(0)
    const doc = JSON.parse(r.stdout) as CheckDoc
    expect(doc.file).toBe('<stdin>')
    expect(doc.checks[0].argv).toEqual(['query', 'www.example.test', '--lab', '--expect-answer=192.0.2.80', '--json'])
  })

  it('a malformed file: exit 2, one line with the file, line and field; nothing runs', async () => {
    const file = write('bad.yaml', [
      'checks:', //                                    1
      '  - name: ok', //                               2
      '    command: query', //                         3
      '    args: [www.example.test]', //               4
      '  - name: bad', //                              5
      '    command: trace', //                         6
      '    expect:', //                                7
      '      rcode: [NOERROR]', //                     8
    ])
    const r = await runCli(['check', file, '--lab'])
    expect(r.code).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(`error: ${file}:8: checks[1].expect.rcode: expected a string, got a list\n`)
    const rcode = write('rcode.yaml', ['checks:', '  - name: x', '    command: query', '    args: [www.example.test]', '    expect: {rcode: NOPE}'])
    const rc = await runCli(['check', rcode, '--lab'])
    expect(rc.code).toBe(2)
    expect(rc.stderr).toMatch(/^error: .*rcode\.yaml:5: checks\[0\]\.expect\.rcode: unknown rcode "NOPE" \(a name such as NOERROR/)
    const unknown = write('unknown.yaml', ['checks:', '  - name: x', '    command: query', '    expect: {site: AMS}'])
    const u = await runCli(['check', unknown])
    expect(u.code).toBe(2)
    expect(u.stderr).toMatch(new RegExp(`^error: ${unknown.replace(/[.]/g, '\\.')}:4: checks\\[0\\]\\.expect\\.site: query has no --expect-site \\(its expectations: answer, authoritative, nsid, rcode, scope\\)\\n$`))
  })

  it('usage: no FILE without --lab, a missing file, an unwritable --junit are exit 2', async () => {
    expect((await runCli(['check'])).stderr).toMatch(/^error: missing FILE/)
    const missing = await runCli(['check', path.join(tmp, 'nope.yaml')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toMatch(/cannot read check file .*nope\.yaml: no such file/)
    const j = await runCli(['check', '--lab', '--junit', '/nonexistent-dir/results.xml'])
    expect(j.code).toBe(2)
    expect(j.stderr).toMatch(/^error: --junit \/nonexistent-dir\/results\.xml: the directory \/nonexistent-dir does not exist/)
    const d = await runCli(['check', '--lab', '--junit', tmp])
    expect(d.code).toBe(2)
    expect(d.stderr).toMatch(/is a directory; give a file name/)
  })
})

const avail = realDnsAvailable()
if (!avail.ok) console.warn(`[check.test] skipping real-DNS checks, missing: ${avail.missing.join(', ')}`)

describe.skipIf(!avail.ok)('dnsx check against real servers in a namespace', () => {
  let world: RealWorld

  beforeAll(async () => {
    world = await startRealWorld(STANDARD_WORLD)
  }, 120_000)
  afterAll(() => world?.stop())

  it('a check file exercising every command passes (Knot, NSD, BIND, Unbound)', async () => {
    const hints = path.join(tmp, 'real-root.hints')
    writeFileSync(hints, E.roots.map((r) => `.  3600000 NS ${r.name}.\n${r.name}. 3600000 A ${r.address}\n`).join(''))
    const ns1 = E.example.servers[0]
    const ns2 = E.example.servers[1]
    const lines = [
      'defaults: {timeout: 1000, maxDuration: 45000}',
      'checks:',
      // query: the namespace's resolv.conf points at Unbound.
      `  - name: Unbound resolves ${E.www.name}`,
      '    command: query',
      `    args: [${E.www.name}]`,
      `    expect: {answer: [${E.www.cname}., ${E.www.a[0]}], rcode: NOERROR}`,
      `  - name: BIND ${ns1.name} is authoritative, with its NSID`,
      '    command: query',
      `    args: [${E.host.name}, AAAA, '@${ns1.addresses[0]}']`,
      '    flags: {norecurse: true}',
      `    expect: {answer: '${E.host.aaaa[0]}', authoritative: true, nsid: ${ns1.nsid}}`,
      `  - name: Knot ${ns2.name} says NXDOMAIN, authoritatively`,
      '    command: query',
      `    args: [${E.nxdomain.name}, '@${ns2.addresses[0]}']`,
      '    flags: {norecurse: true}',
      `    expect: {rcode: NXDOMAIN, authoritative: true, nsid: ${ns2.nsid}}`,
      '  - name: Knot tailors by client subnet',
      '    command: query',
      `    args: [${E.ecs.name}, '@${E.ecs.server}']`,
      `    flags: {norecurse: true, subnet: ${E.ecs.rules[0].subnet}}`,
      `    expect: {answer: ${E.ecs.rules[0].a}, scope: ${E.ecs.rules[0].scope}}`,
      // trace: from the world's roots.
      `  - name: trace ${E.www.name} across zones`,
      '    command: trace',
      `    args: [${E.www.name}]`,
      `    flags: {root-hints: '${hints}'}`,
      `    expect: {answer: [${E.www.cname}., ${E.www.a[0]}], authoritative: true, rcode: NOERROR, no-problems: true}`,
      `  - name: trace a glueless delegation`,
      '    command: trace',
      `    args: [${E.glueless.name}]`,
      `    flags: {root-hints: '${hints}'}`,
      `    expect: {answer: ${E.glueless.a[0]}, authoritative: true}`,
      `  - name: trace NXDOMAIN`,
      '    command: trace',
      `    args: [${E.nxdomain.name}]`,
      `    flags: {root-hints: '${hints}'}`,
      '    expect: {rcode: NXDOMAIN, authoritative: true}',
    ]
    if (HAVE('anycast-probe')) {
      lines.push(
        '  - name: the root servers answer, with identities, no interception',
        '    command: anycast-probe',
        `    args: [${E.roots.map((r) => r.address).join(', ')}]`,
        '    flags: {count: 2, interval: 50}',
        '    expect: {max-rtt: 500, no-interception: true}',
      )
    }
    if (HAVE('ecs')) {
      lines.push(
        `  - name: ${E.ecs.name} is subnet-dependent`,
        '    command: ecs',
        `    args: [${E.ecs.name}]`,
        `    flags: {server: ['${E.ecs.server}'], subnet: [${E.ecs.rules[0].subnet}, ${E.ecs.rules[1].subnet}]}`,
        `    expect: {policy: subnet-dependent, answer: ['${E.ecs.rules[0].subnet}=${E.ecs.rules[0].a}', '${E.ecs.rules[1].subnet}=${E.ecs.rules[1].a}']}`,
        `  - name: ${E.weighted.name} is weighted`,
        '    command: ecs',
        `    args: [${E.weighted.name}]`,
        `    flags: {server: ['${E.weighted.server}'], subnet: ${E.ecs.rules[0].subnet}, repeat: 40, qps: 500}`,
        '    expect: {policy: weighted}',
      )
    }
    if (HAVE('race')) {
      const dual = E.tld.servers[1]
      lines.push(
        `  - name: race to ${dual.name}'s DNS port, IPv6 first`,
        '    command: race',
        `    args: [${dual.name}]`,
        '    flags: {port: 53}',
        '    expect: {family: ipv6, max-connect: 1500}',
      )
    }
    const file = write('real.yaml', lines)
    const junit = path.join(tmp, 'real.xml')
    const r = await world.exec([process.execPath, BIN, 'check', file, '--json', '--junit', junit], {timeoutMs: 150_000, env: {NO_COLOR: '1'}})
    const doc = JSON.parse(r.stdout) as CheckDoc
    expect(r.code, notPassing(doc) + r.stderr).toBe(0)
    expect(validateCheck(doc)).toEqual([])
    expect(doc.summary.passed).toBe(doc.checks.length)
    const commands = new Set(doc.checks.map((c) => c.command))
    for (const c of ['query', 'trace', 'anycast-probe', 'ecs', 'race']) if (HAVE(c)) expect(commands).toContain(c)
    for (const c of doc.checks) expect(c.argv).not.toContain('--lab')
    const root = parseXml(readFileSync(junit, 'utf8'))
    expect(root.attrs).toMatchObject({tests: String(doc.checks.length), failures: '0', errors: '0'})
  }, 180_000)

  it('an unmet expectation against a real server is exit 1 with the FAIL line', async () => {
    const file = write('real-fail.yaml', [
      'checks:',
      `  - name: wrong NSID`,
      '    command: query',
      `    args: [${E.example.zone}, SOA, '@${E.example.servers[1].addresses[0]}']`,
      '    flags: {norecurse: true}',
      `    expect: {nsid: ${E.example.servers[0].nsid}, authoritative: true}`,
    ])
    const r = await world.exec([process.execPath, BIN, 'check', file], {timeoutMs: 60_000, env: {NO_COLOR: '1'}})
    expect(r.code, r.stderr).toBe(1)
    expect(r.stderr).toContain(`FAIL nsid=${E.example.servers[0].nsid}: expected ${E.example.servers[0].nsid}, got ${E.example.servers[1].nsid} (check "wrong NSID")`)
  }, 90_000)
})
