/**
 * `dnsx anycast-probe` against real Knot, NSD and BIND in a network namespace
 * (test/harness). The servers carry identities in real operator formats:
 * Knot `nsid:`/`identity:` as K-root (ns1.nl-ams.k.ripe.net), NSD
 * `nsid`/`identity` as L-root (aa.de-ham.l.root), BIND `server-id` (NSID and
 * id.server) and `hostname` as M-root (M-NRT-JPNAP-1); a root in B-root's
 * format; a server whose NSID and CHAOS name different sites; a "home router"
 * (dnsmasq banner, OpenWrt name); and a black hole. Checks identities, decoded
 * sites, RTT statistics, discovery (names, --zone, --roots) and exit codes.
 * Needs `npm run build` (the built CLI runs inside the namespace).
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import AjvModule from 'ajv'
import {realDnsAvailable, startRealWorld, type RealWorld, type ServerSpec, type WorldSpec} from '../harness/realdns.js'
import {built} from '../helpers/cli.js'

const avail = realDnsAvailable()
if (!avail.ok) console.warn(`[anycast-real.test] skipping real-DNS tests, missing: ${avail.missing.join(', ')}`)
const isBuilt = built('commands/anycast-probe.js')

const W = {
  resolver: '127.0.0.53',
  root: {id: 'root-nsd', address: '198.51.100.130', name: 'b.root-servers.test', nsid: 'b1-lax', identity: 'b1-lax'},
  knot: {id: 'k-knot', addresses: ['198.51.100.131', '2001:db8:131::131'], name: 'ns1.probe.test', nsid: 'ns1.nl-ams.k.ripe.net', identity: 'ns1.nl-ams.k.ripe.net', version: 'knot-k-ams', site: 'NL AMS'},
  nsd: {id: 'l-nsd', addresses: ['198.51.100.132'], name: 'ns2.probe.test', nsid: 'aa.de-ham.l.root', identity: 'aa.de-ham.l.root', version: 'nsd-l-ham', site: 'DE HAM'},
  bind: {id: 'm-bind', addresses: ['198.51.100.133'], name: 'ns3.probe.test', nsid: 'M-NRT-JPNAP-1', identity: 'M-NRT-JPNAP-1', version: 'bind-m-nrt', site: 'NRT'},
  split: {id: 'split-knot', address: '198.51.100.134', nsid: 'ns1.nl-ams.k.ripe.net', identity: 'ns2.jp-tyo.k.ripe.net'},
  router: {id: 'router-nsd', address: '198.51.100.135', identity: 'OpenWrt', version: 'dnsmasq-2.90'},
  blackhole: '198.51.100.140',
  zone: 'probe.test',
} as const

const SOA = '1 3600 900 604800 300'
const a = (name: string, addr: string) => `${name}. IN ${addr.includes(':') ? 'AAAA' : 'A'} ${addr}`
const NS = [W.knot, W.nsd, W.bind]

const ROOT_ZONE = {
  origin: '.',
  text: [
    '$TTL 3600',
    `@ IN SOA ${W.root.name}. hostmaster. ${SOA}`,
    `@ IN NS ${W.root.name}.`,
    a(W.root.name, W.root.address),
    ...NS.map((s) => `${W.zone}. IN NS ${s.name}.`),
    ...NS.flatMap((s) => s.addresses.map((x) => a(s.name, x))),
  ].join('\n') + '\n',
}

const PROBE_ZONE = {
  origin: W.zone,
  text: [
    '$TTL 300',
    `@ IN SOA ${W.knot.name}. hostmaster.${W.zone}. ${SOA}`,
    ...NS.map((s) => `@ IN NS ${s.name}.`),
    ...NS.flatMap((s) => s.addresses.map((x) => a(s.name, x))),
  ].join('\n') + '\n',
}

const SERVERS: ServerSpec[] = [
  {id: W.root.id, software: 'nsd', addresses: [W.root.address], zones: [ROOT_ZONE], nsid: W.root.nsid, identity: W.root.identity},
  {id: W.knot.id, software: 'knot', addresses: [...W.knot.addresses], zones: [PROBE_ZONE], nsid: W.knot.nsid, identity: W.knot.identity, version: W.knot.version},
  {id: W.nsd.id, software: 'nsd', addresses: [...W.nsd.addresses], zones: [PROBE_ZONE], nsid: W.nsd.nsid, identity: W.nsd.identity, version: W.nsd.version},
  // BIND: server-id is the NSID and the id.server answer; hostname is hostname.bind.
  {id: W.bind.id, software: 'bind', addresses: [...W.bind.addresses], zones: [PROBE_ZONE], nsid: W.bind.nsid, identity: W.bind.identity, version: W.bind.version},
  {id: W.split.id, software: 'knot', addresses: [W.split.address], zones: [PROBE_ZONE], nsid: W.split.nsid, identity: W.split.identity},
  {id: W.router.id, software: 'nsd', addresses: [W.router.address], zones: [PROBE_ZONE], identity: W.router.identity, version: W.router.version},
]

const WORLD: WorldSpec = {
  servers: SERVERS,
  resolver: {software: 'unbound', address: W.resolver, rootHints: [{name: W.root.name, address: W.root.address}]},
  blackholes: [W.blackhole],
}

function validator(): (data: unknown) => string[] {
  const ajv = new AjvModule.default({allErrors: true, strict: false})
  const load = (n: string) => JSON.parse(fs.readFileSync(new URL(`../../schemas/${n}.json`, import.meta.url), 'utf8'))
  ajv.addSchema(load('common'), 'common.json')
  const validate = ajv.compile(load('anycast-probe'))
  return (data) => (validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`))
}

describe.skipIf(!avail.ok || !isBuilt)('anycast-probe against real Knot, NSD and BIND', () => {
  let world: RealWorld
  let hints: string
  const validate = validator()

  beforeAll(async () => {
    world = await startRealWorld(WORLD)
    hints = path.join(world.dir, 'probe.hints')
    fs.writeFileSync(hints, `. 3600000 NS ${W.root.name}.\n${W.root.name}. 3600000 A ${W.root.address}\n`)
  })
  afterAll(async () => {
    await world?.stop()
  })

  const dnsx = async (...args: string[]) => {
    const r = await world.exec([process.execPath, 'bin/run.js', 'anycast-probe', ...args], {env: {NO_COLOR: '1'}, timeoutMs: 30_000})
    expect(r.error).toBeUndefined()
    expect(r.timedOut).toBe(false)
    return r
  }
  const json = async (...args: string[]) => {
    const r = await dnsx(...args, '--json')
    let doc: any
    try {
      doc = JSON.parse(r.stdout)
    } catch {
      throw new Error(`not JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`)
    }
    expect(validate(doc)).toEqual([])
    return {...r, doc}
  }

  it('reads NSID and CHAOS from Knot, NSD and BIND and decodes the sites', async () => {
    const r = await json(...W.knot.addresses, ...W.nsd.addresses, ...W.bind.addresses, '--count', '5', '--interval', '20')
    expect(r.code, r.stderr).toBe(0)
    const [k4, k6, n, b] = r.doc.targets
    for (const t of [k4, k6]) {
      expect(t.identities).toEqual({nsid: [W.knot.nsid], 'hostname.bind': [W.knot.identity], 'id.server': [W.knot.identity], 'version.bind': [W.knot.version], 'version.server': [W.knot.version]})
      expect(t.site).toMatchObject({code: W.knot.site, name: 'Amsterdam', country: 'NL', source: 'nsid', confidence: 'known'})
      expect(t.decoded[0]).toMatchObject({source: 'nsid', operator: 'RIPE NCC (K-root)', format: 'k-root', instance: 'ns1'})
    }
    expect(k6.family).toBe(6)
    expect(n.identities).toMatchObject({nsid: [W.nsd.nsid], 'hostname.bind': [W.nsd.identity], 'id.server': [W.nsd.identity], 'version.bind': [W.nsd.version]})
    expect(n.site).toMatchObject({code: W.nsd.site, name: 'Hamburg', country: 'DE'})
    // BIND: server-id answers NSID and id.server, hostname answers hostname.bind
    expect(b.identities).toMatchObject({nsid: [W.bind.nsid], 'hostname.bind': [W.bind.identity], 'id.server': [W.bind.nsid], 'version.bind': [W.bind.version]})
    expect(b.site).toMatchObject({code: W.bind.site, country: 'JP'})
    for (const t of r.doc.targets) {
      expect(t.probes).toBe(5)
      expect(t.answered).toBe(5)
      expect(t.lost).toBe(0)
      expect(t.flips.count).toBe(0)
      expect(t.hints).toEqual([])
      const {min, median, p95, max, jitter} = t.rttMs
      expect(min).toBeGreaterThan(0)
      expect(min).toBeLessThanOrEqual(median)
      expect(median).toBeLessThanOrEqual(p95)
      expect(p95).toBeLessThanOrEqual(max)
      expect(jitter).toBeGreaterThanOrEqual(0)
      expect(t.samples.every((s: any) => s.rcode !== null)).toBe(true) // . SOA: servers without the root answer REFUSED, with their NSID
    }
    // a new UDP source port per probe
    expect(new Set(k4.samples.map((s: any) => s.localPort)).size).toBeGreaterThan(1)
    // three cities, sub-millisecond RTTs: the claims cannot all be true for one client
    expect(r.doc.client.consistent).toBe(false)
  })

  it('expectations: site, RTT and plausibility set the exit code', async () => {
    const ok = await dnsx(W.knot.addresses[0], '--count', '3', '--interval', '10', '--expect-site', 'AMS', '--expect-max-rtt', '1000', '--from', 'AMS', '--expect-plausible')
    expect(ok.code, ok.stderr).toBe(0)
    expect(ok.stderr).toBe('')

    const site = await dnsx(W.nsd.addresses[0], '--count', '2', '--interval', '10', '--expect-site', 'AMS')
    expect(site.code).toBe(1)
    expect(site.stderr.trim()).toBe(`FAIL site=AMS (${W.nsd.addresses[0]}): expected AMS (Amsterdam, NL) or within 100 km, got DE HAM (Hamburg, DE)`)

    // Tokyo answering a client in Amsterdam in well under a millisecond: impossible
    const far = await json(W.bind.addresses[0], '--count', '2', '--interval', '10', '--from', 'AMS', '--expect-plausible')
    expect(far.code).toBe(1)
    expect(far.doc.targets[0].plausibility).toMatchObject({verdict: 'impossible', site: 'NRT'})
    expect(far.stderr).toMatch(/^FAIL plausible \(198\.51\.100\.133\): expected a physically possible site, got impossible: NRT \(Tokyo/m)

    // the same from Tokyo is fine
    const near = await dnsx(W.bind.addresses[0], '--count', '2', '--interval', '10', '--from', 'NRT', '--expect-plausible')
    expect(near.code, near.stderr).toBe(0)

    const rtt = await dnsx(W.knot.addresses[0], '--count', '2', '--expect-max-rtt', '0.000001')
    expect(rtt.code).toBe(1)
    expect(rtt.stderr).toMatch(/^FAIL max-rtt=0\.000001ms \(198\.51\.100\.131\): expected median RTT <= 0\.000001 ms, got [\d.]+ ms/m)
  })

  it('flags NSID and CHAOS naming different sites, and a home router', async () => {
    const r = await json(W.split.address, W.router.address, '--count', '2', '--interval', '10', '--expect-no-interception')
    expect(r.code).toBe(1)
    const [split, router] = r.doc.targets
    expect(split.hints.map((h: any) => h.code)).toEqual(['site-mismatch'])
    expect(split.hints[0].message).toContain('NL AMS')
    expect(split.hints[0].message).toContain('JP TYO')
    expect(router.identities['hostname.bind']).toEqual([W.router.identity])
    expect(router.identities['version.bind']).toEqual([W.router.version])
    expect(router.identities.nsid).toEqual([])
    expect(router.hints.map((h: any) => h.code)).toEqual(['software-version'])
    expect(router.site).toBeNull()
    expect(r.stderr).toContain(`FAIL no-interception (${W.router.address}): expected no interception hint, got software-version`)
  })

  it('finds a zone\'s name servers the way trace does, names through the resolver, and the root letters', async () => {
    const zone = await json('--zone', W.zone, '--root-hints', hints, '--count', '2', '--interval', '10')
    expect(zone.code, zone.stderr).toBe(0)
    const got = zone.doc.targets.map((t: any) => `${t.target} ${t.address}`).sort()
    expect(got).toEqual(NS.flatMap((s) => s.addresses.map((x) => `${s.name} ${x}`)).sort())
    for (const t of zone.doc.targets) {
      expect(t.via).toBe('zone')
      expect(t.query.name).toBe(`${W.zone}.`)
      expect(t.samples.every((s: any) => s.rcode === 'NOERROR' && s.aa === true)).toBe(true)
    }
    expect(zone.doc.targets.find((t: any) => t.address === W.bind.addresses[0]).site.code).toBe(W.bind.site)

    const byName = await json(W.bind.name, '--count', '1')
    expect(byName.code, byName.stderr).toBe(0)
    expect(byName.doc.targets.map((t: any) => [t.target, t.address, t.via])).toEqual([[W.bind.name, W.bind.addresses[0], 'name']])

    const roots = await json('--roots', '--root-hints', hints, '--count', '2', '--interval', '10')
    expect(roots.code).toBe(0)
    expect(roots.doc.targets).toHaveLength(1)
    expect(roots.doc.targets[0]).toMatchObject({target: W.root.name, address: W.root.address, via: 'roots', identities: {nsid: [W.root.nsid]}})
    expect(roots.doc.targets[0].site).toMatchObject({code: 'LAX', country: 'US'})
  })

  it('--tcp gives the same identities over TCP', async () => {
    const r = await json(W.knot.addresses[0], '--tcp', '--count', '2', '--interval', '10')
    expect(r.code).toBe(0)
    expect(r.doc.settings.transport).toBe('tcp')
    expect(r.doc.targets[0].transport).toBe('tcp')
    expect(r.doc.targets[0].identities.nsid).toEqual([W.knot.nsid])
  })

  it('exits 3 when nothing answered (a black hole), but not when something did', async () => {
    const dead = await json(W.blackhole, '--count', '2', '--interval', '10', '--timeout', '300')
    expect(dead.code).toBe(3)
    expect(dead.doc.targets[0].error.code).toBe('timeout')
    expect(dead.stderr).toContain('error: no target answered')
    const mixed = await json(W.blackhole, W.knot.addresses[0], '--count', '1', '--timeout', '300')
    expect(mixed.code).toBe(0)
  })

  it('prints the table with sites, places and verdicts (sample for the README)', async () => {
    const r = await dnsx(W.knot.addresses[0], W.nsd.addresses[0], W.bind.addresses[0], W.split.address, W.router.address, '--from', 'AMS', '--count', '5', '--interval', '20')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/TARGET\s+ADDRESS\s+SITE\s+PLACE\s+MIN\s+MEDIAN\s+ANSWERED\s+PLAUSIBILITY\s+FLIPS/)
    expect(r.stdout).toMatch(/198\.51\.100\.131\s+NL AMS\s+Amsterdam, NL\s+[\d.]+ ms\s+[\d.]+ ms\s+5\/5\s+consistent\s+0/)
    expect(r.stdout).toMatch(/198\.51\.100\.133\s+NRT\s+Tokyo, JP\s+[\d.]+ ms\s+[\d.]+ ms\s+5\/5\s+impossible\s+0/)
    expect(r.stdout).toContain('unknown ("OpenWrt")')
    expect(r.stdout).toMatch(/warning: 198\.51\.100\.134: NSID says NL AMS/)
    if (process.env.ANYCAST_SAMPLE) fs.writeFileSync(process.env.ANYCAST_SAMPLE, r.stdout)
  })
})
