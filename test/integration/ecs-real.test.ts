/**
 * `dnsx ecs` against real servers in a private network namespace (test/harness): Knot with
 * mod-geoip in subnet mode (tailored answers with scopes) and in weighted mode (70/30), BIND
 * (echoes ECS with scope 0), NSD (ignores ECS); servers found iteratively from the world's root.
 * Needs the built CLI (`npm run build`).
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {wilson} from '../../src/lib/ecs/analysis.js'
import {schemaValidator} from '../helpers/cli.js'
import {realDnsAvailable, startRealWorld, type ExecResult, type RealWorld} from '../harness/realdns.js'
import {STANDARD_EXPECTATIONS as E, STANDARD_WORLD} from '../harness/worlds.js'

const avail = realDnsAvailable()
if (!avail.ok) console.warn(`[ecs-real.test] skipping real-DNS tests, missing: ${avail.missing.join(', ')}`)

const validate = schemaValidator('ecs')

describe.skipIf(!avail.ok)('dnsx ecs (real servers)', () => {
  let world: RealWorld
  let hints: string

  beforeAll(async () => {
    world = await startRealWorld(STANDARD_WORLD)
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnsx-ecs-hints-'))
    hints = path.join(dir, 'named.root')
    fs.writeFileSync(hints, [...E.roots.map((r) => `. 3600000 NS ${r.name}.`), ...E.roots.map((r) => `${r.name}. 3600000 A ${r.address}`)].join('\n') + '\n')
  })

  afterAll(async () => {
    await world?.stop()
    if (hints) fs.rmSync(path.dirname(hints), {recursive: true, force: true})
  })

  /** Runs `dnsx ecs ARGS --root-hints <world roots>` inside the namespace. */
  const ecs = async (...args: string[]): Promise<ExecResult> => {
    const r = await world.exec([process.execPath, 'bin/run.js', 'ecs', ...args, '--root-hints', hints, '--no-color'], {timeoutMs: 60_000})
    expect(r.error, r.stderr).toBeUndefined()
    return r
  }

  const json = (r: ExecResult): any => {
    const j = JSON.parse(r.stdout)
    expect(validate(j)).toEqual([])
    return j
  }

  const ruleSubnets = E.ecs.rules.map((r) => (r.subnet.includes(':') ? r.subnet.replace('/48', '/56') : r.subnet.replace(/\/\d+$/, '/24')))

  it('Knot mod-geoip subnet mode: subnet-dependent, tailored, with the rules\' scopes', async () => {
    const r = await ecs(E.ecs.name, ...ruleSubnets.flatMap((s) => ['--subnet', s]), '--subnet', '192.0.2.0/24', '--subnet', '198.51.0.0/16', '--repeat', '2', '--qps', '200', '--json')
    expect(r.code, r.stderr).toBe(0)
    const j = json(r)
    expect(j.zone).toBe(`${E.ecs.zone}.`)
    expect(j.servers).toEqual([{name: 'ns1.ecs.test.', address: E.ecs.server}])
    expect(j.policy.kind).toBe('subnet-dependent')
    expect(j.behaviour).toEqual([expect.objectContaining({server: E.ecs.server, behaviour: 'tailored', policy: 'subnet-dependent'})])
    E.ecs.rules.forEach((rule, i) => {
      const rs = j.results.filter((x: any) => x.subnet === ruleSubnets[i])
      expect(rs).toHaveLength(2)
      for (const x of rs) expect(x).toMatchObject({rcode: 'NOERROR', ecs: 'echoed', scope: rule.scope, answers: [rule.a], ttl: E.ecs.ttl})
    })
    // /15 and /48 scopes for /24 and /56 sources: the answer covers a wider network.
    expect(j.results.find((x: any) => x.subnet === '198.18.0.0/24').scopeMeaning).toBe('wider')
    // No rule, or a source shorter than the rule: the fallback with scope 0.
    for (const s of ['192.0.2.0/24', '198.51.0.0/16', '0.0.0.0/0']) {
      expect(j.results.filter((x: any) => x.subnet === s).every((x: any) => x.scope === 0 && x.answers[0] === E.ecs.fallback.a)).toBe(true)
    }
    // The baseline carries no ECS; the query's source (192.0.2.60 itself) matches no rule.
    expect(j.results.filter((x: any) => x.subnet === null).every((x: any) => x.ecs === 'not-sent' && x.answers[0] === E.ecs.fallback.a)).toBe(true)
    const fallback = j.groups.find((g: any) => g.answers[0] === E.ecs.fallback.a)
    expect(fallback.subnets).toEqual(['none', '0.0.0.0/0', '192.0.2.0/24', '198.51.0.0/16'])
    expect(j.groups).toHaveLength(1 + E.ecs.rules.length)
    expect(j.policy.caveats).toEqual([])
  })

  it('Knot: the text output shows the matrix, and --explore maps a range using scopes', async () => {
    const r = await ecs(E.ecs.name, '--subnet', '198.51.100.0/24', '--subnet', '198.18.0.0/24', '--explore', '198.51.100.0/22', '--qps', '200')
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^;; dnsx ecs www\.ecs\.test\. A — zone ecs\.test\., 1 server \(1 address\), 4 subnets × 1/)
    expect(r.stdout).toMatch(/^198\.51\.100\.0\/24\s+\/24\s/m)
    expect(r.stdout).toMatch(/^198\.18\.0\.0\/24\s+\/15\s/m)
    expect(r.stdout).toMatch(/^POLICY subnet-dependent: 3 answer sets across 4 subnets/m)
    expect(r.stdout).toMatch(/^ns1\.ecs\.test\.\s+192\.0\.2\.60\s+tailored\s+subnet-dependent/m)
    expect(r.stdout).toMatch(/^RANGE MAP 198\.51\.100\.0\/22 via ns1\.ecs\.test\. \(192\.0\.2\.60\): 4 queries, 100\.0% covered$/m)
    expect(r.stdout).toMatch(/^\s+198\.51\.100\.0\/24\s+[A-Z]\s+192\.0\.2\.101$/m)
    expect(r.stdout).toMatch(/^\s+198\.51\.102\.0\/23\s+[A-Z]\s+192\.0\.2\.100$/m)

    // One /24 query: its scope /15 covers the whole /15.
    const wide = json(await ecs(E.ecs.name, '--subnet', '198.18.0.0/24', '--explore', '198.18.0.0/15', '--qps', '200', '--json'))
    expect(wide.explore).toMatchObject({range: '198.18.0.0/15', stats: {queries: 1, coveredFraction: 1}, map: [{cidr: '198.18.0.0/15', answers: ['192.0.2.115']}]})
  })

  it('Knot mod-geoip weighted mode: weighted, the 95% interval of the 70% answer contains 0.7', async () => {
    const heavy = E.weighted.answers[0]
    // Knot draws at random, so two verdicts are statistical: the independence test calls a truly
    // weighted server 'mixed' with probability alpha (1%), and a 95% interval misses the true share
    // 5% of the time. A round that trips either is re-drawn (three misses: < 0.03%); everything
    // else, and a 99.9% interval, must hold in every round.
    const good: boolean[] = []
    for (let round = 0; round < 3 && !good.includes(true); round++) {
      const r = await ecs(E.weighted.name, '--subnet', '198.51.100.0/24', '--subnet', '203.0.113.0/24', '--repeat', '60', '--qps', '1000', '--json')
      expect(r.code, r.stderr).toBe(0)
      const j = json(r)
      expect(j.results).toHaveLength(4 * 60)
      expect(['weighted', 'mixed']).toContain(j.policy.kind)
      expect(j.behaviour[0].server).toBe(E.weighted.server)
      expect(j.policy.weights.map((w: any) => w.answers[0]).sort()).toEqual(E.weighted.answers.map((a) => a.a).sort())
      const w = j.policy.weights.find((x: any) => x.answers[0] === heavy.a)
      const total = j.policy.weights.reduce((n: number, x: any) => n + x.count, 0)
      expect(total).toBe(240)
      expect(w.share).toBeCloseTo(w.count / total, 10)
      const [lo, hi] = wilson(w.count, total, 3.29)
      expect(lo).toBeLessThan(heavy.weight / 100)
      expect(hi).toBeGreaterThan(heavy.weight / 100)
      good.push(j.policy.kind === 'weighted' && w.ci95[0] <= 0.7 && w.ci95[1] >= 0.7)
    }
    expect(good).toContain(true)
  })

  it('BIND: echoes ECS with scope 0 and does not tailor (echo-only)', async () => {
    const bind = E.example.servers[0]
    const j = json(await ecs(E.host.name, '--server', bind.addresses[0], '--subnet', '198.51.100.0/24', '--subnet', '2001:db8:aaaa::/56', '--qps', '200', '--json'))
    expect(j.zone).toBeNull()
    expect(j.servers).toEqual([{name: null, address: bind.addresses[0]}])
    expect(j.behaviour[0]).toMatchObject({behaviour: 'echo-only', scopes: [0], echoed: 3, absent: 0})
    expect(j.policy.kind).toBe('uniform')
    const v6 = j.results.find((x: any) => x.subnet === '2001:db8:aaaa::/56')
    expect(v6).toMatchObject({ecs: 'echoed', scope: 0, scopeMeaning: 'global', echo: {family: 2, address: '2001:db8:aaaa::', sourcePrefix: 56, scopePrefix: 0}, answers: E.host.a})
  })

  it('finds every server of a zone iteratively (BIND and Knot for example.test)', async () => {
    const j = json(await ecs(E.host.name, '--subnet', '198.51.100.0/24', '--qps', '200', '--json'))
    expect(j.zone).toBe('example.test.')
    expect(j.servers).toEqual(E.example.servers.map((s) => ({name: `${s.name}.`, address: s.addresses[0]})))
    expect(j.results).toHaveLength(2 * 3)
    expect(j.policy.kind).toBe('uniform')
  })

  it('NSD: ignores ECS (ecs-unaware)', async () => {
    const r = await ecs(E.www.cname, '--subnet', '198.51.100.0/24', '--subnet', '2001:db8:aaaa::/56', '--qps', '200', '--json')
    expect(r.code, r.stderr).toBe(0)
    const j = json(r)
    expect(j.servers).toEqual([{name: 'ns1.other.test.', address: E.other.servers[0].addresses[0]}])
    expect(j.behaviour[0]).toMatchObject({behaviour: 'ecs-unaware', echoed: 0, absent: 3})
    expect(j.results.filter((x: any) => x.subnet !== null).every((x: any) => x.ecs === 'absent' && x.scope === null)).toBe(true)
    expect(j.policy.kind).toBe('uniform')
  })

  it('unmet expectations: one FAIL line each, exit 1', async () => {
    const r = await ecs(E.ecs.name, '--expect-answer', '198.51.100.0/24=192.0.2.101', '--expect-answer', '203.0.113.0/24=192.0.2.101', '--expect-policy', 'weighted', '--qps', '200')
    expect(r.code).toBe(1)
    const fails = r.stderr.split('\n').filter((l) => l.startsWith('FAIL'))
    expect(fails).toEqual([
      'FAIL answer[203.0.113.0/24]=192.0.2.101: expected 192.0.2.101 in every reply for 203.0.113.0/24, got 192.0.2.102 (1 of 1 reply without it)',
      'FAIL policy=weighted: expected weighted, got subnet-dependent',
    ])
    const ok = await ecs(E.ecs.name, '--expect-answer', '198.51.100.0/24=192.0.2.101', '--expect-policy', 'subnet-dependent', '--qps', '200')
    expect(ok.code, ok.stderr).toBe(0)
  })

  it('exit 3 when no server answers (blackhole), with the document still written', async () => {
    const r = await ecs(E.ecs.name, '--server', E.blackhole.address, '--subnet', '198.51.100.0/24', '--timeout', '300', '--retries', '0', '--json')
    expect(r.code).toBe(3)
    const j = json(r)
    expect(j.policy.kind).toBe('inconclusive')
    expect(r.stderr).toMatch(/no server gave a usable reply \(3 TIMEOUT\)/)
    const traced = await ecs(`www.${E.blackhole.zone}`, '--timeout', '300', '--retries', '0')
    expect(traced.code).toBe(3)
    expect(traced.stderr).toMatch(/^error: cannot find the authoritative servers of www\.blackhole\.test\./m)
  })
})
