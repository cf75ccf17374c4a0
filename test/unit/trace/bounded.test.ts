/**
 * Bounded against amplification (issue 18): NXNS-style referrals to many glueless NS names, many
 * NS names sharing one address, address lookups in unusable families, DNAME growth past 255
 * octets. Each test fails without the bound it names.
 */
import {describe, expect, it} from 'vitest'
import {rr, run, soa, type Handler} from './world.js'

const ROOT = '198.51.100.1'
const TLD = '198.51.100.10'
const VICTIM = '198.51.100.66'
const codes = (r: {problems: {code: string}[]}) => r.problems.map((p) => p.code)

/** The root: test. and victim. with glue; victim.'s server answers NXDOMAIN for everything. */
const root: Handler = (q) => {
  if (q === 'victim' || q.endsWith('.victim')) return {authorities: [rr('victim', 'NS', 'ns.victim')], additionals: [rr('ns.victim', 'A', VICTIM)]}
  return {authorities: [rr('test', 'NS', 'ns1.nic.test')], additionals: [rr('ns1.nic.test', 'A', TLD)]}
}
const victim: Handler = () => ({aa: true, rcode: 'NXDOMAIN', authorities: [soa('victim')]})
/** A TLD that delegates attack.test to `n` glueless NS names inside victim. */
const nxnsTld = (n: number): Handler => (q) =>
  q.endsWith('attack.test') ? {authorities: Array.from({length: n}, (_, i) => rr('attack.test', 'NS', `x${i}.victim`))} : {aa: true, rcode: 'NXDOMAIN', authorities: [soa('test')]}

describe('NXNS: glueless NS names resolved per delegation are capped', () => {
  it('150 glueless NS names cost 5 lookups, not 196 queries, and limit-glueless says so', () => {
    const {r, sent} = run({[ROOT]: root, [TLD]: nxnsTld(150), [VICTIM]: victim}, {name: 'www.attack.test'})
    const atVictim = sent.filter((q) => q.server.address === VICTIM)
    // Five names, A then AAAA each (NXDOMAIN for A does not end the AAAA lookup's walk here).
    expect(new Set(atVictim.map((q) => q.qname)).size).toBe(5)
    expect(atVictim.length).toBeLessThanOrEqual(10)
    expect(codes(r)).toContain('limit-glueless')
    expect(codes(r)).not.toContain('limit-queries')
    expect(r.problems.find((p) => p.code === 'limit-glueless')?.message).toMatch(/resolved 5 glueless NS names of attack\.test\. and left 145 more unresolved \(x5\.victim\. x6\.victim\. x7\.victim\. \.\.\.\): limit 5 per delegation \(--max-glueless\)/)
    expect(r.kind).not.toBe('answer')
  })

  it('the cap is a limit, changed with maxGlueless', () => {
    const {sent} = run({[ROOT]: root, [TLD]: nxnsTld(150), [VICTIM]: victim}, {name: 'www.attack.test', limits: {maxGlueless: 2}})
    expect(new Set(sent.filter((q) => q.server.address === VICTIM).map((q) => q.qname)).size).toBe(2)
  })

  it('a delegation within the cap is not reported', () => {
    const {r} = run({[ROOT]: root, [TLD]: nxnsTld(3), [VICTIM]: victim}, {name: 'www.attack.test'})
    expect(codes(r)).not.toContain('limit-glueless')
  })

  it('--all keeps a wider view within its own cap (20)', () => {
    const {r, sent} = run({[ROOT]: root, [TLD]: nxnsTld(150), [VICTIM]: victim}, {name: 'www.attack.test', all: true})
    expect(new Set(sent.filter((q) => q.server.address === VICTIM).map((q) => q.qname)).size).toBe(20)
    expect(codes(r)).toContain('limit-glueless')
  })

  it('a working glueless NS past the glued lame ones is still found', () => {
    const works: Handler = (q, t) => (t === 'A' && q === 'www.attack.test' ? {aa: true, answers: [rr(q, 'A', '192.0.2.1')]} : {aa: true, rcode: 'NXDOMAIN', authorities: [soa('attack.test')]})
    const tld: Handler = (q) => (q.endsWith('attack.test') ? {authorities: [rr('attack.test', 'NS', 'ns.good.victim')]} : null)
    const victimWithGood: Handler = (q, t) => (q === 'ns.good.victim' && t === 'A' ? {aa: true, answers: [rr(q, 'A', '192.0.2.53')]} : victim(q, t))
    const {r} = run({[ROOT]: root, [TLD]: tld, [VICTIM]: victimWithGood, '192.0.2.53': works}, {name: 'www.attack.test'})
    expect(r.kind).toBe('answer')
  })
})

describe('each address is asked once per zone', () => {
  it('100 NS names sharing one REFUSED address give one query to it', () => {
    const shared = '192.0.2.77'
    const tld: Handler = (q) =>
      q.endsWith('attack.test')
        ? {authorities: Array.from({length: 100}, (_, i) => rr('attack.test', 'NS', `ns${i}.attack.test`)), additionals: Array.from({length: 100}, (_, i) => rr(`ns${i}.attack.test`, 'A', shared))}
        : null
    const {r, sent} = run({[ROOT]: root, [TLD]: tld, [shared]: () => ({rcode: 'REFUSED'})}, {name: 'www.attack.test'})
    expect(sent.filter((q) => q.server.address === shared)).toHaveLength(1)
    expect(codes(r)).toContain('zone-unreachable')
  })
})

describe('NS addresses are looked up only in usable families', () => {
  const tld: Handler = (q) => (q.endsWith('attack.test') ? {authorities: [rr('attack.test', 'NS', 'ns.good.victim')]} : null)
  const victimGood: Handler = (q, t) => (q === 'ns.good.victim' ? {aa: true, answers: t === 'A' ? [rr(q, 'A', '192.0.2.53')] : [rr(q, 'AAAA', '2001:db8::53')]} : victim(q, t))
  const works: Handler = (q) => ({aa: true, answers: [rr(q, 'A', '192.0.2.1')]})
  it('-4 never asks AAAA for an NS name', () => {
    const {r, sent} = run({[ROOT]: root, [TLD]: tld, [VICTIM]: victimGood, '192.0.2.53': works}, {name: 'www.attack.test', family: 4})
    expect(r.kind).toBe('answer')
    expect([...new Set(sent.filter((q) => q.qname === 'ns.good.victim').map((q) => q.qtype))]).toEqual(['A'])
  })
  it('-6 never asks A for an NS name', () => {
    const {sent} = run({[ROOT]: root, [TLD]: tld, [VICTIM]: victimGood, '2001:db8::53': works}, {name: 'www.attack.test', family: 6, rootHints: [{name: 'a.root.test', address: ROOT}]})
    expect(sent.filter((q) => q.qname === 'ns.good.victim').map((q) => q.qtype)).not.toContain('A')
  })
})

describe('DNAME growth', () => {
  it('a substitution past 255 octets ends in dname-overflow and YXDOMAIN, with no query for the long name', () => {
    // qname: 3 labels of 40 + d.test (~130 octets); target: 3 labels of 60 (~183 octets).
    const long = ['a', 'b', 'c'].map((c) => c.repeat(40)).join('.')
    const target = ['x', 'y', 'z'].map((c) => c.repeat(60)).join('.') + '.test'
    const dzone: Handler = (q, t) => {
      const dname = rr('d.test', 'DNAME', target)
      return q.endsWith('.d.test') ? {aa: true, answers: [dname]} : {aa: true, answers: t === 'DNAME' ? [dname] : [], authorities: [soa('d.test')]}
    }
    const tld: Handler = (q) => (q.endsWith('d.test') ? {authorities: [rr('d.test', 'NS', 'ns.d.test')], additionals: [rr('ns.d.test', 'A', '192.0.2.40')]} : null)
    const {r, sent} = run({[ROOT]: root, [TLD]: tld, '192.0.2.40': dzone}, {name: `${long}.d.test`})
    expect(codes(r)).toContain('dname-overflow')
    expect(r.kind).toBe('error')
    expect(r.answer?.rcode).toBe('YXDOMAIN')
    expect(sent.every((q) => q.qname.length <= 253)).toBe(true)
  })
})
