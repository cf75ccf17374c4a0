/**
 * Trustworthy verdicts: a problem is a finding, not a stop, wherever a careful resolver
 * (Unbound) would still resolve; and bailiwick holes stay shut. Each test fails without the
 * engine or classifier behaviour it names.
 */
import {describe, expect, it} from 'vitest'
import {classifyResponse} from '../../../src/lib/trace/classify.js'
import {DelegationCache} from '../../../src/lib/trace/engine.js'
import {msg, rr, run, soa, type Handler, type Reply} from './world.js'

const ROOT = '198.51.100.1'
const TLD = '198.51.100.10'
const NET = '198.51.100.20'
/** The root: test. and net. with glue. */
const root: Handler = (q) => {
  if (q === 'net' || q.endsWith('.net')) return {authorities: [rr('net', 'NS', 'ns.nic.net')], additionals: [rr('ns.nic.net', 'A', NET)]}
  return {authorities: [rr('test', 'NS', 'ns1.nic.test')], additionals: [rr('ns1.nic.test', 'A', TLD)]}
}
/** example.test: www, and a delegated sub.example.test. */
const example: Handler = (q, t) => {
  if (q === 'www.example.test' && t === 'A') return {aa: true, answers: [rr(q, 'A', '192.0.2.80')]}
  if (q.endsWith('sub.example.test')) return {authorities: [rr('sub.example.test', 'NS', 'ns.sub.example.test')], additionals: [rr('ns.sub.example.test', 'A', '192.0.2.90')]}
  return {aa: true, rcode: 'NXDOMAIN', authorities: [soa('example.test')]}
}
const sub: Handler = (q, t) => (q === 'host.sub.example.test' && t === 'A' ? {aa: true, answers: [rr(q, 'A', '192.0.2.99')]} : {aa: true, rcode: 'NXDOMAIN', authorities: [soa('sub.example.test')]})
const referExample = (extra: Reply = {}): Reply => ({
  authorities: [rr('example.test', 'NS', 'ns1.example.test'), rr('example.test', 'NS', 'ns2.example.test')],
  additionals: [rr('ns1.example.test', 'A', '192.0.2.53'), rr('ns2.example.test', 'A', '192.0.2.54')],
  ...extra,
})
const tld: Handler = (q) => (q.endsWith('example.test') ? referExample() : {aa: true, rcode: 'NXDOMAIN', authorities: [soa('test')]})
/** net.: evil.net's server address, authoritatively. */
const net: Handler = (q, t) => {
  if (q === 'ns.evil.net' && t === 'A') return {aa: true, answers: [rr(q, 'A', '192.0.2.70')]}
  if (q === 'ns3.example.net' && t === 'A') return {aa: true, answers: [rr(q, 'A', '192.0.2.55')]}
  return {aa: true, rcode: 'NXDOMAIN', authorities: [soa('net')]}
}
const base: Record<string, Handler> = {[ROOT]: root, [TLD]: tld, [NET]: net, '192.0.2.53': example, '192.0.2.54': example, '192.0.2.90': sub}
const codes = (r: {problems: {code: string}[]}) => r.problems.map((p) => p.code)

describe('a referral with AA set is still a referral', () => {
  it('is followed, and aa-on-referral is a warning', () => {
    const {r} = run({...base, [TLD]: (q) => (q.endsWith('example.test') ? referExample({aa: true}) : null)}, {name: 'www.example.test'})
    expect(r.kind).toBe('answer')
    expect(r.answer).toMatchObject({authoritative: true, records: [expect.objectContaining({data: '192.0.2.80'})]})
    expect(codes(r)).toEqual(['aa-on-referral'])
    expect(r.problems[0]).toMatchObject({zone: 'test.', server: TLD})
  })

  it('classifies as a referral with a warning', () => {
    const c = classifyResponse(msg({aa: true, authorities: [rr('example.test', 'NS', 'ns.example.test')]}), 'test', 'www.example.test', 'A')
    expect(c).toMatchObject({kind: 'referral', child: 'example.test', warnings: [{code: 'aa-on-referral'}]})
  })
})

describe('a lame server costs that server only', () => {
  const refused: Handler = () => ({rcode: 'REFUSED'})
  const servfail: Handler = () => ({rcode: 'SERVFAIL'})
  const upward: Handler = () => ({authorities: [rr('test', 'NS', 'ns1.nic.test')]})
  const sideways: Handler = () => ({authorities: [rr('other.test', 'NS', 'ns.other.test')]})
  const noaa: Handler = (q, t) => ({...example(q, t), aa: false})
  const wrongType: Handler = (q) => ({aa: true, answers: [rr(q, 'TXT', ['not an address'])]})
  // Three NS names: two glued (lame in every way), one glueless in net. that works.
  const tld3: Handler = (q) =>
    q.endsWith('example.test')
      ? {
        authorities: ['ns1.example.test', 'ns2.example.test', 'ns3.example.net'].map((n) => rr('example.test', 'NS', n)),
        additionals: [rr('ns1.example.test', 'A', '192.0.2.53'), rr('ns1.example.test', 'AAAA', '2001:db8::53'), rr('ns2.example.test', 'A', '192.0.2.54')],
      }
      : null

  for (const [what, bad, code] of [
    ['REFUSED', refused, 'lame-refused'], ['SERVFAIL', servfail, 'lame-servfail'], ['an upward referral', upward, 'upward-referral'],
    ['a sideways referral', sideways, 'sideways-referral'], ['an answer without AA', noaa, 'lame-no-aa'], ['an unexpected record type', wrongType, 'lame-wrong-type'],
  ] as const) {
    it(`${what}: the next address, the next NS name, then the glueless NS name are tried`, () => {
      const {r, sent} = run({...base, [TLD]: tld3, '192.0.2.53': bad, '2001:db8::53': bad, '192.0.2.54': bad, '192.0.2.55': example}, {name: 'www.example.test'})
      expect(r.kind).toBe('answer')
      expect(r.answer).toMatchObject({authoritative: true, server: {name: 'ns3.example.net', address: '192.0.2.55'}})
      // Both families of ns1, then ns2, then ns3 after resolving its name in net.
      expect(sent.filter((q) => q.purpose === 'main' && q.zone === 'example.test').map((q) => q.server.address)).toEqual(['192.0.2.53', '2001:db8::53', '192.0.2.54', '192.0.2.55'])
      expect(sent.some((q) => q.purpose === 'ns-address' && q.qname === 'ns3.example.net')).toBe(true)
      expect(codes(r)).toContain(code)
      expect(codes(r)).not.toContain('zone-unreachable')
    })
  }

  it('-4 skips the IPv6 address of a lame server, and still finds the working one', () => {
    const {sent, r} = run({...base, [TLD]: tld3, '192.0.2.53': refused, '2001:db8::53': refused, '192.0.2.54': refused, '192.0.2.55': example}, {name: 'www.example.test', family: 4})
    expect(r.kind).toBe('answer')
    expect(sent.some((q) => q.server.address.includes(':'))).toBe(false)
  })

  it('zone-unreachable only when every server was tried, listing each and why', () => {
    const {r} = run({...base, [TLD]: tld3, '192.0.2.53': refused, '2001:db8::53': upward, '192.0.2.54': servfail, '192.0.2.55': () => null}, {name: 'www.example.test'})
    expect(r.kind).toBe('error')
    const z = r.problems.find((p) => p.code === 'zone-unreachable')!
    expect(z.zone).toBe('example.test.')
    expect(z.passedOver).toEqual([
      {server: 'ns1.example.test.', address: '192.0.2.53', reason: 'answered REFUSED'},
      {server: 'ns1.example.test.', address: '2001:db8::53', reason: 'upward referral to test from example.test'},
      {server: 'ns2.example.test.', address: '192.0.2.54', reason: 'answered SERVFAIL'},
      {server: 'ns3.example.net.', address: '192.0.2.55', reason: 'timeout'},
    ])
    expect(z.message).toMatch(/^no server of example\.test\. gave a usable answer for www\.example\.test\. A: ns1\.example\.test\. \(192\.0\.2\.53\) answered REFUSED; .*ns3\.example\.net\. \(192\.0\.2\.55\) timeout$/)
  })
})

describe('a CNAME or DNAME without AA from a parent is followed to the target', () => {
  // The TLD answers alias.test names itself, without AA (a cached or aggregated answer).
  const tldAlias: Handler = (q, t) => {
    if (q === 'www.alias.test') return {answers: [rr(q, 'CNAME', 'www.example.test')]}
    if (q === 'x.dn.test') return {answers: [rr('dn.test', 'DNAME', 'example.test'), rr(q, 'CNAME', 'x.example.test')]}
    if (q === 'gone.alias.test') return {rcode: 'NXDOMAIN', answers: [rr(q, 'CNAME', 'www.example.test')]}
    return tld(q, t)
  }

  it('CNAME: the target is resolved at its own servers; the answer says which parts were authoritative', () => {
    const {r, sent} = run({...base, [TLD]: tldAlias}, {name: 'www.alias.test'})
    expect(r.kind).toBe('answer')
    expect(r.answer!.records.map((x) => `${x.type} ${x.data}`)).toEqual(['CNAME www.example.test', 'A 192.0.2.80'])
    expect(r.answer!.sources.map((s) => s!.aa)).toEqual([false, true])
    expect(r.answer!.authoritative).toBe(false)
    expect(sent.at(-1)!.server.address).toMatch(/^192\.0\.2\.5[34]$/)
    expect(codes(r)).toContain('non-authoritative-alias')
    expect(codes(r)).not.toContain('zone-unreachable')
  })

  it('DNAME: the synthesized name is resolved at its own servers', () => {
    const {r} = run({...base, [TLD]: tldAlias}, {name: 'x.dn.test'})
    expect(r.answer!.records.map((x) => x.type)).toEqual(['DNAME', 'CNAME'])
    expect(r.kind).toBe('nxdomain')
    expect(r.answer!.zone).toBe('example.test.')
  })

  it('NXDOMAIN with a CNAME needs AA, as NOERROR does', () => {
    const c = classifyResponse(msg({rcode: 'NXDOMAIN', answers: [rr('a.test', 'CNAME', 'b.test')]}), 'test', 'a.test', 'A')
    expect(c).toMatchObject({kind: 'lame', code: 'lame-no-aa', follow: 'cname', target: 'b.test'})
    expect(classifyResponse(msg({aa: true, rcode: 'NXDOMAIN', answers: [rr('a.test', 'CNAME', 'b.test')]}), 'test', 'a.test', 'A')).toMatchObject({kind: 'cname'})
    const {r} = run({...base, [TLD]: tldAlias}, {name: 'gone.alias.test'})
    expect(r.kind).toBe('answer')
    expect(r.answer!.sources[0]!.aa).toBe(false)
  })
})

describe('priming', () => {
  it('a root NS set without AA is used, with a note, and no other root server is asked', () => {
    const noAaRoot: Handler = (q, t) => (q === '' && t === 'NS' ? {answers: [rr('', 'NS', 'a.root.test')], additionals: [rr('a.root.test', 'A', ROOT)]} : root(q, t))
    const hints = [{name: 'a.root.test', address: ROOT}, {name: 'b.root.test', address: '198.51.100.2'}]
    const {r, sent} = run({...base, [ROOT]: noAaRoot, '198.51.100.2': noAaRoot}, {name: 'www.example.test', prime: true, rootHints: hints})
    expect(r.kind).toBe('answer')
    expect(codes(r)).toEqual(['priming-no-aa'])
    expect(sent.filter((q) => q.purpose === 'prime')).toHaveLength(1)
  })
})

describe('bailiwick', () => {
  it('a DNAME owned above the zone asked is ignored and reported; the in-zone CNAME still counts', () => {
    const hostile: Handler = (q, t) =>
      q === 'www.example.test' ? {aa: true, answers: [rr('test', 'DNAME', 'evil.test'), rr(q, 'CNAME', 'host.sub.example.test')]} : example(q, t)
    const {r} = run({...base, '192.0.2.53': hostile, '192.0.2.54': hostile}, {name: 'www.example.test'})
    expect(codes(r)).toContain('out-of-bailiwick-dname')
    expect(r.answer!.records.map((x) => x.type)).toEqual(['CNAME', 'A'])
    expect(r.answer!.records.at(-1)!.data).toBe('192.0.2.99')
    const c = classifyResponse(msg({aa: true, answers: [rr('test', 'DNAME', 'evil.test'), rr('www.example.test', 'CNAME', 'www.example.evil.test')]}), 'example.test', 'www.example.test', 'A')
    expect(c).toMatchObject({kind: 'cname', target: 'www.example.evil.test', warnings: [{code: 'out-of-bailiwick-dname'}]})
  })

  it('a DNAME at or below the zone is taken', () => {
    const c = classifyResponse(msg({aa: true, answers: [rr('example.test', 'DNAME', 'other.test')]}), 'example.test', 'www.example.test', 'A')
    expect(c).toMatchObject({kind: 'dname', target: 'www.other.test'})
  })

  // example.test answers www CNAME host.sub.example.test and adds an A for the target, which
  // lives below a cut example.test delegates: that A is not its to give.
  const withTarget = (authorities: Reply['authorities'] = []): Handler => (q, t) =>
    q === 'www.example.test' ? {aa: true, answers: [rr(q, 'CNAME', 'host.sub.example.test'), rr('host.sub.example.test', 'A', '203.0.113.66')], authorities} : example(q, t)

  it('CNAME target data below a delegated cut (known to the walk) is not taken from the same reply', () => {
    const cache = new DelegationCache()
    cache.zones.set('sub.example.test', [{name: 'ns.sub.example.test', label: 'in-domain', addresses: ['192.0.2.90'], glue: ['192.0.2.90'], resolved: true}])
    const {r} = run({...base, '192.0.2.53': withTarget(), '192.0.2.54': withTarget()}, {name: 'www.example.test', cache})
    expect(r.answer!.records.map((x) => x.data)).toEqual(['host.sub.example.test', '192.0.2.99'])
  })

  it('CNAME target data below a cut the reply itself shows is not taken', () => {
    const h = withTarget([rr('sub.example.test', 'NS', 'ns.sub.example.test')])
    const {r} = run({...base, '192.0.2.53': h, '192.0.2.54': h}, {name: 'www.example.test'})
    expect(r.answer!.records.map((x) => x.data)).toEqual(['host.sub.example.test', '192.0.2.99'])
  })

  it('in-zone CNAME target data with no cut between is taken from the same reply', () => {
    const h: Handler = (q, t) => (q === 'alias.example.test' ? {aa: true, answers: [rr(q, 'CNAME', 'www.example.test'), rr('www.example.test', 'A', '192.0.2.80')]} : example(q, t))
    const {r, sent} = run({...base, '192.0.2.53': h, '192.0.2.54': h}, {name: 'alias.example.test'})
    expect(r.answer!.records.map((x) => x.data)).toEqual(['www.example.test', '192.0.2.80'])
    expect(sent.filter((q) => q.qname === 'www.example.test')).toHaveLength(0)
  })

  it('glue for an NS name outside the delegated zone\'s bailiwick is never used, and is reported', () => {
    // test. refers oob.test to ns.evil.net and offers "glue" for it: test. does not speak for net.
    const tldOob: Handler = (q, t) =>
      q.endsWith('oob.test') ? {authorities: [rr('oob.test', 'NS', 'ns.evil.net')], additionals: [rr('ns.evil.net', 'A', '203.0.113.66')]} : tld(q, t)
    const oob: Handler = (q) => ({aa: true, answers: [rr(q, 'A', '192.0.2.71')]})
    const {r, sent} = run({...base, [TLD]: tldOob, '192.0.2.70': oob, '203.0.113.66': oob}, {name: 'www.oob.test'})
    expect(sent.some((q) => q.server.address === '203.0.113.66')).toBe(false)
    expect(r.answer).toMatchObject({server: {name: 'ns.evil.net', address: '192.0.2.70'}})
    expect(r.problems).toContainEqual(expect.objectContaining({code: 'out-of-bailiwick-glue', zone: 'oob.test.', server: TLD, message: expect.stringContaining('ns.evil.net. A 203.0.113.66')}))
  })
})

describe('parent and child disagree about an NS name\'s address (Deckard iter_pcnamerec)', () => {
  const ROOT_ = '198.51.100.1'
  const COM = '198.51.100.30'
  const NET_ = '198.51.100.31'
  const GOOD = '192.0.2.44'
  const BAD = '192.0.2.55'
  const world: Record<string, Handler> = {
    [ROOT_]: (q) => (q.endsWith('.net') || q === 'net'
      ? {authorities: [rr('net', 'NS', 'e.gtld.test')], additionals: [rr('e.gtld.test', 'A', NET_)]}
      : {authorities: [rr('com', 'NS', 'a.gtld.test')], additionals: [rr('a.gtld.test', 'A', COM)]}),
    [COM]: () => ({authorities: [rr('example.com', 'NS', 'ns.example.com'), rr('example.com', 'NS', 'ns.example.net')], additionals: [rr('ns.example.com', 'A', BAD)]}),
    [NET_]: () => ({authorities: [rr('example.net', 'NS', 'ns.example.net')], additionals: [rr('ns.example.net', 'A', GOOD)]}),
    // The child says ns.example.net is the broken server; the parent's glue says the good one.
    [GOOD]: (q, t) => (q === 'ns.example.net' ? {aa: true, answers: t === 'A' ? [rr(q, 'A', BAD)] : []} : q === 'www.example.com' ? {aa: true, answers: [rr(q, 'A', '10.20.30.40')]} : {aa: true, rcode: 'NXDOMAIN'}),
    [BAD]: () => ({rcode: 'SERVFAIL'}),
  }
  it('the parent\'s glue address is tried after the child\'s, and the disagreement reported', () => {
    const {r} = run(world, {name: 'www.example.com'})
    expect(r.kind).toBe('answer')
    expect(r.answer).toMatchObject({server: {address: GOOD}})
    expect(codes(r)).toContain('ns-address-from-glue')
    expect(r.problems.find((p) => p.code === 'ns-address-from-glue')?.message).toBe(`NS ns.example.net. resolves to ${BAD}, but a referral's glue says ${GOOD}: both are tried`)
  })
})

describe('a negative answer without AA (Deckard val_nx)', () => {
  it('is kept as a last resort when it carries the zone\'s own SOA, reported as non-authoritative', () => {
    const noaaNx: Handler = (q) => (q === 'www.example.test' ? {rcode: 'NXDOMAIN', authorities: [soa('example.test')]} : null)
    const {r} = run({...base, '192.0.2.53': noaaNx, '192.0.2.54': noaaNx}, {name: 'www.example.test'})
    expect(r.kind).toBe('nxdomain')
    expect(r.answer).toMatchObject({rcode: 'NXDOMAIN', authoritative: false})
    expect(codes(r)).toContain('non-authoritative-answer')
  })

  it('is not taken with another zone\'s SOA', () => {
    const upward: Handler = () => ({rcode: 'NXDOMAIN', authorities: [soa('test')]})
    const {r} = run({...base, '192.0.2.53': upward, '192.0.2.54': upward}, {name: 'www.example.test'})
    expect(r.kind).toBe('error')
  })
})
