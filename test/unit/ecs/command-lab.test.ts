/**
 * `dnsx ecs --lab`: the command against the embedded lab's Route 53-style records in geo.test
 * (geolocation by client subnet with scopes, weighted 70/30, multivalue, failover), servers
 * found iteratively from the lab's root. In-process through `Ecs.run`.
 */
import {afterEach, beforeEach, describe, expect, it} from 'vitest'
import Ecs from '../../../src/commands/ecs.js'
import {ROOT, schemaValidator} from '../../helpers/cli.js'

const validate = schemaValidator('ecs')

let savedExit: typeof process.exitCode
beforeEach(() => {
  savedExit = process.exitCode
  process.exitCode = undefined
})
afterEach(() => {
  process.exitCode = savedExit
})

/** Runs `dnsx ecs ARGS --lab --json` in-process; returns the document, stderr and exit code. */
async function lab(argv: string[]): Promise<{j: any; stderr: string; exitCode: number}> {
  const out: string[] = []
  const err: string[] = []
  const o = process.stdout.write
  const e = process.stderr.write
  process.stdout.write = ((c: any) => (out.push(String(c)), true)) as any
  process.stderr.write = ((c: any) => (err.push(String(c)), true)) as any
  try {
    await Ecs.run([...argv, '--lab', '--json', '--qps', '1000', '--no-color'], ROOT)
  } finally {
    process.stdout.write = o
    process.stderr.write = e
  }
  const exitCode = (process.exitCode as number | undefined) ?? 0
  process.exitCode = undefined
  const j = JSON.parse(out.join(''))
  expect(validate(j)).toEqual([])
  return {j, stderr: err.join(''), exitCode}
}

describe('dnsx ecs --lab', () => {
  it('geolocation: finds ns1.geo.test iteratively and maps subnets to regions with scopes', async () => {
    const {j, exitCode} = await lab(['www.geo.test', '--subnet', '198.51.100.0/24', '--subnet', '203.0.113.0/24', '--subnet', '2001:db8:aaaa::/48', '--subnet', '192.0.2.0/24'])
    expect(exitCode).toBe(0)
    expect(j.zone).toBe('geo.test.')
    expect(j.servers).toEqual([
      {name: 'ns1.geo.test.', address: '192.0.2.70'},
      {name: 'ns1.geo.test.', address: '2001:db8::70'},
    ])
    expect(j.policy.kind).toBe('subnet-dependent')
    expect(j.behaviour.map((b: any) => b.behaviour)).toEqual(['tailored', 'tailored'])
    const one = (subnet: string) => j.results.find((r: any) => r.subnet === subnet && r.server === '192.0.2.70')
    expect(one('198.51.100.0/24')).toMatchObject({answers: ['192.0.2.101'], scope: 24, ecs: 'echoed', ttl: 60})
    expect(one('203.0.113.0/24')).toMatchObject({answers: ['192.0.2.102'], scope: 24})
    expect(one('2001:db8:aaaa::/48')).toMatchObject({answers: ['192.0.2.148'], scope: 48})
    expect(one('192.0.2.0/24')).toMatchObject({answers: ['192.0.2.100'], scope: 0})
    expect(j.disagreements).toEqual([])
  })

  it('longest-prefix rules: scopes 25, 25 and 26 (never covering a more specific rule), and a source shorter than the rule gets the fallback', async () => {
    const {j} = await lab(['api.geo.test', '-4', '--subnet', '198.51.100.0/24', '--subnet', '198.51.100.128/25', '--subnet', '203.0.113.0/26', '--subnet', '203.0.113.0/24'])
    const by = new Map(j.results.map((r: any) => [r.subnet, r]))
    // 198.51.100.0/24 matches the /24 rule, but the /25 rule inside it answers differently:
    // the scope must not cover it (RFC 7871 §7.2.1), so it is /25, not /24.
    expect(by.get('198.51.100.0/24')).toMatchObject({answers: ['192.0.2.111'], scope: 25})
    expect(by.get('198.51.100.128/25')).toMatchObject({answers: ['192.0.2.112'], scope: 25})
    expect(by.get('203.0.113.0/26')).toMatchObject({answers: ['192.0.2.113'], scope: 26})
    expect(by.get('203.0.113.0/24')).toMatchObject({answers: ['192.0.2.110'], scope: 0})
  })

  it('weighted 70/30: weighted, with the 95% interval of the heavy answer containing 0.7', async () => {
    const {j} = await lab(['weighted.geo.test', '-4', '--subnet', '198.51.100.0/24', '--subnet', '203.0.113.0/24', '--repeat', '60'])
    expect(j.results).toHaveLength(240)
    expect(j.policy.kind).toBe('weighted')
    const heavy = j.policy.weights.find((w: any) => w.answers[0] === '192.0.2.170')
    expect(heavy.ci95[0]).toBeLessThanOrEqual(0.7)
    expect(heavy.ci95[1]).toBeGreaterThanOrEqual(0.7)
    expect(j.policy.weights.map((w: any) => w.answers)).toEqual(expect.arrayContaining([['192.0.2.170'], ['192.0.2.130']]))
  })

  it('multivalue: random subsets of the healthy records', async () => {
    const {j} = await lab(['multi.geo.test', '-4', '--subnet', '198.51.100.0/24', '--repeat', '15'])
    expect(j.policy.kind).toBe('multivalue')
    // 12 records, 2 unhealthy (never answered): a pool of 10, up to 8 per reply.
    expect(j.policy.pool).toHaveLength(10)
    expect(j.policy.pool).not.toContain('192.0.2.153')
    expect(j.policy.pool).not.toContain('192.0.2.158')
    expect(j.results.every((r: any) => r.answers.length === 8)).toBe(true)
  })

  it('failover: one answer for everybody (uniform), the secondary when the primary is down', async () => {
    const up = await lab(['failover.geo.test', '-4', '--subnet', '198.51.100.0/24', '--expect-policy', 'uniform', '--expect-answer', '198.51.100.0/24=192.0.2.140'])
    expect(up.exitCode).toBe(0)
    expect(up.j.groups).toEqual([expect.objectContaining({answers: ['192.0.2.140']})])
    const down = await lab(['failover-down.geo.test', '-4', '--subnet', '198.51.100.0/24', '--expect-answer', 'none=192.0.2.142'])
    expect(down.exitCode).toBe(1)
    expect(down.stderr).toMatch(/^FAIL answer\[none\]=192\.0\.2\.142: expected 192\.0\.2\.142 in every reply for none, got 192\.0\.2\.143/m)
  })

  it('explores a range into a map of answer groups', async () => {
    const {j} = await lab(['www.geo.test', '-4', '--subnet', '198.51.100.0/24', '--explore', '198.51.100.0/23'])
    expect(j.explore).toMatchObject({range: '198.51.100.0/23', server: {name: 'ns1.geo.test.', address: '192.0.2.70'}, trustScopeZero: false})
    expect(j.explore.map).toEqual([
      {cidr: '198.51.100.0/24', answers: ['192.0.2.101'], group: expect.any(String)},
      {cidr: '198.51.101.0/24', answers: ['192.0.2.100'], group: expect.any(String)},
    ])
  })
})
