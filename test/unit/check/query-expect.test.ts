import {describe, expect, it} from 'vitest'
import {failLine} from '../../../src/lib/expect.js'
import {queryExpectations} from '../../../src/lib/query-expect.js'
import type {QueryResult} from '../../../src/lib/query.js'

function result(over: Partial<QueryResult> = {}): QueryResult {
  return {
    query: {name: 'www.geo.test.', type: 'A', class: 'IN', server: {address: '192.0.2.70', port: 53}, rd: false, tcp: false, edns: true, dnssec: false, nsid: true, subnet: '198.51.100.0/24', cookie: null},
    status: 'ok', rcode: 'NOERROR', id: 1, flags: {qr: true, aa: true}, authoritative: true,
    answers: [{name: 'www.geo.test.', type: 'A', class: 'IN', ttl: 60, data: '192.0.2.101'}, {name: 'x.', type: 'CNAME', class: 'IN', ttl: 60, data: 'Target.Example.'}],
    authority: [], additional: [],
    edns: {version: 0, udpPayload: 1232, do: false, nsid: {hex: '67656f2d616d732d31', text: 'geo-ams-1'}, ecs: {family: 1, address: '198.51.100.0', sourcePrefix: 24, scopePrefix: 24, problems: []}, options: [], ede: [], cookie: null, padding: null},
    transport: 'udp', transportReason: 'udp', ednsFallback: false, rttMs: 1, totalMs: 1, retries: 0, bytes: {sent: 1, received: 1, truncatedUdp: null},
    ignored: {count: 0, reasons: []}, wire: {query: '', reply: null}, notes: [], error: null,
    ...over,
  }
}

describe('query expectations', () => {
  it('all met', () => {
    const r = queryExpectations(result(), {answer: ['192.0.2.101', 'target.example'], rcode: 'noerror', authoritative: true, nsid: 'geo-ams-1', scope: 24})
    expect(r.map((e) => e.expectation)).toEqual(['answer=192.0.2.101', 'answer=target.example', 'rcode=NOERROR', 'authoritative', 'nsid=geo-ams-1', 'scope=24'])
    expect(r.every((e) => e.ok)).toBe(true)
    // NSID may be given as hex too.
    expect(queryExpectations(result(), {nsid: '0x67656F2D616D732D31'})[0].ok).toBe(true)
  })

  it('unmet: one FAIL line each, saying what came', () => {
    const r = queryExpectations(result({authoritative: false, rcode: 'NXDOMAIN', answers: []}), {answer: ['192.0.2.9'], rcode: 'NOERROR', authoritative: true, nsid: 'ns1', scope: 16})
    expect(r.map(failLine)).toEqual([
      'FAIL answer=192.0.2.9: expected 192.0.2.9 in the answer, got none',
      'FAIL rcode=NOERROR: expected NOERROR, got NXDOMAIN',
      'FAIL authoritative: expected an authoritative answer (AA), got non-authoritative',
      'FAIL nsid=ns1: expected ns1, got geo-ams-1',
      'FAIL scope=16: expected /16, got /24',
    ])
  })

  it('says when the reply has no EDNS, NSID or ECS', () => {
    const noEdns = queryExpectations(result({edns: null}), {nsid: 'x', scope: 0})
    expect(noEdns.map((e) => e.actual)).toEqual(['no EDNS in the reply', 'no EDNS in the reply'])
    const bare = result()
    bare.edns = {...bare.edns!, nsid: null, ecs: null}
    expect(queryExpectations(bare, {nsid: 'x', scope: 0}).map((e) => e.actual)).toEqual(['no NSID in the reply', 'no ECS in the reply'])
  })

  it('no expectations, no results', () => {
    expect(queryExpectations(result(), {})).toEqual([])
  })
})
