import http from 'node:http'
import https from 'node:https'

import dnsPacket from 'dns-packet'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {Zone} from '../../../src/lib/lab/zone.js'
import {startLab, type Lab} from '../../../src/lib/lab/index.js'
import {ServerRuntime} from '../../../src/lib/lab/server.js'
import {labTlsCredentials} from '../../../src/lib/lab/web.js'
import {DEFAULT_WORLD, type World} from '../../../src/lib/lab/world.js'
import {decode, type Decoded, makeQuery, nsidOf, rcode, toLab, tcpExchange, tcpQuery, txt, udpExchange, udpQuery} from './helpers.js'

let lab: Lab

beforeAll(async () => {
  lab = await startLab({latencyScale: 0, seed: 7})
})

afterAll(async () => {
  await lab?.stop()
})

const udp = (address: string) => lab.routeDns(address, 53, 'udp')!
const tcp = (address: string) => lab.routeDns(address, 53, 'tcp')!
const ids = (p: {answers?: {data?: unknown}[]} | null) => (p?.answers ?? []).map((rr) => rr.data)

/** One query over UDP, keeping only a reply with the right ID (the spoofing server sends two). */
async function ask(address: string, packet: dnsPacket.Packet, count = 1): Promise<Decoded | null> {
  const replies = await udpExchange(udp(address), dnsPacket.encode(packet), {count, waitMs: 1500})
  const decoded = replies.flatMap((b) => {
    try {
      return [decode(b)]
    } catch {
      return []
    }
  })
  return decoded.find((p) => p.id === packet.id) ?? null
}

function get(port: number, hostHeader: string, tls?: {ca: string, servername: string}): Promise<{status: number, body: string}> {
  return new Promise((resolve, reject) => {
    const opts = {host: '127.0.0.1', port, path: '/', headers: {host: hostHeader}}
    const req = tls ? https.get({...opts, ca: tls.ca, servername: tls.servername}) : http.get(opts)
    req.on('error', reject)
    req.on('response', (res) => {
      let body = ''
      res.on('data', (d: Buffer) => {
        body += d.toString()
      })
      res.on('end', () => resolve({status: res.statusCode ?? 0, body}))
    })
  })
}

describe('routeDns', () => {
  it('maps every DNS address of the world to a loopback listener, for UDP and TCP', () => {
    const addresses = [
      ...DEFAULT_WORLD.servers.flatMap((s) => s.addresses),
      ...DEFAULT_WORLD.anycast.flatMap((a) => a.addresses),
      ...DEFAULT_WORLD.resolvers.flatMap((r) => r.addresses),
    ]
    expect(addresses.length).toBeGreaterThan(50)
    for (const address of addresses) {
      for (const transport of ['udp', 'tcp'] as const) {
        const route = lab.routeDns(address, 53, transport)
        expect(route, `${address} ${transport}`).not.toBeNull()
        expect(route!.host).toBe('127.0.0.1')
        expect(route!.address).toBe('127.0.0.1')
        expect(route!.port).toBeGreaterThan(0)
      }
    }
  })

  it('accepts any spelling of an IPv6 address', () => {
    expect(lab.routeDns('2001:DB8:0:0::1', 53, 'udp')).toEqual(lab.routeDns('2001:db8::1', 53, 'udp'))
  })

  it.each([['8.8.8.8', 53], ['192.0.2.250', 53], ['2001:db8::ffff', 53], ['not-an-address', 53], ['192.0.2.1', 5353], ['203.0.113.10', 53]])(
    'returns null for %s port %i',
    (address, port) => {
      expect(lab.routeDns(address, port, 'udp')).toBeNull()
    },
  )

  it('each server answers with its own identity (CH TXT id.server) over UDP and TCP', async () => {
    for (const server of DEFAULT_WORLD.servers) {
      const b = server.behaviour ?? {}
      if (b.loss || b.garbage || b.dead) continue
      for (const address of server.addresses) {
        const q = makeQuery('id.server', 'TXT', {klass: 'CH', id: 77})
        if (b.truncate !== 'always') expect(txt((await ask(address, q, b.spoofFirst ? 2 : 1))!), `${server.id} ${address} udp`).toEqual([server.identity])
        const overTcp = (await tcpExchange(tcp(address), [dnsPacket.encode(q)], {count: b.spoofFirst ? 2 : 1})).map((m) => decode(m))
        expect(txt(overTcp.find((p) => p.id === 77)!), `${server.id} ${address} tcp`).toEqual([server.identity])
      }
    }
  })

  it('answers real queries through the mapped listeners', async () => {
    const r = await udpQuery(udp('192.0.2.20'), makeQuery('www.example.test', 'AAAA'))
    expect(r!.flag_aa).toBe(true)
    expect(ids(r)).toEqual(['2001:db8:a::80'])
    const referral = await udpQuery(udp('2001:db8::10'), makeQuery('www.example.test', 'A'))
    expect(referral!.flag_aa).toBe(false)
    expect(referral!.authorities!.map((rr) => rr.name)).toEqual(['example.test', 'example.test'])
  })
})

describe('anycast', () => {
  const nsid = async (address: string) => nsidOf((await udpQuery(udp(address), makeQuery('anycast.test', 'SOA', {edns: {nsid: true}})))!)

  it('routes to the instance for the client site, default first', async () => {
    lab.setSite(null)
    expect(await nsid('192.0.2.201')).toBe('ns1.nl-ams.k.ripe.net')
    expect(await nsid('192.0.2.202')).toBe('aa.de-ham.l.root')
    expect(await nsid('2001:db8::203')).toBe('ams01')
    lab.setSite('syd')
    expect(await nsid('192.0.2.201')).toBe('ns1.jp-nrt.k.ripe.net')
    expect(await nsid('192.0.2.202')).toBe('aa.au-syd.l.root')
    lab.setSite('fra')
    expect(await nsid('192.0.2.203')).toBe('syd01')
    const hostname = await udpQuery(udp('192.0.2.203'), makeQuery('hostname.bind', 'TXT', {klass: 'CH'}))
    expect(txt(hostname!)).toEqual(['syd01'])
    lab.setSite(null)
    expect(await nsid('192.0.2.203')).toBe('ams01')
  })

  it('rejects unknown sites', () => {
    expect(() => lab.setSite('mars')).toThrow(/unknown lab site "mars"/)
  })

  it('the flapping pair alternates instances query by query', async () => {
    const seen: string[] = []
    for (let i = 0; i < 4; i++) seen.push((await nsid('192.0.2.204'))!)
    expect(seen[0]).not.toBe(seen[1])
    expect(seen[0]).toBe(seen[2])
    expect(seen[1]).toBe(seen[3])
    expect(new Set(seen)).toEqual(new Set(['fra01', 'lhr01']))
  })

  it('the intercepting middlebox answers like a home router', async () => {
    const version = await udpQuery(udp('192.0.2.9'), makeQuery('version.bind', 'TXT', {klass: 'CH'}))
    expect(txt(version!)).toEqual(['dnsmasq-2.90'])
    expect((await udpQuery(udp('192.0.2.9'), makeQuery('hostname.bind', 'TXT', {klass: 'CH'})))!.rcode).toBe('REFUSED')
    const answer = await udpQuery(udp('192.0.2.9'), makeQuery('www.example.test', 'A', {rd: true}))
    expect(answer!.flag_ra).toBe(true)
    expect(ids(answer)).toEqual(['192.0.2.80'])
  })
})

describe('hostile and odd servers', () => {
  it('garbage: the reply has the query ID but does not decode', async () => {
    const [reply] = await udpExchange(udp('192.0.2.61'), dnsPacket.encode(makeQuery('www.garbage.test', 'A', {id: 0xbeef})))
    expect(reply.readUInt16BE(0)).toBe(0xbeef)
    expect(() => dnsPacket.decode(reply)).toThrow()
  })

  it('spoofFirst: a wrong-ID reply with a bogus address arrives first, then the real one', async () => {
    const replies = (await udpExchange(udp('192.0.2.62'), dnsPacket.encode(makeQuery('www.spoof.test', 'A', {id: 500})), {count: 2})).map((b) => decode(b))
    expect(replies.map((p) => p.id)).toEqual([500 ^ 0x5a5a, 500])
    expect(replies.map((p) => ids(p))).toEqual([['203.0.113.66'], ['192.0.2.121']])
  })

  it('dead: silent over UDP and TCP', async () => {
    expect(await udpQuery(udp('192.0.2.42'), makeQuery('www.dead.test'), 200)).toBeNull()
    expect(await tcpQuery(tcp('192.0.2.42'), makeQuery('www.dead.test'), 200)).toBeNull()
  })

  it('formerrOnEdns: FORMERR without OPT to EDNS, an answer to a plain query', async () => {
    const withEdns = await udpQuery(udp('192.0.2.63'), makeQuery('www.formerr.test', 'A', {edns: true}))
    expect(withEdns!.rcode).toBe('FORMERR')
    expect(withEdns!.additionals).toEqual([])
    expect(ids(await udpQuery(udp('192.0.2.63'), makeQuery('www.formerr.test')))).toEqual(['192.0.2.122'])
  })

  it('lame without AA; lame REFUSED; upward referral; AA on referral; poisoned additional', async () => {
    const noaa = await udpQuery(udp('192.0.2.41'), makeQuery('www.noaa.test'))
    expect(noaa!.flag_aa).toBe(false)
    expect(ids(noaa)).toEqual(['192.0.2.91'])
    expect((await udpQuery(udp('192.0.2.40'), makeQuery('www.lame.test')))!.rcode).toBe('REFUSED')
    const up = await udpQuery(udp('192.0.2.48'), makeQuery('www.up.test'))
    expect(up!.authorities!.map((rr) => [rr.name, rr.type])[0]).toEqual(['.', 'NS'])
    const aa = await udpQuery(udp('192.0.2.49'), makeQuery('www.sub.aaref.test'))
    expect(aa!.flag_aa).toBe(true)
    expect(aa!.authorities!.map((rr) => rr.name)).toEqual(['sub.aaref.test', 'sub.aaref.test'])
    const poisoned = await udpQuery(udp('192.0.2.50'), makeQuery('www.child.bailiwick.test'))
    expect(poisoned!.additionals!.map((rr) => [rr.name, (rr as {data: string}).data])).toContainEqual(['www.example.test', '203.0.113.66'])
  })

  it('the referral loop: each loop server refers deep.loop.test to the other', async () => {
    const a = await udpQuery(udp('192.0.2.46'), makeQuery('www.deep.loop.test'))
    const b = await udpQuery(udp('192.0.2.47'), makeQuery('www.deep.loop.test'))
    expect(ids({answers: a!.authorities})).toEqual(['b.loop.test'])
    expect(ids({answers: b!.authorities})).toEqual(['a.loop.test'])
  })

  it('two servers of disagree.test give different answers and serials', async () => {
    const one = await udpQuery(udp('192.0.2.59'), makeQuery('www.disagree.test'))
    const two = await udpQuery(udp('192.0.2.60'), makeQuery('www.disagree.test'))
    expect([ids(one), ids(two)]).toEqual([['192.0.2.88'], ['192.0.2.89']])
  })

  it('truncates the big TXT over UDP and gives it whole over TCP', async () => {
    const overUdp = await udpQuery(udp('192.0.2.20'), makeQuery('big.example.test', 'TXT', {edns: true}))
    expect(overUdp!.flag_tc).toBe(true)
    expect(overUdp!.answers).toEqual([])
    const overTcp = await tcpQuery(tcp('192.0.2.20'), makeQuery('big.example.test', 'TXT', {edns: true}))
    expect(overTcp!.flag_tc).toBe(false)
    expect(txt(overTcp!)[0]).toHaveLength(1500)
  })

  it('tc.test always truncates over UDP, even a small answer', async () => {
    expect((await udpQuery(udp('192.0.2.65'), makeQuery('www.tc.test')))!.flag_tc).toBe(true)
    expect(ids(await tcpQuery(tcp('192.0.2.65'), makeQuery('www.tc.test')))).toEqual(['192.0.2.124'])
  })
})

describe('the lab resolver', () => {
  const resolve = (name: string, type = 'A', opts: Parameters<typeof makeQuery>[2] = {}) => udpQuery(udp(lab.resolver.address), makeQuery(name, type, {rd: true, ...opts}))

  it('is at a virtual address on port 53 and answers recursively: RA=1, AA=0, TTL below the zone TTL', async () => {
    expect(lab.resolver).toEqual({address: '192.0.2.53', port: 53})
    const r = await resolve('www.example.test')
    expect(r).toMatchObject({flag_ra: true, flag_aa: false, flag_rd: true, rcode: 'NOERROR'})
    expect(ids(r)).toEqual(['192.0.2.80'])
    expect(r!.answers![0].ttl).toBeGreaterThan(0)
    expect(r!.answers![0].ttl).toBeLessThan(3600)
  })

  it('follows CNAMEs across zones, DNAMEs and glueless delegations', async () => {
    expect((await resolve('shop.example.test'))!.answers!.map((rr) => rr.type)).toEqual(['CNAME', 'A'])
    expect(ids(await resolve('www.legacy.example.test')).at(-1)).toBe('192.0.2.80')
    expect(ids(await resolve('www.glueless.test'))).toEqual(['192.0.2.90'])
    expect(ids(await resolve('www.partial.test'))).toEqual(['192.0.2.93'])
  })

  it('NXDOMAIN with the SOA; SERVFAIL for broken delegations', async () => {
    const nx = await resolve('nope.example.test')
    expect(nx!.rcode).toBe('NXDOMAIN')
    expect(nx!.authorities!.map((rr) => rr.type)).toEqual(['SOA'])
    for (const name of ['www.dead.test', 'www.noglue.test', 'www.deep.loop.test', 'www.up.test', 'www.lame.test', 'www.garbage.test', 'loop1.example.test']) {
      expect((await resolve(name))!.rcode, name).toBe('SERVFAIL')
    }
  })

  it('ignores out-of-bailiwick glue', async () => {
    expect(ids(await resolve('www.child.bailiwick.test'))).toEqual(['192.0.2.96'])
    expect(ids(await resolve('www.example.test'))).toEqual(['192.0.2.80'])
  })

  it('passes ECS on and echoes the scope', async () => {
    const r = await resolve('www.geo.test', 'A', {edns: {ecs: {ip: '203.0.113.0', source: 24}}})
    expect(ids(r)).toEqual(['192.0.2.102'])
    const ecs = (r!.additionals!.find((rr) => rr.type === 'OPT')!.options as {code: number, scopePrefixLength: number}[]).find((o) => o.code === 8)
    expect(ecs?.scopePrefixLength).toBe(24)
  })

  it('says who it is, and truncates big answers over UDP like a server', async () => {
    expect(txt((await udpQuery(udp('192.0.2.53'), makeQuery('id.server', 'TXT', {klass: 'CH'})))!)).toEqual(['res1.ams.resolver.test'])
    expect((await resolve('big.example.test', 'TXT', {edns: true}))!.flag_tc).toBe(true)
    expect(txt((await tcpQuery(tcp('192.0.2.53'), makeQuery('big.example.test', 'TXT', {rd: true})))!)[0]).toHaveLength(1500)
  })

  it('counts TTLs down with the clock', async () => {
    let now = 1_000_000
    const clocked = await startLab({latencyScale: 0, now: () => now})
    try {
      const route = clocked.routeDns(clocked.resolver.address, 53, 'udp')!
      const first = (await udpQuery(route, makeQuery('www.example.test', 'A', {rd: true})))!.answers![0].ttl
      now += 100_000
      const later = (await udpQuery(route, makeQuery('www.example.test', 'A', {rd: true})))!.answers![0].ttl
      expect(first - later).toBe(100)
    } finally {
      await clocked.stop()
    }
  })
})

describe('routeConnect and the web servers', () => {
  it.each([
    ['2001:db8:ee::11', 443, 'blackhole'],
    ['203.0.113.13', 80, 'refused'],
    ['203.0.113.21', 443, 'refused'],
    ['2001:db8:ee::20', 80, 'unreachable'],
    ['203.0.113.20', 80, 'blackhole'],
  ])('%s port %i: %s', (address, port, kind) => {
    expect(lab.routeConnect(address, port)).toEqual({kind})
  })

  it('forwards working addresses to an HTTP server that names the virtual address', async () => {
    const route = lab.routeConnect('203.0.113.11', 80)
    expect(route).toMatchObject({kind: 'forward', host: '127.0.0.1', delayMs: 0})
    const {status, body} = await get((route as {port: number}).port, 'v6-blackhole.race.test')
    expect(status).toBe(200)
    expect(body).toContain('address: 203.0.113.11')
    expect(body).toContain('host: v6-blackhole.race.test')
  })

  it('serves HTTPS with the lab certificate', async () => {
    const route = lab.routeConnect('2001:db8:ee::10', 443) as {kind: string, port: number}
    expect(route.kind).toBe('forward')
    const {body} = await get(route.port, 'dual.race.test', {ca: labTlsCredentials().cert, servername: 'dual.race.test'})
    expect(body).toContain('address: 2001:db8:ee::10')
    expect(body).toContain('port: 443')
    expect(lab.routeConnect('203.0.113.13', 443)).toMatchObject({kind: 'forward'})
  })

  it('slows the slow IPv6 path by 400 ms', () => {
    expect(lab.routeConnect('2001:db8:ee::12', 80)).toMatchObject({kind: 'forward', delayMs: 400})
  })

  it('connects to DNS servers on port 53 (TCP) and refuses other ports', () => {
    expect(lab.routeConnect('192.0.2.20', 53)).toMatchObject({kind: 'forward', port: lab.routeDns('192.0.2.20', 53, 'tcp')!.port})
    expect(lab.routeConnect('192.0.2.20', 80)).toEqual({kind: 'refused'})
    expect(lab.routeConnect('192.0.2.42', 53)).toEqual({kind: 'blackhole'})
    expect(lab.routeConnect('8.8.8.8', 443)).toBeNull()
  })
})

describe('describe()', () => {
  it('lists servers with their listeners, anycast instances, names and broken delegations', () => {
    lab.setSite(null)
    const d = lab.describe()
    expect(d.servers).toHaveLength(DEFAULT_WORLD.servers.length)
    expect(d.servers.every((s) => s.listener.port > 0)).toBe(true)
    expect(d.servers.find((s) => s.id === 'garbage')!.behaviour).toEqual(['answers garbage'])
    expect(d.rootHints).toEqual(DEFAULT_WORLD.rootHints)
    expect(d.effectiveSite).toBe('ams')
    expect(d.anycast.find((a) => a.id === 'k')!.current).toBe('k-ams')
    expect(d.names.map((n) => n.name)).toContain('www.example.test')
    expect(d.broken.length).toBeGreaterThan(10)
    expect(d.dnssec.status).toBe('signed')
    expect(d.connect.find((c) => c.address === '203.0.113.10')!.listener!.port).toBeGreaterThan(0)
    expect(JSON.parse(JSON.stringify(d))).toEqual(d)
    lab.setSite('syd')
    expect(lab.describe().anycast.find((a) => a.id === 'k')!.current).toBe('k-nrt')
    lab.setSite(null)
  })
})

describe('behaviour over time and chance', () => {
  const tiny: World = {
    ...DEFAULT_WORLD,
    zones: DEFAULT_WORLD.zones.filter((z) => ['root', 'lossy.test'].includes(z.id)),
    servers: [
      {...DEFAULT_WORLD.servers.find((s) => s.id === 'root-a')!},
      {...DEFAULT_WORLD.servers.find((s) => s.id === 'lossy')!, behaviour: {loss: 0.5}},
    ],
    anycast: [],
    resolvers: [DEFAULT_WORLD.resolvers[0]],
    rootHints: DEFAULT_WORLD.rootHints.slice(0, 2),
    connect: [],
  }

  function dropPattern(seed: number): string {
    const zone = Zone.fromText('lossy.test', DEFAULT_WORLD.zones.find((z) => z.id === 'lossy.test')!.text)
    const runtime = new ServerRuntime({id: 'lossy', zones: [zone], behaviour: {loss: 0.5}, seed})
    const query = toLab(dnsPacket.decode(dnsPacket.encode(makeQuery('www.lossy.test'))))
    let pattern = ''
    for (let i = 0; i < 32; i++) pattern += runtime.handle(query, {transport: 'udp', remote: {address: '127.0.0.1', port: 1}, raw: Buffer.alloc(0)}) ? '+' : '-'
    return pattern
  }

  it('loss is seeded: the same seed drops the same queries', () => {
    const a = dropPattern(11)
    expect(a).toMatch(/\+/)
    expect(a).toMatch(/-/)
    expect(dropPattern(11)).toBe(a)
    expect(dropPattern(12)).not.toBe(a)
  })

  it('a lossy server in the lab answers some queries and drops others', async () => {
    const small = await startLab({world: tiny, latencyScale: 0, seed: 11})
    try {
      const answered: boolean[] = []
      for (let i = 0; i < 10; i++) answered.push((await udpQuery(small.routeDns('192.0.2.64', 53, 'udp')!, makeQuery('www.lossy.test'), 250)) !== null)
      expect(answered).toContain(true)
      expect(answered).toContain(false)
    } finally {
      await small.stop()
    }
  })

  it('latency goes through the injected sleep, scaled', async () => {
    const slept: number[] = []
    const sleep = async (ms: number) => {
      slept.push(ms)
    }

    const small = await startLab({world: tiny, latencyScale: 2, sleep})
    try {
      expect(rcode((await udpQuery(small.routeDns('192.0.2.1', 53, 'udp')!, makeQuery('test', 'NS')))!)).toBe('NOERROR')
      expect(slept).toEqual([24])
    } finally {
      await small.stop()
    }

    expect(small.routeDns('192.0.2.1', 53, 'udp')).toBeNull()
  })

  it('refuses to start an inconsistent world', async () => {
    await expect(startLab({world: {...tiny, servers: [{...tiny.servers[0], addresses: ['8.8.8.8']}]}})).rejects.toThrow(/not a documentation address/)
  })
})

describe('an on-demand lab (what one command starts)', () => {
  it('opens no listener until something is routed there, then only those behind the address', async () => {
    const lazy = await startLab({latencyScale: 0, onDemand: true})
    try {
      const listening = () => {
        const d = lazy.describe()
        return [...d.servers, ...d.anycast.flatMap((a) => a.instances), ...d.resolvers].filter((s) => s.listener.port > 0).length
      }

      expect(listening()).toBe(0)
      expect(lazy.routeDns('192.0.2.20', 53, 'udp')).toBeNull()
      expect(lazy.routeConnect('192.0.2.20', 53)).toEqual({kind: 'refused'})
      await lazy.listen('192.0.2.20', 53)
      expect(listening()).toBe(1)
      const reply = await udpQuery(lazy.routeDns('192.0.2.20', 53, 'udp')!, makeQuery('www.example.test', 'A'))
      expect(reply?.answers?.map((a) => a.data)).toEqual(['192.0.2.80'])
      // The same server's IPv6 address is the same listener; asking again opens nothing more.
      await lazy.listen('2001:db8::20', 53)
      await lazy.listen('192.0.2.20', 53)
      expect(listening()).toBe(1)
      // An anycast address opens every instance behind it, whichever the site routes to.
      const k = DEFAULT_WORLD.anycast.find((a) => a.id === 'k')!
      await lazy.listen(k.addresses[0], 53)
      expect(listening()).toBe(1 + k.instances.length)
      expect(lazy.routeDns(k.addresses[0], 53, 'tcp')).not.toBeNull()
      // A web server opens on the port connected to; an address outside the lab opens nothing.
      expect(lazy.routeConnect('203.0.113.10', 80)).toEqual({kind: 'refused'})
      await lazy.listen('203.0.113.10', 80)
      expect(lazy.routeConnect('203.0.113.10', 80)).toMatchObject({kind: 'forward', host: '127.0.0.1'})
      await lazy.listen('8.8.8.8', 53)
      expect(lazy.routeDns('8.8.8.8', 53, 'udp')).toBeNull()
    } finally {
      await lazy.stop()
    }
  })

  it('stop closes a listener still opening, and nothing opens after it', async () => {
    const lazy = await startLab({latencyScale: 0, onDemand: true})
    const opening = lazy.listen('192.0.2.21', 53)
    await lazy.stop()
    await opening.catch(() => undefined)
    await lazy.listen('192.0.2.20', 53)
    expect(lazy.routeDns('192.0.2.21', 53, 'udp')).toBeNull()
    expect(lazy.describe().servers.every((s) => s.listener.port === 0 || s.id === 'example-ns2')).toBe(true)
  })
})
