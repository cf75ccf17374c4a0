import {describe, expect, it} from 'vitest'
import {DelegationCache, traceEngine, type TraceResult} from '../../../src/lib/trace/engine.js'
import {classifyResponse} from '../../../src/lib/trace/classify.js'

import {msg, rr, run as runWorld, soa, type Handler} from './world.js'

const run = (world: Record<string, Handler>, opts: Parameters<typeof runWorld>[1] & {type?: string}): TraceResult => runWorld(world, opts).r

// root → test. (glue) → example.test (glue) ; other.test glueless via example.test names
const root: Handler = (q) => {
  if (q === 'test' || q.endsWith('.test')) {
    return {authorities: [rr('test', 'NS', 'ns1.nic.test')], additionals: [rr('ns1.nic.test', 'A', '198.51.100.10'), rr('www.example.test', 'A', '203.0.113.66')]}
  }
  return {aa: true, rcode: 'NXDOMAIN', authorities: [soa('')]}
}
const tld: Handler = (q) => {
  if (q.endsWith('example.test') || q === 'example.test') return {authorities: [rr('example.test', 'NS', 'ns1.example.test'), rr('example.test', 'NS', 'ns2.example.test')], additionals: [rr('ns1.example.test', 'A', '192.0.2.53'), rr('ns2.example.test', 'A', '192.0.2.54')]}
  if (q.endsWith('other.test')) return {authorities: [rr('other.test', 'NS', 'ns1.example.test')]}
  if (q.endsWith('nogl.test')) return {authorities: [rr('nogl.test', 'NS', 'ns1.nogl.test')]}
  if (q.endsWith('loop.test')) {
    const zone = q.endsWith('a.loop.test') ? 'a.loop.test' : 'b.loop.test'
    return {authorities: [rr(zone, 'NS', zone === 'a.loop.test' ? 'ns.b.loop.test' : 'ns.a.loop.test')]}
  }
  return {aa: true, rcode: 'NXDOMAIN', authorities: [soa('test')]}
}
const example: Handler = (q, t) => {
  if (q === 'www.example.test' && t === 'A') return {aa: true, answers: [rr('www.example.test', 'A', '192.0.2.10')]}
  if (q === 'ns1.example.test' && t === 'A') return {aa: true, answers: [rr('ns1.example.test', 'A', '192.0.2.53')]}
  if (q === 'alias.example.test') return {aa: true, answers: [rr('alias.example.test', 'CNAME', 'web.other.test')]}
  if (q === 'self.example.test') return {aa: true, answers: [rr('self.example.test', 'CNAME', 'self.example.test')]}
  if (q === 'web.other.test' && t === 'A') return {aa: true, answers: [rr('web.other.test', 'A', '192.0.2.80')]}
  if (q.endsWith('other.test')) return {aa: true, authorities: [soa('other.test')]}
  if (q === 'www.example.test') return {aa: true, authorities: [soa('example.test')]}
  return {aa: true, rcode: 'NXDOMAIN', authorities: [soa('example.test')]}
}
const refused: Handler = () => ({rcode: 'REFUSED'})

const world = {'198.51.100.1': root, '198.51.100.10': tld, '192.0.2.53': example, '192.0.2.54': example}

describe('trace engine', () => {
  it('follows referrals with glue to an authoritative answer', () => {
    const r = run(world, {name: 'www.example.test'})
    expect(r.kind).toBe('answer')
    expect(r.answer).toMatchObject({authoritative: true, rcode: 'NOERROR', server: {address: '192.0.2.53'}})
    expect(r.answer!.records.map((x: any) => x.data)).toEqual(['192.0.2.10'])
    expect(r.steps.map((s) => [s.zone, s.kind])).toEqual([['', 'referral'], ['test', 'referral'], ['example.test', 'answer']])
    expect(r.steps[1].referral?.ns.map((n) => n.label)).toEqual(['in-domain', 'in-domain'])
  })

  it('never uses an additional record that is not glue, and reports it', () => {
    // The root's referral to test. carries www.example.test A 203.0.113.66: inside the root's
    // bailiwick, but not the address of any NS in the referral. It must not become the answer,
    // and the trace must say it was ignored.
    const r = run(world, {name: 'www.example.test'})
    expect(r.answer!.records.map((x: any) => x.data)).toEqual(['192.0.2.10'])
    const p = r.problems.filter((x) => /203\.0\.113\.66/.test(x.message))
    expect(p).toEqual([expect.objectContaining({code: 'unrelated-additional', zone: 'test.', server: '198.51.100.1'})])
    expect(p[0]!.message).toBe('ignored www.example.test. A 203.0.113.66 in the referral to test.: not the address of any NS it names')
  })

  it('follows a CNAME across zones, resolving a glueless NS in a nested sub-trace', () => {
    const r = run(world, {name: 'alias.example.test'})
    expect(r.kind).toBe('answer')
    expect(r.answer!.records.map((x: any) => `${x.type} ${x.data}`)).toEqual(['CNAME web.other.test', 'A 192.0.2.80'])
    // other.test's NS ns1.example.test had no glue: a sub-trace at depth 1 looked it up (or the cache did).
    const refer = r.steps.find((s) => s.referral?.zone === 'other.test.')
    expect(refer?.referral?.ns[0]).toMatchObject({name: 'ns1.example.test.', label: 'glueless'})
    expect(r.stats.cnames).toBe(1)
  })

  it('moves to the next server when one is lame, and reports it', () => {
    const r = run({...world, '192.0.2.53': refused}, {name: 'www.example.test'})
    expect(r.answer?.server?.address).toBe('192.0.2.54')
    expect(r.problems).toContainEqual(expect.objectContaining({code: 'lame-refused', server: '192.0.2.53', zone: 'example.test.'}))
  })

  it('reports a dead server (timeout) and continues', () => {
    const r = run({...world, '192.0.2.53': () => null}, {name: 'www.example.test'})
    expect(r.answer?.authoritative).toBe(true)
    expect(r.problems.map((p) => p.code)).toContain('server-timeout')
  })

  it('fails with every server of a zone dead', () => {
    const r = run({...world, '192.0.2.53': () => null, '192.0.2.54': () => null}, {name: 'www.example.test'})
    expect(r.kind).toBe('error')
    expect(r.problems.map((p) => p.code)).toContain('zone-unreachable')
  })

  it('calls an in-domain NS without glue a dead end', () => {
    const r = run(world, {name: 'x.nogl.test'})
    expect(r.kind).toBe('error')
    expect(r.problems.map((p) => p.code)).toContain('in-domain-ns-without-glue')
  })

  it('detects a glueless delegation loop', () => {
    const r = run(world, {name: 'x.a.loop.test'})
    expect(r.kind).toBe('error')
    expect(r.problems.map((p) => p.code)).toContain('ns-loop')
  })

  it('detects a CNAME loop', () => {
    const r = run(world, {name: 'self.example.test'})
    expect(r.kind).toBe('error')
    expect(r.problems.map((p) => p.code)).toContain('cname-loop')
  })

  it('gives NXDOMAIN and NODATA with authority', () => {
    expect(run(world, {name: 'nope.example.test'})).toMatchObject({kind: 'nxdomain', answer: {rcode: 'NXDOMAIN', authoritative: true}})
    expect(run(world, {name: 'www.example.test', type: 'MX'})).toMatchObject({kind: 'nodata', answer: {rcode: 'NOERROR', authoritative: true}})
  })

  it('stops at the query limit and says so', () => {
    const r = run(world, {name: 'www.example.test', limits: {maxQueries: 2}})
    expect(r.stats.limitHit).toBe('queries')
    expect(r.problems.map((p) => p.code)).toContain('limit-queries')
    expect(r.steps).toHaveLength(2)
  })

  it('queries only the chosen family', () => {
    const r = run({...world}, {name: 'www.example.test', family: 6})
    expect(r.kind).toBe('error')
    expect(r.stats.queries).toBe(0)
  })

  it('--all queries every server of a cut and reports disagreement', () => {
    const other: Handler = (q, t) => (q === 'www.example.test' && t === 'A' ? {aa: true, answers: [rr(q, 'A', '192.0.2.99')]} : example(q, t))
    const r = run({...world, '192.0.2.54': other}, {name: 'www.example.test', all: true})
    expect(r.problems.map((p) => p.code)).toContain('servers-disagree')
    expect(r.servers.map((s) => s.address)).toEqual(expect.arrayContaining(['192.0.2.53', '192.0.2.54']))
  })

  it('shares a delegation cache between traces', () => {
    const cache = new DelegationCache()
    const a = run(world, {name: 'www.example.test', cache})
    const b = run(world, {name: 'nope.example.test', cache})
    expect(a.stats.queries).toBe(3)
    expect(b.stats.queries).toBe(1)
  })
})

describe('classifyResponse', () => {
  it('names lame responses', () => {
    expect(classifyResponse(msg({rcode: 'SERVFAIL'}), 'test', 'x.test', 'A')).toMatchObject({kind: 'lame', code: 'lame-servfail'})
    expect(classifyResponse(msg({answers: [rr('x.test', 'A', '1.2.3.4')]}), 'test', 'x.test', 'A')).toMatchObject({kind: 'lame', code: 'lame-no-aa'})
    expect(classifyResponse(msg({}), 'test', 'x.test', 'A')).toMatchObject({kind: 'lame', code: 'lame-no-aa'})
  })

  it('tells upward, sideways and AA referrals from good ones', () => {
    const up = msg({authorities: [rr('test', 'NS', 'ns.test')]})
    expect(classifyResponse(up, 'example.test', 'www.example.test', 'A')).toMatchObject({kind: 'lame', code: 'upward-referral'})
    const side = msg({authorities: [rr('other.test', 'NS', 'ns.other.test')]})
    expect(classifyResponse(side, 'test', 'www.example.test', 'A')).toMatchObject({kind: 'lame', code: 'sideways-referral'})
    const aa = msg({aa: true, authorities: [rr('example.test', 'NS', 'ns.example.test')]})
    expect(classifyResponse(aa, 'test', 'www.example.test', 'A')).toMatchObject({kind: 'referral', warnings: [{code: 'aa-on-referral'}]})
    const good = msg({authorities: [rr('example.test', 'NS', 'ns.example.test')]})
    expect(classifyResponse(good, 'test', 'www.example.test', 'A')).toMatchObject({kind: 'referral', child: 'example.test', ns: ['ns.example.test']})
  })

  it('synthesises the DNAME target', () => {
    const d = msg({aa: true, answers: [rr('old.test', 'DNAME', 'new.test')]})
    expect(classifyResponse(d, 'old.test', 'www.old.test', 'A')).toMatchObject({kind: 'dname', target: 'www.new.test'})
  })
})

describe('QNAME minimisation (RFC 9156)', () => {
  it('reveals one label per cut with QTYPE A and still gets the answer', () => {
    const seen: string[] = []
    const spy = (h: Handler): Handler => (q, t) => {
      seen.push(`${q}/${t}`)
      return h(q, t)
    }
    const r = run({'198.51.100.1': spy(root), '198.51.100.10': spy(tld), '192.0.2.53': spy(example), '192.0.2.54': spy(example)}, {name: 'www.example.test', qmin: true})
    expect(r.answer?.records.map((x: any) => x.data)).toEqual(['192.0.2.10'])
    expect(seen).toEqual(['test/A', 'example.test/A', 'www.example.test/A'])
  })

  it('falls back to the full name when a minimised query fails', () => {
    const brokenTld: Handler = (q, t) => (q === 'example.test' ? {rcode: 'REFUSED'} : tld(q, t))
    const r = run({...world, '198.51.100.10': brokenTld}, {name: 'www.example.test', qmin: true})
    expect(r.answer?.records.map((x: any) => x.data)).toEqual(['192.0.2.10'])
    expect(r.problems.map((p) => p.code)).toContain('qmin-fallback')
  })
})

describe('priming (RFC 9609)', () => {
  const primingRoot: Handler = (q, t) =>
    q === '' && t === 'NS'
      ? {aa: true, answers: [rr('', 'NS', 'a.root.test')], additionals: [rr('a.root.test', 'A', '198.51.100.1')]}
      : root(q, t)

  it('sends the first root question alongside the priming query, saving a round trip', () => {
    const batches: string[][] = []
    const gen = traceEngine({name: 'www.example.test', type: 'A', rootHints: [{name: 'a.root.test', address: '198.51.100.1'}], family: 'both', now: () => 0})
    const w: Record<string, Handler> = {...world, '198.51.100.1': primingRoot}
    let r = gen.next()
    while (!r.done) {
      batches.push(r.value.map((q) => `${q.purpose}:${q.qname || '.'}/${q.qtype}`))
      r = gen.next(r.value.map((q) => ({message: msg(w[q.server.address](q.qname, q.qtype) as any), error: null, rttMs: 5, transport: 'udp' as const, transportReason: 'udp'})))
    }
    expect(batches[0]).toEqual(['prime:./NS', 'main:www.example.test/A'])
    expect(batches).toHaveLength(3)
    expect(r.value.steps.map((s) => `${s.purpose}:${s.kind}`)).toEqual(['prime:answer', 'main:referral', 'main:referral', 'main:answer'])
    expect(r.value.stats.queries).toBe(4)
    expect(r.value.answer?.records.map((x: any) => x.data)).toEqual(['192.0.2.10'])
  })

  it('still asks again when the riding question got no reply', () => {
    let asked = 0
    const flaky: Handler = (q, t) => {
      if (q === 'www.example.test' && ++asked === 1) return null
      return primingRoot(q, t)
    }
    const r = run({...world, '198.51.100.1': flaky}, {name: 'www.example.test', prime: true})
    expect(r.answer?.records.map((x: any) => x.data)).toEqual(['192.0.2.10'])
    expect(asked).toBe(2)
  })
})

describe('NS labels', () => {
  it('calls an NS in a sibling zone with glue from the parent "sibling", and uses that glue', () => {
    const sibTld: Handler = (q, t) => (q.endsWith('sib.test') ? {authorities: [rr('sib.test', 'NS', 'ns1.example.test')], additionals: [rr('ns1.example.test', 'A', '192.0.2.53')]} : tld(q, t))
    const sibServer: Handler = (q) => (q === 'www.sib.test' ? {aa: true, answers: [rr(q, 'A', '192.0.2.77')]} : {aa: true, rcode: 'NXDOMAIN', authorities: [soa('sib.test')]})
    const r = run({...world, '198.51.100.10': sibTld, '192.0.2.53': sibServer}, {name: 'www.sib.test'})
    expect(r.steps.find((s) => s.referral?.zone === 'sib.test.')?.referral?.ns).toEqual([{name: 'ns1.example.test.', label: 'sibling', glue: ['192.0.2.53']}])
    expect(r.stats.nsLookups).toBe(0)
    expect(r.answer?.records.map((x: any) => x.data)).toEqual(['192.0.2.77'])
  })
})

describe('per-record provenance', () => {
  it('marks every record of the answer chain with the AA flag and the server that gave it', () => {
    const r = run(world, {name: 'alias.example.test'})
    expect(r.answer?.sources.map((s) => `${s?.aa} ${s?.server.address}`)).toEqual(['true 192.0.2.53', 'true 192.0.2.53'])
  })

  it('marks a non-authoritative fallback answer as such', () => {
    const noaa: Handler = (q, t) => (q === 'www.example.test' ? {aa: false, answers: [rr(q, 'A', '192.0.2.10')]} : example(q, t))
    const r = run({...world, '192.0.2.53': noaa, '192.0.2.54': noaa}, {name: 'www.example.test'})
    expect(r.answer?.authoritative).toBe(false)
    expect(r.answer?.sources[0]?.aa).toBe(false)
  })
})
