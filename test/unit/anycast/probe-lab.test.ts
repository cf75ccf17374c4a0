/**
 * `dnsx anycast-probe --lab`: the command against the embedded lab's anycast
 * services. Expectations are derived from what `lab.describe()` says (which
 * instance each site reaches, its identity and latency), so the tests follow
 * the lab's world rather than copying it.
 */
import fs from 'node:fs'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import AjvModule from 'ajv'
import AnycastProbe from '../../../src/commands/anycast-probe.js'
import {startLab, type LabDescription} from '../../../src/lib/lab/index.js'
import {greatCircleKm, lookupSite, maxDistanceKm, matchSoftware} from '../../../src/lib/anycast/index.js'
import {PLAUSIBILITY_MARGIN_KM} from '../../../src/lib/anycast/model.js'
import {labIdentityBook} from '../../../src/lib/anycast/lab.js'
import {ROOT} from '../../helpers/cli.js'

type Service = LabDescription['anycast'][number]
type Instance = Service['instances'][number]

function validator(): (data: unknown) => string[] {
  const ajv = new AjvModule.default({allErrors: true, strict: false})
  const load = (n: string) => JSON.parse(fs.readFileSync(new URL(`../../../schemas/${n}.json`, import.meta.url), 'utf8'))
  ajv.addSchema(load('common'), 'common.json')
  const validate = ajv.compile(load('anycast-probe'))
  return (data) => (validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`))
}

async function probe(args: string[]): Promise<{doc: any; stdout: string; stderr: string; code: number}> {
  const out: string[] = []
  const err: string[] = []
  const ow = process.stdout.write.bind(process.stdout)
  const ew = process.stderr.write.bind(process.stderr)
  process.exitCode = undefined
  ;(process.stdout as any).write = (c: any) => (out.push(String(c)), true)
  ;(process.stderr as any).write = (c: any) => (err.push(String(c)), true)
  try {
    await AnycastProbe.run([...args, '--lab'], ROOT)
  } finally {
    process.stdout.write = ow
    process.stderr.write = ew
  }
  const code = Number(process.exitCode ?? 0)
  process.exitCode = undefined
  const stdout = out.join('')
  let doc: any = null
  if (args.includes('--json')) doc = JSON.parse(stdout)
  return {doc, stdout, stderr: err.join(''), code}
}

const place = (code: string) => {
  const s = lookupSite(code.toUpperCase(), 'iata')
  if (!s) throw new Error(`lab site ${code} is not in sites.json`)
  return s
}

/** The instance a site-routed service sends `site` to (the lab falls back to the first). */
function instanceFor(svc: Service, site: string): Instance {
  return svc.instances.find((i) => i.catchment.includes(site)) ?? svc.instances[0]!
}

/** Is this instance's claim impossible for clients of `site`, given its simulated latency? */
function lies(inst: Instance, site: string): boolean {
  return greatCircleKm(place(inst.site), place(site)) > maxDistanceKm(inst.latencyMs * 1.5 + 50) + PLAUSIBILITY_MARGIN_KM
}

describe('anycast-probe --lab', () => {
  let d: LabDescription
  const validate = validator()
  beforeAll(async () => {
    const lab = await startLab()
    d = lab.describe()
    await lab.stop()
  })
  afterEach(() => {
    process.exitCode = undefined
  })
  afterAll(() => {
    process.exitCode = undefined
  })

  it('the lab has what the issue asks for: routed services, an alternating pair, a liar, a middlebox', () => {
    expect(d.anycast.filter((s) => s.routing === 'site').length).toBeGreaterThan(0)
    expect(d.anycast.filter((s) => s.routing === 'alternate').length).toBeGreaterThan(0)
    expect(d.anycast.some((s) => s.routing === 'site' && s.instances.some((i) => i.catchment.some((c) => lies(i, c))))).toBe(true)
    expect(d.resolvers.some((r) => r.version && matchSoftware(r.version)?.id === 'dnsmasq')).toBe(true)
  })

  it('each site reaches its instance: identities, decoded place, RTT bounded below by the simulated latency', async () => {
    const services = d.anycast.filter((s) => s.routing === 'site')
    for (const site of ['ams', 'nrt']) {
      const addrs = services.map((s) => s.addresses.find((a) => !a.includes(':'))!)
      const r = await probe([...addrs, '--lab-site', site, '--count', '3', '--interval', '0', '--json', '--from', site.toUpperCase()])
      expect(r.code, r.stderr).toBe(0)
      expect(validate(r.doc)).toEqual([])
      services.forEach((svc, i) => {
        const t = r.doc.targets[i]
        const inst = instanceFor(svc, site)
        expect(t.answered).toBe(3)
        expect(t.identities.nsid).toEqual([inst.nsid])
        expect(t.identities['hostname.bind']).toEqual([inst.identity])
        expect(t.identities['id.server']).toEqual([inst.identity])
        expect(t.flips.count).toBe(0)
        // the decoded place is the instance's site (same city: within 100 km)
        expect(t.site, `${svc.id} from ${site}`).not.toBeNull()
        expect(greatCircleKm(t.site, place(inst.site)), `${svc.id} from ${site}: ${t.site.code}`).toBeLessThan(100)
        expect(t.rttMs.min).toBeGreaterThanOrEqual(inst.latencyMs * 0.9)
        expect(t.plausibility.verdict).toBe(lies(inst, site) ? 'impossible' : 'consistent')
      })
    }
  })

  it('catches the instance whose claimed site is impossible for its RTT (and --expect-plausible exits 1)', async () => {
    const cases = d.anycast.flatMap((svc) => svc.instances.flatMap((inst) => inst.catchment.filter((c) => lies(inst, c)).map((site) => ({svc, inst, site}))))
    expect(cases.length).toBeGreaterThan(0)
    // the lab's deliberate liar carries a note; other impossible pairs are accidents of its latencies
    const {svc, inst, site} = cases.find((c) => c.inst.note) ?? cases[0]!
    const addr = svc.addresses[0]!
    const r = await probe([addr, '--lab-site', site, '--from', site.toUpperCase(), '--count', '3', '--interval', '0', '--json', '--expect-plausible'])
    expect(r.code).toBe(1)
    expect(validate(r.doc)).toEqual([])
    const t = r.doc.targets[0]
    expect(t.identities.nsid).toEqual([inst.nsid])
    expect(greatCircleKm(t.site, place(inst.site))).toBeLessThan(100)
    expect(t.plausibility.verdict).toBe('impossible')
    expect(t.plausibility.distanceKm).toBeGreaterThan(t.plausibility.maxKm)
    expect(r.doc.expectations.find((e: any) => !e.ok).expectation).toBe(`plausible (${addr})`)
    expect(r.stderr).toMatch(new RegExp(`^FAIL plausible \\(${addr.replace(/\./g, '\\.')}\\): expected a physically possible site, got impossible: `, 'm'))

    // Without --from the claims of all services are intersected: the liar contradicts the others.
    const all = d.anycast.filter((s) => s.routing === 'site').map((s) => s.addresses[0]!)
    const x = await probe([...all, '--lab-site', site, '--count', '2', '--interval', '0', '--json', '--expect-plausible'])
    expect(x.doc.client.consistent).toBe(false)
    expect(x.doc.client.conflicting.join(' ')).toContain(t.site.code)
    expect(x.code).toBe(1)
    const text = await probe([...all, '--lab-site', site, '--count', '2', '--interval', '0', '--no-color'])
    expect(text.stdout).toContain('The site claims contradict each other')
  })

  it('from the default site the claims agree and locate the client near it', async () => {
    const all = d.anycast.filter((s) => s.routing === 'site').map((s) => s.addresses[0]!)
    const r = await probe([...all, '--count', '2', '--interval', '0', '--json'])
    expect(r.code).toBe(0)
    expect(r.doc.client.consistent).toBe(true)
    const here = place(d.effectiveSite)
    expect(greatCircleKm(r.doc.client.region, here)).toBeLessThan(r.doc.client.region.radiusKm + 1)
  })

  it('sees the alternating pair flip on every probe, with both sites', async () => {
    const svc = d.anycast.find((s) => s.routing === 'alternate')!
    const r = await probe([svc.addresses[0]!, '--count', '6', '--interval', '0', '--no-chaos', '--json'])
    expect(r.code).toBe(0)
    const t = r.doc.targets[0]
    expect(t.flips.count).toBe(5)
    expect(t.flips.distinct.map((x: any) => x.identity).sort()).toEqual(svc.instances.map((i) => i.nsid).sort())
    expect(t.flips.distinct.map((x: any) => x.count)).toEqual([3, 3])
    expect(t.sites.map((s: any) => s.code).sort()).toEqual(svc.instances.map((i) => i.site.toUpperCase()).sort())
    expect(r.doc.summary.flipping).toBe(1)
  })

  it('flips are counted per address: a dual-stack flapping name flaps on both', async () => {
    const svc = d.anycast.find((s) => s.routing === 'alternate')!
    const r = await probe([svc.name, '--count', '6', '--interval', '0', '--no-chaos', '--json'])
    expect(r.doc.targets).toHaveLength(2)
    for (const t of r.doc.targets) expect(t.flips.count, t.address).toBe(5)
  })

  it('--roots decodes the lab roots\' identities to sites and places, consistent from the lab site', async () => {
    const r = await probe(['--roots', '--count', '1', '--from', 'AMS', '--json'])
    const sites = Object.fromEntries(r.doc.targets.map((t: any) => [t.address, t.site?.code]))
    expect(sites).toMatchObject({'192.0.2.1': 'AMS', '192.0.2.2': 'LHR', '192.0.2.3': 'IAD'})
    expect(r.doc.targets.every((t: any) => t.plausibility.verdict === 'consistent')).toBe(true)
  })

  it('catches the intercepting middlebox (home-router banner) and --expect-no-interception exits 1', async () => {
    const box = d.resolvers.find((r) => r.version && matchSoftware(r.version)?.id === 'dnsmasq')!
    const r = await probe([box.addresses[0]!, '--count', '2', '--interval', '0', '--json', '--expect-no-interception'])
    expect(r.code).toBe(1)
    expect(validate(r.doc)).toEqual([])
    const t = r.doc.targets[0]
    expect(t.identities['version.bind']).toEqual([box.version])
    expect(t.hints.map((h: any) => h.code)).toContain('software-version')
    expect(r.stderr).toContain(`FAIL no-interception (${box.addresses[0]})`)
    const text = await probe([box.addresses[0]!, '--count', '1', '--no-color'])
    expect(text.stdout).toMatch(/warning: .*dnsmasq.*intercepted/)
  })

  it('finds targets by name, by --zone and by --roots through the lab (never the OS resolver)', async () => {
    const k = d.anycast.find((s) => s.id === 'k') ?? d.anycast[0]!
    const byName = await probe([k.name, '--count', '1', '--json'])
    expect(byName.doc.targets.map((t: any) => t.address).sort()).toEqual([...k.addresses].sort())
    expect(byName.doc.targets.every((t: any) => t.target === k.name && t.via === 'name')).toBe(true)

    const zone = await probe(['--zone', 'anycast.test', '--count', '1', '--json', '-4'])
    expect(zone.code).toBe(0)
    const routed = d.anycast.filter((s) => s.routing === 'site')
    expect(zone.doc.targets.map((t: any) => t.address).sort()).toEqual(routed.map((s) => s.addresses.find((a) => !a.includes(':'))).sort())
    expect(zone.doc.targets.every((t: any) => t.via === 'zone' && t.query.name === 'anycast.test.')).toBe(true)
    expect(zone.doc.targets.every((t: any) => t.rttMs.min !== null && t.samples[0].rcode === 'NOERROR')).toBe(true)

    const roots = await probe(['--roots', '--count', '1', '--json'])
    expect(roots.doc.targets.map((t: any) => t.address).sort()).toEqual(d.rootHints.map((h) => h.address).sort())
    expect(validate(roots.doc)).toEqual([])
  })

  it('an unknown --lab-site is a usage error', async () => {
    const r = await probe(['192.0.2.201', '--lab-site', 'atlantis', '--count', '1'])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^error: --lab-site: unknown lab site "atlantis"/)
  })

  it('uses the lab instance list only for identities the catalogue cannot decode', () => {
    const book = labIdentityBook(d)
    const k = d.anycast.find((s) => s.id === 'k')!
    expect(book.lookup(k.addresses[0]!, k.instances[0]!.nsid!)).not.toBeNull()
    expect(book.lookup('192.0.2.250', 'whatever')).toBeNull()
  })
})
