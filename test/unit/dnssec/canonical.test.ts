import dnsPacket from 'dns-packet'
import {describe, expect, it} from 'vitest'
import {canonicalNameWire, compareNames, nameLabels, rrsigLabelCount, shownName} from '../../../src/lib/dns/names.js'
import {canonicalRdata, canonicalRrWire, decodeTypeBitmap, encodeTypeBitmap, sortRrset} from '../../../src/lib/dns/record.js'
import type {DnskeyData, DsData} from '../../../src/lib/dns/record.js'
import {parseRecord} from '../../../src/lib/dns/zonefile.js'
import {DEFAULT_TRUST_ANCHORS, dsDigest, keyTag} from '../../../src/lib/dnssec/index.js'
import {zone} from './helpers.js'

// RFC 4034 §5.4: the DNSKEY of dskey.example.com and its DS.
const RFC4034_DNSKEY = `dskey.example.com. 86400 IN DNSKEY 256 3 5 ( AQOeiiR0GOMYkDshWoSKz9XzfwJr1AYtsmx3TGkJaNXVbfi/2pHm822aJ5iI9BMzNXxe
                                          YCmZDRD99WYwYqUSdjMmmAphXdvxegXd/M5+X7OrzKBaMbCVdFLUUh6DhweJBjEVv5f2
                                          wwjM9XzcnOf+EPbtG9DMBmADjFDc2w/rljwvFw==
                                          ) ;  key id = 60485`
const RFC4034_DS = 'dskey.example.com. 86400 IN DS 60485 5 1 ( 2BB183AF5F22588179A53B0A 98631FAD1A292118 )'

// Root KSK-2017 / KSK-2024 as served by the root (see the nic.de chain in chain.test.ts).
const ROOT_KSK_2017 = `. 172800 IN DNSKEY 257 3 8 (
  AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlE
  xOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgC
  mr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+
  SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnX
  GXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU= )`
const ROOT_KSK_2024 = `. 172800 IN DNSKEY 257 3 8 (
  AwEAAa96jeuknZlaeSrvyAJj6ZHv28hhOKkx3rLGXVaC6rXTsDc449/cidltpkyGwCJNnOAlFNKF
  2jBosZBU5eeHspaQWOmOElZsjICMQMC3aeHbGiShvZsx4wMYSjH8e7Vrhbu6irwCzVBApESjbUdp
  WWmEnhathWu1jo+siFUiRAAxm9qyJNg/wOZqqzL/dL/q8PkcRU5oUKEpUge71M3ej2/7CPqpdVwu
  MoTvoB+ZOT4YeGyxMvHmbrxlFzGOHOijtzN+u1TQNatX2XBuzZNQ1K+s2CXkPIZo7s6JgZyvaBev
  YtxPvYLw4z9mR7K2vaF18UYH9Z9GNUUeayffKC73PYc= )`

describe('key tag and DS digest', () => {
  it('reproduces the RFC 4034 §5.4 example (key tag 60485, SHA-1 digest)', () => {
    const key = parseRecord(RFC4034_DNSKEY).data as DnskeyData
    const ds = parseRecord(RFC4034_DS).data as DsData
    expect(keyTag(key)).toBe(60485)
    expect(ds.keyTag).toBe(60485)
    const digest = dsDigest('dskey.example.com', key, 1)
    expect(digest.toString('hex').toUpperCase()).toBe('2BB183AF5F22588179A53B0A98631FAD1A292118')
    expect(digest.equals(ds.digest)).toBe(true)
    // owner case and the trailing dot do not matter
    expect(dsDigest('DSKEY.Example.COM.', key, 1).equals(digest)).toBe(true)
  })

  it('fails on any change to the key or owner', () => {
    const key = parseRecord(RFC4034_DNSKEY).data as DnskeyData
    const flipped = {...key, key: Buffer.from(key.key)}
    flipped.key[10] ^= 1
    expect(keyTag(flipped)).not.toBe(60485)
    expect(dsDigest('dskey.example.com', flipped, 1).toString('hex')).not.toBe('2bb183af5f22588179a53b0a98631fad1a292118')
    expect(dsDigest('dskey.example.net', key, 1).toString('hex')).not.toBe('2bb183af5f22588179a53b0a98631fad1a292118')
  })

  it('matches the RFC 6605 and RFC 8080 example DS records (SHA-256, SHA-384)', () => {
    const p256 = parseRecord('example.net. 3600 IN DNSKEY 257 3 13 ( GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edb krSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA== )').data as DnskeyData
    expect(keyTag(p256)).toBe(55648)
    expect(dsDigest('example.net', p256, 2).toString('hex')).toBe('b4c8c1fe2e7477127b27115656ad6256f424625bf5c1e2770ce6d6e37df61d17')
    const p384 = parseRecord(`example.net. 3600 IN DNSKEY 257 3 14 ( xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1
      w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8 /uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40 )`).data as DnskeyData
    expect(keyTag(p384)).toBe(10771)
    expect(dsDigest('example.net', p384, 4).toString('hex')).toBe('72d7b62976ce06438e9c0bf319013cf801f09ecc84b8d7e9495f27e305c6a9b0563a9b5f4d288405c3008a946df983d6')
    const ed = parseRecord('example.com. 3600 IN DNSKEY 257 3 15 ( l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4= )').data as DnskeyData
    expect(keyTag(ed)).toBe(3613)
    expect(dsDigest('example.com', ed, 2).toString('hex')).toBe('3aa5ab37efce57f737fc1627013fee07bdf241bd10f3b1964ab55c78e79a304b')
  })

  it('the shipped root anchors match the real root KSKs', () => {
    for (const [text, tag] of [[ROOT_KSK_2017, 20326], [ROOT_KSK_2024, 38696]] as const) {
      const key = parseRecord(text).data as DnskeyData
      expect(keyTag(key)).toBe(tag)
      const anchor = DEFAULT_TRUST_ANCHORS.find(a => a.data.keyTag === tag)!
      expect(anchor.data.algorithm).toBe(8)
      expect(anchor.data.digestType).toBe(2)
      expect(dsDigest('.', key, 2).equals(anchor.data.digest)).toBe(true)
    }
  })

  it('rejects unsupported digest types', () => {
    const key = parseRecord(RFC4034_DNSKEY).data as DnskeyData
    expect(() => dsDigest('dskey.example.com', key, 3)).toThrow(/unsupported DS digest type 3/)
  })

  it('uses RFC 4034 Appendix B.1 for algorithm 1', () => {
    const key: DnskeyData = {flags: 256, algorithm: 1, key: Buffer.from('0103aabbccddeeff1234', 'hex')}
    expect(keyTag(key)).toBe(0xff12)
  })
})

describe('canonical names', () => {
  it('orders names as in RFC 4034 §6.1', () => {
    const expected = ['example', 'a.example', 'yljkjljk.a.example', 'Z.a.example', 'zABC.a.EXAMPLE', 'z.example', '\\001.z.example', '*.z.example', '\\200.z.example']
    const shuffled = [...expected].reverse()
    shuffled.sort(compareNames)
    expect(shuffled).toEqual(expected)
  })

  it('lowercases only US-ASCII letters and keeps escapes', () => {
    expect(canonicalNameWire('WWW.Example.COM.').toString('hex')).toBe(canonicalNameWire('www.example.com').toString('hex'))
    expect(canonicalNameWire('.').toString('hex')).toBe('00')
    expect(canonicalNameWire('a\\.b.example').toString('hex')).toBe('03612e62076578616d706c6500')
    expect(canonicalNameWire('\\065.example')[1]).toBe(0x61)
    expect(canonicalNameWire('\\200.example')[1]).toBe(200)
    expect(nameLabels('a\\.b.example')).toHaveLength(2)
    expect(shownName('A\\.B.Example.')).toBe('a\\.b.example')
    expect(() => nameLabels('a..b')).toThrow(/empty label/)
    expect(() => nameLabels('x'.repeat(64) + '.com')).toThrow(/63/)
  })

  it('counts RRSIG labels without the root and a leading wildcard', () => {
    expect(rrsigLabelCount('.')).toBe(0)
    expect(rrsigLabelCount('www.example.com.')).toBe(3)
    expect(rrsigLabelCount('*.example.com')).toBe(2)
    expect(rrsigLabelCount('a.*.example.com')).toBe(4)
  })
})

describe('canonical RR form', () => {
  it('lowercases embedded names in MX/NS/SOA/RRSIG but not in NSEC (RFC 6840 §5.1)', () => {
    const mx = canonicalRdata('MX', {preference: 10, exchange: 'Mail.Example.COM'})
    expect(mx.toString('hex')).toBe('000a046d61696c076578616d706c6503636f6d00')
    expect(canonicalRdata('NS', 'NS1.Example').equals(canonicalRdata('NS', 'ns1.example'))).toBe(true)
    const soaUpper = canonicalRdata('SOA', {mname: 'NS.Example', rname: 'Host\\.Master.Example', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5})
    const soaLower = canonicalRdata('SOA', {mname: 'ns.example', rname: 'host\\.master.example', serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 5})
    expect(soaUpper.equals(soaLower)).toBe(true)
    const nsec = canonicalRdata('NSEC', {nextDomain: 'Host.Example', rrtypes: ['A', 'RRSIG', 'NSEC']})
    expect(nsec.subarray(0, 14).toString()).toContain('Host')
  })

  it('agrees with dns-packet encoders for lowercase data', () => {
    const cases: Array<[string, unknown]> = [
      ['A', '192.0.2.1'], ['AAAA', '2001:db8::1'], ['TXT', ['hello', 'world']],
      ['MX', {preference: 5, exchange: 'mx.example'}],
      ['SOA', {mname: 'ns.example', rname: 'hostmaster.example', serial: 7, refresh: 1, retry: 2, expire: 3, minimum: 4}],
      ['SRV', {priority: 1, weight: 2, port: 443, target: 'srv.example'}],
      ['DS', {keyTag: 1, algorithm: 8, digestType: 2, digest: Buffer.alloc(32, 7)}],
      ['DNSKEY', {flags: 257, algorithm: 13, key: Buffer.alloc(64, 3)}],
      ['NSEC', {nextDomain: 'b.example', rrtypes: ['A', 'NS', 'SOA', 'RRSIG', 'NSEC', 'DNSKEY', 'CAA']}],
      ['NSEC3', {algorithm: 1, flags: 1, iterations: 12, salt: Buffer.from('aabbccdd', 'hex'), nextDomain: Buffer.alloc(20, 9), rrtypes: ['A', 'RRSIG']}],
      ['RRSIG', {typeCovered: 'A', algorithm: 13, labels: 2, originalTTL: 300, expiration: 2, inception: 1, keyTag: 9, signersName: 'example', signature: Buffer.alloc(64, 1)}],
    ]
    const codecs = dnsPacket as unknown as Record<string, {encode(d: unknown): Buffer}>
    for (const [type, data] of cases) {
      const viaPacket = codecs[type.toLowerCase()]!.encode(data).subarray(2)
      expect(canonicalRdata(type, data).toString('hex'), type).toBe(viaPacket.toString('hex'))
    }
  })

  it('builds the canonical RR wire form with the original TTL', () => {
    const wire = canonicalRrWire({name: 'WWW.example', type: 'A', class: 'IN', ttl: 10, data: '192.0.2.1'}, {ttl: 3600})
    expect(wire.toString('hex')).toBe('03777777076578616d706c650000010001' + '00000e10' + '0004c0000201')
  })

  it('sorts an RRset by RDATA and drops duplicates (RFC 4034 §6.3)', () => {
    const rrs = zone(`
      x.example. 300 IN A 192.0.2.10
      x.example. 300 IN A 192.0.2.2
      x.example. 300 IN A 192.0.2.10
      x.example. 300 IN A 10.0.0.1`)
    expect(sortRrset(rrs).map(r => r.data)).toEqual(['10.0.0.1', '192.0.2.2', '192.0.2.10'])
    const mx = zone(`
      x.example. 300 IN MX 10 B.example.
      x.example. 300 IN MX 10 a.example.
      x.example. 300 IN MX 10 b.example.`)
    expect(sortRrset(mx)).toHaveLength(2)
  })
})

describe('type bit maps', () => {
  it('round-trips and matches dns-packet', () => {
    const types = ['A', 'NS', 'SOA', 'MX', 'TXT', 'AAAA', 'RRSIG', 'NSEC', 'DNSKEY', 'CAA']
    const bitmap = encodeTypeBitmap(types)
    expect(decodeTypeBitmap(bitmap)).toEqual(types)
    const viaPacket = dnsPacket.encode({type: 'response', answers: [{type: 'NSEC', name: 'a', data: {nextDomain: 'b', rrtypes: types}} as dnsPacket.Answer]})
    expect(viaPacket.includes(bitmap)).toBe(true)
    expect(decodeTypeBitmap(encodeTypeBitmap(['TYPE65534', 'A', 'HTTPS']))).toEqual(['A', 'HTTPS', 'TYPE65534'])
    expect(() => decodeTypeBitmap(Buffer.from([0, 40]))).toThrow()
  })
})
