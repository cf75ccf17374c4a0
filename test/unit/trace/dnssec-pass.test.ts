/**
 * The DNSSEC pass of `trace --dnssec` (issue 17), driven by hand over zones signed in the test:
 * anchors below the root and several at once, "indeterminate" where nothing is proven, the
 * signer's zone rather than the zone asked, non-AA answers validated, validation at a given time
 * and signature expiry.
 */
import {describe, expect, it} from 'vitest'
import type {DsRecord, Rr} from '../../../src/lib/dns/record.js'
import {generateKey, makeDs, signZone} from '../../../src/lib/dnssec/index.js'
import {dnssecPass, type DnssecReport} from '../../../src/lib/trace/dnssec.js'
import {DelegationCache, type TraceOutcome, type TraceQuery, type TraceResult, type TraceStep} from '../../../src/lib/trace/engine.js'
import {Responder, zone} from '../dnssec/helpers.js'
import {msg} from './world.js'

const NOW = 1_750_000_000
const DAY = 86400
const ROOT = '198.51.100.1'
const TLD = '198.51.100.10'

const rootKsk = generateKey(13, 257)
const testKsk = generateKey(13, 257)
const secKsk = generateKey(13, 257)
const sign = (origin: string, text: string, ksk: typeof rootKsk, extra: Rr[] = [], expiration = NOW + 30 * DAY) =>
  signZone(origin, [...zone(text), ...extra], {ksk, nsec: 'nsec', now: NOW, expiration})

const rootRecords = sign('.', `
  . 86400 IN SOA ns.root. admin.root. 1 7200 3600 1209600 300
  . 86400 IN NS a.root.
  test. 86400 IN NS ns.test.
  ns.test. 86400 IN A ${TLD}`, rootKsk, [makeDs('test', testKsk, 2, 86400)])
/** test. delegates sec.test. to the same server (one server serves parent and child). */
const testRecords = (expiration?: number) => sign('test', `
  test. 3600 IN SOA ns.test. admin.test. 1 7200 3600 1209600 300
  test. 3600 IN NS ns.test.
  ns.test. 3600 IN A ${TLD}
  www.test. 3600 IN A 192.0.2.80
  sec.test. 3600 IN NS ns.test.`, testKsk, [makeDs('sec.test', secKsk)], expiration)
const secRecords = sign('sec.test', `
  sec.test. 3600 IN SOA ns.test. admin.test. 1 7200 3600 1209600 300
  sec.test. 3600 IN NS ns.test.
  api.sec.test. 3600 IN AAAA 2001:db8::443`, secKsk)

const anchor = (name: string, ksk: typeof rootKsk): DsRecord => makeDs(name, ksk) as DsRecord

/** The servers: the root, and TLD serving test. and sec.test. (the deepest zone for a name, the parent for DS). */
function world(test = testRecords()) {
  const zones = [new Responder('.', rootRecords), new Responder('test', test), new Responder('sec.test', secRecords)]
  const at: Record<string, Responder[]> = {[ROOT]: [zones[0]!], [TLD]: [zones[1]!, zones[2]!]}
  const queries: TraceQuery[] = []
  const answer = (q: TraceQuery): TraceOutcome => {
    queries.push(q)
    const apex = (z: Responder) => (z.zone === '.' ? '' : z.zone)
    const mine = (at[q.server.address] ?? []).filter((z) => apex(z) === '' || q.qname === apex(z) || q.qname.endsWith(`.${apex(z)}`))
      .filter((z) => !(q.qtype === 'DS' && q.qname === apex(z)))
      .sort((a, b) => apex(b).length - apex(a).length)
    const z = mine[0]
    if (!z) return {message: msg({rcode: 'REFUSED'}), error: null, rttMs: 1, transport: 'udp', transportReason: 'udp'}
    const r = z.query(q.qname, q.qtype)
    return {message: msg({aa: true, rcode: r.rcode, answers: r.answers, authorities: r.authority}), error: null, rttMs: 1, transport: 'udp', transportReason: 'udp'}
  }
  return {answer, queries}
}

function cache(): DelegationCache {
  const c = new DelegationCache()
  c.zones.set('', [{name: 'a.root', label: 'glueless', glue: [], addresses: [ROOT], resolved: true}])
  c.zones.set('test', [{name: 'ns.test', label: 'in-domain', glue: [TLD], addresses: [TLD], resolved: true}])
  return c
}

const step = (qname: string, qtype: string, zone: string, kind: TraceStep['kind'] = 'answer', address = TLD): TraceStep =>
  ({purpose: 'main', kind, zone, qname, qtype, server: {name: 'ns.test', address}, depth: 0} as unknown as TraceStep)

function result(steps: TraceStep[], over: Partial<TraceResult> = {}): TraceResult {
  const last = steps[steps.length - 1]
  return {
    name: `${last?.qname ?? 'x'}.`, type: last?.qtype ?? 'A', kind: 'answer', steps, problems: [], servers: [],
    answer: last ? {rcode: 'NOERROR', authoritative: true, server: last.server, zone: `${last.zone}.`, records: [], sources: []} : null,
    stats: {queries: 0, nsLookups: 0, referrals: 0, cnames: 0, elapsedMs: 0, limitHit: null},
    ...over,
  } as TraceResult
}

function run(r: TraceResult, anchors: DsRecord[], opts: {now?: number, test?: Rr[], warnExpiryS?: number} = {}): {d: DnssecReport, queries: TraceQuery[]} {
  const w = world(opts.test)
  const gen = dnssecPass({result: r, cache: cache(), anchors, anchorLabel: 'test', nowSeconds: opts.now ?? NOW, family: 'both', warnExpiryS: opts.warnExpiryS})
  let it = gen.next()
  while (!it.done) it = gen.next(it.value.map(w.answer))
  return {d: it.value, queries: w.queries}
}

const statusOf = (d: DnssecReport) => Object.fromEntries(d.zones.map((z) => [z.zone, z.status]))

describe('trust anchors', () => {
  it('from the root: the chain validates down to the answer', () => {
    const {d} = run(result([step('www.test', 'A', 'test')]), [anchor('.', rootKsk)])
    expect(statusOf(d)).toEqual({'.': 'secure', 'test.': 'secure'})
    expect(d.status).toBe('secure')
  })

  it('an anchor below the root starts its own chain; zones above it are not validated, nor asked', () => {
    const {d, queries} = run(result([step('www.test', 'A', 'test')]), [anchor('test', testKsk)])
    expect(statusOf(d)).toEqual({'.': 'indeterminate', 'test.': 'secure'})
    expect(d.zones.find((z) => z.zone === 'test.')).toMatchObject({anchored: true})
    expect(d.status).toBe('secure')
    expect(queries.filter((q) => q.server.address === ROOT)).toEqual([])
  })

  it('several anchors: each zone chains from the closest one above it', () => {
    const {d} = run(result([step('www.test', 'A', 'test')]), [anchor('.', rootKsk), anchor('test', testKsk)])
    expect(d.status).toBe('secure')
    expect(d.zones.find((z) => z.zone === 'test.')).toMatchObject({anchored: true, status: 'secure'})
  })

  it('an anchor that covers nothing on the path: indeterminate, not insecure', () => {
    const {d} = run(result([step('www.test', 'A', 'test')]), [anchor('sec.test', secKsk)])
    expect(d.status).toBe('indeterminate')
    expect(d.answers[0]).toMatchObject({status: 'indeterminate'})
  })

  it('a wrong anchor is bogus', () => {
    const {d} = run(result([step('www.test', 'A', 'test')]), [anchor('.', testKsk)])
    expect(d.status).toBe('bogus')
  })
})

describe('indeterminate, never an unproven insecure', () => {
  it('a failed resolution', () => {
    const {d} = run(result([], {kind: 'error', answer: null}), [anchor('.', rootKsk)])
    expect(d.status).toBe('indeterminate')
    expect(d.reason).toBe('the resolution failed: there is no answer to validate')
  })

  it('a final answer without AA is validated all the same', () => {
    const s = step('www.test', 'A', 'test', 'lame')
    const {d} = run(result([s], {answer: {rcode: 'NOERROR', authoritative: false, server: s.server, zone: 'test.', records: [], sources: []}}), [anchor('.', rootKsk)])
    expect(d.answers).toHaveLength(1)
    expect(d.status).toBe('secure')
  })
})

describe('the signer\'s zone, not the zone asked', () => {
  it('a server of test. that also serves sec.test. answers for it: sec.test. is chained from test. and validates', () => {
    const {d, queries} = run(result([step('api.sec.test', 'AAAA', 'test')]), [anchor('.', rootKsk)])
    expect(d.answers[0]).toMatchObject({zone: 'sec.test.', status: 'secure'})
    expect(statusOf(d)).toMatchObject({'sec.test.': 'secure'})
    expect(queries.some((q) => q.qname === 'sec.test' && q.qtype === 'DS')).toBe(true)
    expect(d.status).toBe('secure')
  })
})

describe('time', () => {
  it('validation as of a later instant sees expired signatures as bogus', () => {
    expect(run(result([step('www.test', 'A', 'test')]), [anchor('.', rootKsk)], {now: NOW + 40 * DAY}).d.status).toBe('bogus')
  })

  it('signatures near expiry are reported per zone, with a warning under the threshold', () => {
    const {d} = run(result([step('www.test', 'A', 'test')]), [anchor('.', rootKsk)], {test: testRecords(NOW + 3 * DAY)})
    const t = d.zones.find((z) => z.zone === 'test.')!
    expect(t.expires).toBe(new Date((NOW + 3 * DAY) * 1000).toISOString().replace('.000Z', 'Z'))
    expect(t.expiresInS).toBe(3 * DAY)
    expect(d.warnings).toEqual([`test.: a signature expires in 3 d (${t.expires})`])
    expect(run(result([step('www.test', 'A', 'test')]), [anchor('.', rootKsk)], {test: testRecords(NOW + 3 * DAY), warnExpiryS: DAY}).d.warnings).toEqual([])
  })
})
