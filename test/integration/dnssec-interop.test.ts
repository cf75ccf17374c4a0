/**
 * DNSSEC interoperability: zones signed by another implementation (BIND's dnssec-signzone, keys
 * from dnssec-keygen) must validate with dnsx's verifier, for every algorithm dnsx supports, with
 * NSEC and NSEC3; and a signature dnsx did not make must fail when one byte of the data changes.
 * Round trips through dnsx's own signer (chain.test.ts) cannot catch a bug the signer and the
 * verifier share; this can.
 */
import {execFileSync, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {available} from '../helpers/cli.js'
import {nameEquals} from '../../src/lib/dns/names.js'
import type {DnskeyRecord, Rr, RrsigRecord} from '../../src/lib/dns/record.js'
import {sameType} from '../../src/lib/dns/types.js'
import {parseZoneFile} from '../../src/lib/dns/zonefile.js'
import {parseTrustAnchor, validateZone, verifyRrset} from '../../src/lib/dnssec/index.js'

const TOOLS = ['dnssec-keygen', 'dnssec-signzone']
const haveTools = TOOLS.every((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0)
const ZONE = `$ORIGIN example.test.
$TTL 3600
@ SOA ns1 hostmaster 1 7200 3600 1209600 300
@ NS ns1
ns1 A 192.0.2.1
www A 192.0.2.80
www AAAA 2001:db8::80
txt TXT "hello" "world"
mail MX 10 www
*.wild TXT "wildcard"
sub NS ns.sub
ns.sub A 192.0.2.53
`
// Inside the validity window dnssec-signzone is given below.
const NOW = Date.UTC(2030, 0, 1) / 1000

const ALGORITHMS = [
  {number: 8, name: 'RSASHA256', bits: ['-b', '2048']},
  {number: 10, name: 'RSASHA512', bits: ['-b', '2048']},
  {number: 13, name: 'ECDSAP256SHA256', bits: []},
  {number: 14, name: 'ECDSAP384SHA384', bits: []},
  {number: 15, name: 'ED25519', bits: []},
  {number: 16, name: 'ED448', bits: []},
]

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) fs.rmSync(d, {recursive: true, force: true})
})

/** Sign ZONE with BIND: a KSK and a ZSK of the algorithm, NSEC or NSEC3 (salt ab12, no extra iterations). */
function signWithBind(alg: string, bits: string[], nsec3: boolean): {records: Rr[], dsset: string} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnsx-bind-sign-'))
  dirs.push(dir)
  fs.writeFileSync(path.join(dir, 'example.test.zone'), ZONE)
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, {cwd: dir, stdio: ['ignore', 'pipe', 'pipe']})
  run('dnssec-keygen', ['-q', '-K', dir, '-a', alg, ...bits, '-f', 'KSK', 'example.test'])
  run('dnssec-keygen', ['-q', '-K', dir, '-a', alg, ...bits, 'example.test'])
  run('dnssec-signzone', [
    '-q', '-S', '-K', dir, '-o', 'example.test', '-s', '20260101000000', '-e', '20360101000000', '-O', 'full',
    ...(nsec3 ? ['-3', 'ab12', '-H', '0'] : []), 'example.test.zone',
  ])
  const text = fs.readFileSync(path.join(dir, 'example.test.zone.signed'), 'utf8')
  return {records: parseZoneFile(text, {fileName: 'example.test.zone.signed'}), dsset: fs.readFileSync(path.join(dir, 'dsset-example.test.'), 'utf8')}
}

/** The RRsets of a signed zone (not the RRSIGs), each with the RRSIGs that cover it. */
function rrsets(records: readonly Rr[]): {rrset: Rr[], sigs: RrsigRecord[]}[] {
  const groups = new Map<string, Rr[]>()
  for (const r of records) {
    if (sameType(r.type, 'RRSIG')) continue
    const key = `${r.name.toLowerCase()}|${r.type}`
    groups.set(key, [...(groups.get(key) ?? []), r])
  }
  const sigs = records.filter((r) => sameType(r.type, 'RRSIG')) as RrsigRecord[]
  return [...groups.values()].map((rrset) => ({
    rrset,
    sigs: sigs.filter((s) => nameEquals(s.name, rrset[0]!.name) && sameType(s.data.typeCovered, rrset[0]!.type)),
  }))
}

describe.skipIf(!available(haveTools, `BIND's ${TOOLS.join(' and ')} (Debian package bind9-utils)`))('DNSSEC: zones signed by BIND dnssec-signzone validate in dnsx', () => {
  for (const alg of ALGORITHMS) {
    for (const nsec3 of [false, true]) {
      it(`algorithm ${alg.number} (${alg.name}), ${nsec3 ? 'NSEC3' : 'NSEC'}: every signed RRset verifies, the DNSKEY RRset chains to BIND's DS`, () => {
        const {records, dsset} = signWithBind(alg.name, alg.bits, nsec3)
        const keys = records.filter((r) => sameType(r.type, 'DNSKEY') && nameEquals(r.name, 'example.test')) as DnskeyRecord[]
        expect(keys.map((k) => k.data.algorithm)).toEqual([alg.number, alg.number])
        expect(records.some((r) => sameType(r.type, nsec3 ? 'NSEC3' : 'NSEC'))).toBe(true)
        // The DS that BIND computed (dsset-example.test.) is read as a trust anchor.
        const ds = parseTrustAnchor(dsset)
        const zone = validateZone({
          zone: 'example.test', parentStatus: 'secure', ds, dnskeys: keys,
          dnskeyRrsigs: records.filter((r) => sameType(r.type, 'RRSIG') && nameEquals(r.name, 'example.test') && (r as RrsigRecord).data.typeCovered === 'DNSKEY') as RrsigRecord[],
          now: NOW,
        })
        expect(zone, zone.reason).toMatchObject({status: 'secure'})
        const signed = rrsets(records).filter((g) => g.sigs.length > 0)
        // SOA, NS, DNSKEY, every node's data and its NSEC or NSEC3 record (not the delegation's NS or glue).
        expect(signed.length).toBeGreaterThanOrEqual(nsec3 ? 14 : 15)
        for (const g of signed) {
          const v = verifyRrset(g.rrset, g.sigs, keys, NOW)
          expect(v.ok, `${g.rrset[0]!.name} ${g.rrset[0]!.type}: ${v.ok ? '' : v.reason}`).toBe(true)
        }
        // The delegation's NS and glue are not signed (RFC 4035 §2.2): dnsx must find no RRSIG there.
        expect(rrsets(records).find((g) => g.rrset[0]!.name === 'sub.example.test' && g.rrset[0]!.type === 'NS')?.sigs).toEqual([])
        // One changed octet in BIND-signed data: the signature no longer verifies.
        const www = signed.find((g) => g.rrset[0]!.name === 'www.example.test' && g.rrset[0]!.type === 'A')!
        const forged = verifyRrset([{...www.rrset[0]!, data: '192.0.2.81'}], www.sigs, keys, NOW)
        expect(forged.ok).toBe(false)
      }, 60_000)
    }
  }
})
