import dnsPacket from 'dns-packet'
import {describe, expect, it} from 'vitest'

import {Authority} from '../../../src/lib/lab/authority.js'
import {truncateForUdp, udpLimit} from '../../../src/lib/lab/wire.js'
import {Zone} from '../../../src/lib/lab/zone.js'
import {seededRandom} from '../../../src/lib/random.js'
import {decode, type Decoded, labQuery, makeQuery, peerEncode, toLab} from './helpers.js'

const PARENT = Zone.fromText('test', `
$TTL 86400
@ SOA ns1.nic.test. hostmaster.nic.test. 1 1800 900 604800 3600
@ NS ns1.nic
ns1.nic A 192.0.2.10
example NS ns1.example
example NS ns2.example
example NS ns.elsewhere.other.
ns1.example A 192.0.2.20
ns1.example AAAA 2001:db8::20
ns2.example A 192.0.2.21
signed NS ns1.signed
signed DS 12345 13 2 2bb183af5f22588179a53b0a98631fad1a29211807c6b0b4fa1a4234a5d8c5b8
ns1.signed A 192.0.2.24
`)

const EXAMPLE = Zone.fromText('example.test', `
$TTL 3600
@ SOA ns1 hostmaster 2026112201 7200 900 1209600 300
@ NS ns1
@ NS ns2
@ MX 10 mail
ns1 A 192.0.2.20
ns2 A 192.0.2.21
www A 192.0.2.80
www AAAA 2001:db8:a::80
mail A 192.0.2.81
alias CNAME www
shop CNAME cdn.other.test.
chain CNAME chain2
chain2 CNAME alias
loop1 CNAME loop2
loop2 CNAME loop1
legacy DNAME example.test.
*.wild A 192.0.2.84
deep.empty A 192.0.2.85
sub NS ns1.sub
ns1.sub A 192.0.2.99
`)

const GEO = Zone.fromText('geo.test', `
@ SOA ns1 hostmaster 1 2 3 4 60
@ NS ns1
ns1 A 192.0.2.70
static A 192.0.2.71
`, [
  {
    kind: 'subnet', name: 'www.geo.test', type: 'A', ttl: 60,
    rules: [
      {subnet: '198.51.100.0/24', answers: ['192.0.2.101']},
      {subnet: '203.0.113.0/24', answers: ['192.0.2.102']},
      {subnet: '2001:db8:aaaa::/48', answers: ['192.0.2.148']},
    ],
    fallback: ['192.0.2.100'],
  },
  {kind: 'weighted', name: 'weighted.geo.test', type: 'A', ttl: 30, choices: [{weight: 70, answers: ['192.0.2.170']}, {weight: 30, answers: ['192.0.2.130']}]},
  {kind: 'multivalue', name: 'multi.geo.test', type: 'A', max: 8, pool: Array.from({length: 12}, (_, i) => ({value: `192.0.2.${150 + i}`, healthy: i !== 3 && i !== 8}))},
  {kind: 'failover', name: 'up.geo.test', type: 'A', primary: {value: '192.0.2.140', healthy: true}, secondary: {value: '192.0.2.141'}},
  {kind: 'failover', name: 'down.geo.test', type: 'A', primary: {value: '192.0.2.142', healthy: false}, secondary: {value: '192.0.2.143'}},
])

const server = new Authority({zones: [PARENT, EXAMPLE, GEO], identity: {hostname: 'ns1.lab', version: 'lab 1.0', nsid: 'ns1.ams'}})
const tld = new Authority({zones: [PARENT]})

/** Asks, and round-trips the response through the wire so every shape is checked as encodable. */
function ask(auth: Authority, name: string, type = 'A', opts: Parameters<typeof makeQuery>[2] = {}, source?: string): Decoded {
  const response = auth.answer(toLab(dnsPacket.decode(dnsPacket.encode(makeQuery(name, type, opts)))), {source, random: seededRandom(7)})
  return decode(peerEncode(response))
}

const data = (rrs: {type: string, data?: unknown}[] | undefined, type?: string) => (rrs ?? []).filter((rr) => !type || rr.type === type).map((rr) => rr.data)
const opt = (p: Decoded) => (p.additionals ?? []).find((rr) => rr.type === 'OPT') as (dnsPacket.Answer & {udpPayloadSize: number, extendedRcode: number, flags: number, options: {code: number, data: Buffer, sourcePrefixLength?: number, scopePrefixLength?: number, ip?: string}[]}) | undefined
const ecsOf = (p: Decoded) => opt(p)?.options.find((o) => o.code === 8)

describe('referrals', () => {
  it('refers to a delegated child: AA=0, NS in authority, in-bailiwick glue in additional', () => {
    const r = ask(tld, 'www.example.test')
    expect(r.rcode).toBe('NOERROR')
    expect(r.flag_aa).toBe(false)
    expect(r.answers).toEqual([])
    expect(r.authorities!.map((rr) => [rr.name, rr.type])).toEqual([['example.test', 'NS'], ['example.test', 'NS'], ['example.test', 'NS']])
    expect(r.additionals!.filter((rr) => rr.type !== 'OPT').map((rr) => [rr.name, rr.type, (rr as {data: string}).data])).toEqual([
      ['ns1.example.test', 'A', '192.0.2.20'],
      ['ns1.example.test', 'AAAA', '2001:db8::20'],
      ['ns2.example.test', 'A', '192.0.2.21'],
    ])
  })

  it('a server with both sides of a cut answers from the child', () => {
    const r = ask(server, 'www.example.test')
    expect(r.flag_aa).toBe(true)
    expect(data(r.answers)).toEqual(['192.0.2.80'])
  })

  it('answers DS at a delegation from the parent side, authoritatively', () => {
    const r = ask(tld, 'signed.test', 'DS')
    expect(r.flag_aa).toBe(true)
    expect(r.answers!.map((rr) => rr.type)).toEqual(['DS'])
  })

  it('refers a child of a child below a cut in a served zone', () => {
    const r = ask(server, 'x.sub.example.test')
    expect(r.flag_aa).toBe(false)
    expect(data(r.authorities, 'NS')).toEqual(['ns1.sub.example.test'])
    expect(data(r.additionals, 'A')).toEqual(['192.0.2.99'])
  })
})

describe('authoritative answers', () => {
  it('answers from the closest enclosing zone with AA=1 and the qname as asked', () => {
    const r = ask(server, 'WWW.Example.TEST', 'AAAA')
    expect(r.flag_aa).toBe(true)
    expect(r.answers!.map((rr) => [rr.name, (rr as {data: string}).data])).toEqual([['WWW.Example.TEST', '2001:db8:a::80']])
  })

  it('adds the exchange address for MX', () => {
    const r = ask(server, 'example.test', 'MX')
    expect(data(r.answers)).toEqual([{preference: 10, exchange: 'mail.example.test'}])
    expect(data(r.additionals, 'A')).toEqual(['192.0.2.81'])
  })

  it('NXDOMAIN carries the SOA with the negative TTL min(SOA TTL, MINIMUM)', () => {
    const r = ask(server, 'nope.example.test')
    expect(r.rcode).toBe('NXDOMAIN')
    expect(r.flag_aa).toBe(true)
    expect(r.authorities!.map((rr) => [rr.type, rr.ttl])).toEqual([['SOA', 300]])
  })

  it('NODATA is NOERROR with an empty answer and the SOA', () => {
    const r = ask(server, 'mail.example.test', 'AAAA')
    expect(r.rcode).toBe('NOERROR')
    expect(r.answers).toEqual([])
    expect(r.authorities!.map((rr) => rr.type)).toEqual(['SOA'])
  })

  it('an empty non-terminal is NODATA, not NXDOMAIN', () => {
    const r = ask(server, 'empty.example.test')
    expect(r.rcode).toBe('NOERROR')
    expect(r.authorities!.map((rr) => rr.type)).toEqual(['SOA'])
  })

  it('follows a CNAME inside the zone', () => {
    const r = ask(server, 'alias.example.test')
    expect(r.answers!.map((rr) => [rr.name, rr.type])).toEqual([['alias.example.test', 'CNAME'], ['www.example.test', 'A']])
  })

  it('follows a CNAME chain and stops at a CNAME into a zone it does not serve', () => {
    expect(ask(server, 'chain.example.test').answers!.map((rr) => rr.type)).toEqual(['CNAME', 'CNAME', 'CNAME', 'A'])
    const shop = ask(server, 'shop.example.test')
    expect(shop.rcode).toBe('NOERROR')
    expect(shop.answers!.map((rr) => [rr.type, (rr as {data: string}).data])).toEqual([['CNAME', 'cdn.other.test']])
  })

  it('stops at a CNAME loop', () => {
    const r = ask(server, 'loop1.example.test')
    expect(r.answers!.map((rr) => rr.name)).toEqual(['loop1.example.test', 'loop2.example.test'])
  })

  it('a CNAME query returns the CNAME itself', () => {
    expect(ask(server, 'alias.example.test', 'CNAME').answers!.map((rr) => rr.type)).toEqual(['CNAME'])
  })

  it('synthesizes a CNAME from a DNAME', () => {
    const r = ask(server, 'www.legacy.example.test')
    expect(r.answers!.map((rr) => [rr.name, rr.type, (rr as {data: string}).data])).toEqual([
      ['legacy.example.test', 'DNAME', 'example.test'],
      ['www.legacy.example.test', 'CNAME', 'www.example.test'],
      ['www.example.test', 'A', '192.0.2.80'],
    ])
    expect(ask(server, 'legacy.example.test', 'DNAME').answers!.map((rr) => rr.type)).toEqual(['DNAME'])
  })

  it('answers from a wildcard with the qname as owner, and NODATA for other types', () => {
    const r = ask(server, 'a.b.wild.example.test')
    expect(r.answers!.map((rr) => [rr.name, (rr as {data: string}).data])).toEqual([['a.b.wild.example.test', '192.0.2.84']])
    expect(ask(server, 'x.wild.example.test', 'TXT').authorities!.map((rr) => rr.type)).toEqual(['SOA'])
  })

  it('REFUSES names outside its zones and other classes', () => {
    expect(ask(server, 'www.example.org').rcode).toBe('REFUSED')
    expect(ask(server, 'www.example.test', 'A', {klass: 'HS'}).rcode).toBe('REFUSED')
  })
})

describe('identity: CHAOS and NSID', () => {
  it.each([['hostname.bind', 'ns1.lab'], ['id.server', 'ns1.lab'], ['version.bind', 'lab 1.0'], ['VERSION.SERVER', 'lab 1.0']])('CH TXT %s', (name, value) => {
    const r = ask(server, name, 'TXT', {klass: 'CH'})
    expect(r.flag_aa).toBe(true)
    expect(r.answers![0]).toMatchObject({class: 'CH', type: 'TXT'})
    expect(data(r.answers).map((d) => (d as Buffer[]).join(''))).toEqual([value])
  })

  it('REFUSED for CHAOS names it does not know or has no value for', () => {
    expect(ask(server, 'authors.bind', 'TXT', {klass: 'CH'}).rcode).toBe('REFUSED')
    expect(ask(new Authority({zones: [EXAMPLE]}), 'version.bind', 'TXT', {klass: 'CH'}).rcode).toBe('REFUSED')
  })

  it('returns NSID only when asked', () => {
    const asked = ask(server, 'www.example.test', 'A', {edns: {nsid: true}})
    expect(opt(asked)!.options.find((o) => o.code === 3)!.data.toString()).toBe('ns1.ams')
    expect(opt(ask(server, 'www.example.test', 'A', {edns: true}))!.options).toEqual([])
  })
})

describe('EDNS', () => {
  it('echoes OPT with a 1232-byte payload and copies DO', () => {
    const r = ask(server, 'www.example.test', 'A', {edns: {payload: 4096, do: true}})
    expect(opt(r)).toMatchObject({udpPayloadSize: 1232, flags: 0x8000})
    expect(ask(server, 'www.example.test', 'A').additionals!.some((rr) => rr.type === 'OPT')).toBe(false)
  })

  it('answers an unknown EDNS version with BADVERS (extended rcode 16) and no answer', () => {
    const r = ask(server, 'www.example.test', 'A', {edns: {version: 1}})
    expect(r.answers).toEqual([])
    expect((r.flags! & 0xf) | (opt(r)!.extendedRcode << 4)).toBe(16)
  })
})

describe('ECS and answer policies', () => {
  it.each([
    ['198.51.100.77', 24, '192.0.2.101', 24, '198.51.100.0'],
    ['198.51.100.0', 32, '192.0.2.101', 24, '198.51.100.0'],
    ['203.0.113.9', 24, '192.0.2.102', 24, '203.0.113.0'],
    ['192.0.2.1', 24, '192.0.2.100', 0, '192.0.2.0'],
    ['198.51.0.0', 16, '192.0.2.100', 0, '198.51.0.0'],
    ['2001:db8:aaaa:1234::1', 56, '192.0.2.148', 48, '2001:db8:aaaa:1200::'],
  ])('ECS %s/%i → %s, scope %i, address echoed as %s', (ip, source, answer, scope, echoed) => {
    const r = ask(server, 'www.geo.test', 'A', {edns: {ecs: {ip, source}}})
    expect(data(r.answers)).toEqual([answer])
    expect(ecsOf(r)).toMatchObject({sourcePrefixLength: source, scopePrefixLength: scope, ip: echoed})
  })

  it('uses the source address when there is no ECS, and echoes nothing', () => {
    const r = ask(server, 'www.geo.test', 'A', {edns: true}, '203.0.113.200')
    expect(data(r.answers)).toEqual(['192.0.2.102'])
    expect(ecsOf(r)).toBeUndefined()
    expect(data(ask(server, 'www.geo.test', 'A', {}, '::ffff:198.51.100.1').answers)).toEqual(['192.0.2.101'])
  })

  it('echoes scope 0 for other names of a zone with policies, and no ECS from zones without', () => {
    expect(ecsOf(ask(server, 'static.geo.test', 'A', {edns: {ecs: {ip: '198.51.100.0', source: 24}}}))).toMatchObject({scopePrefixLength: 0})
    expect(ecsOf(ask(server, 'www.example.test', 'A', {edns: {ecs: {ip: '198.51.100.0', source: 24}}}))).toBeUndefined()
  })

  it('FORMERR for an impossible ECS source prefix', () => {
    const bad = labQuery('www.geo.test', 'A')
    bad.additionals = [{name: '.', type: 'OPT', udpPayloadSize: 1232, flags: 0, options: [{code: 8, data: Buffer.from([0, 1, 40, 0, 1, 2, 3, 4, 5])}]}]
    expect(decode(peerEncode(server.answer(bad))).rcode).toBe('FORMERR')
  })

  it('weighted answers follow the weights (seeded)', () => {
    const random = seededRandom(42)
    let heavy = 0
    for (let i = 0; i < 1000; i++) {
      const r = server.answer(labQuery('weighted.geo.test'), {random})
      if ((r.answers![0] as {data: string}).data === '192.0.2.170') heavy++
    }

    expect(heavy).toBeGreaterThan(650)
    expect(heavy).toBeLessThan(750)
  })

  it('multivalue gives at most 8 distinct healthy records, varying between queries', () => {
    const random = seededRandom(3)
    const seen = new Set<string>()
    for (let i = 0; i < 20; i++) {
      const values = data(server.answer(labQuery('multi.geo.test'), {random}).answers as {type: string, data?: unknown}[]) as string[]
      expect(values.length).toBe(8)
      expect(new Set(values).size).toBe(8)
      expect(values).not.toContain('192.0.2.153')
      expect(values).not.toContain('192.0.2.158')
      seen.add(values.join())
    }

    expect(seen.size).toBeGreaterThan(1)
  })

  it('failover answers the primary while healthy, else the secondary', () => {
    expect(data(ask(server, 'up.geo.test').answers)).toEqual(['192.0.2.140'])
    expect(data(ask(server, 'down.geo.test').answers)).toEqual(['192.0.2.143'])
  })
})

describe('quirks', () => {
  it('lame: no AA, or SERVFAIL', () => {
    expect(ask(new Authority({zones: [EXAMPLE], quirks: {lame: 'noaa'}}), 'www.example.test').flag_aa).toBe(false)
    expect(ask(new Authority({zones: [EXAMPLE], quirks: {lame: 'servfail'}}), 'www.example.test').rcode).toBe('SERVFAIL')
    expect(ask(new Authority({zones: [EXAMPLE], quirks: {refuse: true}}), 'www.example.test').rcode).toBe('REFUSED')
  })

  it('formerrOnEdns: FORMERR without OPT to EDNS queries, answers plain ones', () => {
    const auth = new Authority({zones: [EXAMPLE], quirks: {formerrOnEdns: true}})
    const r = ask(auth, 'www.example.test', 'A', {edns: true})
    expect(r.rcode).toBe('FORMERR')
    expect(r.additionals).toEqual([])
    expect(data(ask(auth, 'www.example.test').answers)).toEqual(['192.0.2.80'])
  })

  it('upward referral: the NS set of its top zone, whatever the question', () => {
    const auth = new Authority({zones: [PARENT], quirks: {upwardReferral: true}})
    const r = ask(auth, 'www.up.test')
    expect(r.flag_aa).toBe(false)
    expect(r.authorities!.map((rr) => [rr.name, rr.type])).toEqual([['test', 'NS']])
  })

  it('aaOnReferral sets AA on referrals; poisonAdditional adds out-of-bailiwick records', () => {
    const [poison] = dnsPacket.decode(dnsPacket.encode({type: 'response', answers: [{name: 'www.example.test', type: 'A', ttl: 1, data: '203.0.113.66'}]})).answers!
    const auth = new Authority({zones: [EXAMPLE], quirks: {aaOnReferral: true, poisonAdditional: [poison as never]}})
    const r = ask(auth, 'x.sub.example.test')
    expect(r.flag_aa).toBe(true)
    expect(data(r.additionals, 'A')).toEqual(['192.0.2.99', '203.0.113.66'])
  })

  it('NOTIMP for other opcodes, FORMERR for no question', () => {
    const q = labQuery('www.example.test')
    expect(server.answer({...q, flags: 2 << 11}).flags! & 0xf).toBe(4)
    expect(server.answer({...q, questions: []}).flags! & 0xf).toBe(1)
  })
})

describe('UDP size', () => {
  const big = new Authority({zones: [Zone.fromText('big.test', `@ SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 192.0.2.1\nbig TXT ${Array.from({length: 6}, () => `"${'x'.repeat(250)}"`).join(' ')}`)]})

  it('truncates with TC=1 and empty sections when the response exceeds the limit', () => {
    const query = labQuery('big.big.test', 'TXT', {edns: true})
    const response = big.answer(query)
    expect(peerEncode(response).length).toBeGreaterThan(1232)
    const {packet, truncated} = truncateForUdp(response, udpLimit(query))
    expect(truncated).toBe(true)
    const decoded = decode(peerEncode(packet))
    expect(decoded.flag_tc).toBe(true)
    expect(decoded.answers).toEqual([])
    expect(decoded.additionals!.map((rr) => rr.type)).toEqual(['OPT'])
  })

  it('limits: 512 without EDNS, the client size up to 1232 with it', () => {
    expect(udpLimit(labQuery('a.test'))).toBe(512)
    expect(udpLimit(labQuery('a.test', 'A', {edns: {payload: 4096}}))).toBe(1232)
    expect(udpLimit(labQuery('a.test', 'A', {edns: {payload: 800}}))).toBe(800)
    expect(udpLimit(labQuery('a.test', 'A', {edns: {payload: 100}}))).toBe(512)
    expect(truncateForUdp(server.answer(labQuery('www.example.test')), 512).truncated).toBe(false)
  })
})
