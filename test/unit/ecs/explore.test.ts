import {describe, expect, it} from 'vitest'
import {Explorer, type ExplorerReply} from '../../../src/lib/ecs/explore.js'
import {subnetContains, subnetRange} from '../../../src/lib/net/cidr.js'

type Oracle = (address: string, sourcePrefix: number) => ExplorerReply

/**
 * A geo-DNS server: regions are CIDRs; a query is answered from the most specific region
 * containing its network address, with scope = that region's prefix length.
 */
function geoOracle(regions: Array<[string, string]>): Oracle {
  return (address) => {
    const hit = regions
      .filter(([cidr]) => subnetContains(cidr, address))
      .sort((a, b) => subnetRange(b[0]).prefix - subnetRange(a[0]).prefix)[0]
    if (!hit) throw new Error(`oracle has no region for ${address}`)
    return {answers: [hit[1]], scope: subnetRange(hit[0]).prefix}
  }
}

/** Runs the explorer sequentially against an oracle; returns the subnets queried. */
function drive(ex: Explorer, oracle: Oracle): string[] {
  const sent: string[] = []
  for (let q = ex.next(); q; q = ex.next()) {
    sent.push(q.subnet)
    expect(q.sourcePrefix).toBe(Number(q.subnet.split('/')[1]))
    ex.report(q.subnet, oracle(q.address, q.sourcePrefix))
  }
  return sent
}

describe('Explorer with trusted scopes', () => {
  it('splits where the server asks for more bits and merges equal neighbours', () => {
    const ex = new Explorer('10.0.0.0/16')
    const sent = drive(
      ex,
      geoOracle([
        ['10.0.0.0/17', 'A'],
        ['10.0.128.0/18', 'B'],
        ['10.0.192.0/19', 'A'],
        ['10.0.224.0/19', 'A'],
      ]),
    )
    expect(sent).toEqual(['10.0.0.0/16', '10.0.0.0/17', '10.0.128.0/17', '10.0.128.0/18', '10.0.192.0/18', '10.0.192.0/19', '10.0.224.0/19'])
    expect(ex.map()).toEqual([
      {cidr: '10.0.0.0/17', answers: ['A']},
      {cidr: '10.0.128.0/18', answers: ['B']},
      {cidr: '10.0.192.0/18', answers: ['A']},
    ])
    expect(ex.stats()).toEqual({queries: 7, coveredFraction: 1, limitHit: false, outstanding: 0, failed: 0, inconsistencies: 0, scopeBeyondLimit: 0})
    expect(ex.done).toBe(true)
    expect(ex.unexplored()).toEqual([])
  })

  it('skips space already covered by a wide scope (ECSplorer sweep at /24)', () => {
    // Scope /20 everywhere; the answer only changes every /18.
    const oracle: Oracle = (address) => {
      const third = Number(address.split('.')[2])
      return {answers: [`pop-${third >> 6}`], scope: 20}
    }
    const ex = new Explorer('10.0.0.0/16', {startPrefix: 24})
    const sent = drive(ex, oracle)
    expect(sent).toHaveLength(16)
    expect(sent.slice(0, 3)).toEqual(['10.0.0.0/24', '10.0.16.0/24', '10.0.32.0/24'])
    expect(ex.map()).toEqual([
      {cidr: '10.0.0.0/18', answers: ['pop-0']},
      {cidr: '10.0.64.0/18', answers: ['pop-1']},
      {cidr: '10.0.128.0/18', answers: ['pop-2']},
      {cidr: '10.0.192.0/18', answers: ['pop-3']},
    ])
    expect(ex.stats().coveredFraction).toBe(1)
  })

  it('needs one query when the answer is global (scope 0)', () => {
    const ex = new Explorer('10.0.0.0/8')
    expect(drive(ex, () => ({answers: ['192.0.2.1', '192.0.2.1'], scope: 0}))).toEqual(['10.0.0.0/8'])
    expect(ex.map()).toEqual([{cidr: '10.0.0.0/8', answers: ['192.0.2.1']}])
  })

  it('explores IPv6 ranges', () => {
    const ex = new Explorer('2001:db8::/32')
    const sent = drive(
      ex,
      geoOracle([
        ['2001:db8::/34', 'eu'],
        ['2001:db8:4000::/34', 'eu'],
        ['2001:db8:8000::/33', 'us'],
      ]),
    )
    // The reply for 2001:db8:8000::/34 has scope /33, which also covers 2001:db8:c000::/34.
    expect(sent).toEqual(['2001:db8::/32', '2001:db8::/34', '2001:db8:4000::/34', '2001:db8:8000::/34'])
    expect(ex.map()).toEqual([
      {cidr: '2001:db8::/33', answers: ['eu']},
      {cidr: '2001:db8:8000::/33', answers: ['us']},
    ])
  })

  it('never exceeds maxQueries and says so', () => {
    const ex = new Explorer('10.0.0.0/16', {maxQueries: 10, startPrefix: 24})
    const sent = drive(ex, (address) => ({answers: [address], scope: 24}))
    expect(sent).toHaveLength(10)
    expect(sent[9]).toBe('10.0.9.0/24')
    const st = ex.stats()
    expect(st.queries).toBe(10)
    expect(st.limitHit).toBe(true)
    expect(st.coveredFraction).toBeCloseTo(10 / 256, 12)
    expect(ex.next()).toBeNull()
    expect(ex.done).toBe(true)
    expect(ex.unexplored()).toEqual(['10.0.10.0/23', '10.0.12.0/22', '10.0.16.0/20', '10.0.32.0/19', '10.0.64.0/18', '10.0.128.0/17'])
    expect(ex.map()[0]).toEqual({cidr: '10.0.0.0/24', answers: ['10.0.0.0']})
  })

  it('with maxQueries 0 sends nothing', () => {
    const ex = new Explorer('10.0.0.0/16', {maxQueries: 0})
    expect(ex.next()).toBeNull()
    expect(ex.stats()).toMatchObject({queries: 0, limitHit: true, coveredFraction: 0})
  })

  it('stops splitting at minPrefix and keeps the answer', () => {
    const ex = new Explorer('10.0.0.0/23', {minPrefix: 24})
    const sent = drive(ex, (address) => ({answers: [address === '10.0.0.0' ? 'A' : 'B'], scope: 28}))
    expect(sent).toEqual(['10.0.0.0/23', '10.0.0.0/24', '10.0.1.0/24'])
    expect(ex.map()).toEqual([
      {cidr: '10.0.0.0/24', answers: ['A']},
      {cidr: '10.0.1.0/24', answers: ['B']},
    ])
    expect(ex.stats().scopeBeyondLimit).toBe(2)
  })

  it('keeps the first answer when a later scope claims answered space', () => {
    const ex = new Explorer('10.0.0.0/22', {startPrefix: 24})
    const replies: ExplorerReply[] = [
      {answers: ['A'], scope: 24},
      {answers: ['B'], scope: 22},
    ]
    const sent = drive(ex, () => replies.shift()!)
    expect(sent).toEqual(['10.0.0.0/24', '10.0.1.0/24'])
    expect(ex.map()).toEqual([
      {cidr: '10.0.0.0/24', answers: ['A']},
      {cidr: '10.0.1.0/24', answers: ['B']},
      {cidr: '10.0.2.0/23', answers: ['B']},
    ])
    expect(ex.stats().inconsistencies).toBe(1)
  })
})

describe('Explorer with untrusted scopes', () => {
  it('bisects between differing neighbours down to minPrefix', () => {
    // Scope is always 0 (a scope0-but-differs server); the answer changes at 10.0.37.0.
    const boundary = subnetRange('10.0.37.0').first
    const oracle: Oracle = (address) => ({answers: [subnetRange(address).first < boundary ? 'A' : 'B'], scope: 0})
    const ex = new Explorer('10.0.0.0/16', {trustScope: false})
    expect(ex.startPrefix).toBe(20)
    const sent = drive(ex, oracle)
    expect(sent).toHaveLength(32)
    expect(sent.slice(16, 20)).toEqual(['10.0.32.0/21', '10.0.40.0/21', '10.0.48.0/21', '10.0.56.0/21'])
    expect(sent.slice(-4)).toEqual(['10.0.36.0/24', '10.0.37.0/24', '10.0.38.0/24', '10.0.39.0/24'])
    expect(ex.map()).toEqual([
      {cidr: '10.0.0.0/19', answers: ['A']},
      {cidr: '10.0.32.0/22', answers: ['A']},
      {cidr: '10.0.36.0/24', answers: ['A']},
      {cidr: '10.0.37.0/24', answers: ['B']},
      {cidr: '10.0.38.0/23', answers: ['B']},
      {cidr: '10.0.40.0/21', answers: ['B']},
      {cidr: '10.0.48.0/20', answers: ['B']},
      {cidr: '10.0.64.0/18', answers: ['B']},
      {cidr: '10.0.128.0/17', answers: ['B']},
    ])
    expect(ex.stats()).toMatchObject({queries: 32, coveredFraction: 1, limitHit: false})
  })

  it('reports the limit when bisection is cut short', () => {
    const boundary = subnetRange('10.0.37.0').first
    const ex = new Explorer('10.0.0.0/16', {trustScope: false, maxQueries: 20})
    drive(ex, (address) => ({answers: [subnetRange(address).first < boundary ? 'A' : 'B'], scope: 0}))
    // Everything has an answer after the first pass; the cap only leaves the boundary coarse (/21).
    expect(ex.stats()).toMatchObject({queries: 20, limitHit: true, coveredFraction: 1})
    expect(ex.map().slice(0, 3)).toEqual([
      {cidr: '10.0.0.0/19', answers: ['A']},
      {cidr: '10.0.32.0/21', answers: ['A']},
      {cidr: '10.0.40.0/21', answers: ['B']},
    ])
  })

  it('keeps coarse answers for blocks whose refinement was cut off', () => {
    const boundary = subnetRange('10.0.37.0').first
    const ex = new Explorer('10.0.0.0/16', {trustScope: false, maxQueries: 18})
    drive(ex, (address) => ({answers: [subnetRange(address).first < boundary ? 'A' : 'B'], scope: 0}))
    // 16 + 2: 10.0.32.0/20 was re-queried as two /21s, 10.0.48.0/20 keeps its first answer.
    expect(ex.stats()).toMatchObject({queries: 18, limitHit: true, coveredFraction: 1})
    expect(ex.unexplored()).toEqual([])
    expect(ex.map().slice(0, 4)).toEqual([
      {cidr: '10.0.0.0/19', answers: ['A']},
      {cidr: '10.0.32.0/21', answers: ['A']},
      {cidr: '10.0.40.0/21', answers: ['B']},
      {cidr: '10.0.48.0/20', answers: ['B']},
    ])
  })
})

describe('Explorer protocol', () => {
  it('allows several queries in flight and rejects unknown reports', () => {
    const ex = new Explorer('10.0.0.0/23', {startPrefix: 24})
    const a = ex.next()!
    const b = ex.next()!
    expect([a.subnet, b.subnet]).toEqual(['10.0.0.0/24', '10.0.1.0/24'])
    expect(ex.next()).toBeNull()
    expect(ex.done).toBe(false)
    expect(() => ex.report('10.0.5.0/24', {answers: [], scope: 24})).toThrow(/not an outstanding query/)
    ex.report(b.subnet, {answers: ['B'], scope: 24})
    ex.reportFailure(a.subnet)
    expect(ex.done).toBe(true)
    expect(ex.stats()).toMatchObject({queries: 2, failed: 1, outstanding: 0, coveredFraction: 0.5})
    expect(ex.unexplored()).toEqual(['10.0.0.0/24'])
  })

  it('validates its arguments', () => {
    expect(() => new Explorer('10.0.0.0')).toThrow(/missing prefix length/)
    expect(() => new Explorer('10.0.0.0/8', {minPrefix: 33})).toThrow(/minPrefix must be an integer between 0 and 32/)
    expect(() => new Explorer('10.0.0.0/8', {maxQueries: -1})).toThrow(/maxQueries/)
    expect(new Explorer('10.1.2.3/8').range).toBe('10.0.0.0/8')
    expect(new Explorer('2001:db8::/32').minPrefix).toBe(56)
  })
})
