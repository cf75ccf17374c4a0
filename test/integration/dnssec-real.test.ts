/**
 * DNSSEC verdicts against zones signed by another implementation (BIND's dnssec-signzone) and
 * served by a real server (NSD) in the test's own namespace, each broken on purpose (issue 17):
 * expired and not-yet-valid signatures, a DS that matches no key, NSEC3 proofs removed. The trust
 * anchor sits below the root (each zone's own DS set): the root above it is not validated.
 */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {realDnsAvailable, startRealWorld, type RealWorld} from '../harness/realdns.js'
import {available, BIN, ROOT, schemaValidator} from '../helpers/cli.js'

const avail = realDnsAvailable()
const haveSigner = ['dnssec-keygen', 'dnssec-signzone'].every((t) => execFileSync('sh', ['-c', `command -v ${t} || true`]).toString().trim() !== '')
const validateTrace = schemaValidator('trace')
const ADDR = '198.51.100.77'
const ROOT_ADDR = '198.51.100.70'

/** Each zone and how it is signed: -s/-e as dnssec-signzone takes them. */
const VARIANTS = [
  {zone: 'good.test', start: '20260101000000', end: '20360101000000', nsec3: false},
  {zone: 'nsec3.test', start: '20260101000000', end: '20360101000000', nsec3: true},
  {zone: 'expired.test', start: '20200101000000', end: '20200201000000', nsec3: false},
  {zone: 'future.test', start: '20350101000000', end: '20360101000000', nsec3: false},
  {zone: 'mismatch.test', start: '20260101000000', end: '20360101000000', nsec3: false},
  {zone: 'noproof.test', start: '20260101000000', end: '20360101000000', nsec3: true},
]

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnsx-dnssec-real-'))
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))

function sign(v: typeof VARIANTS[number]): {text: string, ds: string} {
  const d = path.join(dir, v.zone)
  fs.mkdirSync(d)
  fs.writeFileSync(path.join(d, 'zone'), `$ORIGIN ${v.zone}.\n$TTL 3600\n@ SOA ns hostmaster 1 7200 3600 1209600 300\n@ NS ns\nns A ${ADDR}\nwww A 192.0.2.80\n*.wild TXT "wildcard"\n`)
  const run = (cmd: string, args: string[]) => execFileSync(cmd, args, {cwd: d, stdio: ['ignore', 'pipe', 'pipe']})
  run('dnssec-keygen', ['-q', '-K', d, '-a', 'ECDSAP256SHA256', '-f', 'KSK', v.zone])
  run('dnssec-keygen', ['-q', '-K', d, '-a', 'ECDSAP256SHA256', v.zone])
  run('dnssec-signzone', ['-q', '-P', '-S', '-K', d, '-o', v.zone, '-s', v.start, '-e', v.end, '-O', 'full', ...(v.nsec3 ? ['-3', 'ab12', '-H', '0'] : []), 'zone'])
  let text = fs.readFileSync(path.join(d, 'zone.signed'), 'utf8')
  let ds = fs.readFileSync(path.join(d, `dsset-${v.zone}.`), 'utf8')
  // Broken on purpose: the anchor's digest matches no key; the NSEC3 chain is gone.
  if (v.zone === 'mismatch.test') ds = ds.replace(/([0-9A-F]{8})(\s*)$/m, (_m, hex: string, sp: string) => `${hex.startsWith('0') ? '1' : '0'}${hex.slice(1)}${sp}`)
  if (v.zone === 'noproof.test') text = text.split('\n').filter((l) => !/\sNSEC3\s|RRSIG\s+NSEC3\s/.test(l)).join('\n')
  return {text, ds}
}

describe.skipIf(!avail.ok || !available(haveSigner, 'BIND dnssec-signzone (bind9-utils)'))('trace --dnssec against BIND-signed zones on NSD, anchors below the root', () => {
  let world: RealWorld
  let hints: string
  const anchors = new Map<string, string>()

  beforeAll(async () => {
    const signed = VARIANTS.map((v) => ({v, ...sign(v)}))
    for (const s of signed) {
      const p = path.join(dir, `${s.v.zone}.ds`)
      fs.writeFileSync(p, s.ds)
      anchors.set(s.v.zone, p)
    }
    // The root (unsigned) delegates each zone straight to the one server.
    const root = ['$ORIGIN .', '$TTL 86400', '. SOA a.root. h.root. 1 7200 3600 1209600 300', '. NS a.root.', `a.root. A ${ROOT_ADDR}`,
      ...VARIANTS.flatMap((v) => [`${v.zone}. NS ns.${v.zone}.`, `ns.${v.zone}. A ${ADDR}`])].join('\n') + '\n'
    world = await startRealWorld({servers: [
      {id: 'root', software: 'nsd', addresses: [ROOT_ADDR], zones: [{origin: '.', text: root}]},
      {id: 'signed', software: 'nsd', addresses: [ADDR], zones: signed.map((s) => ({origin: s.v.zone, text: s.text}))},
    ]})
    hints = path.join(dir, 'named.root')
    fs.writeFileSync(hints, `.\t3600000\tNS\ta.root.\na.root.\t3600000\tA\t${ROOT_ADDR}\n`)
  }, 120_000)

  afterAll(async () => {
    await world?.stop()
  })

  async function dnssec(name: string, type: string, zone: string, ...extra: string[]) {
    const r = await world.exec([process.execPath, BIN, 'trace', name, type, '--dnssec', '--trust-anchor', anchors.get(zone)!, '--root-hints', hints, '-4', '--json', ...extra], {cwd: ROOT, timeoutMs: 20_000})
    expect(r.timedOut).toBe(false)
    const j = JSON.parse(r.stdout)
    expect(validateTrace(j)).toEqual([])
    return j.dnssec as {status: string, reason: string, zones: {zone: string, status: string, anchored: boolean}[], answers: {status: string, reason: string}[]}
  }

  it('a good zone is secure from its own anchor; the root above it is not validated', async () => {
    const d = await dnssec('www.good.test', 'A', 'good.test', '--dnssec-time', '2030-01-01')
    expect(d.status).toBe('secure')
    expect(d.zones).toEqual([expect.objectContaining({zone: '.', status: 'indeterminate'}), expect.objectContaining({zone: 'good.test.', status: 'secure', anchored: true})])
  })

  it('NXDOMAIN and a wildcard answer are proven, with NSEC and with NSEC3', async () => {
    for (const z of ['good.test', 'nsec3.test']) {
      expect((await dnssec(`nope.${z}`, 'A', z, '--dnssec-time', '2030-01-01')).status).toBe('secure')
      expect((await dnssec(`x.wild.${z}`, 'TXT', z, '--dnssec-time', '2030-01-01')).status).toBe('secure')
    }
  })

  it('started at the zone\'s server (--server), the answer validates from the anchor at its signer', async () => {
    const d = await dnssec('www.good.test', 'A', 'good.test', '--dnssec-time', '2030-01-01', '--server', ADDR)
    expect(d.status).toBe('secure')
    expect(d.zones).toEqual([expect.objectContaining({zone: 'good.test.', status: 'secure', anchored: true})])
    // With an anchor for another zone, nothing is proven: indeterminate, not insecure.
    const other = await dnssec('www.good.test', 'A', 'nsec3.test', '--dnssec-time', '2030-01-01', '--server', ADDR)
    expect(other.status).toBe('indeterminate')
  })

  it('expired and not-yet-valid signatures are bogus', async () => {
    const expired = await dnssec('www.expired.test', 'A', 'expired.test', '--dnssec-time', '2030-01-01')
    expect(expired.status).toBe('bogus')
    expect(JSON.stringify(expired)).toMatch(/expired/)
    const future = await dnssec('www.future.test', 'A', 'future.test', '--dnssec-time', '2030-01-01')
    expect(future.status).toBe('bogus')
    expect(JSON.stringify(future)).toMatch(/not yet valid|inception/)
    // As of a time inside its window, the future zone validates.
    expect((await dnssec('www.future.test', 'A', 'future.test', '--dnssec-time', '2035-06-01')).status).toBe('secure')
  })

  it('a DS that matches no key is bogus', async () => {
    expect((await dnssec('www.mismatch.test', 'A', 'mismatch.test', '--dnssec-time', '2030-01-01')).status).toBe('bogus')
  })

  it('an NXDOMAIN without its NSEC3 proof is bogus; the signed data still validates', async () => {
    expect((await dnssec('nope.noproof.test', 'A', 'noproof.test', '--dnssec-time', '2030-01-01')).status).toBe('bogus')
    expect((await dnssec('www.noproof.test', 'A', 'noproof.test', '--dnssec-time', '2030-01-01')).status).toBe('secure')
  })

  it('signatures that expire within --warn-expiry are a dnssec-expiring problem', async () => {
    const r = await world.exec([process.execPath, BIN, 'trace', 'www.good.test', '--dnssec', '--trust-anchor', anchors.get('good.test')!, '--root-hints', hints, '-4', '--json', '--dnssec-time', '2035-12-28'], {cwd: ROOT, timeoutMs: 20_000})
    const j = JSON.parse(r.stdout)
    expect(j.problems.map((p: {code: string}) => p.code)).toContain('dnssec-expiring')
  })
})
