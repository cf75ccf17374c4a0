import {describe, expect, it} from 'vitest'
import {AnswerCache} from '../../../src/lib/trace/bulk.js'
import {parseTraceFields, projectTrace, type TraceJson} from '../../../src/lib/trace/json.js'

const rec = (name: string, type: string, ttl: number, data: string) => ({name, type, class: 'IN', ttl, data, aa: true, server: null})

function result(o: Partial<TraceJson> & {soa?: {ttl: number, data: string}}): TraceJson {
  const {soa, ...rest} = o
  return {
    name: 'www.example.test.', type: 'A', kind: 'answer', problems: [], servers: [{address: '192.0.2.20', name: null, zone: null, queries: 1, rttMs: {min: 1, median: 1, max: 1}, outcomes: {}}],
    stats: {queries: 3, nsLookups: 0, referrals: 2, cnames: 0, elapsedMs: 12, limitHit: null},
    steps: soa ? [{index: 0, soa: {name: 'example.test.', type: 'SOA', class: 'IN', ...soa}} as never] : [],
    answer: {rcode: 'NOERROR', authoritative: true, zone: 'example.test.', server: null, records: [rec('www.example.test.', 'A', 300, '192.0.2.80')]},
    ...rest,
  }
}

describe('AnswerCache (bulk runs): answers and negative answers for their TTL', () => {
  it('answers a repeat within the TTL, its TTLs counted down, without steps or queries; expires after the TTL', () => {
    let now = 1_000_000
    const c = new AnswerCache(() => now)
    c.put(result({}))
    now += 120_500
    const hit = c.get('WWW.example.test', 'A')!
    expect(hit.cached).toBe(true)
    expect(hit.answer!.records[0]!.ttl).toBe(180)
    expect(hit.stats.queries).toBe(0)
    expect(hit.steps).toEqual([])
    expect(c.get('www.example.test', 'AAAA')).toBeUndefined()
    now += 180_000
    expect(c.get('www.example.test', 'A')).toBeUndefined()
  })

  it('a negative answer is kept for min(SOA TTL, SOA MINIMUM) (RFC 2308 §5); a failed trace not at all', () => {
    let now = 0
    const c = new AnswerCache(() => now)
    const nx = (name: string, soaTtl: number, minimum: number) => result({name, kind: 'nxdomain', soa: {ttl: soaTtl, data: `ns1.example.test. hostmaster.example.test. 1 7200 3600 1209600 ${minimum}`},
      answer: {rcode: 'NXDOMAIN', authoritative: true, zone: 'example.test.', server: null, records: []}})
    c.put(nx('a.example.test.', 3600, 60))
    c.put(nx('b.example.test.', 30, 900))
    c.put(result({name: 'c.example.test.', kind: 'error', answer: null}))
    now = 29_000
    expect(c.get('a.example.test', 'A')?.answer?.rcode).toBe('NXDOMAIN')
    expect(c.get('b.example.test', 'A')?.cached).toBe(true)
    expect(c.get('c.example.test', 'A')).toBeUndefined()
    now = 31_000
    expect(c.get('b.example.test', 'A')).toBeUndefined()
    now = 61_000
    expect(c.get('a.example.test', 'A')).toBeUndefined()
  })

  it('is bounded: past 10,000 names the least recently used goes', () => {
    const c = new AnswerCache(() => 0)
    for (let i = 0; i < 10_000; i++) c.put(result({name: `n${i}.example.test.`}))
    expect(c.get('n0.example.test', 'A')).toBeDefined() // n0 is now the most recently used
    c.put(result({name: 'new.example.test.'}))
    expect(c.get('n1.example.test', 'A')).toBeUndefined()
    expect(c.get('n0.example.test', 'A')).toBeDefined()
    expect(c.get('new.example.test', 'A')).toBeDefined()
  })
})

describe('--fields: one compact line per name', () => {
  it('projects the chosen fields in their order; answer data of other types says its type', () => {
    const j = result({answer: {rcode: 'NOERROR', authoritative: true, zone: 'example.test.', server: {name: null, address: '192.0.2.20'},
      records: [rec('alias.example.test.', 'CNAME', 600, 'www.example.test.'), rec('www.example.test.', 'A', 300, '192.0.2.80')]}})
    expect(projectTrace(j, parseTraceFields('name,rcode,answer,ttl,server,queries,cached'))).toEqual({
      name: 'www.example.test.', rcode: 'NOERROR', answer: ['CNAME www.example.test.', '192.0.2.80'], ttl: 300, server: '192.0.2.20', queries: 3, cached: false,
    })
    expect(JSON.stringify(projectTrace(j, parseTraceFields(' kind , name,kind')))).toBe('{"kind":"answer","name":"www.example.test."}')
  })

  it('an unknown or empty list is a usage error naming the fields there are', () => {
    expect(() => parseTraceFields('name,nme')).toThrow(/--fields: unknown field "nme" \(fields: name, type, kind, rcode/)
    expect(() => parseTraceFields(',')).toThrow(/no field given/)
  })
})
