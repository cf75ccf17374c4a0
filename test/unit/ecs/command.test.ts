/**
 * `dnsx ecs` as a command: flags, text and JSON output (validated against schemas/ecs.json),
 * expectations and exit codes. In-process through `Ecs.run` against scripted servers on
 * 127.0.0.1; the same once more through the built CLI when `dist/` has the command.
 */
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import ipaddr from 'ipaddr.js'
import Ecs from '../../../src/commands/ecs.js'
import {answerFor, startFakeServer, type FakeServer, type Handler} from '../../helpers/fake-server.js'
import {ROOT, built, runCli, schemaValidator} from '../../helpers/cli.js'

function queryEcs(q: any): {family: number; source: number; ip: string} | null {
  const opt = (q.additionals ?? []).find((a: any) => a.type === 'OPT')
  const o = opt?.options?.find((x: any) => x.code === 8)
  return o ? {family: o.family, source: o.sourcePrefixLength, ip: o.ip} : null
}

/** 198.51.100.0/24 → .101 (scope 24), 203.0.113.0/24 → .102 (scope 24), else .100 scope 0; echoes ECS. */
const geo: Handler = (q) => {
  const ecs = queryEcs(q)
  let a = '192.0.2.100'
  let scope = 0
  if (ecs && ecs.family === 1 && ecs.source >= 24) {
    const ip = ipaddr.parse(ecs.ip) as ipaddr.IPv4
    if (ip.match(ipaddr.parseCIDR('198.51.100.0/24') as [ipaddr.IPv4, number])) [a, scope] = ['192.0.2.101', 24]
    if (ip.match(ipaddr.parseCIDR('203.0.113.0/24') as [ipaddr.IPv4, number])) [a, scope] = ['192.0.2.102', 24]
  }
  const options = ecs ? [{code: 8, family: ecs.family, sourcePrefixLength: ecs.source, scopePrefixLength: scope, ip: ecs.ip}] : []
  return {
    kind: 'reply',
    packet: answerFor(q, {
      answers: [{name: q.questions[0].name, type: 'A', class: 'IN', ttl: 30, data: a}],
      additionals: [{type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options}],
    }),
  }
}

let server: FakeServer | null = null
afterEach(async () => {
  await server?.close()
  server = null
})

interface Captured {
  ret: any
  stdout: string
  stderr: string
  exitCode: number | undefined
}

let savedExit: typeof process.exitCode
beforeEach(() => {
  savedExit = process.exitCode
  process.exitCode = undefined
})
afterEach(() => {
  process.exitCode = savedExit
})

/** Runs the command in-process, capturing stdout, stderr and the exit code it set. */
async function ecs(argv: string[]): Promise<Captured> {
  const out: string[] = []
  const err: string[] = []
  const o = process.stdout.write
  const e = process.stderr.write
  process.stdout.write = ((c: any) => (out.push(String(c)), true)) as any
  process.stderr.write = ((c: any) => (err.push(String(c)), true)) as any
  let ret: any
  try {
    ret = await Ecs.run([...argv, '--no-color'], ROOT)
  } catch (x) {
    err.push(`THROWN ${(x as Error).message}`)
  } finally {
    process.stdout.write = o
    process.stderr.write = e
  }
  const exitCode = process.exitCode as number | undefined
  process.exitCode = undefined
  return {ret, stdout: out.join(''), stderr: err.join(''), exitCode}
}

const at = () => ['--server', '127.0.0.1', '--port', String(server!.port), '--qps', '1000']
const validate = schemaValidator('ecs')

describe('dnsx ecs (in-process)', () => {
  it('prints the matrix, groups, policy and server behaviour', async () => {
    server = await startFakeServer(geo)
    const r = await ecs(['www.geo.test', ...at(), '--subnet', '198.51.100.0/24', '--subnet', '203.0.113.0/24', '--subnet', '192.0.2.0/24'])
    expect(r.exitCode ?? 0).toBe(0)
    const lines = r.stdout.split('\n')
    expect(lines[0]).toMatch(/^;; dnsx ecs www\.geo\.test\. A — 1 server \(1 address\), 5 subnets × 1, 5 queries/)
    expect(r.stdout).toMatch(/^SUBNET\s+SCOPE\s+A\s+B\s+C\s+FAILED$/m)
    expect(r.stdout).toMatch(/^none \(no ECS\)\s+n\/a\s+●\s+·\s+·\s+·$/m)
    expect(r.stdout).toMatch(/^0\.0\.0\.0\/0 \(opt-out\)\s+\/0\s+●\s+·\s+·\s+·$/m)
    expect(r.stdout).toMatch(/^198\.51\.100\.0\/24\s+\/24\s+·\s+●\s+·\s+·$/m)
    expect(r.stdout).toMatch(/^A\s+192\.0\.2\.100\s+30\s+3\s+none, 0\.0\.0\.0\/0, 192\.0\.2\.0\/24$/m)
    expect(r.stdout).toMatch(/^POLICY subnet-dependent: 3 answer sets across 5 subnets/m)
    expect(r.stdout).toMatch(/^-\s+127\.0\.0\.1\s+tailored\s+subnet-dependent\s+5\/5\s+echoes ECS with scope \/0, \/24/m)
    expect(r.stdout).toMatch(/! each subnet was queried once per server/)
    expect(r.ret.policy.kind).toBe('subnet-dependent')
  })

  it('writes JSON that follows schemas/ecs.json, with the contract fields', async () => {
    server = await startFakeServer(geo)
    const r = await ecs(['www.geo.test', 'A', ...at(), '--subnet', '198.51.100.0/24', '--countries', 'DE,JP', '--subnet-family', 'ipv4', '--explore', '198.51.100.0/23', '--json'])
    expect(r.exitCode ?? 0).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(validate(j)).toEqual([])
    expect(j).toMatchObject({name: 'www.geo.test.', type: 'A', zone: null, servers: [{name: null, address: '127.0.0.1'}]})
    expect(j.subnets.map((s: any) => s.label)).toEqual(['none', '0.0.0.0/0', '198.51.100.0/24', expect.stringMatching(/\/24$/), expect.stringMatching(/\/24$/)])
    expect(j.subnets[3]).toMatchObject({kind: 'country', country: 'DE'})
    const tailored = j.results.find((x: any) => x.subnet === '198.51.100.0/24')
    expect(tailored).toMatchObject({server: '127.0.0.1', scope: 24, rcode: 'NOERROR', answers: ['192.0.2.101'], ecs: 'echoed', ttl: 30, scopeMeaning: 'exact'})
    expect(j.results.find((x: any) => x.subnet === null).ecs).toBe('not-sent')
    expect(j.groups.map((g: any) => g.answers)).toEqual([['192.0.2.100'], ['192.0.2.101']])
    expect(j.groups[1].subnets).toEqual(['198.51.100.0/24'])
    expect(j.policy).toMatchObject({kind: 'subnet-dependent', weights: []})
    expect(j.explore.map).toEqual([
      {cidr: '198.51.100.0/24', answers: ['192.0.2.101'], group: 'B'},
      {cidr: '198.51.101.0/24', answers: ['192.0.2.100'], group: 'A'},
    ])
  })

  it('passes and fails expectations with one FAIL line each and exit 1', async () => {
    server = await startFakeServer(geo)
    const ok = await ecs(['www.geo.test', ...at(), '--expect-answer', '198.51.100.0/24=192.0.2.101', '--expect-answer', 'none=192.0.2.100', '--expect-policy', 'subnet-dependent', '--json'])
    expect(ok.exitCode ?? 0).toBe(0)
    expect(ok.stderr).not.toMatch(/FAIL/)
    const j = JSON.parse(ok.stdout)
    expect(validate(j)).toEqual([])
    expect(j.expectations).toEqual([
      {expectation: 'answer[198.51.100.0/24]=192.0.2.101', ok: true, expected: '192.0.2.101 in every reply for 198.51.100.0/24', actual: '192.0.2.101'},
      {expectation: 'answer[none]=192.0.2.100', ok: true, expected: '192.0.2.100 in every reply for none', actual: '192.0.2.100'},
      {expectation: 'policy=subnet-dependent', ok: true, expected: 'subnet-dependent', actual: 'subnet-dependent'},
    ])
    // The expectation's subnet is asked even without --subnet (added to the defaults).
    expect(j.subnets.some((s: any) => s.subnet === '198.51.100.0/24')).toBe(true)

    const bad = await ecs(['www.geo.test', ...at(), '--subnet', '203.0.113.0/24', '--expect-answer', '203.0.113.7=192.0.2.101', '--expect-policy', 'weighted'])
    expect(bad.exitCode).toBe(1)
    const fails = bad.stderr.split('\n').filter((l) => l.startsWith('FAIL'))
    expect(fails).toEqual([
      'FAIL answer[203.0.113.7]=192.0.2.101: expected 192.0.2.101 in every reply for 203.0.113.7, got 192.0.2.102 (1 of 1 reply without it)',
      'FAIL policy=weighted: expected weighted, got subnet-dependent',
    ])
    expect(bad.stdout).toMatch(/POLICY subnet-dependent/)
  })

  it('exits 3 when no server answered, still printing the document', async () => {
    server = await startFakeServer(() => ({kind: 'silent'}))
    const r = await ecs(['www.geo.test', ...at(), '--subnet', '198.51.100.0/24', '--timeout', '100', '--retries', '0', '--json'])
    expect(r.exitCode).toBe(3)
    const j = JSON.parse(r.stdout)
    expect(validate(j)).toEqual([])
    expect(j.policy.kind).toBe('inconclusive')
    expect(j.results.every((x: any) => x.rcode === 'TIMEOUT' && x.ecs === null && x.error)).toBe(true)
    expect(r.stderr).toMatch(/error: no server gave a usable reply/)
  })

  it('notes host bits and bare addresses on stderr', async () => {
    server = await startFakeServer(geo)
    const r = await ecs(['www.geo.test', ...at(), '--subnet', '198.51.100.77/24', '--subnet', '203.0.113.9'])
    expect(r.stderr).toMatch(/note: --subnet 198\.51\.100\.77\/24 had host bits set; sending 198\.51\.100\.0\/24/)
    expect(r.stderr).toMatch(/note: --subnet 203\.0\.113\.9 has no prefix length; sending 203\.0\.113\.0\/24/)
    expect(r.stdout).toMatch(/^198\.51\.100\.0\/24\s+\/24/m)
  })

  it('shows weights with 95% intervals for weighted answers', async () => {
    let n = 0
    server = await startFakeServer((q) => {
      const a = n++ % 10 < 7 ? '192.0.2.170' : '192.0.2.130'
      return {kind: 'reply', packet: answerFor(q, {answers: [{name: q.questions[0].name, type: 'A', class: 'IN', ttl: 30, data: a}]})}
    })
    const r = await ecs(['www.weighted.test', ...at(), '--subnet', '198.51.100.0/24', '--repeat', '20', '--concurrency', '1'])
    expect(r.stdout).toMatch(/^POLICY weighted:/m)
    expect(r.stdout).toMatch(/^\s+A\s+192\.0\.2\.170\s+0\.700\s+\[0\.\d{3}, 0\.\d{3}\]\s+42$/m)
    expect(r.ret.policy.weights[0]).toMatchObject({answers: ['192.0.2.170'], count: 42, share: 0.7})
  })

  it('refuses bad input with exit 2 and one line', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['www.geo.test', '--server', '127.0.0.1', '--subnet', '300.1.1.1/24'], /invalid subnet "300\.1\.1\.1\/24"/],
      [['www.geo.test', '--server', 'ns1.example.test'], /--server ns1\.example\.test is not an IP address/],
      [['www.geo.test', '--server', '127.0.0.1', '--countries', 'XX'], /unknown country code "XX"/],
      [['www.geo.test', '--server', '127.0.0.1', '--expect-answer', '198.51.100.0/24'], /write SUBNET=VALUE/],
      [['www.geo.test', 'AAAA', '--type', 'A', '--server', '127.0.0.1'], /two record types/],
      [['www.geo.test', '--server', '127.0.0.1', '--explore', '10.0.0.0'], /missing prefix length/],
      [['www.geo.test', '--server', '127.0.0.1', '--subnet', '198.51.100.0/24', '--repeat', '500', '--max-queries', '1000'], /^error: 3 subnets × 500 repeats = 1500 queries, more than --max-queries 1000$/m],
      [['www.geo.test', '--server', '127.0.0.1', '--repeat', '100000'], /less than or equal to 10000/],
    ]
    for (const [argv, re] of cases) {
      const r = await ecs(argv)
      expect(r.exitCode, argv.join(' ')).toBe(2)
      expect(r.stderr, argv.join(' ')).toMatch(re)
      expect(r.stderr.trim().split('\n'), argv.join(' ')).toHaveLength(1)
    }
  })
})

describe.skipIf(!built('commands/ecs.js'))('dnsx ecs (built CLI)', () => {
  it('runs end to end and validates', async () => {
    server = await startFakeServer(geo)
    const r = await runCli(['ecs', 'www.geo.test', ...at(), '--subnet', '198.51.100.0/24', '--json'])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(validate(j)).toEqual([])
    expect(j.policy.kind).toBe('subnet-dependent')
  })

  it('exit codes: 1 for an unmet expectation, 2 for bad input, 3 when nothing answers', async () => {
    server = await startFakeServer(geo)
    const one = await runCli(['ecs', 'www.geo.test', ...at(), '--expect-answer', '198.51.100.0/24=192.0.2.1'])
    expect(one.code).toBe(1)
    expect(one.stderr).toMatch(/^FAIL answer\[198\.51\.100\.0\/24\]=192\.0\.2\.1: expected/m)
    const two = await runCli(['ecs', 'www.geo.test', ...at(), '--subnet', 'nonsense'])
    expect(two.code).toBe(2)
    await server.close()
    server = await startFakeServer(() => ({kind: 'silent'}))
    const three = await runCli(['ecs', 'www.geo.test', ...at(), '--timeout', '100', '--retries', '0'])
    expect(three.code).toBe(3)
  })

  it('documents the flags in --help', async () => {
    const r = await runCli(['ecs', '--help'])
    expect(r.code).toBe(0)
    for (const f of ['--subnet', '--countries', '--preset', '--repeat', '--qps', '--explore', '--expect-answer', '--expect-policy', '--server', '--root-hints']) expect(r.stdout).toContain(f)
    expect(r.stdout).toMatch(/bare address/i)
  })
})
