import dnsPacket from 'dns-packet'
import {describe, expect, it} from 'vitest'
import {nameEquals} from '../../../src/lib/dns/names.js'
import type {DnskeyRecord, DsRecord, Rr, RrsigRecord} from '../../../src/lib/dns/record.js'
import {parseSigTime} from '../../../src/lib/dns/zonefile.js'
import {DEFAULT_TRUST_ANCHORS, generateKey, makeDs, parseTrustAnchor, signRrset, signZone, validateAnswer, validateDelegation, validateZone} from '../../../src/lib/dnssec/index.js'
import type {SigningAlgorithm, SigningKey, ZoneValidation} from '../../../src/lib/dnssec/index.js'
import {Responder, zone} from './helpers.js'
import {MAY_2026, ROOT_DNSKEYS_2026} from './fixtures.js'

const NOW = 1_750_000_000

const dnskeysOf = (records: readonly Rr[], owner: string): DnskeyRecord[] =>
  records.filter(r => r.type === 'DNSKEY' && nameEquals(r.name, owner)) as DnskeyRecord[]
const dnskeySigsOf = (records: readonly Rr[], owner: string): RrsigRecord[] =>
  records.filter(r => r.type === 'RRSIG' && nameEquals(r.name, owner) && (r as RrsigRecord).data.typeCovered === 'DNSKEY') as RrsigRecord[]

interface Lab {
  root: Responder
  test: Responder
  rootZone: ZoneValidation
  testZone: ZoneValidation
  rootKsk: SigningKey
  testKsk: SigningKey
  testRecords: Rr[]
}

const ROOT_DATA = `
  . 86400 IN SOA ns.test. admin.test. 1 7200 3600 1209600 300
  . 86400 IN NS ns.test.
  test. 86400 IN NS ns.test.
  ns.test. 86400 IN A 192.0.2.53
  insecure. 86400 IN NS ns.insecure.
  ns.insecure. 86400 IN A 192.0.2.54`

const TEST_DATA = `
  test. 3600 IN SOA ns.test. admin.test. 1 7200 3600 1209600 300
  test. 3600 IN NS ns.test.
  ns.test. 3600 IN A 192.0.2.53
  www.test. 3600 IN A 192.0.2.80
  www.test. 3600 IN A 192.0.2.81
  www.test. 3600 IN AAAA 2001:db8::80
  mail.test. 3600 IN MX 10 www.test.
  alias.test. 3600 IN CNAME www.test.
  *.wild.test. 3600 IN TXT "wildcard"
  a.b.test. 3600 IN A 192.0.2.99
  sec.test. 3600 IN NS ns.sec.test.
  ns.sec.test. 3600 IN A 192.0.2.55
  unsec.test. 3600 IN NS ns.unsec.test.
  ns.unsec.test. 3600 IN A 192.0.2.56`

function buildLab(alg: SigningAlgorithm, nsec: 'nsec' | 'nsec3', opts: {now?: number; optOut?: boolean; iterations?: number} = {}): Lab {
  const now = opts.now ?? NOW
  const rootKsk = generateKey(8, 257, {modulusLength: 1024})
  const rootZsk = generateKey(8, 256, {modulusLength: 1024})
  const testKsk = generateKey(alg, 257, {modulusLength: 1024})
  const testZsk = generateKey(alg, 256, {modulusLength: 1024})
  const secKsk = generateKey(13, 257)
  const testRecords = signZone('test', [...zone(TEST_DATA), makeDs('sec.test', secKsk)], {
    ksk: testKsk, zsk: testZsk, nsec, now, nsec3: {iterations: opts.iterations ?? 0, salt: 'ab12', optOut: opts.optOut},
  })
  const rootRecords = signZone('.', [...zone(ROOT_DATA), makeDs('test', testKsk, 2, 86400)], {ksk: rootKsk, zsk: rootZsk, nsec: 'nsec', now})
  const rootZone = validateZone({
    zone: '.', parentStatus: 'secure', ds: [makeDs('.', rootKsk)], dnskeys: dnskeysOf(rootRecords, '.'),
    dnskeyRrsigs: dnskeySigsOf(rootRecords, '.'), now,
  })
  const root = new Responder('.', rootRecords)
  const test = new Responder('test', testRecords)
  const referral = root.query('www.test', 'A')
  const delegation = validateDelegation({parentZone: '.', parentStatus: rootZone.status, parentKeys: rootZone.keys, child: 'test', records: referral.authority, now})
  const testZone = validateZone({
    zone: 'test', parentStatus: delegation.status === 'bogus' ? 'bogus' : 'secure', ds: delegation.ds, dsProofOfAbsence: delegation.dsProofOfAbsence,
    dnskeys: dnskeysOf(testRecords, 'test'), dnskeyRrsigs: dnskeySigsOf(testRecords, 'test'), now,
  })
  return {root, test, rootZone, testZone, rootKsk, testKsk, testRecords}
}

function ask(lab: Lab, qname: string, qtype: string, now = NOW) {
  const res = lab.test.query(qname, qtype)
  return validateAnswer({zone: 'test', zoneStatus: lab.testZone.status, keys: lab.testZone.keys, qname, qtype, rcode: res.rcode, answers: res.answers, authority: res.authority, now})
}

for (const alg of [8, 10, 13, 14, 15, 16] as const) {
  for (const nsec of ['nsec', 'nsec3'] as const) {
    describe(`lab round trip: algorithm ${alg}, ${nsec}`, () => {
      const lab = buildLab(alg, nsec)

      it('root and test validate from the trust anchor', () => {
        expect(lab.rootZone).toMatchObject({status: 'secure', signingKeyTag: lab.rootKsk.keyTag})
        expect(lab.testZone).toMatchObject({status: 'secure', signingKeyTag: lab.testKsk.keyTag})
        expect(lab.testZone.keys).toHaveLength(2)
      })

      it('positive answers, CNAME chain and wildcard expansion are secure', () => {
        expect(ask(lab, 'www.test', 'A')).toMatchObject({status: 'secure'})
        expect(ask(lab, 'WWW.Test', 'AAAA')).toMatchObject({status: 'secure'})
        const cname = ask(lab, 'alias.test', 'A')
        expect(cname.status).toBe('secure')
        expect(cname.rrsets.map(r => r.type)).toEqual(['CNAME', 'A'])
        const wild = ask(lab, 'foo.wild.test', 'TXT')
        expect(wild).toMatchObject({status: 'secure', denial: {ok: true, kind: 'wildcard-answer'}})
        expect(wild.rrsets[0]!.wildcard).toBe('*.wild.test')
      })

      it('NXDOMAIN, NODATA, empty non-terminal and wildcard NODATA are proven', () => {
        expect(ask(lab, 'nope.test', 'A')).toMatchObject({status: 'secure', denial: {ok: true, kind: 'nxdomain'}})
        expect(ask(lab, 'deep.nope.test', 'A')).toMatchObject({status: 'secure', denial: {ok: true, kind: 'nxdomain'}})
        expect(ask(lab, 'www.test', 'MX')).toMatchObject({status: 'secure', denial: {ok: true, kind: 'nodata'}})
        const ent = ask(lab, 'b.test', 'A')
        expect(ent.status).toBe('secure')
        expect(ent.denial?.kind).toBe(nsec === 'nsec' ? 'ent-nodata' : 'nodata')
        expect(ask(lab, 'foo.wild.test', 'A')).toMatchObject({status: 'secure', denial: {ok: true, kind: 'wildcard-nodata'}})
      })

      it('delegations: signed child has a verified DS, unsigned child is insecure', () => {
        const sec = validateDelegation({parentZone: 'test', parentStatus: 'secure', parentKeys: lab.testZone.keys, child: 'sec.test', records: lab.test.query('www.sec.test', 'A').authority, now: NOW})
        expect(sec.status).toBe('secure')
        expect(sec.ds).toHaveLength(1)
        const unsec = validateDelegation({parentZone: 'test', parentStatus: 'secure', parentKeys: lab.testZone.keys, child: 'unsec.test', records: lab.test.query('www.unsec.test', 'A').authority, now: NOW})
        expect(unsec).toMatchObject({status: 'secure', ds: null, dsProofOfAbsence: {ok: true, insecureDelegation: true}})
        const child = validateZone({zone: 'unsec.test', parentStatus: 'secure', ds: unsec.ds, dsProofOfAbsence: unsec.dsProofOfAbsence, dnskeys: [], dnskeyRrsigs: [], now: NOW})
        expect(child.status).toBe('insecure')
      })

      it('one tampered byte makes the answer bogus with a clear reason', () => {
        const res = lab.test.query('www.test', 'A')
        const answers = res.answers.map(r => r.type === 'RRSIG'
          ? {...r, data: {...(r as RrsigRecord).data, signature: Buffer.from((r as RrsigRecord).data.signature)}}
          : r)
        const sig = answers.find(r => r.type === 'RRSIG') as RrsigRecord
        sig.data.signature[sig.data.signature.length - 1] ^= 0x40
        const v = validateAnswer({zone: 'test', zoneStatus: 'secure', keys: lab.testZone.keys, qname: 'www.test', qtype: 'A', rcode: 'NOERROR', answers, authority: [], now: NOW})
        expect(v.status).toBe('bogus')
        expect(v.reason).toMatch(/does not verify|verification error/)
      })
    })
  }
}

describe('lab failure modes', () => {
  const lab = buildLab(13, 'nsec3')

  it('tampered RDATA is bogus', () => {
    const res = lab.test.query('www.test', 'A')
    const answers = res.answers.map(r => (r.type === 'A' && r.data === '192.0.2.80' ? {...r, data: '203.0.113.1'} : r))
    const v = validateAnswer({zone: 'test', zoneStatus: 'secure', keys: lab.testZone.keys, qname: 'www.test', qtype: 'A', rcode: 'NOERROR', answers, authority: [], now: NOW})
    expect(v.status).toBe('bogus')
  })

  it('a NXDOMAIN without proof, or with a tampered proof, is bogus', () => {
    const res = lab.test.query('nope.test', 'A')
    const bare = validateAnswer({zone: 'test', zoneStatus: 'secure', keys: lab.testZone.keys, qname: 'nope.test', qtype: 'A', rcode: 'NXDOMAIN', answers: [], authority: [], now: NOW})
    expect(bare.status).toBe('bogus')
    expect(bare.reason).toMatch(/no NSEC or NSEC3/)
    const forged = res.authority.map(r => (r.type === 'NSEC3' ? {...r, data: {...(r.data as object), rrtypes: ['A']}} : r))
    const v = validateAnswer({zone: 'test', zoneStatus: 'secure', keys: lab.testZone.keys, qname: 'nope.test', qtype: 'A', rcode: 'NXDOMAIN', answers: [], authority: forged, now: NOW})
    expect(v.status).toBe('bogus')
  })

  it('a NXDOMAIN for an existing name is bogus even with valid signatures', () => {
    const proof = lab.test.query('nope.test', 'A').authority
    const v = validateAnswer({zone: 'test', zoneStatus: 'secure', keys: lab.testZone.keys, qname: 'www.test', qtype: 'A', rcode: 'NXDOMAIN', answers: [], authority: proof, now: NOW})
    expect(v.status).toBe('bogus')
  })

  it('an expired zone is bogus with "signature expired"', () => {
    const later = NOW + 40 * 86400
    const z = validateZone({zone: 'test', parentStatus: 'secure', ds: [makeDs('test', lab.testKsk)], dnskeys: dnskeysOf(lab.testRecords, 'test'), dnskeyRrsigs: dnskeySigsOf(lab.testRecords, 'test'), now: later})
    expect(z.status).toBe('bogus')
    expect(z.reason).toMatch(/signature expired/)
    const a = ask(lab, 'www.test', 'A', later)
    expect(a.status).toBe('bogus')
    expect(a.reason).toMatch(/signature expired/)
  })

  it('unknown or disabled algorithms make the zone insecure, not bogus', () => {
    const ds = makeDs('test', lab.testKsk)
    const unknown: DsRecord = {...ds, data: {...ds.data, algorithm: 253}}
    const z = validateZone({zone: 'test', parentStatus: 'secure', ds: [unknown], dnskeys: dnskeysOf(lab.testRecords, 'test'), dnskeyRrsigs: dnskeySigsOf(lab.testRecords, 'test'), now: NOW})
    expect(z.status).toBe('insecure')
    expect(z.reason).toMatch(/unsupported algorithm 253/)
    const disabled = validateZone({zone: 'test', parentStatus: 'secure', ds: [ds], dnskeys: dnskeysOf(lab.testRecords, 'test'), dnskeyRrsigs: dnskeySigsOf(lab.testRecords, 'test'), now: NOW, options: {supportedAlgorithms: new Set([8])}})
    expect(disabled.status).toBe('insecure')
    const digest = validateZone({zone: 'test', parentStatus: 'secure', ds: [{...ds, data: {...ds.data, digestType: 99}}], dnskeys: dnskeysOf(lab.testRecords, 'test'), dnskeyRrsigs: dnskeySigsOf(lab.testRecords, 'test'), now: NOW})
    expect(digest.status).toBe('insecure')
  })

  it('DS problems: wrong digest, no DNSKEY, strong digest preferred over SHA-1 (RFC 4509)', () => {
    const ds = makeDs('test', lab.testKsk)
    const keys = dnskeysOf(lab.testRecords, 'test')
    const sigs = dnskeySigsOf(lab.testRecords, 'test')
    const wrong: DsRecord = {...ds, data: {...ds.data, digest: Buffer.alloc(32)}}
    const bad = validateZone({zone: 'test', parentStatus: 'secure', ds: [wrong], dnskeys: keys, dnskeyRrsigs: sigs, now: NOW})
    expect(bad.status).toBe('bogus')
    expect(bad.reason).toMatch(/digest does not match/)
    expect(validateZone({zone: 'test', parentStatus: 'secure', ds: [ds], dnskeys: [], dnskeyRrsigs: [], now: NOW}).status).toBe('bogus')
    const sha1 = makeDs('test', lab.testKsk, 1)
    expect(validateZone({zone: 'test', parentStatus: 'secure', ds: [sha1, wrong], dnskeys: keys, dnskeyRrsigs: sigs, now: NOW}).status).toBe('bogus')
    expect(validateZone({zone: 'test', parentStatus: 'secure', ds: [sha1], dnskeys: keys, dnskeyRrsigs: sigs, now: NOW}).status).toBe('secure')
    // a DS pointing at the ZSK: the DNSKEY RRset is only signed by the KSK
    const zsk = keys.find(k => k.data.flags === 256)!
    const zskDs = makeDs('test', zsk.data)
    const viaZsk = validateZone({zone: 'test', parentStatus: 'secure', ds: [zskDs], dnskeys: keys, dnskeyRrsigs: sigs, now: NOW})
    expect(viaZsk.status).toBe('bogus')
    expect(viaZsk.reason).toMatch(/not validly signed by a key its DS points to/)
  })

  it('parent status propagates; secure parent without DS and without proof is bogus', () => {
    const base = {zone: 'test', ds: null, dnskeys: [], dnskeyRrsigs: [], now: NOW}
    expect(validateZone({...base, parentStatus: 'insecure'}).status).toBe('insecure')
    expect(validateZone({...base, parentStatus: 'bogus'}).status).toBe('bogus')
    expect(validateZone({...base, parentStatus: 'indeterminate'})).toMatchObject({status: 'indeterminate', reason: expect.stringMatching(/no trust anchor covers/)})
    expect(validateZone({...base, parentStatus: 'secure'})).toMatchObject({status: 'bogus', reason: expect.stringMatching(/absence is not proven/)})
    expect(validateZone({...base, parentStatus: 'secure', dsProofOfAbsence: {ok: false, reason: 'nope'}}).status).toBe('bogus')
  })

  it('the root proves an unsigned TLD insecure', () => {
    const referral = lab.root.query('www.insecure', 'A')
    const d = validateDelegation({parentZone: '.', parentStatus: 'secure', parentKeys: lab.rootZone.keys, child: 'insecure', records: referral.authority, now: NOW})
    expect(d).toMatchObject({status: 'secure', ds: null, dsProofOfAbsence: {ok: true}})
    // the same proof cannot be reused for the signed TLD
    const stolen = validateDelegation({parentZone: '.', parentStatus: 'secure', parentKeys: lab.rootZone.keys, child: 'test', records: referral.authority, now: NOW})
    expect(stolen.status).toBe('bogus')
  })

  it('a child-zone NSEC3 cannot deny the child DS at the parent', () => {
    const childSide = lab.test.query('test', 'DS')
    const d = validateDelegation({parentZone: '.', parentStatus: 'secure', parentKeys: lab.rootZone.keys, child: 'test', records: childSide.authority, now: NOW})
    expect(d.status).toBe('bogus')
  })

  it('an answer signed by a different zone is not accepted', () => {
    const res = lab.root.query('.', 'SOA')
    const v = validateAnswer({zone: 'test', zoneStatus: 'secure', keys: lab.testZone.keys, qname: 'test', qtype: 'SOA', rcode: 'NOERROR', answers: res.answers.map(r => ({...r, name: 'test'})), authority: [], now: NOW})
    expect(v.status).toBe('bogus')
  })

  it('insecure and bogus zones pass their status to answers', () => {
    const res = lab.test.query('www.test', 'A')
    expect(validateAnswer({zone: 'test', zoneStatus: 'insecure', keys: [], qname: 'www.test', qtype: 'A', rcode: 0, answers: res.answers, now: NOW}).status).toBe('insecure')
    expect(validateAnswer({zone: 'test', zoneStatus: 'bogus', keys: [], qname: 'www.test', qtype: 'A', rcode: 0, answers: res.answers, now: NOW}).status).toBe('bogus')
  })
})

describe('NSEC3 variants', () => {
  it('Opt-Out: the unsigned delegation is absent from the chain and proven insecure', () => {
    const lab = buildLab(15, 'nsec3', {optOut: true})
    expect(lab.testRecords.filter(r => r.type === 'NSEC3').every(r => (r.data as {flags: number}).flags === 1)).toBe(true)
    const d = validateDelegation({parentZone: 'test', parentStatus: 'secure', parentKeys: lab.testZone.keys, child: 'unsec.test', records: lab.test.query('www.unsec.test', 'A').authority, now: NOW})
    expect(d).toMatchObject({status: 'insecure', dsProofOfAbsence: {ok: true, optOut: true}})
    // names in Opt-Out spans are only provably absent insecurely
    expect(ask(lab, 'nope.test', 'A').status).toBe('insecure')
    expect(ask(lab, 'www.test', 'A').status).toBe('secure')
  })

  it('NSEC3 above the iteration limit is insecure (RFC 9276)', () => {
    const lab = buildLab(13, 'nsec3', {iterations: 200})
    const v = ask(lab, 'nope.test', 'A')
    expect(v.status).toBe('insecure')
    expect(v.reason).toMatch(/200 iterations/)
  })
})

describe('signZone output', () => {
  const ksk = generateKey(15, 257)
  const zsk = generateKey(15, 256)

  it('does not sign delegation NS or glue; signs DS; NSEC at the cut lists NS DS RRSIG NSEC', () => {
    const signed = signZone('test', [...zone(TEST_DATA), makeDs('sec.test', generateKey(13, 257))], {ksk, zsk, nsec: 'nsec', now: NOW})
    const sigs = signed.filter(r => r.type === 'RRSIG') as RrsigRecord[]
    const covered = (name: string, type: string) => sigs.some(s => s.name === name && s.data.typeCovered === type)
    expect(covered('sec.test', 'NS')).toBe(false)
    expect(covered('sec.test', 'DS')).toBe(true)
    expect(covered('ns.sec.test', 'A')).toBe(false)
    expect(covered('unsec.test', 'NS')).toBe(false)
    expect(covered('test', 'NS')).toBe(true)
    expect(covered('test', 'DNSKEY')).toBe(true)
    expect(sigs.filter(s => s.data.typeCovered === 'DNSKEY').map(s => s.data.keyTag)).toEqual([ksk.keyTag])
    expect(sigs.filter(s => s.data.typeCovered === 'A' && s.name === 'www.test').map(s => s.data.keyTag)).toEqual([zsk.keyTag])
    const nsecOf = (name: string) => signed.find(r => r.type === 'NSEC' && r.name === name)?.data as {nextDomain: string; rrtypes: string[]} | undefined
    expect(nsecOf('sec.test')!.rrtypes).toEqual(['NS', 'DS', 'RRSIG', 'NSEC'])
    expect(nsecOf('unsec.test')!.rrtypes).toEqual(['NS', 'RRSIG', 'NSEC'])
    expect(nsecOf('ns.sec.test')).toBeUndefined()
    expect(nsecOf('test')!.rrtypes).toEqual(['NS', 'SOA', 'RRSIG', 'NSEC', 'DNSKEY'])
    expect(nsecOf('*.wild.test')).toBeDefined()
    const ttl = signed.find(r => r.type === 'NSEC')!.ttl
    expect(ttl).toBe(300)
    const chain = signed.filter(r => r.type === 'NSEC').map(r => r.name)
    // RFC 4034 §6.1 order: compared from the rightmost label
    expect(chain).toEqual(['test', 'alias.test', 'a.b.test', 'mail.test', 'ns.test', 'sec.test', 'unsec.test', '*.wild.test', 'www.test'])
    expect(nsecOf('www.test')!.nextDomain).toBe('test')
  })

  it('NSEC3 adds NSEC3PARAM and empty non-terminals; delegation bitmaps', () => {
    const signed = signZone('test', zone(TEST_DATA), {ksk, nsec: 'nsec3', now: NOW, nsec3: {salt: 'aabbccdd', iterations: 1}})
    const param = signed.find(r => r.type === 'NSEC3PARAM')!
    expect((param.data as Buffer).toString('hex')).toBe('01000001' + '04aabbccdd')
    const nsec3 = signed.filter(r => r.type === 'NSEC3')
    // test, ns, www, mail, alias, *.wild, wild (ENT), a.b, b (ENT), sec, unsec
    expect(nsec3).toHaveLength(11)
    const empty = nsec3.filter(r => (r.data as {rrtypes: string[]}).rrtypes.length === 0)
    expect(empty).toHaveLength(2)
    expect(nsec3.some(r => (r.data as {rrtypes: string[]}).rrtypes.join(' ') === 'NS')).toBe(true)
    expect(nsec3.some(r => (r.data as {rrtypes: string[]}).rrtypes.join(' ') === 'NS SOA RRSIG DNSKEY NSEC3PARAM')).toBe(true)
  })

  it('refuses records outside the zone and replaces old signatures', () => {
    expect(() => signZone('test', zone('www.example. 300 IN A 192.0.2.1'), {ksk, nsec: 'nsec', now: NOW})).toThrow(/outside zone/)
    const once = signZone('test', zone(TEST_DATA), {ksk, nsec: 'nsec', now: NOW})
    const twice = signZone('test', once, {ksk, nsec: 'nsec', now: NOW})
    expect(twice.filter(r => r.type === 'RRSIG')).toHaveLength(once.filter(r => r.type === 'RRSIG').length)
    expect(twice.filter(r => r.type === 'DNSKEY')).toHaveLength(1)
  })

  it('signed zones survive a dns-packet encode/decode round trip', () => {
    const signed = signZone('test', zone(TEST_DATA), {ksk, zsk, nsec: 'nsec3', now: NOW})
    const decoded = dnsPacket.decode(dnsPacket.encode({type: 'response', answers: signed as dnsPacket.Answer[]})).answers as Rr[]
    expect(decoded).toHaveLength(signed.length)
    const z = validateZone({zone: 'test', parentStatus: 'secure', ds: [makeDs('test', ksk)], dnskeys: dnskeysOf(decoded, 'test'), dnskeyRrsigs: dnskeySigsOf(decoded, 'test'), now: NOW})
    expect(z.status).toBe('secure')
    const responder = new Responder('test', decoded)
    for (const [q, t] of [['www.test', 'A'], ['nope.test', 'A'], ['www.test', 'MX'], ['x.wild.test', 'TXT']] as const) {
      const res = responder.query(q, t)
      const v = validateAnswer({zone: 'test', zoneStatus: z.status, keys: z.keys, qname: q, qtype: t, rcode: res.rcode, answers: res.answers, authority: res.authority, now: NOW})
      expect(v.status, `${q}/${t}: ${v.reason}`).toBe('secure')
    }
  })

  it('RSA-2048 keys by default', () => {
    const rsa = generateKey(8, 257)
    expect(rsa.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048)
    const sig = signRrset(zone('x.test. 60 IN A 192.0.2.1'), rsa, {signer: 'test', inception: NOW, expiration: NOW + 60})
    expect(sig.data.signature).toHaveLength(256)
  })
})

describe('a real chain: root → de → nic.de (May 2026)', () => {
  const rootKeys = ROOT_DNSKEYS_2026.filter(r => r.type === 'DNSKEY') as DnskeyRecord[]
  const rootSigs = ROOT_DNSKEYS_2026.filter(r => r.type === 'RRSIG') as RrsigRecord[]
  const deReferral = zone(`
    de. 172800 IN NS a.nic.de.
    de. 86400 IN DS 26755 8 2 f341357809a5954311ccb82ade114c6c1d724a75c0395137aa3978035425e78d
    de. 86400 IN RRSIG DS 8 1 86400 ( 20260518220000 20260505210000 54393 .
      l9rLveoLYfo1dEQA3BZL7tVwfDNzYJdefCr1D/nvla3I7CqKczop5WygwqXn3pX+mKCBbvPUi48R
      0wXTiErP6jgi+vJhNKySQyGd3f3BhqXa6MQVLgFu56VBcN7Dlv9oMsonETCUmAJFqGHk4XYeJeQe
      dWi+F4r7TNUp0xiBkgM4ojLQYl8yNFhOjRk4NW7hNamyd4yD7asFYP9P76iKV2FYgO5YNoqglfv5
      KiFrZ8DkUmbpS/fkomZgud1UDGyJcZIX5M4PPfamO+1RAuV0cjb4MR0FBPcmyMp997/h1R6Ria40
      KEFLthQ+oybKI4Vx14m3ul/skXOHSnRUl4pd0Q== )`)
  const deKeys = zone(`
    de. 3600 IN DNSKEY 256 3 8 ( AwEAAbTe1PJi8EgIudNGb+KRTxBL2aCu5rXkZ+aIe/TC88pwRdrXYeXODp1ihZWFop5CrbWRBLrk
      /YUPBE8aBc6oJP+58dSkdMLYkjSkmvdvYx+zXnRLWlF2bapxvZxshATJDfGjGbCiWxKEOoyRx3Uh
      ICtHC+cUSddsEvzfacUcBb6n )
    de. 3600 IN DNSKEY 257 3 8 ( AwEAAbWUSd/QN9Ae543xzdiacY6qbjwtZ21QfmdgxRdm4Z7bjjHWy249uqxCyjjjoS4LDoRDKmj7
      ElffMKvTWKE1qFKu0p8TUy4wyhX0M+m5FUjvQ3CiZMi+qY7GSHA5B+Zd73cidmnTeb3e8lso6jEs
      Xg05/VZ2AyAqWF6FexEIFxIqiwwLk4UP0BwZ17Ur3q1qx9VSbPMyHgQ9d6nHUN1EEJsTDA2v0vKu
      msUyp74ZanRZ/bB/6IzpaaZyr5BLF5pSCNdbRNjVmkwYD0993vm79LueyOeibsoHRc16jhALrIJo
      u1PFjdq7YQsYN0KtqRiJtaAfPprDBREpeamPuW/MnW0= )
    de. 3600 IN RRSIG DNSKEY 8 1 3600 ( 20260519214514 20260505201514 26755 de.
      IWnqDiWjLds8qCj1oGw7tSz4TIC9W1V73DdCueAbne3qL0KynvsCC/o0kLwgW1Pd0Ky99Dv+1cab
      R4Ln4JGZSbYdFJFbMoVdNZt7gKDvgxb5rAWPSZIz9SM/dBwl1ahVm3CXousaSwX81BhS2JuSokXm
      2+WJihVPC8sgwyy8Ir8ESyNjO/V6kaQdeh3CfaO/+4ttKNWDMT+Uv0Bd5oXyFdNWNyoCAk77aiJj
      9LtiCtk8H+9TzCi1MAHdgq+M7VCCe2VuR8oDh7UnhcRMkADm99Lz0nucvK9e2wdoEUkO+fSiWKRv
      5D59D5RTGCJqUu4h2HCobmQoVOwVnuIifoVs9Q== )`)
  const nicDeAnswer = zone(`
    nic.de. 86400 IN DS 26155 8 2 2f06c8cdf8673a2e98d72c8b7ab6067d9318458b3d9edccde1c5ef793c0c565d
    nic.de. 86400 IN RRSIG DS 8 2 86400 ( 20260519214514 20260505201514 32911 de.
      U5wHLSgRY9ElxiaIyUhDHXpxTtP01LpuDzsofEvxv4hUm1ZNleSG/mrL2eJtTzSQQwC1chiWd4c0
      dCxOKBht4AzbafQv2jkE1nLxKUndTD8p48mclnF1DaYBZwMW+PsKFa3BGVmmK2vYcQMSXBfTgB9q
      g7nhUWc+0mIXc1VcNbY= )`)

  it('validates every link from the shipped trust anchor', () => {
    const root = validateZone({zone: '.', parentStatus: 'secure', ds: [...DEFAULT_TRUST_ANCHORS], dnskeys: rootKeys, dnskeyRrsigs: rootSigs, now: MAY_2026})
    expect(root).toMatchObject({status: 'secure', signingKeyTag: 20326})
    expect(root.dsMatches.filter(m => m.matched).map(m => m.keyTag).sort()).toEqual([20326, 38696])
    const de = validateDelegation({parentZone: '.', parentStatus: root.status, parentKeys: root.keys, child: 'de', records: deReferral, now: MAY_2026})
    expect(de.status).toBe('secure')
    const deZone = validateZone({zone: 'de', parentStatus: 'secure', ds: de.ds, dnskeys: deKeys.filter(r => r.type === 'DNSKEY') as DnskeyRecord[], dnskeyRrsigs: deKeys.filter(r => r.type === 'RRSIG') as RrsigRecord[], now: MAY_2026})
    expect(deZone).toMatchObject({status: 'secure', signingKeyTag: 26755})
    const nic = validateDelegation({parentZone: 'de', parentStatus: deZone.status, parentKeys: deZone.keys, child: 'nic.de', records: nicDeAnswer, now: MAY_2026})
    expect(nic.status).toBe('secure')
    expect(nic.ds![0]!.data.keyTag).toBe(26155)
  })

  it('a modified DS digest is bogus', () => {
    const root = validateZone({zone: '.', parentStatus: 'secure', ds: [...DEFAULT_TRUST_ANCHORS], dnskeys: rootKeys, dnskeyRrsigs: rootSigs, now: MAY_2026})
    const tampered = deReferral.map(r => (r.type === 'DS' ? {...r, data: {...(r.data as object), digest: Buffer.from('f341357809a5954311ccb82ade114c6c1d724a75c0395137aa3978035425e78e', 'hex')}} : r))
    const de = validateDelegation({parentZone: '.', parentStatus: 'secure', parentKeys: root.keys, child: 'de', records: tampered, now: MAY_2026})
    expect(de.status).toBe('bogus')
    expect(de.reason).toMatch(/does not verify/)
  })

  it('a wrong trust anchor makes the root bogus', () => {
    const wrong = parseTrustAnchor('. 86400 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8E')
    const root = validateZone({zone: '.', parentStatus: 'secure', ds: wrong, dnskeys: rootKeys, dnskeyRrsigs: rootSigs, now: MAY_2026})
    expect(root.status).toBe('bogus')
  })
})

describe('parseTrustAnchor', () => {
  it('reads zone-file DS records, with comments, parentheses and split digests', () => {
    const ds = parseTrustAnchor(`; root
      .   86400 IN DS 20326 8 2 ( E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC68345710
                                  4237C7F8EC8D )
      . IN 86400 DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16`)
    expect(ds.map(d => d.data.keyTag)).toEqual([20326, 38696])
    expect(ds[0]!.data.digest.equals(DEFAULT_TRUST_ANCHORS[0]!.data.digest)).toBe(true)
    expect(ds[0]!.name).toBe('.')
  })

  it('converts DNSKEY anchors to SHA-256 DS records', () => {
    const [ds] = parseTrustAnchor(`. 172800 IN DNSKEY 257 3 8 AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3+/4RgWOq7HrxRixHlFlExOLAJr5emLvN7SWXgnLh4+B5xQlNVz8Og8kvArMtNROxVQuCaSnIDdD5LKyWbRd2n9WGe2R8PzgCmr3EgVLrjyBxWezF0jLHwVN8efS3rCj/EWgvIWgb9tarpVUDK/b58Da+sqqls3eNbuv7pr+eoZG+SrDK6nWeL3c6H5Apxz7LjVc1uTIdsIXxuOLYA4/ilBmSVIzuDWfdRUfhHdY6+cn8HFRm+2hM8AnXGXws9555KrUB5qihylGa8subX2Nn6UwNR1AkUTV74bU=`)
    expect(ds!.data).toMatchObject({keyTag: 20326, algorithm: 8, digestType: 2})
    expect(ds!.data.digest.equals(DEFAULT_TRUST_ANCHORS[0]!.data.digest)).toBe(true)
  })

  it('reads IANA root-anchors.xml and honours validFrom / validUntil', () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<TrustAnchor id="E9724F53-1851-4F86-85E5-F1392102940B" source="http://data.iana.org/root-anchors/root-anchors.xml">
<Zone>.</Zone>
<KeyDigest id="Kjqmt7v" validFrom="2010-07-15T00:00:00+00:00" validUntil="2019-01-11T00:00:00+00:00">
<KeyTag>19036</KeyTag>
<Algorithm>8</Algorithm>
<DigestType>2</DigestType>
<Digest>49AAC11D7B6F6446702E54A1607371607A1A41855200FD2CE1CDDE32F24E8FB5</Digest>
</KeyDigest>
<KeyDigest id="Klajeyz" validFrom="2017-02-02T00:00:00+00:00">
<KeyTag>20326</KeyTag>
<Algorithm>8</Algorithm>
<DigestType>2</DigestType>
<Digest>E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D</Digest>
<PublicKey>AwEAAaz/tAm8yTn4Mfeh5eyI96WSVexTBAvkMgJzkKTOiW1vkIbzxeF3</PublicKey>
<Flags>257</Flags>
</KeyDigest>
<KeyDigest id="Kmyv6jo" validFrom="2024-07-18T00:00:00+00:00">
<KeyTag>38696</KeyTag>
<Algorithm>8</Algorithm>
<DigestType>2</DigestType>
<Digest>683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16</Digest>
</KeyDigest>
</TrustAnchor>`
    expect(parseTrustAnchor(xml, {now: MAY_2026}).map(d => d.data.keyTag)).toEqual([20326, 38696])
    expect(parseTrustAnchor(xml, {now: parseSigTime('20180101000000')}).map(d => d.data.keyTag)).toEqual([19036, 20326])
    const anchors = parseTrustAnchor(xml, {now: MAY_2026})
    expect(anchors[1]!.data.digest.equals(DEFAULT_TRUST_ANCHORS[1]!.data.digest)).toBe(true)
    expect(() => parseTrustAnchor('<TrustAnchor><Zone>.</Zone></TrustAnchor>')).toThrow(/no currently valid KeyDigest/)
  })

  it('validates every field of an anchor: key tag, algorithm, digest type and digest length', () => {
    const kd = (body: string) => `<TrustAnchor><Zone>.</Zone><KeyDigest id="K1" validFrom="2017-02-02T00:00:00+00:00">${body}</KeyDigest></TrustAnchor>`
    const good = {tag: '20326', alg: '8', dt: '2', digest: 'E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D'}
    const xml = (o: Partial<typeof good>) => {
      const v = {...good, ...o}
      return kd(`<KeyTag>${v.tag}</KeyTag><Algorithm>${v.alg}</Algorithm><DigestType>${v.dt}</DigestType><Digest>${v.digest}</Digest>`)
    }
    expect(parseTrustAnchor(xml({}), {now: MAY_2026})).toHaveLength(1)
    // An entity reference once became NaN and was accepted.
    expect(() => parseTrustAnchor(xml({tag: '&lol9;'}), {now: MAY_2026})).toThrow('malformed KeyDigest K1 in trust anchor XML: KeyTag "&lol9;" is not a number')
    expect(() => parseTrustAnchor(xml({tag: '70000'}), {now: MAY_2026})).toThrow('trust anchor DS 70000 for .: key tag must be 0–65535')
    expect(() => parseTrustAnchor(xml({alg: '99'}), {now: MAY_2026})).toThrow('unknown algorithm 99')
    expect(() => parseTrustAnchor(xml({dt: '9'}), {now: MAY_2026})).toThrow('unknown digest type 9')
    expect(() => parseTrustAnchor(xml({digest: 'E06D44B8'}), {now: MAY_2026})).toThrow('a digest of type 2 has 32 octets, not 4')
    expect(() => parseTrustAnchor(xml({digest: 'XYZ'}), {now: MAY_2026})).toThrow('Digest "XYZ" is not hex')
    expect(() => parseTrustAnchor('<!DOCTYPE x [<!ENTITY lol "lol">]>' + xml({}), {now: MAY_2026})).toThrow('DOCTYPE or ENTITY declaration is not accepted')
    // Presentation-format anchors are held to the same rules.
    // Algorithm mnemonics are valid presentation format (RFC 4034 §A.1).
    expect(parseTrustAnchor('example.com. 3600 IN DS 30899 RSASHA1 1 E6C1716CFB6BDC84E84CE1AB5510DAC69173B5B2')[0]!.data).toMatchObject({keyTag: 30899, algorithm: 5, digestType: 1})
    expect(parseTrustAnchor('example.com. 3600 IN DS 30899 ECDSAP256SHA256 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D')[0]!.data.algorithm).toBe(13)
    expect(() => parseTrustAnchor('. 86400 IN DS 20326 8 2 E06D44B8')).toThrow('a digest of type 2 has 32 octets, not 4')
    expect(() => parseTrustAnchor('. 86400 IN DS 20326 200 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D')).toThrow('unknown algorithm 200')
  })

  it('rejects text without anchors', () => {
    expect(() => parseTrustAnchor('; nothing here\n')).toThrow(/no DS or DNSKEY/)
    // The one zone-file reader's wording: FILE:LINE: TYPE: field: what is wrong.
    expect(() => parseTrustAnchor('. 86400 IN DS 20326 8 2 XYZ')).toThrow(/^<input>:1: DS: digest: bad hexadecimal "XYZ"$/)
  })
})

describe('DNAME', () => {
  const ksk = generateKey(13, 257)
  const signed = signZone('test', zone(`
    test. 3600 IN SOA ns.test. admin.test. 1 7200 3600 1209600 300
    old.test. 3600 IN DNAME new.test.
    www.new.test. 3600 IN A 192.0.2.7`), {ksk, nsec: 'nsec', now: NOW})
  const z = validateZone({zone: 'test', parentStatus: 'secure', ds: [makeDs('test', ksk)], dnskeys: dnskeysOf(signed, 'test'), dnskeyRrsigs: dnskeySigsOf(signed, 'test'), now: NOW})
  const pick = (name: string, type: string) => signed.filter(r => r.name === name && (r.type === type || (r.type === 'RRSIG' && (r as RrsigRecord).data.typeCovered === type)))
  const check = (cnameTarget: string) => validateAnswer({
    zone: 'test', zoneStatus: z.status, keys: z.keys, qname: 'www.old.test', qtype: 'A', rcode: 'NOERROR', now: NOW,
    answers: [...pick('old.test', 'DNAME'), {name: 'www.old.test', type: 'CNAME', class: 'IN', ttl: 3600, data: cnameTarget}, ...pick('www.new.test', 'A')],
  })

  it('accepts the unsigned CNAME synthesised from a validated DNAME (RFC 6672)', () => {
    const v = check('www.new.test')
    expect(v.status).toBe('secure')
    expect(v.rrsets.find(r => r.type === 'CNAME')!.reason).toMatch(/synthesised from the validated DNAME at old\.test/)
  })

  it('rejects an unsigned CNAME that does not follow from the DNAME', () => {
    expect(check('evil.new.test').status).toBe('bogus')
  })
})

describe('presentation format', () => {
  it('handles $ORIGIN, $TTL, @, relative names, classes before TTLs and generic RDATA', () => {
    const rrs = zone(`$ORIGIN example.
      $TTL 1h
      @ IN SOA ns hostmaster 2024010101 2h 1h 2w 5m
      www A 192.0.2.1
      www IN 60 AAAA 2001:db8::1
      txt TXT "a \\"quoted\\" string" "\\065"
      x.y TYPE65534 \\# 3 abcdef
      mx MX 10 mail.other.`)
    expect(rrs[0]).toMatchObject({name: 'example', type: 'SOA', ttl: 3600, data: {mname: 'ns.example', rname: 'hostmaster.example', expire: 1209600, minimum: 300}})
    expect(rrs[1]).toMatchObject({name: 'www.example', ttl: 3600, data: '192.0.2.1'})
    expect(rrs[2]).toMatchObject({name: 'www.example', type: 'AAAA', ttl: 60})
    expect((rrs[3]!.data as Buffer[]).map(b => b.toString())).toEqual(['a "quoted" string', 'A'])
    expect(rrs[4]).toMatchObject({name: 'x.y.example', type: 'UNKNOWN_65534'})
    expect((rrs[4]!.data as Buffer).toString('hex')).toBe('abcdef')
    expect(rrs[5]!.data).toEqual({preference: 10, exchange: 'mail.other'})
  })

  it('reports the line of an error', () => {
    expect(() => zone('a.example. 60 IN A 192.0.2.1\nb.example. 60 IN FOO bar')).toThrow(/^<input>:2: unknown RR type or class "FOO"$/)
    expect(() => zone('a.example. 60 IN DNSKEY 257 2 8 AAAA')).toThrow(/protocol must be 3/)
    expect(() => zone('a.example. 60 IN A ( 192.0.2.1')).toThrow(/unbalanced/)
  })
})

describe('lab conveniences', () => {
  it('seeded keys are repeatable and distinct per seed, algorithm and flags', () => {
    for (const alg of [13, 14, 15, 16] as const) {
      const a = generateKey(alg, 257, {seed: 'lab-root'})
      const b = generateKey(alg, 257, {seed: 'lab-root'})
      expect(a.dnskey.key.equals(b.dnskey.key)).toBe(true)
      expect(generateKey(alg, 256, {seed: 'lab-root'}).dnskey.key.equals(a.dnskey.key)).toBe(false)
      expect(generateKey(alg, 257, {seed: 'lab-test'}).dnskey.key.equals(a.dnskey.key)).toBe(false)
    }
    expect(() => generateKey(8, 257, {seed: 'x'})).toThrow(/seeded/)
  })

  it('types dns-packet does not know are written UNKNOWN_n so that dns-packet can encode them', () => {
    const ksk = generateKey(15, 257, {seed: 'types'})
    const https = {name: 'svc.test', type: 'UNKNOWN_65', class: 'IN', ttl: 300, data: Buffer.from('0001000000', 'hex')}
    const signed = signZone('test', [https, ...zone('test. 300 IN SOA ns.test. admin.test. 1 2 3 4 5')], {ksk, nsec: 'nsec', now: NOW})
    const nsec = signed.find(r => r.type === 'NSEC' && r.name === 'svc.test')!
    expect((nsec.data as {rrtypes: string[]}).rrtypes).toEqual(['RRSIG', 'NSEC', 'UNKNOWN_65'])
    const sig = signed.find(r => r.type === 'RRSIG' && r.name === 'svc.test' && (r as RrsigRecord).data.typeCovered === 'UNKNOWN_65')
    expect(sig).toBeDefined()
    const decoded = dnsPacket.decode(dnsPacket.encode({type: 'response', answers: signed as dnsPacket.Answer[]})).answers as Rr[]
    const z = validateZone({zone: 'test', parentStatus: 'secure', ds: [makeDs('test', ksk)], dnskeys: dnskeysOf(decoded, 'test'), dnskeyRrsigs: dnskeySigsOf(decoded, 'test'), now: NOW})
    const res = new Responder('test', decoded).query('svc.test', 'UNKNOWN_65')
    expect(validateAnswer({zone: 'test', zoneStatus: z.status, keys: z.keys, qname: 'svc.test', qtype: 'HTTPS', rcode: res.rcode, answers: res.answers, now: NOW}).status).toBe('secure')
    const nodata = new Responder('test', decoded).query('svc.test', 'A')
    expect(validateAnswer({zone: 'test', zoneStatus: z.status, keys: z.keys, qname: 'svc.test', qtype: 'A', rcode: nodata.rcode, answers: [], authority: nodata.authority, now: NOW}).status).toBe('secure')
  })
})
