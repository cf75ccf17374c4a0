import {generateKeyPairSync} from 'node:crypto'
import dnsPacket from 'dns-packet'
import {describe, expect, it} from 'vitest'
import type {DnskeyRecord, Rr, RrsigRecord} from '../../../src/lib/dns/record.js'
import {parseSigTime} from '../../../src/lib/dns/zonefile.js'
import {dnskeyToPublicKey, generateKey, importRawPrivateKey, serialCompare, signRrset, signingKeyFromPrivateKey, verifyRrset, verifyRrsig} from '../../../src/lib/dnssec/index.js'
import type {SigningKey} from '../../../src/lib/dnssec/index.js'
import {MAY_2026, ROOT_DNSKEYS_2026} from './fixtures.js'
import {zone} from './helpers.js'

// RFC 8080 §6.1, with the correction of erratum 4935 (Labels 2; the published text said 3 with
// a signature that does not verify).
const RFC8080_1 = zone(`
  example.com. 3600 IN DNSKEY 257 3 15 ( l02Woi0iS8Aa25FQkUd9RMzZHJpBoRQwAQEX1SxZJA4= )
  example.com. 3600 IN MX 10 mail.example.com.
  example.com. 3600 IN RRSIG MX 15 2 3600 ( 1440021600 1438207200 3613 example.com. (
    oL9krJun7xfBOIWcGHi7mag5/hdZrKWw15jPGrHpjQeRAvTdszaPD+QLs3fx8A4M3e23mRZ9VrbpMngwcrqNAg== ) )`)
const RFC8080_1_PRIVATE = 'ODIyNjAzODQ2MjgwODAxMjI2NDUxOTAyMDQxNDIyNjI='
const RFC8080_2 = zone(`
  example.com. 3600 IN DNSKEY 257 3 15 ( zPnZ/QwEe7S8C5SPz2OfS5RR40ATk2/rYnE9xHIEijs= )
  example.com. 3600 IN MX 10 mail.example.com.
  example.com. 3600 IN RRSIG MX 15 2 3600 ( 1440021600 1438207200 35217 example.com. (
    zXQ0bkYgQTEFyfLyi9QoiY6D8ZdYo4wyUhVioYZXFdT410QPRITQSqJSnzQoSm5poJ7gD7AQR0O7KuI5k2pcBg== ) )`)
const RFC8080_2_PRIVATE = 'DSSF3o0s0f+ElWzj9E/Osxw8hLpk55chkmx0LYN5WiY='
const RFC8080_NOW = 1439000000

// RFC 6605 §6.1 and §6.2.
const RFC6605_P256 = zone(`
  example.net. 3600 IN DNSKEY 257 3 13 ( GojIhhXUN/u4v54ZQqGSnyhWJwaubCvTmeexv7bR6edb
    krSqQpF64cYbcB7wNcP+e+MAnLr+Wi9xMWyQLc8NAA== )
  www.example.net. 3600 IN A 192.0.2.1
  www.example.net. 3600 IN RRSIG A 13 3 3600 ( 20100909100439 20100812100439 55648 example.net.
    qx6wLYqmh+l9oCKTN6qIc+bw6ya+KJ8oMz0YP107epXA
    yGmt+3SNruPFKG7tZoLBLlUzGGus7ZwmwWep666VCw== )`)
const RFC6605_P256_PRIVATE = 'GU6SnQ/Ou+xC5RumuIUIuJZteXT2z0O/ok1s38Et6mQ='
const RFC6605_P384 = zone(`
  example.net. 3600 IN DNSKEY 257 3 14 ( xKYaNhWdGOfJ+nPrL8/arkwf2EY3MDJ+SErKivBVSum1
    w/egsXvSADtNJhyem5RCOpgQ6K8X1DRSEkrbYQ+OB+v8 /uX45NBwY8rp65F6Glur8I/mlVNgF6W/qTI37m40 )
  www.example.net. 3600 IN A 192.0.2.1
  www.example.net. 3600 IN RRSIG A 14 3 3600 ( 20100909102025 20100812102025 10771 example.net.
    /L5hDKIvGDyI1fcARX3z65qrmPsVz73QD1Mr5CEqOiLP
    95hxQouuroGCeZOvzFaxsT8Glr74hbavRKayJNuydCuz
    WTSSPdz7wnqXL5bdcJzusdnI0RSMROxxwGipWcJm )`)
const RFC6605_NOW = parseSigTime('20100820000000')


function split(records: Rr[]): {keys: DnskeyRecord[]; sigs: RrsigRecord[]; data: Rr[]} {
  return {
    keys: records.filter(r => r.type === 'DNSKEY') as DnskeyRecord[],
    sigs: records.filter(r => r.type === 'RRSIG') as RrsigRecord[],
    data: records.filter(r => r.type !== 'DNSKEY' && r.type !== 'RRSIG'),
  }
}

function cloneSig(sig: RrsigRecord, patch: Partial<RrsigRecord['data']> = {}): RrsigRecord {
  return {...sig, data: {...sig.data, signature: Buffer.from(sig.data.signature), ...patch}}
}

describe('RFC vectors', () => {
  it('RFC 8080 §6.1 Ed25519 example 1 verifies (key tag 3613)', () => {
    const {keys, sigs, data} = split(RFC8080_1)
    const r = verifyRrsig(data, sigs[0]!, keys[0]!, RFC8080_NOW)
    expect(r).toMatchObject({ok: true, ttl: 3600})
    expect(verifyRrset(data, sigs, keys, RFC8080_NOW)).toMatchObject({ok: true, keyTag: 3613, algorithm: 15})
  })

  it('RFC 8080 §6.1 example 2 verifies (key tag 35217)', () => {
    const {keys, sigs, data} = split(RFC8080_2)
    expect(verifyRrsig(data, sigs[0]!, keys[0]!, RFC8080_NOW).ok).toBe(true)
  })

  it('re-signing the RFC 8080 examples with their private keys gives the same (deterministic) signatures', () => {
    for (const [records, priv] of [[RFC8080_1, RFC8080_1_PRIVATE], [RFC8080_2, RFC8080_2_PRIVATE]] as const) {
      const {keys, sigs, data} = split(records)
      const key = importRawPrivateKey(15, 257, Buffer.from(priv, 'base64'))
      expect(key.dnskey.key.equals(keys[0]!.data.key)).toBe(true)
      const ours = signRrset(data, key, {signer: 'example.com', inception: 1438207200, expiration: 1440021600})
      expect(ours.data.signature.toString('base64')).toBe(sigs[0]!.data.signature.toString('base64'))
      expect(ours.data.labels).toBe(2)
    }
  })

  it('the uncorrected RFC 8080 text (Labels 3) is rejected', () => {
    const {keys, sigs, data} = split(RFC8080_1)
    const r = verifyRrsig(data, cloneSig(sigs[0]!, {labels: 3}), keys[0]!, RFC8080_NOW)
    expect(r).toMatchObject({ok: false, code: 'bad-labels'})
  })

  it('RFC 6605 §6.1 ECDSA P-256 example verifies; a fresh signature with its private key verifies too', () => {
    const {keys, sigs, data} = split(RFC6605_P256)
    expect(verifyRrsig(data, sigs[0]!, keys[0]!, RFC6605_NOW)).toMatchObject({ok: true})
    const key = importRawPrivateKey(13, 257, Buffer.from(RFC6605_P256_PRIVATE, 'base64'))
    expect(key.keyTag).toBe(55648)
    const ours = signRrset(data, key, {signer: 'example.net', inception: sigs[0]!.data.inception, expiration: sigs[0]!.data.expiration})
    expect(ours.data.signature).toHaveLength(64)
    expect(verifyRrsig(data, ours, keys[0]!, RFC6605_NOW).ok).toBe(true)
    expect({...ours.data, signature: null}).toEqual({...sigs[0]!.data, signature: null})
  })

  it('RFC 6605 §6.2 ECDSA P-384 example verifies', () => {
    const {keys, sigs, data} = split(RFC6605_P384)
    expect(verifyRrsig(data, sigs[0]!, keys[0]!, RFC6605_NOW)).toMatchObject({ok: true})
  })

  it('the real root DNSKEY RRset (RSA/SHA-256, KSK-2017) verifies in May 2026', () => {
    const {keys, sigs} = split(ROOT_DNSKEYS_2026)
    const r = verifyRrset(keys, sigs, keys, MAY_2026)
    expect(r).toMatchObject({ok: true, keyTag: 20326, algorithm: 8})
    const late = verifyRrset(keys, sigs, keys, parseSigTime('20260601000000'))
    expect(late).toMatchObject({ok: false, code: 'expired'})
    expect(late.reason).toMatch(/signature expired/)
  })
})

describe('tampering and structural checks', () => {
  const {keys, sigs, data} = split(RFC6605_P256)
  const sig = sigs[0]!
  const key = keys[0]!

  it('one flipped signature byte → bad-signature', () => {
    const bad = cloneSig(sig)
    bad.data.signature[5] ^= 0x01
    const r = verifyRrsig(data, bad, key, RFC6605_NOW)
    expect(r).toMatchObject({ok: false, code: 'bad-signature'})
    expect(r.ok ? '' : r.reason).toMatch(/does not verify/)
  })

  it('changed RDATA, Original TTL, inception or owner case', () => {
    expect(verifyRrsig([{...data[0]!, data: '192.0.2.2'}], sig, key, RFC6605_NOW)).toMatchObject({ok: false, code: 'bad-signature'})
    expect(verifyRrsig(data, cloneSig(sig, {originalTTL: 3601}), key, RFC6605_NOW)).toMatchObject({ok: false, code: 'bad-signature'})
    expect(verifyRrsig(data, cloneSig(sig, {inception: sig.data.inception + 1}), key, RFC6605_NOW)).toMatchObject({ok: false, code: 'bad-signature'})
    // owner case does not matter (canonical form), neither does the received TTL
    expect(verifyRrsig([{...data[0]!, name: 'WWW.Example.NET', ttl: 60}], sig, key, RFC6605_NOW)).toMatchObject({ok: true, ttl: 60})
  })

  it('reports a TTL above the Original TTL and caps it', () => {
    const r = verifyRrsig([{...data[0]!, ttl: 86400}], {...sig, ttl: 86400}, key, RFC6605_NOW)
    expect(r).toMatchObject({ok: true, ttl: 3600})
    expect(r.ok && r.notes.join()).toMatch(/exceeds the Original TTL/)
  })

  it('validity period: not yet valid, expired', () => {
    const early = verifyRrsig(data, sig, key, sig.data.inception - 1)
    expect(early).toMatchObject({ok: false, code: 'not-yet-valid'})
    const late = verifyRrsig(data, sig, key, sig.data.expiration + 1)
    expect(late).toMatchObject({ok: false, code: 'expired'})
    expect(late.ok ? '' : late.reason).toMatch(/signature expired at 2010-09-09T10:04:39Z/)
    expect(verifyRrsig(data, sig, key, sig.data.expiration).ok).toBe(true)
  })

  it('key tag, algorithm, owner, type, signer and flags must line up', () => {
    expect(verifyRrsig(data, cloneSig(sig, {keyTag: 1}), key, RFC6605_NOW)).toMatchObject({code: 'key-mismatch'})
    expect(verifyRrsig(data, cloneSig(sig, {typeCovered: 'AAAA'}), key, RFC6605_NOW)).toMatchObject({code: 'type-mismatch'})
    expect(verifyRrsig(data, {...sig, name: 'ftp.example.net'}, key, RFC6605_NOW)).toMatchObject({code: 'owner-mismatch'})
    expect(verifyRrsig(data, cloneSig(sig, {signersName: 'example.org'}), {...key, name: 'example.org'}, RFC6605_NOW)).toMatchObject({code: 'signer-mismatch'})
    expect(verifyRrsig(data, sig, {...key, name: 'other.example.net'}, RFC6605_NOW)).toMatchObject({code: 'signer-mismatch'})
    expect(verifyRrsig(data, cloneSig(sig, {labels: 4}), key, RFC6605_NOW)).toMatchObject({code: 'bad-labels'})
    const noZoneBit = {...key, data: {...key.data, flags: 1}}
    expect(verifyRrsig(data, cloneSig(sig, {keyTag: 55648 - 256}), noZoneBit, RFC6605_NOW)).toMatchObject({code: 'not-zone-key'})
    expect(verifyRrsig([data[0]!, {...data[0]!, type: 'AAAA', data: '::1'}], sig, key, RFC6605_NOW)).toMatchObject({code: 'bad-rrset'})
  })

  it('a malformed key is reported as such', () => {
    const bad = {...key, data: {...key.data, key: Buffer.alloc(64, 0xff)}}
    const tag = 0
    const r = verifyRrsig(data, cloneSig(sig, {keyTag: tag}), bad, RFC6605_NOW)
    expect(r.ok).toBe(false)
    expect(() => dnskeyToPublicKey({flags: 256, algorithm: 13, key: Buffer.alloc(10)})).toThrow(/64 octets/)
    expect(() => dnskeyToPublicKey({flags: 256, algorithm: 8, key: Buffer.from([3, 1, 0, 1])})).toThrow()
  })

  it('unsupported algorithms give a distinct code and make verifyRrset insecure', () => {
    const r = verifyRrsig(data, cloneSig(sig, {algorithm: 253}), {...key, data: {...key.data, algorithm: 253}}, RFC6605_NOW)
    expect(r).toMatchObject({ok: false, code: 'unsupported-algorithm'})
    const set = verifyRrset(data, [cloneSig(sig, {algorithm: 12})], keys, RFC6605_NOW)
    expect(set).toMatchObject({ok: false, code: 'unsupported-algorithm', insecure: true})
    const disabled = verifyRrset(data, sigs, keys, RFC6605_NOW, {supportedAlgorithms: new Set([8])})
    expect(disabled).toMatchObject({ok: false, insecure: true})
    // one supported but broken signature next to an unsupported one is bogus, not insecure
    const broken = cloneSig(sig)
    broken.data.signature[0] ^= 1
    expect(verifyRrset(data, [cloneSig(sig, {algorithm: 12}), broken], keys, RFC6605_NOW)).toMatchObject({ok: false, insecure: false, code: 'bad-signature'})
  })

  it('verifyRrset reports missing RRSIGs and keys, and picks the right key', () => {
    expect(verifyRrset(data, [], keys, RFC6605_NOW)).toMatchObject({ok: false, code: 'no-rrsig'})
    expect(verifyRrset(data, sigs, [], RFC6605_NOW)).toMatchObject({ok: false, code: 'no-key'})
    const other = generateKey(13, 256)
    const otherKey: DnskeyRecord = {name: 'example.net', type: 'DNSKEY', class: 'IN', ttl: 3600, data: other.dnskey}
    const r = verifyRrset(data, sigs, [otherKey, key], RFC6605_NOW)
    expect(r).toMatchObject({ok: true, keyTag: 55648})
  })
})

describe('signing round trips', () => {
  const rrset = zone(`
    www.example. 300 IN A 192.0.2.1
    www.example. 300 IN A 192.0.2.2`)
  const now = 1_700_000_000
  const asRecord = (k: SigningKey, owner = 'example'): DnskeyRecord => ({name: owner, type: 'DNSKEY', class: 'IN', ttl: 300, data: k.dnskey})

  for (const alg of [8, 10, 13, 14, 15, 16] as const) {
    it(`algorithm ${alg}: sign then verify; tampering fails`, () => {
      const key = generateKey(alg, 256, {modulusLength: 1024})
      const sig = signRrset(rrset, key, {signer: 'example', inception: now - 10, expiration: now + 3600})
      expect(verifyRrsig(rrset, sig, asRecord(key), now)).toMatchObject({ok: true})
      expect(verifyRrsig([...rrset].reverse(), sig, asRecord(key), now).ok).toBe(true)
      expect(verifyRrsig([rrset[0]!], sig, asRecord(key), now)).toMatchObject({ok: false, code: 'bad-signature'})
    })
  }

  it('RSA/SHA-1 (5 and 7) verify for legacy zones', () => {
    const {privateKey} = generateKeyPairSync('rsa', {modulusLength: 1024})
    for (const alg of [5, 7]) {
      const key = signingKeyFromPrivateKey(alg, 256, privateKey)
      const sig = signRrset(rrset, key, {signer: 'example', inception: now - 10, expiration: now + 3600})
      expect(verifyRrsig(rrset, sig, asRecord(key), now).ok).toBe(true)
    }
  })

  it('wildcard expansion: Labels below the owner label count', () => {
    const key = generateKey(15)
    const wild = zone('*.example. 300 IN TXT "hello"')
    const sig = signRrset(wild, key, {signer: 'example', inception: now - 10, expiration: now + 3600})
    expect(sig.data.labels).toBe(1)
    const expanded = wild.map(r => ({...r, name: 'a.b.example'}))
    const r = verifyRrsig(expanded, {...sig, name: 'a.b.example'}, asRecord(key), now)
    expect(r).toMatchObject({ok: true, wildcard: '*.example'})
    expect(verifyRrsig(wild, sig, asRecord(key), now)).toMatchObject({ok: true})
  })

  it('serial arithmetic: a signature spanning the 2106 wrap-around is valid', () => {
    const key = generateKey(15)
    const inception = 2 ** 32 - 100
    const expiration = 2 ** 32 + 100
    const sig = signRrset(rrset, key, {signer: 'example', inception, expiration})
    expect(sig.data.expiration).toBe(100)
    expect(serialCompare(sig.data.expiration, sig.data.inception)).toBeGreaterThan(0)
    expect(verifyRrsig(rrset, sig, asRecord(key), 2 ** 32 + 5).ok).toBe(true)
    expect(verifyRrsig(rrset, sig, asRecord(key), 2 ** 32 - 200)).toMatchObject({code: 'not-yet-valid'})
    expect(verifyRrsig(rrset, sig, asRecord(key), 2 ** 32 + 200)).toMatchObject({code: 'expired'})
  })

  it('revoked keys only validate their DNSKEY RRset', () => {
    const key = signingKeyFromPrivateKey(13, 257 | 0x80, generateKey(13).privateKey)
    const sig = signRrset(rrset, key, {signer: 'example', inception: now - 10, expiration: now + 3600})
    expect(verifyRrsig(rrset, sig, asRecord(key), now)).toMatchObject({code: 'revoked-key'})
    const keySet = [asRecord(key)]
    const keySig = signRrset(keySet, key, {signer: 'example', inception: now - 10, expiration: now + 3600})
    expect(verifyRrsig(keySet, keySig, asRecord(key), now).ok).toBe(true)
  })

  it('survives a dns-packet encode/decode round trip', () => {
    const key = generateKey(13, 257)
    const sig = signRrset(rrset, key, {signer: 'example', inception: now - 10, expiration: now + 3600})
    const packet = dnsPacket.encode({type: 'response', answers: [...rrset, sig, asRecord(key)] as dnsPacket.Answer[]})
    const decoded = dnsPacket.decode(packet).answers! as Rr[]
    const r = verifyRrset(decoded.filter(a => a.type === 'A'), decoded.filter(a => a.type === 'RRSIG') as RrsigRecord[], decoded.filter(a => a.type === 'DNSKEY') as DnskeyRecord[], now)
    expect(r).toMatchObject({ok: true, keyTag: key.keyTag})
  })
})
