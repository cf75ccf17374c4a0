/**
 * Regression tests for trace bugs found by the lab and real-server integration tests
 * (test/integration/trace-*.test.ts). Each failed before its fix.
 */
import {describe, expect, it} from 'vitest'
import type {DnsClient, Exchange, ExchangeOptions} from '../../../src/lib/dns/client.js'
import {classifyResponse} from '../../../src/lib/trace/classify.js'
import {runTrace} from '../../../src/lib/trace/driver.js'
import {DelegationCache, type TraceOutcome, type TraceQuery, type TraceResult} from '../../../src/lib/trace/engine.js'
import {traceToJson} from '../../../src/lib/trace/json.js'
import {renderMermaid, renderTrace} from '../../../src/lib/render/trace.js'
import {dnssecPass, type DnssecReport} from '../../../src/lib/trace/dnssec.js'
import {DEFAULT_TRUST_ANCHORS} from '../../../src/lib/dnssec/anchors.js'
import {msg, rr, run, soa, type Handler, type Reply} from './world.js'

// The root refers test. (glue); test. refers example.test to 192.0.2.53 (v4 only) and
// v6.test to 2001:db8::66 (v6 only).
const root: Handler = () => ({authorities: [rr('test', 'NS', 'ns1.nic.test')], additionals: [rr('ns1.nic.test', 'A', '198.51.100.10')]})
const tld: Handler = (q) => {
  if (q.endsWith('example.test')) {
    return {authorities: [rr('example.test', 'NS', 'ns1.example.test'), rr('example.test', 'NS', 'ns2.example.test')], additionals: [rr('ns1.example.test', 'A', '192.0.2.53'), rr('ns2.example.test', 'A', '192.0.2.54')]}
  }
  if (q.endsWith('v6.test')) return {authorities: [rr('v6.test', 'NS', 'ns1.v6.test')], additionals: [rr('ns1.v6.test', 'AAAA', '2001:db8::66')]}
  return {aa: true, rcode: 'NXDOMAIN', authorities: [soa('test')]}
}
const example: Handler = (q, t) => {
  if (q === 'example.test' && t === 'NS') return {aa: true, answers: [rr('example.test', 'NS', 'ns1.example.test'), rr('example.test', 'NS', 'ns2.example.test')]}
  if (q === 'ns1.example.test' && t === 'A') return {aa: true, answers: [rr('ns1.example.test', 'A', '192.0.2.53')]}
  if (q === 'ns2.example.test' && t === 'A') return {aa: true, answers: [rr('ns2.example.test', 'A', '192.0.2.54')]}
  if (q === 'www.example.test' && t === 'A') return {aa: true, answers: [rr('www.example.test', 'A', '192.0.2.80')]}
  // legacy.example.test DNAME example.test, with the synthesized CNAME and (same zone) its target.
  if (q.endsWith('.legacy.example.test')) {
    const target = `${q.slice(0, -'.legacy.example.test'.length)}.example.test`
    return {aa: true, answers: [rr('legacy.example.test', 'DNAME', 'example.test'), rr(q, 'CNAME', target), ...(example(target, t)?.answers ?? [])]}
  }
  return {aa: true, rcode: 'NXDOMAIN', authorities: [soa('example.test')]}
}
const noaa: Handler = (q, t) => ({...example(q, t), aa: false})
const refused: Handler = () => ({rcode: 'REFUSED'})
const base = {'198.51.100.1': root, '198.51.100.10': tld, '192.0.2.53': example, '192.0.2.54': example}

describe('DNAME (RFC 6672): the DNAME stays in the chain', () => {
  it('classifies a DNAME with its synthesized CNAME as dname, keeping both records', () => {
    const m = msg({aa: true, answers: [rr('legacy.example.test', 'DNAME', 'example.test'), rr('www.legacy.example.test', 'CNAME', 'www.example.test')]})
    const c = classifyResponse(m, 'example.test', 'www.legacy.example.test', 'A')
    expect(c).toMatchObject({kind: 'dname', target: 'www.example.test'})
    expect(c.records!.map((x: any) => x.type)).toEqual(['DNAME', 'CNAME'])
  })

  it('puts DNAME, synthesized CNAME and the target records in the final answer', () => {
    const {r} = run(base, {name: 'www.legacy.example.test'})
    expect(r.kind).toBe('answer')
    expect(r.answer!.records.map((x: any) => `${x.name} ${x.type} ${x.data}`)).toEqual([
      'legacy.example.test DNAME example.test',
      'www.legacy.example.test CNAME www.example.test',
      'www.example.test A 192.0.2.80',
    ])
    expect(r.steps.at(-1)).toMatchObject({kind: 'dname', aa: true})
    expect(r.stats.cnames).toBe(1)
  })

  it('still answers a DNAME query with the DNAME itself', () => {
    const m = msg({aa: true, answers: [rr('legacy.example.test', 'DNAME', 'example.test')]})
    expect(classifyResponse(m, 'example.test', 'legacy.example.test', 'DNAME')).toMatchObject({kind: 'answer'})
  })
})

describe('--deadline bounds queries in flight', () => {
  it('gives each exchange a deadline no later than the trace deadline', async () => {
    let now = 1000
    const seen: ExchangeOptions[] = []
    const client = {
      transport: {clock: {now: () => now}},
      async exchange(o: ExchangeOptions): Promise<Exchange> {
        seen.push(o)
        now = Math.max(now, o.deadline ?? now + (o.timeoutMs ?? 2000) * 3) // a dead server: silence until the deadline
        return {message: null, error: {code: 'timeout', message: 'no reply'}, rttMs: 0, transport: 'udp', transportReason: 'udp', retries: 1, ednsFallback: false, ignored: []} as unknown as Exchange
      },
    } as unknown as DnsClient
    const r = await runTrace(
      {name: 'www.example.test', type: 'A', rootHints: [{name: 'a.root.test', address: '198.51.100.1'}, {name: 'b.root.test', address: '198.51.100.2'}], family: 'both', prime: false, limits: {deadlineMs: 500}},
      {client, port: 53, timeoutMs: 2000},
    )
    expect(seen[0].deadline).toBeDefined()
    expect(seen[0].deadline).toBeLessThanOrEqual(1000 + 500)
    // The first silent server used up the deadline: the second is never asked.
    expect(seen).toHaveLength(1)
    expect(r.stats.limitHit).toBe('deadline')
    expect(now - 1000).toBeLessThanOrEqual(500)
  })
})

describe('--all', () => {
  it('keeps a non-authoritative answer as a last resort, as the sequential walk does', () => {
    const world = {...base, '192.0.2.53': noaa, '192.0.2.54': noaa}
    const seq = run(world, {name: 'www.example.test'}).r
    const all = run(world, {name: 'www.example.test', all: true}).r
    expect(seq.answer).toMatchObject({authoritative: false})
    expect(all.kind).toBe(seq.kind)
    expect(all.answer).toMatchObject({authoritative: false, records: [expect.objectContaining({data: '192.0.2.80'})]})
    expect(all.problems.map((p) => p.code)).toContain('non-authoritative-answer')
    expect(all.problems.map((p) => p.code)).not.toContain('zone-unreachable')
  })

  it('calls a child server that REFUSES its NS query lame-refused (once), not lame-no-aa', () => {
    const {r} = run({...base, '192.0.2.53': refused}, {name: 'www.example.test', all: true})
    const mine = r.problems.filter((p) => p.server === '192.0.2.53')
    expect(mine.map((p) => p.code)).toEqual(['lame-refused'])
  })

  it('checks glue against a server that answered, not a dead first one', () => {
    const {r, sent} = run({...base, '192.0.2.53': () => null}, {name: 'www.example.test', all: true})
    const glueChecks = sent.filter((q) => q.purpose === 'child-address' && q.zone === 'example.test')
    expect(glueChecks.length).toBeGreaterThan(0)
    expect(glueChecks.every((q) => q.server.address === '192.0.2.54')).toBe(true)
    expect(r.answer).toMatchObject({authoritative: true, server: {address: '192.0.2.54'}})
  })
})

describe('DS lives at the parent (RFC 4035 §2.4)', () => {
  it('asks the parent for DS even when the child cut is already cached (bulk, after a CNAME)', () => {
    const withDs: Handler = (q, t) => (q === 'example.test' && t === 'DS' ? {aa: true, answers: [rr('example.test', 'DS', {keyTag: 1, algorithm: 13, digestType: 2, digest: Buffer.alloc(32)})]} : tld(q, t))
    const world = {...base, '198.51.100.10': withDs}
    const cache = new DelegationCache()
    run(world, {name: 'www.example.test', cache})
    const {r, sent} = run(world, {name: 'example.test', type: 'DS', cache})
    expect(sent.map((q) => q.server.address)).toEqual(['198.51.100.10'])
    expect(r).toMatchObject({kind: 'answer', answer: {authoritative: true, zone: 'test.', server: {address: '198.51.100.10'}}})
  })
})

describe('problems', () => {
  it('are reported once, however often the same server fails the same way', () => {
    // alias → www in the same zone, without the target's records: example.test is asked twice,
    // and each time its dead first server times out.
    const withAlias: Handler = (q, t) => (q === 'alias.example.test' ? {aa: true, answers: [rr(q, 'CNAME', 'www.example.test')]} : example(q, t))
    const {r} = run({...base, '192.0.2.53': () => null, '192.0.2.54': withAlias}, {name: 'alias.example.test'})
    expect(r.steps.filter((s) => s.server.address === '192.0.2.53')).toHaveLength(2)
    expect(r.problems.filter((p) => p.code === 'server-timeout')).toEqual([expect.objectContaining({zone: 'example.test.', server: '192.0.2.53'})])
  })
})

describe('-4 / -6', () => {
  it('says the zone has no server of the chosen family instead of only "unreachable"', () => {
    const {r, sent} = run({...base, '2001:db8::66': example}, {name: 'www.v6.test', family: 4, rootHints: [{name: 'a.root.test', address: '198.51.100.1'}]})
    expect(sent.some((q) => q.server.address === '2001:db8::66')).toBe(false)
    expect(r.kind).toBe('error')
    expect(r.problems).toContainEqual(expect.objectContaining({code: 'no-servers', zone: 'v6.test.', message: expect.stringContaining('over IPv4')}))
  })

  it('says nothing of the family when in-domain glue is missing (its own problem)', () => {
    const noglue: Handler = () => ({authorities: [rr('x.test', 'NS', 'ns1.x.test')]})
    const {r} = run({...base, '198.51.100.10': noglue}, {name: 'www.x.test', family: 4})
    expect(r.problems.map((p) => p.code)).toEqual(['in-domain-ns-without-glue', 'zone-unreachable'])
  })
})

describe('what each exchange went through', () => {
  it('records retries, EDNS fallback and ignored packets on the step and in the JSON', () => {
    const {r} = run(base, {name: 'www.example.test'}, {'192.0.2.53': {retries: 1, totalMs: 2040, ednsFallback: true, ignored: ['wrong ID 7 (expected 8)']}})
    const last = r.steps.at(-1)!
    expect(last).toMatchObject({retries: 1, spentMs: 2040, ednsFallback: true, ignored: {count: 1, reasons: ['wrong ID 7 (expected 8)']}})
    const j = traceToJson(r)
    expect(j.steps.at(-1)).toMatchObject({retries: 1, spentMs: 2040, ednsFallback: true, ignored: {count: 1}})
    expect(j.steps[0]).not.toHaveProperty('ignored')
    expect(j.steps[0]).not.toHaveProperty('spentMs')
    // The time the retry cost shows on the step that spent it.
    expect(renderTrace(j)).toMatch(/ 5 ms \(1 retry, 2\.04 s in all\) NOERROR AA/)
    expect(renderTrace(j)).toMatch(/without EDNS.*\[ignored 1 packet: wrong ID 7/)
  })

  it('says why a server that only sent garbage timed out', () => {
    const {r} = run({...base, '192.0.2.53': () => null, '192.0.2.54': () => null}, {name: 'www.example.test'}, {'192.0.2.53': {ignored: ['malformed: truncated header', 'malformed: truncated header']}})
    const step = r.steps.find((s) => s.server.address === '192.0.2.53')!
    expect(step.kind).toBe('timeout')
    expect(step.detail).toMatch(/ignored 2 packets: malformed/)
    expect(r.problems.find((p) => p.server === '192.0.2.53')!.message).toMatch(/2 packets ignored \(malformed: truncated header\)/)
  })
})

describe('negative answers', () => {
  it('carry the SOA of the authority section on the step (negative caching TTL), not in the answer', () => {
    const {r} = run(base, {name: 'nope.example.test'})
    expect(r.kind).toBe('nxdomain')
    expect(r.answer!.records).toEqual([])
    const j = traceToJson(r)
    expect(j.steps.at(-1)).toMatchObject({kind: 'nxdomain', soa: {name: 'example.test.', type: 'SOA', ttl: 300}})
    expect(renderTrace(j)).toMatch(/^\s+example\.test\. 300 IN SOA ns\.example\.test\. h\.example\.test\. 1 1 1 1 60$/m)
  })
})

describe('renderings', () => {
  it('Mermaid: the RTT is separated from the message text', () => {
    const out = renderMermaid(traceToJson(run(base, {name: 'www.example.test'}).r))
    expect(out).toMatch(/1 record \(5 ms\)$/m)
    expect(out).not.toMatch(/\S\(\d+(\.\d+)? ms\)/)
  })

  it('shows a per-server RTT table under --all', () => {
    const j = traceToJson(run(base, {name: 'www.example.test', all: true}).r)
    const text = renderTrace(j)
    expect(text).toMatch(/;; \d+ servers:/)
    expect(text).toMatch(/example\.test\.\s+ns1\.example\.test\. 192\.0\.2\.53\s+\d+\s+5 \/ 5 \/ 5/)
    expect(renderTrace(traceToJson(run(base, {name: 'www.example.test'}).r))).not.toMatch(/;; \d+ servers?:/)
  })
})

describe('the DNSSEC pass', () => {
  /** Run the pass to the end, answering every query it yields with `reply` (null: silence). */
  function pass(result: TraceResult, cache: DelegationCache, reply: (q: TraceQuery) => Reply | null): {report: DnssecReport, sent: TraceQuery[]} {
    const gen = dnssecPass({result, cache, anchors: DEFAULT_TRUST_ANCHORS, anchorLabel: 'test', nowSeconds: 1_800_000_000, family: 'both'})
    const sent: TraceQuery[] = []
    let it = gen.next()
    while (!it.done) {
      it = gen.next(it.value.map((q): TraceOutcome => {
        sent.push(q)
        const m = reply(q)
        return m ? {message: msg(m), error: null, rttMs: 1, transport: 'udp', transportReason: 'udp'} : {message: null, error: {code: 'timeout', message: 'timeout'}, rttMs: 1, transport: 'udp', transportReason: 'udp'}
      }))
    }
    return {report: it.value, sent}
  }

  it('validates each answer once under --all, not once per server that gave it', () => {
    // --all: both servers of example.test answered the same question.
    const {r} = run(base, {name: 'www.example.test', all: true})
    expect(r.steps.filter((s) => s.purpose === 'main' && s.kind === 'answer')).toHaveLength(2)
    const {report} = pass(r, new DelegationCache(), () => null)
    expect(report.answers.map((a) => `${a.qname} ${a.qtype} ${a.zone}`)).toEqual(['www.example.test. A example.test.'])
  })

  it('names servers with the trailing dot, as the rest of the trace JSON does', () => {
    const cache = new DelegationCache()
    cache.zones.set('', [{name: 'a.root.test', label: 'in-domain', addresses: ['198.51.100.1'], glue: ['198.51.100.1'], resolved: true}])
    const {r} = run(base, {name: 'www.example.test', cache})
    // The root's DNSKEY query gets an empty (authoritative) reply: bogus, but it came from a.root.test.
    const {report, sent} = pass(r, cache, () => ({aa: true}))
    expect(sent[0]).toMatchObject({qname: '', qtype: 'DNSKEY', server: {address: '198.51.100.1'}})
    expect(report.zones[0]).toMatchObject({zone: '.', status: 'bogus', server: {name: 'a.root.test.', address: '198.51.100.1'}})
  })
})

describe('progress: each step announced once it is final', () => {
  it('onStep gives every step, in order, with the detail it ends with (a referral names its NS set), before the next queries go out', () => {
    const announced: {index: number, detail: string, queriesSentBefore: number}[] = []
    let sentSoFar = 0
    const world = Object.fromEntries(Object.entries(base).map(([address, h]) => [address, (q: string, t: string) => {
      sentSoFar++
      return h(q, t)
    }])) as typeof base
    const {r} = run(world, {name: 'www.example.test', prime: true, onStep: (s) => announced.push({index: s.index, detail: s.detail, queriesSentBefore: sentSoFar})})
    expect(announced.map((a) => a.index)).toEqual(r.steps.map((s) => s.index))
    expect(announced.map((a) => a.detail)).toEqual(r.steps.map((s) => s.detail))
    expect(announced.find((a) => a.detail.startsWith('referral to'))!.detail).toMatch(/^referral to \S+: /)
    // Announced as the walk goes, not all at the end: the first step came before the last query.
    expect(announced[0]!.queriesSentBefore).toBeLessThan(r.stats.queries)
  })
})
