import {describe, expect, it} from 'vitest'
import {decodeEcs, decodeNsid, encodeEcs} from '../../../src/lib/dns/edns.js'
import {maskBytes, parseSubnet} from '../../../src/lib/net/cidr.js'
import {decodeMessage, encodeQuery, makeQuestion} from '../../../src/lib/dns/message.js'

describe('ECS (RFC 7871)', () => {
  it('sends only ceil(source/8) address octets, host bits zero (§6)', () => {
    // 198.51.100.178/24 → FAMILY 1, SOURCE 24, SCOPE 0, ADDRESS c6 33 64
    const buf = encodeEcs({family: 1, address: '198.51.100.178', sourcePrefix: 24})
    expect(buf.toString('hex')).toBe('0001' + '18' + '00' + 'c63364')
  })

  it('masks inside the last octet for prefixes that are not octet-aligned', () => {
    // 192.0.2.255/20 → 192.0.0.0, 3 octets: c0 00 00
    expect(encodeEcs({family: 1, address: '192.0.2.255', sourcePrefix: 20}).toString('hex')).toBe('00011400c00000')
    expect(maskBytes([0xff, 0xff, 0xff, 0xff], 9)).toEqual([0xff, 0x80, 0, 0])
    expect(() => maskBytes([0xff, 0xff], 9)).toThrow(/4 or 16 octets/)
  })

  it('encodes IPv6 /56 as 7 octets and /0 as no address', () => {
    const v6 = encodeEcs({family: 2, address: '2001:db8:abcd:12ff::1', sourcePrefix: 56})
    expect(v6.toString('hex')).toBe('0002' + '38' + '00' + '20010db8abcd12')
    expect(encodeEcs({family: 1, address: '0.0.0.0', sourcePrefix: 0}).toString('hex')).toBe('00010000')
  })

  it('decodes a reply scope and flags host bits and bad lengths', () => {
    const good = decodeEcs(Buffer.from('00011818c63364', 'hex'))
    expect(good).toMatchObject({family: 1, address: '198.51.100.0', sourcePrefix: 24, scopePrefix: 24, problems: []})
    const hostBits = decodeEcs(Buffer.from('00011400c00201', 'hex'))
    expect(hostBits?.problems).toContain('address has bits set beyond the source prefix')
    const tooLong = decodeEcs(Buffer.from('00011800c0000200', 'hex'))
    expect(tooLong?.problems[0]).toMatch(/needs 3/)
    expect(decodeEcs(Buffer.from('0001', 'hex'))).toBeNull()
    expect(decodeEcs(Buffer.from('00070000', 'hex'))?.problems[0]).toMatch(/unknown address family/)
  })

  it('parses --subnet through the one CIDR module: host bits zeroed, RFC 7871 §11.1 defaults', () => {
    expect(parseSubnet('192.0.2.77/24')).toMatchObject({cidr: '192.0.2.0/24', hostBitsCleared: true, family: 1, sourcePrefix: 24})
    expect(parseSubnet('192.0.2.0/24').hostBitsCleared).toBe(false)
    expect(parseSubnet('2001:db8::1/48')).toMatchObject({cidr: '2001:db8::/48', family: 2, hostBitsCleared: true})
    // A bare address means what a resolver would send for that client: /24 or /56.
    expect(parseSubnet('198.51.100.7')).toMatchObject({cidr: '198.51.100.0/24', sourcePrefix: 24, prefixDefaulted: true})
    expect(parseSubnet('2001:db8:1:2:3::1')).toMatchObject({cidr: '2001:db8:1::/56', sourcePrefix: 56, prefixDefaulted: true})
    expect(parseSubnet('0.0.0.0/0')).toMatchObject({cidr: '0.0.0.0/0', sourcePrefix: 0})
  })

  it('rejects bad subnets with one-line usage errors (exit 2, code bad-subnet)', () => {
    expect(() => parseSubnet('300.1.1.1/24')).toThrow(/not an IPv4 \(dotted quad\) or IPv6 address/)
    // An IPv4 address written as one integer is not an address (inet_aton would take it).
    expect(() => parseSubnet('3232235777/24')).toThrow(/not an IPv4 \(dotted quad\) or IPv6 address/)
    expect(() => parseSubnet('10.0.0.0/40')).toThrow(/prefix length 40 is out of range for IPv4 \(0-32\)/)
    expect(() => parseSubnet('2001:db8::/129')).toThrow(/out of range for IPv6 \(0-128\)/)
    expect(() => parseSubnet('10.0.0.0/x')).toThrow(/is not a number/)
    try {
      parseSubnet('10.0.0.0/40')
    } catch (err: any) {
      expect(err.exit).toBe(2)
      expect(err.code).toBe('bad-subnet')
    }
  })
})

describe('NSID (RFC 5001)', () => {
  it('requests NSID with an empty option payload', () => {
    const wire = encodeQuery({id: 1, question: makeQuestion('example.test', 'SOA'), edns: {nsid: true}})
    // The OPT RR ends with: option code 0x0003, option length 0x0000.
    expect(wire.subarray(-4).toString('hex')).toBe('00030000')
    // RDLEN of the OPT RR is 4.
    expect(wire.readUInt16BE(wire.length - 6)).toBe(4)
  })

  it('shows NSID as text when printable and always as hex', () => {
    expect(decodeNsid(Buffer.from('b1-lax'))).toEqual({hex: '62312d6c6178', text: 'b1-lax'})
    expect(decodeNsid(Buffer.from([0x00, 0xff, 0x10]))).toEqual({hex: '00ff10', text: null})
    expect(decodeNsid(Buffer.alloc(0)).text).toBeNull()
  })
})

describe('queries on the wire', () => {
  it('encodes EDNS with 1232 bytes, DO, RD and CHAOS class', () => {
    const wire = encodeQuery({id: 0x1234, question: makeQuestion('hostname.bind', 'TXT', 'CH'), rd: false, edns: {do: true}})
    const m = decodeMessage(wire)
    expect(m.id).toBe(0x1234)
    expect(m.flags.rd).toBe(false)
    expect(m.questions[0]).toEqual({name: 'hostname.bind', type: 'TXT', class: 'CH'})
    expect(m.edns).toMatchObject({udpPayload: 1232, do: true, version: 0})
    // QCLASS CH is 3 (RFC 1035 §3.2.4).
    expect(wire.readUInt16BE(12 + 15 + 2)).toBe(3)
  })

  it('round-trips an ECS option through dns-packet decoding', () => {
    const wire = encodeQuery({id: 9, question: makeQuestion('geo.test'), edns: {ecs: {family: 1, address: '203.0.113.99', sourcePrefix: 24}}})
    const m = decodeMessage(wire)
    expect(m.edns?.ecs).toMatchObject({address: '203.0.113.0', sourcePrefix: 24, scopePrefix: 0})
  })

  it('queries types dns-packet does not name (HTTPS, TYPE65534)', () => {
    const q = makeQuestion('svc.test', 'HTTPS')
    expect(q.type).toBe('HTTPS')
    const m = decodeMessage(encodeQuery({id: 1, question: q}))
    expect(m.questions[0].type).toBe('HTTPS')
    expect(makeQuestion('x.test', 'type65534').type).toBe('TYPE65534')
    expect(() => makeQuestion('x.test', 'BOGUS')).toThrow(/unknown record type/)
  })

  it('reads the extended rcode from OPT (BADVERS = 16)', () => {
    // Header rcode 0, OPT extended rcode 1 → 16 (RFC 6891 §6.1.3).
    const reply = encodeQuery({id: 7, question: makeQuestion('x.test'), edns: {}})
    reply.writeUInt16BE(0x8000, 2) // QR
    // OPT RR: name(1) type(2) class(2) then TTL: extended rcode is the first TTL byte.
    const optStart = reply.length - 11
    reply.writeUInt8(1, optStart + 5)
    expect(decodeMessage(reply).rcode).toBe('BADVERS')
  })

  it('refuses malformed messages with one error type', () => {
    expect(() => decodeMessage(Buffer.from('0001', 'hex'))).toThrow(/shorter than a DNS header/)
    const bad = Buffer.from('000181800001000100000000', 'hex')
    expect(() => decodeMessage(bad)).toThrow(/malformed/)
  })
})
