import {base32HexDecode, base32HexEncode} from '../../src/lib/dnssec/base32hex.js'
import {readFileSync} from 'node:fs'
import {fileURLToPath} from 'node:url'

import dnsPacket from 'dns-packet'
import {describe, expect, it} from 'vitest'

import {
  formatRdata, formatRecord, parseRecord, parseZoneFile,
  ZoneFileError,
} from '../../src/lib/dns/zonefile.js'
import {typeName} from '../../src/lib/dns/types.js'
import {fqdn} from '../../src/lib/dns/names.js'
import type {Rr} from '../../src/lib/dns/record.js'

const NAMED_ROOT = fileURLToPath(new URL('../../data/named.root', import.meta.url))

const HINTS = `; root hints in the style of IANA's named.root
;
.                        3600000      NS    A.ROOT-SERVERS.NET.
A.ROOT-SERVERS.NET.      3600000      A     198.41.0.4
A.ROOT-SERVERS.NET.      3600000      AAAA  2001:503:ba3e::2:30
;
.                        3600000      NS    B.ROOT-SERVERS.NET.
B.ROOT-SERVERS.NET.      3600000      A     170.247.170.2
B.ROOT-SERVERS.NET.      3600000      AAAA  2801:1b8:10::b
;
.                        3600000      NS    K.ROOT-SERVERS.NET.
K.ROOT-SERVERS.NET.      3600000      A     193.0.14.129
K.ROOT-SERVERS.NET.      3600000      AAAA  2001:7fd::1
; End of file
`

/** A zone with every supported type, written the ways people write them. */
const EXAMPLE = `$ORIGIN example.test.
$TTL 1h
@   IN  SOA ns1 hostmaster (
            2024010101 ; serial
            2h         ; refresh
            30m        ; retry
            2w         ; expire
            5m )       ; negative TTL
    IN  NS  ns1
    IN  NS  ns2.example.test.
        MX  10 mail
        TXT "v=spf1 ip4:192.0.2.0/24 -all"
        CAA 0 issue "ca.example.test"
        CAA 128 iodef "mailto:security@example.test"
        DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==
        DNSKEY 256 3 ECDSAP256SHA256 ( oJMRESz5E4gYzS/q6XDrvU1qMPYIjCWzJaOau8XNEZeqCYKD5ar0IRd8KqXXFJkqmVfRvMGPmM1x8fGAa2XhSA== )
        NSEC3PARAM 1 0 0 -
ns1     3600 IN A     192.0.2.20
        IN 3600 AAAA  2001:DB8:0:0::20
ns2     A     192.0.2.21
ns2     AAAA  2001:db8::21
mail    A     192.0.2.25
www     A     192.0.2.80
        AAAA  2001:db8::80
        HTTPS 1 . alpn="h2,h3" port=443 ipv4hint=192.0.2.80 ipv6hint=2001:db8::80
svc     SVCB  0 www.example.test.
shop    CNAME cdn.other.test.
legacy  DNAME example.test.
80.2.0.192.in-addr.arpa. PTR www.example.test.
_sip._udp SRV 0 5 5060 sip
sip     A 192.0.2.26
quote   TXT "a \\"quoted\\" word" "semi;colon" back\\\\slash "\\010tab\\255" unquoted
child   NS ns.child
child   DS 12345 13 2 ( 2bb183af5f22588179a53b0a98631fad1a292118
                        07c6b0b4fa1a4234a5d8c5b8 )
ns.child A 192.0.2.27
@       RRSIG A 13 2 3600 20250101000000 20241201000000 12345 example.test. ( dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZQ== )
@       NSEC  www.example.test. A NS SOA MX TXT AAAA RRSIG NSEC DNSKEY CAA TYPE65534
0p9mhaveqvm6t7vbl5lop2u3t2rp3tom NSEC3 1 1 12 aabbccdd 2t7b4g4vsa5smi47k61mv5bv1a22bojr A RRSIG
host    HINFO "PC" "Linux"
_443._tcp.www TLSA 3 1 1 0C72AC70B745AC19998811B131D662C9AC69DBDBE7CB23E5B514B56664C5D3D6
www     SSHFP 4 2 123456789abcdef67890123456789abcdef67890123456789abcdef123456789
naptr   NAPTR 100 10 "S" "SIP+D2U" "" _sip._udp.example.test.
rp      RP  john\\.doe.example.test. txt.example.test.
odd     TYPE65534 \\# 3 abcdef
empty   TYPE65280 \\# 0
generic TYPE1 \\# 4 c0000201
*.wild  A 192.0.2.99
`

function withoutFlush(rrs: dnsPacket.Answer[]): unknown[] {
  return rrs.map((rr) => {
    const {flush: _flush, ...rest} = rr as dnsPacket.Answer & {flush?: boolean}
    return rest
  })
}

function encodeDecode(rrs: Rr[]): unknown[] {
  const wire = dnsPacket.encode({type: 'response', id: 1, answers: rrs as dnsPacket.Answer[]})
  return withoutFlush(dnsPacket.decode(wire).answers ?? [])
}

function errorOf(fn: () => unknown): ZoneFileError {
  try {
    fn()
  } catch (error) {
    if (error instanceof ZoneFileError) return error
    throw error
  }

  throw new Error('no error thrown')
}

describe('parseZoneFile: root hints', () => {
  it('parses named.root-style hints', () => {
    const rrs = parseZoneFile(HINTS)
    expect(rrs).toHaveLength(9)
    expect(rrs[0]).toEqual({name: '.', type: 'NS', class: 'IN', ttl: 3_600_000, data: 'A.ROOT-SERVERS.NET'})
    expect(rrs[1]).toEqual({name: 'A.ROOT-SERVERS.NET', type: 'A', class: 'IN', ttl: 3_600_000, data: '198.41.0.4'})
    expect(rrs[2].data).toBe('2001:503:ba3e::2:30')
    expect(formatRecord(rrs[0])).toBe('.\t3600000\tIN\tNS\tA.ROOT-SERVERS.NET.')
  })

  it('data/named.root holds 13 letters, each with NS, A and AAAA', () => {
    const text = readFileSync(NAMED_ROOT, 'utf8')
    expect(text).toMatch(/last update:\s+\w+ \d{2}, \d{4}/)
    expect(text).toMatch(/related version of root zone:\s+\d{10}/)
    const rrs = parseZoneFile(text, {fileName: 'named.root'})
    const byType = (t: string) => rrs.filter((rr) => rr.type === t)
    expect(byType('NS')).toHaveLength(13)
    expect(byType('A')).toHaveLength(13)
    expect(byType('AAAA')).toHaveLength(13)
    expect(rrs).toHaveLength(39)
    const letters = byType('NS').map((rr) => rr.data)
    expect(letters).toEqual('ABCDEFGHIJKLM'.split('').map((l) => `${l}.ROOT-SERVERS.NET`))
    for (const ns of letters) {
      expect(rrs.filter((rr) => rr.name === ns).map((rr) => rr.type).sort()).toEqual(['A', 'AAAA'])
    }

    const addr = (name: string, type: string) => rrs.find((rr) => rr.name === name && rr.type === type)?.data
    expect(addr('A.ROOT-SERVERS.NET', 'A')).toBe('198.41.0.4')
    expect(addr('B.ROOT-SERVERS.NET', 'A')).toBe('170.247.170.2')
    expect(addr('B.ROOT-SERVERS.NET', 'AAAA')).toBe('2801:1b8:10::b')
    expect(addr('K.ROOT-SERVERS.NET', 'AAAA')).toBe('2001:7fd::1')
    expect(addr('M.ROOT-SERVERS.NET', 'AAAA')).toBe('2001:dc3::35')
    expect(rrs.every((rr) => rr.ttl === 3_600_000)).toBe(true)
  })
})

describe('parseZoneFile: syntax', () => {
  const rrs = parseZoneFile(EXAMPLE, {fileName: 'example.test.zone'})
  const find = (name: string, type: string) => rrs.filter((rr) => rr.name === name && typeName(rr.type) === type)

  it('applies $ORIGIN, @, relative names and $TTL with units', () => {
    const [soa] = find('example.test', 'SOA')
    expect(soa.ttl).toBe(3600)
    expect(soa.data).toEqual({
      mname: 'ns1.example.test', rname: 'hostmaster.example.test', serial: 2_024_010_101,
      refresh: 7200, retry: 1800, expire: 1_209_600, minimum: 300,
    })
    expect(find('example.test', 'NS').map((rr) => rr.data)).toEqual(['ns1.example.test', 'ns2.example.test'])
  })

  it('repeats the previous owner for a blank owner and takes TTL/class in either order', () => {
    const aaaa = find('ns1.example.test', 'AAAA')
    expect(aaaa).toHaveLength(1)
    expect(aaaa[0].ttl).toBe(3600)
    expect(aaaa[0].data).toBe('2001:db8::20')
    expect(find('example.test', 'MX')[0].data).toEqual({preference: 10, exchange: 'mail.example.test'})
    expect(find('www.example.test', 'AAAA')[0].data).toBe('2001:db8::80')
  })

  it('reads quoted strings, escapes and \\DDD into TXT bytes', () => {
    const [txt] = find('quote.example.test', 'TXT')
    expect(txt.data.map((b: Buffer) => b.toString('latin1'))).toEqual([
      'a "quoted" word', 'semi;colon', 'back\\slash', '\ntab\u00ff', 'unquoted',
    ])
    expect(formatRdata(txt)).toBe('"a \\"quoted\\" word" "semi;colon" "back\\\\slash" "\\010tab\\255" "unquoted"')
  })

  it('joins parenthesised RDATA across lines (DS digest split in two)', () => {
    const [ds] = find('child.example.test', 'DS')
    expect(ds.data.keyTag).toBe(12_345)
    expect(ds.data.digest.toString('hex')).toBe('2bb183af5f22588179a53b0a98631fad1a29211807c6b0b4fa1a4234a5d8c5b8')
    expect(formatRdata(ds)).toBe('12345 13 2 2BB183AF5F22588179A53B0A98631FAD1A29211807C6B0B4FA1A4234A5D8C5B8')
  })

  it('accepts algorithm mnemonics and keeps DNSKEY base64', () => {
    const keys = find('example.test', 'DNSKEY')
    expect(keys.map((k) => [k.data.flags, k.data.algorithm])).toEqual([[257, 13], [256, 13]])
    expect(formatRdata(keys[0])).toBe('257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==')
  })

  it('formats RRSIG times, NSEC bitmaps and NSEC3 hashes as dig does', () => {
    expect(formatRdata(find('example.test', 'RRSIG')[0])).toBe(
      'A 13 2 3600 20250101000000 20241201000000 12345 example.test. dGhpcyBpcyBub3QgYSByZWFsIHNpZ25hdHVyZQ==',
    )
    const [nsec] = find('example.test', 'NSEC')
    expect(nsec.data.rrtypes).toContain('UNKNOWN_65534')
    expect(formatRdata(nsec)).toBe('www.example.test. A NS SOA MX TXT AAAA RRSIG NSEC DNSKEY CAA TYPE65534')
    const [nsec3] = find('0p9mhaveqvm6t7vbl5lop2u3t2rp3tom.example.test', 'NSEC3')
    expect(formatRdata(nsec3)).toBe('1 1 12 AABBCCDD 2T7B4G4VSA5SMI47K61MV5BV1A22BOJR A RRSIG')
    expect(formatRdata(find('example.test', 'NSEC3PARAM')[0])).toBe('1 0 0 -')
  })

  it('encodes HTTPS/SVCB SvcParams and formats them back', () => {
    const [https] = find('www.example.test', 'HTTPS')
    expect(https.type).toBe('UNKNOWN_65')
    expect(Buffer.isBuffer(https.data)).toBe(true)
    expect(formatRdata(https)).toBe('1 . alpn="h2,h3" port=443 ipv4hint=192.0.2.80 ipv6hint=2001:db8::80')
    expect(formatRdata(find('svc.example.test', 'SVCB')[0])).toBe('0 www.example.test.')
  })

  it('reads RFC 3597 generic RDATA for unknown and known types', () => {
    const [odd] = find('odd.example.test', 'TYPE65534')
    expect(odd.type).toBe('UNKNOWN_65534')
    expect(odd.data).toEqual(Buffer.from('abcdef', 'hex'))
    expect(formatRecord(odd)).toBe('odd.example.test.\t3600\tIN\tTYPE65534\t\\# 3 ABCDEF')
    expect(formatRdata(find('empty.example.test', 'TYPE65280')[0])).toBe('\\# 0')
    expect(find('generic.example.test', 'A')[0].data).toBe('192.0.2.1')
  })

  it('keeps an escaped dot in an RNAME/mbox label', () => {
    const [rp] = find('rp.example.test', 'RP')
    expect(rp.data.mbox).toBe('john\\.doe.example.test')
    expect(formatRdata(rp)).toBe('john\\.doe.example.test. txt.example.test.')
  })

  it('formats whole records with a tab between fields', () => {
    expect(formatRecord(find('www.example.test', 'A')[0])).toBe('www.example.test.\t3600\tIN\tA\t192.0.2.80')
    expect(formatRecord(find('example.test', 'CAA')[1])).toBe('example.test.\t3600\tIN\tCAA\t128 iodef "mailto:security@example.test"')
    expect(formatRecord(find('example.test', 'SOA')[0])).toBe(
      'example.test.\t3600\tIN\tSOA\tns1.example.test. hostmaster.example.test. 2024010101 7200 1800 1209600 300',
    )
    expect(formatRecord(find('_sip._udp.example.test', 'SRV')[0])).toBe('_sip._udp.example.test.\t3600\tIN\tSRV\t0 5 5060 sip.example.test.')
    expect(formatRecord({name: 'version.bind', type: 'TXT', class: 'CH', ttl: 0, data: ['dnsx']})).toBe('version.bind.\t0\tCH\tTXT\t"dnsx"')
  })

  it('covers every type the brief lists', () => {
    const types = new Set(rrs.map((rr) => typeName(rr.type)))
    for (const t of ['A', 'AAAA', 'NS', 'CNAME', 'DNAME', 'PTR', 'MX', 'SOA', 'TXT', 'SRV', 'CAA', 'DS', 'DNSKEY', 'RRSIG', 'NSEC', 'NSEC3', 'NSEC3PARAM', 'HTTPS', 'SVCB', 'TYPE65534']) {
      expect(types, t).toContain(t)
    }
  })
})

describe('round trips', () => {
  const rrs = parseZoneFile(EXAMPLE)

  it('parse → format → parse gives the same records', () => {
    const text = rrs.map((rr) => formatRecord(rr)).join('\n')
    expect(parseZoneFile(text)).toEqual(rrs)
  })

  it('parsed records are what dns-packet decodes from their own encoding', () => {
    expect(encodeDecode(rrs)).toEqual(rrs)
  })

  it('formats what dns-packet decodes (the hints, through the wire)', () => {
    const decoded = encodeDecode(parseZoneFile(HINTS)) as Rr[]
    expect(decoded.map((rr) => formatRecord(rr))).toContain('B.ROOT-SERVERS.NET.\t3600000\tIN\tAAAA\t2801:1b8:10::b')
  })

  it('base32hex round-trips', () => {
    const bytes = Buffer.from('00112233445566778899aabbccddeeff01234567', 'hex')
    expect(base32HexDecode(base32HexEncode(bytes))).toEqual(bytes)
    expect(base32HexEncode(Buffer.from('f', 'latin1'))).toBe('CO')
  })
})

describe('names', () => {
  it('formats names with the trailing dot and escapes as dig does (specials \\X, space and non-printables \\DDD)', () => {
    expect(fqdn('.')).toBe('.')
    expect(fqdn('www.example.test')).toBe('www.example.test.')
    expect(fqdn('a b.test')).toBe('a\\032b.test.')
    expect(fqdn('semi;colon.test')).toBe('semi\\;colon.test.')
    // A name already in presentation form (as the wire decoder gives it) is not escaped twice.
    expect(fqdn('a\\032b.test')).toBe('a\\032b.test.')
  })

  it('reads \\DDD and escaped specials in owner names', () => {
    const rr = parseRecord('a\\032b.test. 60 IN A 192.0.2.1')
    // The names module's normal form: escaped presentation, as the wire decoder gives it.
    expect(rr.name).toBe('a\\032b.test')
    expect(fqdn(rr.name)).toBe('a\\032b.test.')
    expect(parseRecord('\\065bc.test. 60 A 192.0.2.1').name).toBe('Abc.test')
    // A dot inside a label (\\.) is a label character, in owner names as in RNAMEs.
    expect(parseRecord('a\\.b.test. 60 IN A 192.0.2.1').name).toBe('a\\.b.test')
    expect(fqdn(parseRecord('a\\.b.test. 60 IN A 192.0.2.1').name)).toBe('a\\.b.test.')
  })

  it('uses opts.origin and opts.defaultTtl', () => {
    const rr = parseRecord('www A 192.0.2.1', {origin: 'example.test', defaultTtl: 42})
    expect(rr).toEqual({name: 'www.example.test', type: 'A', class: 'IN', ttl: 42, data: '192.0.2.1'})
    expect(parseRecord('@ 1d CH TXT x', {origin: '.'})).toMatchObject({name: '.', ttl: 86_400, class: 'CH'})
  })

  it('uses the last explicit TTL, then the SOA minimum, when nothing else is given', () => {
    const rrs = parseZoneFile('z.test. SOA ns.z.test. h.z.test. 1 2 3 4 77\nz.test. 500 NS ns.z.test.\nns.z.test. A 192.0.2.1', {})
    expect(rrs.map((rr) => rr.ttl)).toEqual([77, 500, 500])
  })
})

describe('errors', () => {
  it('reports the line of a bad record with file:line: prefix', () => {
    const err = errorOf(() => parseZoneFile('$ORIGIN z.test.\n$TTL 60\n\nwww A 192.0.2.1\nbad A 300.1.2.3\n', {fileName: 'z.zone'}))
    expect(err.line).toBe(5)
    expect(err.message).toMatch(/^z\.zone:5: A: bad IPv4 address "300\.1\.2\.3"$/)
    expect(err.message).not.toContain('\n')
  })

  it('reports the line where a multi-line entry starts', () => {
    const err = errorOf(() => parseZoneFile('$TTL 60\nz.test. SOA ns.z.test. h.z.test. (\n 1 2 3\n 4 x )\n'))
    expect(err.line).toBe(2)
    expect(err.message).toMatch(/^<input>:2: /)
  })

  it.each([
    ['www A 192.0.2.1\n', 1, /no origin/],
    ['$TTL 60\nx.test. FOO 1\n', 2, /unknown RR type/],
    ['$TTL 60\nx.test. TXT "open\n', 2, /unterminated quoted string/],
    ['$TTL 60\nx.test. TXT ( a\n\n', 2, /"\(" never closed/],
    ['$TTL 60\nx.test. A 192.0.2.1 )\n', 2, /without "\("/],
    ['$TTL 60\n\n x.test. A 192.0.2.1\n', 3, /no owner name/],
    ['$INCLUDE other.zone\n', 1, /\$INCLUDE is not supported/],
    ['x.test. A 192.0.2.1\n', 1, /no TTL/],
    ['$TTL 60\nx.test. TYPE65534 \\# 4 abcdef\n', 2, /says 4 bytes but the hex has 3/],
    ['$TTL 60\nx.test. TYPE65534 abcdef\n', 2, /generic form/],
    ['$TTL 60\nx.test. MX 10\n', 2, /MX: missing exchange/],
    ['$TTL 60\nx.test. A 192.0.2.1 extra\n', 2, /unexpected "extra"/],
    ['$TTL 60\nx.test. TXT "\\999"\n', 2, /bad escape/],
    [`$TTL 60\n${'a'.repeat(64)}.test. A 192.0.2.1\n`, 2, /label longer than 63/],
    ['$TTL 60\nx.test. DNSKEY 257 2 13 AAAA\n', 2, /protocol must be 3/],
    ['$TTL 60\nx.test. HTTPS 1 . bogus=1\n', 2, /unknown SvcParamKey/],
    ['$TTL 60\nx.test. RRSIG A 13 2 60 20251399000000 20240101000000 1 x.test. AAAA\n', 2, /bad signature time/],
  ])('%j fails on line %i', (text, line, pattern) => {
    const err = errorOf(() => parseZoneFile(text))
    expect(err.line).toBe(line)
    expect(err.reason).toMatch(pattern)
  })
})

describe('presentation of the types dig decodes beyond the common ones (RFC vectors)', () => {
  const loc = (lat: number, lon: number, altCm: number, size: number, hp: number, vp: number) => {
    const b = Buffer.alloc(16)
    b[0] = 0
    b[1] = size
    b[2] = hp
    b[3] = vp
    b.writeUInt32BE(2 ** 31 + lat, 4)
    b.writeUInt32BE(2 ** 31 + lon, 8)
    b.writeUInt32BE(10_000_000 + altCm, 12)
    return b
  }
  const fmt = (type: string, data: Buffer) => formatRecord({name: 'x.test', type, data}).split('\t')[4]

  it('LOC (RFC 1876 §3 and its example): hemispheres, altitude below the ellipsoid, sizes in m and cm', () => {
    // cambridge-net.kei.com. LOC 42 21 54 N 71 06 18 W -24m 30m
    expect(fmt('LOC', loc((42 * 3600 + 21 * 60 + 54) * 1000, -(71 * 3600 + 6 * 60 + 18) * 1000, -2400, 0x33, 0x16, 0x13))).toBe('42 21 54.000 N 71 6 18.000 W -24.00m 30m 10000m 10m')
    expect(fmt('LOC', loc(-(33 * 3600 + 51 * 60 + 57_500 / 1000) * 1000, (151 * 3600 + 12 * 60 + 40) * 1000, 5850, 0x50, 0x00, 0x12))).toBe('33 51 57.500 S 151 12 40.000 E 58.50m 0.05m 0.00m 1m')
    // A version other than 0 is not LOC's format: generic data.
    const v1 = loc(0, 0, 0, 0x12, 0x16, 0x13)
    v1[0] = 1
    expect(fmt('LOC', v1)).toMatch(/^\\# 16 01/)
  })

  it('URI (RFC 7553), EUI48 and EUI64 (RFC 7043), L32 (RFC 6742), ZONEMD (RFC 8976), CSYNC (RFC 7477)', () => {
    expect(fmt('URI', Buffer.concat([Buffer.from([0, 10, 0, 1]), Buffer.from('ftp://ftp1.example.com/public')]))).toBe('10 1 "ftp://ftp1.example.com/public"')
    expect(fmt('EUI48', Buffer.from('00005e00532a', 'hex'))).toBe('00-00-5e-00-53-2a')
    expect(fmt('EUI64', Buffer.from('00005eef1000002a', 'hex'))).toBe('00-00-5e-ef-10-00-00-2a')
    expect(fmt('EUI48', Buffer.from('00005e0053', 'hex'))).toBe('\\# 5 00005E0053')
    expect(fmt('L32', Buffer.from('000a0a010200', 'hex'))).toBe('10 10.1.2.0')
    const digest = 'a'.repeat(96)
    expect(fmt('ZONEMD', Buffer.concat([Buffer.from('7848b78c0101', 'hex'), Buffer.from(digest, 'hex')]))).toBe(`2018031500 1 1 ${digest.toUpperCase()}`)
    expect(fmt('CSYNC', Buffer.from('000000420003000460000008', 'hex'))).toBe('66 3 A NS AAAA')
  })
})
