import {describe, expect, it} from 'vitest'
import {analyseEcsResults, sortAnswers, wilson, type EcsResult} from '../../../src/lib/ecs/analysis.js'

type Opts = Partial<Pick<EcsResult, 'scope' | 'ecs' | 'rcode' | 'serverName'>>

/** One reply; ECS status defaults to echoed with scope 0 (or not-sent for the baseline). */
function r(server: string, subnet: string | null, answers: string[], o: Opts = {}): EcsResult {
  return {
    server,
    subnet,
    answers,
    rcode: o.rcode ?? 'NOERROR',
    scope: o.scope === undefined ? (subnet === null ? null : 0) : o.scope,
    ecs: o.ecs ?? (subnet === null ? 'not-sent' : 'echoed'),
    ...(o.serverName ? {serverName: o.serverName} : {}),
  }
}

function repeat<T>(n: number, f: (i: number) => T): T[] {
  return Array.from({length: n}, (_, i) => f(i))
}

const EU = ['79.200.20.0/24', '90.20.30.0/24']
const US = ['73.162.32.0/24', '99.230.20.0/24']

describe('wilson', () => {
  it('matches known values', () => {
    const [lo, hi] = wilson(70, 100)
    expect(lo).toBeCloseTo(0.604, 3)
    expect(hi).toBeCloseTo(0.781, 3)
    const [lo2, hi2] = wilson(50, 100)
    expect(lo2).toBeCloseTo(0.404, 3)
    expect(hi2).toBeCloseTo(0.596, 3)
    expect(wilson(0, 10)[0]).toBe(0)
    expect(wilson(0, 10)[1]).toBeCloseTo(0.278, 3)
    expect(wilson(10, 10)[0]).toBeCloseTo(0.722, 3)
    expect(wilson(10, 10)[1]).toBeCloseTo(1, 12)
    expect(wilson(0, 0)).toEqual([0, 1])
  })

  it('narrows with a smaller z and rejects bad counts', () => {
    const [lo, hi] = wilson(70, 100, 1)
    expect(hi - lo).toBeLessThan(0.781 - 0.604)
    expect(() => wilson(5, 4)).toThrow(/0 <= k <= n/)
    expect(() => wilson(-1, 4)).toThrow()
  })
})

describe('sortAnswers', () => {
  it('sorts addresses numerically, then names, and de-duplicates', () => {
    expect(sortAnswers(['b.example.', '10.0.0.10', '2001:db8::1', ' 10.0.0.9', '10.0.0.9', 'a.example.'])).toEqual([
      '10.0.0.9',
      '10.0.0.10',
      '2001:db8::1',
      'a.example.',
      'b.example.',
    ])
  })
})

describe('analyseEcsResults: uniform', () => {
  const results = [
    ...['ns1', 'ns2'].flatMap((s) => [null, ...EU, ...US].flatMap((subnet) => repeat(3, () => r(s, subnet, ['192.0.2.1'])))),
    r('ns1', EU[0]!, [], {rcode: 'SERVFAIL'}),
    r('ns2', US[0]!, [], {rcode: 'TIMEOUT', ecs: 'absent', scope: null}),
  ]
  const a = analyseEcsResults(results)

  it('finds one group with every subnet, baseline first', () => {
    expect(a.groups).toEqual([
      {
        answers: ['192.0.2.1'],
        rcode: 'NOERROR',
        subnets: ['none', '73.162.32.0/24', '79.200.20.0/24', '90.20.30.0/24', '99.230.20.0/24'],
        servers: ['ns1', 'ns2'],
        count: 30,
      },
    ])
    expect(a.usable).toBe(30)
    expect(a.failed).toBe(2)
  })

  it('calls the policy uniform with a single weight of 1', () => {
    expect(a.policy.kind).toBe('uniform')
    expect(a.policy.weights).toHaveLength(1)
    expect(a.policy.weights[0]).toMatchObject({answers: ['192.0.2.1'], count: 30, share: 1})
    expect(a.policy.weights[0]!.ci95[1]).toBe(1)
    expect(a.policy.weights[0]!.ci95[0]).toBeCloseTo(0.886, 3)
    expect(a.policy.caveats).toEqual([])
  })

  it('sees echo-only servers and counts failures per server', () => {
    expect(a.servers.map((s) => [s.server, s.behaviour, s.policy, s.replies, s.results])).toEqual([
      ['ns1', 'echo-only', 'uniform', 15, 16],
      ['ns2', 'echo-only', 'uniform', 15, 16],
    ])
    expect(a.servers[0]!.failures).toEqual({SERVFAIL: 1})
    expect(a.servers[1]!.failures).toEqual({TIMEOUT: 1})
    expect(a.disagreements).toEqual([])
  })
})

describe('analyseEcsResults: subnet-dependent (two regions)', () => {
  const eu = ['198.51.100.10', '198.51.100.11']
  const us = ['203.0.113.10']
  const results = [
    ...repeat(3, () => r('ns1', null, eu)),
    ...EU.flatMap((s) => repeat(3, () => r('ns1', s, [...eu].reverse(), {scope: 20}))),
    ...US.flatMap((s) => repeat(3, () => r('ns1', s, us, {scope: 16}))),
  ]
  const a = analyseEcsResults(results)

  it('groups subnets by answer set', () => {
    expect(a.groups.map((g) => [g.answers, g.subnets, g.count])).toEqual([
      [eu, ['none', ...EU], 9],
      [us, US, 6],
    ])
  })

  it('infers subnet-dependent routing with no weights', () => {
    expect(a.policy.kind).toBe('subnet-dependent')
    expect(a.policy.weights).toEqual([])
    expect(a.policy.evidence).toEqual({replies: 15, answerSets: 2, answerSetsPerServer: 2, repeatedCells: 5, varyingCells: 0, dependenceP: null})
    expect(a.policy.caveats).toEqual([])
  })

  it('sees a tailoring server', () => {
    expect(a.servers[0]).toMatchObject({behaviour: 'tailored', scopes: [16, 20], echoed: 12, absent: 0, differsBySubnet: true, variesWithinSubnet: false})
  })

  it('warns when nothing was repeated', () => {
    const once = analyseEcsResults([r('ns1', EU[0]!, eu, {scope: 24}), r('ns1', US[0]!, us, {scope: 24})])
    expect(once.policy.kind).toBe('subnet-dependent')
    expect(once.policy.caveats[0]).toMatch(/repeat queries/)
  })
})

describe('analyseEcsResults: weighted 70/30', () => {
  // 100 repeats for one subnet: 70 x A, 30 x B, interleaved.
  const A = ['192.0.2.10']
  const B = ['192.0.2.20']
  const results = repeat(100, (i) => r('ns1', EU[0]!, i % 10 < 7 ? A : B))
  const a = analyseEcsResults(results)

  it('estimates shares with Wilson intervals', () => {
    expect(a.policy.kind).toBe('weighted')
    expect(a.policy.weights.map((w) => [w.answers, w.count, w.share])).toEqual([
      [A, 70, 0.7],
      [B, 30, 0.3],
    ])
    const [lo, hi] = a.policy.weights[0]!.ci95
    expect(lo).toBeCloseTo(0.604, 3)
    expect(hi).toBeCloseTo(0.781, 3)
    expect(lo).toBeLessThan(0.7)
    expect(hi).toBeGreaterThan(0.7)
    expect(a.policy.explanation).toMatch(/{192\.0\.2\.10} 0\.700 \[0\.604, 0\.781\], {192\.0\.2\.20} 0\.300 \[0\.219, 0\.396\]/)
  })

  it('does not mistake random draws across many subnets for subnet dependence', () => {
    // Deterministic pseudo-random draws with P(A) = 0.7 for 8 subnets x 25 repeats.
    let x = 12345
    const next = () => {
      x = (1103515245 * x + 12345) % 2 ** 31
      return x / 2 ** 31
    }
    const subnets = repeat(8, (i) => `198.18.${i}.0/24`)
    const draws = subnets.flatMap((s) => repeat(25, () => r('ns1', s, next() < 0.7 ? A : B)))
    const b = analyseEcsResults(draws)
    expect(b.policy.kind).toBe('weighted')
    expect(b.policy.evidence.dependenceP).toBeGreaterThan(0.01)
    expect(b.policy.evidence.varyingCells).toBe(8)
    const share = b.policy.weights.find((w) => w.answers[0] === A[0])!
    expect(share.ci95[0]).toBeLessThan(0.7)
    expect(share.ci95[1]).toBeGreaterThan(0.7)
    expect(b.servers[0]!.behaviour).toBe('echo-only')
  })

  it('is deterministic', () => {
    expect(analyseEcsResults(results)).toEqual(a)
  })
})

describe('analyseEcsResults: multivalue', () => {
  const pool = ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5', '192.0.2.6']
  // Each reply returns 4 of the 6 records, rotating.
  const subset = (i: number) => repeat(4, (k) => pool[(i + k) % 6]!)
  const results = [EU[0]!, US[0]!, null].flatMap((s, j) => repeat(12, (i) => r('ns1', s, subset(i + j))))
  const a = analyseEcsResults(results)

  it('recognises random subsets of a pool', () => {
    expect(a.policy.kind).toBe('multivalue')
    expect(a.policy.pool).toEqual(pool)
    expect(a.policy.records.map((x) => x.share)).toEqual(repeat(6, () => 24 / 36))
    expect(a.policy.records[0]!.count).toBe(24)
    expect(a.policy.weights).toHaveLength(6)
    expect(a.policy.weights.reduce((s, w) => s + w.count, 0)).toBe(36)
    expect(a.policy.explanation).toMatch(/subsets \(up to 4 records\) of a pool of 6 records/)
  })
})

describe('analyseEcsResults: mixed', () => {
  // EU subnets get A or B at random (50/50); US subnets always get C.
  const results = [
    ...EU.flatMap((s) => repeat(10, (i) => r('ns1', s, i % 2 === 0 ? ['192.0.2.1'] : ['192.0.2.2'], {scope: 24}))),
    ...US.flatMap((s) => repeat(10, () => r('ns1', s, ['192.0.2.3'], {scope: 24}))),
  ]
  const a = analyseEcsResults(results)

  it('sees variation within subnets that also depends on the subnet', () => {
    expect(a.policy.kind).toBe('mixed')
    expect(a.policy.evidence.varyingCells).toBe(2)
    expect(a.policy.evidence.dependenceP).toBe(0.001)
    expect(a.policy.weights.map((w) => [w.answers, w.count, w.share])).toEqual([
      [['192.0.2.1'], 10, 0.5],
      [['192.0.2.2'], 10, 0.5],
    ])
    expect(a.servers[0]!.behaviour).toBe('tailored')
    expect(a.servers[0]!.policy).toBe('mixed')
  })
})

describe('analyseEcsResults: server behaviours and disagreements', () => {
  it('reports one tailoring and one ECS-unaware server of the same zone', () => {
    const X = ['198.51.100.1']
    const Y = ['203.0.113.1']
    const results = [
      ...EU.map((s) => r('192.0.2.53', s, X, {scope: 24, serverName: 'ns1.example.'})),
      ...US.map((s) => r('192.0.2.53', s, Y, {scope: 24, serverName: 'ns1.example.'})),
      ...[...EU, ...US].map((s) => r('198.51.100.53', s, X, {ecs: 'absent', scope: null, serverName: 'ns2.example.'})),
    ]
    const a = analyseEcsResults(results)
    expect(a.policy.kind).toBe('subnet-dependent')
    expect(a.servers.map((s) => [s.serverName, s.behaviour])).toEqual([
      ['ns1.example.', 'tailored'],
      ['ns2.example.', 'ecs-unaware'],
    ])
    expect(a.disagreements.map((d) => [d.kind, d.subnet])).toEqual([
      ['behaviour', null],
      ['answers', '73.162.32.0/24'],
      ['answers', '99.230.20.0/24'],
    ])
    expect(a.disagreements[0]!.explanation).toBe('ns1.example. tailors answers to the client subnet; ns2.example. ignores ECS')
    expect(a.disagreements[1]!.servers.map((s) => [s.server, s.answers])).toEqual([
      ['192.0.2.53', [Y]],
      ['198.51.100.53', [X]],
    ])
  })

  it('flags scope /0 with subnet-dependent answers', () => {
    const a = analyseEcsResults([...EU.map((s) => r('ns1', s, ['192.0.2.1'])), ...US.map((s) => r('ns1', s, ['192.0.2.2']))])
    expect(a.servers[0]!.behaviour).toBe('scope0-but-differs')
    expect(a.servers[0]!.explanation).toMatch(/scope \/0/)
  })

  it('flags a mismatched echo before anything else', () => {
    const a = analyseEcsResults([r('ns1', EU[0]!, ['192.0.2.1'], {scope: 24}), r('ns1', EU[1]!, ['192.0.2.1'], {scope: 24, ecs: 'mismatch'})])
    expect(a.servers[0]!.behaviour).toBe('echo-mismatch')
    expect(a.servers[0]!.mismatched).toBe(1)
  })

  it('calls a server without echoes but with subnet-dependent answers tailored', () => {
    const a = analyseEcsResults([
      ...EU.map((s) => r('ns1', s, ['192.0.2.1'], {ecs: 'absent', scope: null})),
      ...US.map((s) => r('ns1', s, ['192.0.2.2'], {ecs: 'absent', scope: null})),
    ])
    expect(a.servers[0]!.behaviour).toBe('tailored')
    expect(a.servers[0]!.explanation).toMatch(/no reply echoed ECS/)
  })

  it('treats servers that each answer one thing, but differently, as uniform with a caveat', () => {
    const a = analyseEcsResults([...EU.map((s) => r('ns1', s, ['192.0.2.1'])), ...EU.map((s) => r('ns2', s, ['192.0.2.2']))])
    expect(a.policy.kind).toBe('uniform')
    expect(a.policy.caveats).toEqual(['servers of the zone return different answers; see disagreements'])
    expect(a.disagreements.map((d) => [d.kind, d.subnet])).toEqual([
      ['answers', '79.200.20.0/24'],
      ['answers', '90.20.30.0/24'],
    ])
  })

  it('is inconclusive without usable replies and keeps NXDOMAIN as an answer set', () => {
    const none = analyseEcsResults([r('ns1', EU[0]!, [], {rcode: 'REFUSED'})])
    expect(none.policy.kind).toBe('inconclusive')
    expect(none.servers[0]!.behaviour).toBe('inconclusive')
    expect(none.groups).toEqual([])

    const nx = analyseEcsResults([r('ns1', EU[0]!, [], {rcode: 'nxdomain', scope: 24}), r('ns1', US[0]!, ['192.0.2.1'], {scope: 24})])
    expect(nx.groups.map((g) => [g.rcode, g.answers, g.subnets])).toEqual([
      ['NOERROR', ['192.0.2.1'], ['73.162.32.0/24']],
      ['NXDOMAIN', [], ['79.200.20.0/24']],
    ])
    expect(nx.policy.kind).toBe('subnet-dependent')
  })
})
