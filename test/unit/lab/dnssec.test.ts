import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import type {DnskeyRecord, RrsigRecord} from '../../../src/lib/dns/record.js'
import {dsDigest, keyTag} from '../../../src/lib/dnssec/canonical.js'
import {verifyRrset} from '../../../src/lib/dnssec/verify.js'
import {prepareDnssec} from '../../../src/lib/lab/dnssec.js'
import {startLab, type Lab} from '../../../src/lib/lab/index.js'
import {DEFAULT_WORLD} from '../../../src/lib/lab/world.js'
import {type DecodedRr, makeQuery, tcpQuery} from './helpers.js'

let lab: Lab
const now = () => Math.floor(Date.now() / 1000)

beforeAll(async () => {
  lab = await startLab({latencyScale: 0, seed: 3})
})

afterAll(async () => {
  await lab?.stop()
})

/** A DO query over TCP (signed answers can be large). */
async function ask(server: string, name: string, type: string) {
  const reply = await tcpQuery(lab.routeDns(server, 53, 'tcp')!, makeQuery(name, type, {edns: {do: true}}))
  return reply!
}

const rrset = (rrs: DecodedRr[] | undefined, type: string) => (rrs ?? []).filter((rr) => rr.type === type)
const sigs = (rrs: DecodedRr[] | undefined) => rrset(rrs, 'RRSIG') as unknown as RrsigRecord[]

/** The zone's DNSKEY RRset, checked: self-signed by a key that `trusted` vouches for. */
async function keysOf(server: string, zone: string, trusted: {dnskeys?: DnskeyRecord[], ds?: DecodedRr[]}): Promise<DnskeyRecord[]> {
  const r = await ask(server, zone, 'DNSKEY')
  const keys = rrset(r.answers, 'DNSKEY') as unknown as DnskeyRecord[]
  const anchors = trusted.dnskeys ?? keys.filter((k) => (trusted.ds ?? []).some((ds) =>
    ds.data.keyTag === keyTag(k.data) && Buffer.compare(ds.data.digest, dsDigest(zone, k.data, ds.data.digestType)) === 0))
  expect(anchors.length, `${zone}: a DNSKEY matching the trust anchor / DS`).toBeGreaterThan(0)
  const result = verifyRrset(keys, sigs(r.answers), anchors, now())
  expect(result.ok, `${zone} DNSKEY: ${result.ok ? '' : result.reason}`).toBe(true)
  return keys
}

describe('lab DNSSEC', () => {
  it('signs the root, test. and the three demonstration zones; the root KSK is the trust anchor', () => {
    const d = lab.describe()
    expect(d.dnssec.status).toBe('signed')
    expect(d.dnssec.zones.map((z) => [z.zone, z.intent])).toEqual([['secure.test', 'secure'], ['insecure.test', 'insecure'], ['bogus.test', 'bogus']])
    expect(lab.trustAnchor!.dnskey.data.flags).toBe(257)
    expect(lab.trustAnchors).toEqual([lab.trustAnchor!.ds])
    expect(d.dnssec.trustAnchor!.ds).toMatch(/^\.\t172800\tIN\tDS\t\d+ 13 2 [0-9A-F]{64}$/)
  })

  it('derives the same trust anchor from the same seed', () => {
    const again = prepareDnssec(DEFAULT_WORLD, {seed: 3})
    expect(again.trustAnchor!.ds.data.digest).toEqual(lab.trustAnchor!.ds.data.digest)
    expect(prepareDnssec(DEFAULT_WORLD, {seed: 4}).trustAnchor!.ds.data.digest).not.toEqual(lab.trustAnchor!.ds.data.digest)
  })

  it('validates secure.test from the lab root down, and finds bogus.test bogus', async () => {
    const rootKeys = await keysOf('192.0.2.1', '.', {dnskeys: [lab.trustAnchor!.dnskey as unknown as DnskeyRecord]})

    // The root's referral to test. carries its DS, signed by the root.
    const toTest = await ask('192.0.2.1', 'www.secure.test', 'A')
    expect(toTest.flag_aa).toBe(false)
    const testDs = rrset(toTest.authorities, 'DS')
    expect(testDs).toHaveLength(1)
    expect(verifyRrset(testDs as never, sigs(toTest.authorities), rootKeys, now()).ok).toBe(true)
    const testKeys = await keysOf('192.0.2.10', 'test', {ds: testDs})

    const toSecure = await ask('192.0.2.10', 'www.secure.test', 'A')
    const secureDs = rrset(toSecure.authorities, 'DS')
    expect(verifyRrset(secureDs as never, sigs(toSecure.authorities), testKeys, now()).ok).toBe(true)
    const secureKeys = await keysOf('192.0.2.24', 'secure.test', {ds: secureDs})
    const www = await ask('192.0.2.24', 'www.secure.test', 'A')
    expect(www.flag_aa).toBe(true)
    expect(verifyRrset(rrset(www.answers, 'A') as never, sigs(www.answers), secureKeys, now()).ok).toBe(true)

    const toBogus = await ask('192.0.2.10', 'www.bogus.test', 'A')
    const bogusKeys = await keysOf('192.0.2.26', 'bogus.test', {ds: rrset(toBogus.authorities, 'DS')})
    const bogus = await ask('192.0.2.26', 'www.bogus.test', 'A')
    const verdict = verifyRrset(rrset(bogus.answers, 'A') as never, sigs(bogus.answers), bogusKeys, now())
    expect(verdict.ok).toBe(false)
    const soa = await ask('192.0.2.26', 'bogus.test', 'SOA')
    expect(verifyRrset(rrset(soa.answers, 'SOA') as never, sigs(soa.answers), bogusKeys, now()).ok).toBe(true)
  })

  it('insecure.test: the referral has no DS but a signed NSEC proving it', async () => {
    const r = await ask('192.0.2.10', 'www.insecure.test', 'A')
    expect(rrset(r.authorities, 'DS')).toEqual([])
    const [nsec] = rrset(r.authorities, 'NSEC')
    expect(nsec.name).toBe('insecure.test')
    expect(nsec.data.rrtypes).toEqual(['NS', 'RRSIG', 'NSEC'])
    expect(sigs(r.authorities).some((s) => s.data.typeCovered === 'NSEC')).toBe(true)
  })

  it('proves NXDOMAIN with NSEC records, and sends no DNSSEC records without DO', async () => {
    const nx = await ask('192.0.2.24', 'nope.secure.test', 'A')
    expect(nx.rcode).toBe('NXDOMAIN')
    expect(rrset(nx.authorities, 'NSEC').length).toBeGreaterThan(0)
    expect(sigs(nx.authorities).map((s) => s.data.typeCovered)).toEqual(expect.arrayContaining(['SOA', 'NSEC']))
    const plain = await tcpQuery(lab.routeDns('192.0.2.24', 53, 'tcp')!, makeQuery('www.secure.test', 'A', {edns: true}))
    expect(plain!.answers!.map((rr) => rr.type)).toEqual(['A'])
  })
})
