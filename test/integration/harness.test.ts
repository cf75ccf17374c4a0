/**
 * Proves the real-DNS harness with the peer tools (dig, kdig, drill) run inside the
 * namespace against Knot, NSD, BIND and Unbound.
 */
import dgram from 'node:dgram'
import os from 'node:os'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {realDnsAvailable, startRealWorld, type RealWorld} from '../harness/realdns.js'
import {STANDARD_EXPECTATIONS as E, STANDARD_WORLD} from '../harness/worlds.js'

const avail = realDnsAvailable()
if (!avail.ok) console.warn(`[harness.test] skipping real-DNS tests, missing: ${avail.missing.join(', ')}`)

/** dig's "flags: qr aa rd;" set. */
function digFlags(out: string): string[] {
  const m = /;; flags: ([a-z ]*);/.exec(out)
  return m ? m[1].trim().split(/\s+/) : []
}

function digStatus(out: string): string | undefined {
  return /status: ([A-Z]+)/.exec(out)?.[1]
}

function section(out: string, name: 'ANSWER' | 'AUTHORITY' | 'ADDITIONAL'): string[] {
  const m = new RegExp(`;; ${name} SECTION:\\n([\\s\\S]*?)(?:\\n\\n|$)`).exec(out)
  return m ? m[1].split('\n').filter((l) => l && !l.startsWith(';')).map((l) => l.split(/\s+/).join(' ')) : []
}

describe.skipIf(!avail.ok)('real DNS harness (standard world)', () => {
  let world: RealWorld

  beforeAll(async () => {
    world = await startRealWorld(STANDARD_WORLD)
    console.log(`[harness.test] standard world (${STANDARD_WORLD.servers.length} servers + resolver) up in ${world.startupMs} ms`)
  })

  afterAll(async () => {
    const t = Date.now()
    await world?.stop()
    console.log(`[harness.test] standard world stopped in ${Date.now() - t} ms`)
  })

  const dig = async (...args: string[]) => {
    const r = await world.exec(['dig', ...args])
    expect(r.error).toBeUndefined()
    return r
  }

  it('gets a referral for test. from the Knot root, with glue', async () => {
    const r = await dig('@198.51.100.1', '+norecurse', 'test.', 'NS')
    expect(r.code).toBe(0)
    expect(digStatus(r.stdout)).toBe('NOERROR')
    expect(digFlags(r.stdout)).not.toContain('aa')
    expect(section(r.stdout, 'ANSWER')).toEqual([])
    const auth = section(r.stdout, 'AUTHORITY')
    for (const s of E.tld.servers) expect(auth).toContain(`test. 3600 IN NS ${s.name}.`)
    const add = section(r.stdout, 'ADDITIONAL')
    expect(add).toContain('ns1.nic.test. 3600 IN A 198.51.100.10')
    expect(add).toContain('ns2.nic.test. 3600 IN AAAA 2001:db8:100::11')
  })

  it('shows each server NSID: Knot, NSD, BIND (also over IPv6)', async () => {
    const targets = [
      {address: E.roots[0].address, nsid: E.roots[0].nsid, q: '.'},
      {address: E.roots[1].address, nsid: E.roots[1].nsid, q: '.'},
      {address: E.tld.servers[0].addresses[0], nsid: E.tld.servers[0].nsid, q: 'test.'},
      {address: E.tld.servers[1].addresses[1], nsid: E.tld.servers[1].nsid, q: 'test.'},
      {address: E.example.servers[0].addresses[0], nsid: E.example.servers[0].nsid, q: 'example.test.'},
      {address: E.example.servers[1].addresses[0], nsid: E.example.servers[1].nsid, q: 'example.test.'},
    ]
    const results = await Promise.all(targets.map((t) => dig(`@${t.address}`, '+nsid', '+norecurse', t.q, 'SOA')))
    results.forEach((r, i) => {
      expect(r.stdout).toContain(`("${targets[i].nsid}")`)
      expect(digFlags(r.stdout)).toContain('aa')
    })
  })

  it('answers CH TXT hostname.bind / id.server', async () => {
    const [knot, nsd, bindHost, bindId] = await Promise.all([
      dig('@198.51.100.1', '+short', 'CH', 'TXT', 'hostname.bind'),
      dig('@198.51.100.2', '+short', 'CH', 'TXT', 'id.server'),
      dig('@198.51.100.11', '+short', 'CH', 'TXT', 'hostname.bind'),
      dig('@198.51.100.11', '+short', 'CH', 'TXT', 'id.server'),
    ])
    expect(knot.stdout.trim()).toBe(`"${E.roots[0].identity}"`)
    expect(nsd.stdout.trim()).toBe(`"${E.roots[1].identity}"`)
    expect(bindHost.stdout.trim()).toBe(`"${E.tld.servers[1].identity}"`)
    expect(bindId.stdout.trim()).toBe(`"${E.tld.servers[1].nsid}"`) // BIND: id.server = server-id
  })

  it('tailors Knot answers by ECS, with the rule prefix as scope', async () => {
    const cases = [
      ...E.ecs.rules.map((r) => ({subnet: r.subnet, a: r.a, scope: r.scope})),
      // Source prefix shorter than the rule: fallback, scope 0.
      {subnet: '198.51.0.0/16', a: E.ecs.fallback.a, scope: 0},
      // No rule matches.
      {subnet: '192.0.2.0/24', a: E.ecs.fallback.a, scope: 0},
    ]
    const results = await Promise.all(
      cases.map((c) => world.exec(['kdig', `+subnet=${c.subnet}`, '+nsid', `@${E.ecs.server}`, E.ecs.name, 'A'])),
    )
    results.forEach((r, i) => {
      const c = cases[i]
      const [addr, bits] = c.subnet.split('/')
      expect(r.stdout, r.stdout).toContain(`CLIENT-SUBNET: ${addr}/${bits}/${c.scope}`)
      expect(r.stdout).toMatch(new RegExp(`^${E.ecs.name}\\.\\s+\\d+\\s+IN\\s+A\\s+${c.a.replaceAll('.', '\\.')}$`, 'm'))
      expect(r.stdout).toContain(`"${E.ecs.nsid}"`)
    })
    // Without ECS the query's source address decides (every world address is on lo, so -b works).
    const bySource = await dig('-b', E.roots[0].address, `@${E.ecs.server}`, '+short', E.ecs.name)
    expect(bySource.stdout.trim()).toBe(E.ecs.rules[0].a)
    const plain = await dig(`@${E.ecs.server}`, '+short', E.ecs.name) // source = 192.0.2.60: no rule
    expect(plain.stdout.trim()).toBe(E.ecs.fallback.a)
  })

  it('gives Knot weighted answers roughly 70/30', async () => {
    const n = 200
    // dig takes many queries on one command line: one process, n queries.
    const r = await dig(`@${E.weighted.server}`, '+short', ...Array.from({length: n}, () => E.weighted.name))
    const counts = new Map<string, number>()
    for (const line of r.stdout.trim().split('\n')) counts.set(line, (counts.get(line) ?? 0) + 1)
    expect([...counts.keys()].sort()).toEqual(E.weighted.answers.map((a) => a.a).sort())
    const major = counts.get(E.weighted.answers[0].a) ?? 0
    // Binomial(200, 0.7): mean 140, sd 6.5; this band is +-4.5 sd.
    expect(major).toBeGreaterThan(110)
    expect(major).toBeLessThan(170)
  })

  it('answers over TCP', async () => {
    const r = await dig('+tcp', '@192.0.2.54', E.host.name, 'AAAA')
    expect(r.stdout).toMatch(/SERVER: 192\.0\.2\.54#53\(192\.0\.2\.54\) \(TCP\)/)
    expect(section(r.stdout, 'ANSWER')).toEqual(E.host.aaaa.map((a) => `${E.host.name}. 300 IN AAAA ${a}`))
  })

  it('truncates the big TXT over UDP and returns it whole over TCP (BIND and Knot)', async () => {
    for (const server of ['192.0.2.53', '192.0.2.54']) {
      const udp = await dig(`@${server}`, '+norecurse', '+ignore', '+bufsize=1232', E.bigTxt.name, 'TXT')
      expect(digFlags(udp.stdout)).toContain('tc')
      expect(udp.stdout).toContain('(UDP)')
      const tcp = await dig(`@${server}`, '+norecurse', '+tcp', '+short', E.bigTxt.name, 'TXT')
      expect(tcp.stdout.trim()).toBe(E.bigTxt.strings.map((s) => `"${s}"`).join(' '))
      // dig without +ignore retries over TCP by itself
      const auto = await dig(`@${server}`, '+norecurse', E.bigTxt.name, 'TXT')
      expect(auto.stdout).toContain('Truncated, retrying in TCP mode')
    }
  })

  it('answers NXDOMAIN and NODATA', async () => {
    const nx = await dig('@192.0.2.53', '+norecurse', E.nxdomain.name, 'A')
    expect(digStatus(nx.stdout)).toBe('NXDOMAIN')
    const nodata = await dig('@192.0.2.54', '+norecurse', E.nodata.name, E.nodata.emptyType)
    expect(digStatus(nodata.stdout)).toBe('NOERROR')
    expect(section(nodata.stdout, 'ANSWER')).toEqual([])
    expect(section(nodata.stdout, 'AUTHORITY')[0]).toMatch(/^example\.test\. \d+ IN SOA /)
  })

  it('has a lame delegation (REFUSED) for lame.test', async () => {
    const r = await dig(`@${E.lame.address}`, '+norecurse', `www.${E.lame.zone}`, 'A')
    expect(digStatus(r.stdout)).toBe(E.lame.rcode)
  })

  it('has a dead server (port unreachable) and a black-holed one (timeout)', async () => {
    const [dead, hole] = await Promise.all([
      dig(`@${E.dead.address}`, '+tries=1', '+timeout=1', `www.${E.dead.zone}`),
      dig(`@${E.blackhole.address}`, '+tries=1', '+timeout=1', `www.${E.blackhole.zone}`),
    ])
    // What dig says tells the two apart (an ICMP refusal against silence); how long each took
    // is the machine's business, not an assertion.
    expect(dead.stdout + dead.stderr).toMatch(/connection refused/)
    expect(dead.stdout + dead.stderr).not.toMatch(/timed out/)
    expect(hole.stdout + hole.stderr).toMatch(/timed out/)
    expect(hole.stdout + hole.stderr).not.toMatch(/connection refused/)
  })

  it('resolves recursively through Unbound, following the cross-zone CNAME', async () => {
    const r = await dig(`@${E.resolver}`, E.www.name, 'A')
    expect(digStatus(r.stdout)).toBe('NOERROR')
    expect(digFlags(r.stdout)).toContain('ra')
    expect(section(r.stdout, 'ANSWER')).toEqual([
      `${E.www.name}. 300 IN CNAME ${E.www.cname}.`,
      ...E.www.a.map((a) => `${E.www.cname}. 300 IN A ${a}`),
    ])
    const glueless = await dig('+short', E.glueless.name) // via /etc/resolv.conf
    expect(glueless.stdout.trim()).toBe(E.glueless.a.join('\n'))
  })

  it('gives node inside the namespace the world as its system resolver', async () => {
    const script = `require('node:dns').promises.lookup(${JSON.stringify(E.www.name)}, {all: true}).then(
      (r) => console.log(JSON.stringify(r.map((x) => x.address).sort())), (e) => { console.error(e.message); process.exit(1) })`
    const r = await world.exec([process.execPath, '-e', script])
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout)).toEqual([...E.www.aaaa, ...E.www.a].sort())
  })

  it('supports dig +trace and drill -T from the world root', async () => {
    const trace = await dig('+trace', '+nodnssec', E.host.name, 'A')
    expect(trace.stdout).toContain('from 198.51.100.') // a root letter
    expect(trace.stdout).toMatch(/^host\.example\.test\.\s+300\s+IN\s+A\s+192\.0\.2\.81$/m)
    const drill = await world.exec(['drill', '-T', '-r', `${world.dir}/resolver/root.hints`, E.www.name, 'A'])
    expect(drill.stdout).toMatch(/web\.other\.test\.\s+300\s+IN\s+A\s+192\.0\.2\.80/)
  })

  it('enforces a command timeout', async () => {
    const r = await world.exec(['sleep', '10'], {timeoutMs: 300})
    expect(r.timedOut).toBe(true)
    expect(r.code).toBeNull()
    expect(r.ms).toBeLessThan(2000)
    const ok = await world.exec(['sh', '-c', 'cat; echo "$FOO"'], {input: 'in\n', env: {FOO: 'bar'}})
    expect(ok).toMatchObject({code: 0, stdout: 'in\nbar\n', timedOut: false})
    const missing = await world.exec(['no-such-command-dnsx'])
    expect(missing.error).toMatch(/ENOENT/)
  })

  it('exists only inside the namespace', async () => {
    // Host side: none of the world's addresses are configured, so nothing can be bound
    // (or listened on) there. No packet is sent.
    const hostAddrs = Object.values(os.networkInterfaces()).flatMap((l) => (l ?? []).map((i) => i.address))
    for (const a of ['198.51.100.1', '192.0.2.53', '2001:db8:100::11']) expect(hostAddrs).not.toContain(a)
    const err = await new Promise<NodeJS.ErrnoException | undefined>((resolve) => {
      const s = dgram.createSocket('udp4')
      s.once('error', (e) => {
        s.close()
        resolve(e)
      })
      s.bind(0, '198.51.100.1', () => {
        s.close()
        resolve(undefined)
      })
    })
    expect(err?.code).toBe('EADDRNOTAVAIL')
    // Inside: no route leads anywhere but lo (and the black hole), so nothing can leak.
    const route = await world.exec(['ip', 'route', 'get', '192.0.2.250'])
    expect(route.code).not.toBe(0)
    expect(route.stderr).toMatch(/unreachable/i)
    const links = await world.exec(['ip', '-o', 'link'])
    expect(links.stdout.split('\n').filter(Boolean).map((l) => l.split(':')[1].trim().split('@')[0]).sort()).toEqual(['bh0', 'bh1', 'lo'])
    const resolv = await world.exec(['cat', '/etc/resolv.conf'])
    expect(resolv.stdout).toContain(`nameserver ${E.resolver}`)
  })

  it('exposes daemon logs', () => {
    expect(world.logs('root-a')).toMatch(/server started/)
    expect(world.logs('tld-ns2')).toMatch(/running/)
    expect(world.logs('resolver')).toMatch(/start of service/)
    expect(() => world.logs('nope')).toThrow(/no such server/)
  })
})

describe.skipIf(!avail.ok)('real DNS harness (side by side, failures)', () => {
  it('runs two worlds with the same addresses independently', async () => {
    const mk = (nsid: string) =>
      startRealWorld({
        servers: [
          {
            id: 'solo',
            software: 'nsd',
            addresses: ['198.51.100.1'],
            nsid,
            zones: [{origin: 'solo.test', text: '@ 300 IN SOA ns. h. 1 2 3 4 5\n@ 300 IN NS ns.\n'}],
          },
        ],
      })
    const [a, b] = await Promise.all([mk('world-a'), mk('world-b')])
    try {
      const [ra, rb] = await Promise.all([
        a.exec(['dig', '+nsid', '@198.51.100.1', 'solo.test', 'SOA']),
        b.exec(['dig', '+nsid', '@198.51.100.1', 'solo.test', 'SOA']),
      ])
      expect(ra.stdout).toContain('("world-a")')
      expect(rb.stdout).toContain('("world-b")')
    } finally {
      await Promise.all([a.stop(), b.stop()])
    }
  })

  it('supports a BIND resolver and servers on a custom port', async () => {
    const soa = '@ 300 IN SOA ns. h. 1 2 3 4 5\n@ 300 IN NS a.root-servers.test.\n'
    const w = await startRealWorld({
      servers: [
        {id: 'root', software: 'knot', addresses: ['127.0.0.2'], zones: [{origin: '.', text: `${soa}a.root-servers.test. 300 IN A 127.0.0.2\nwww.test. 300 IN A 192.0.2.7\n`}]},
        {id: 'k5353', software: 'knot', port: 5353, addresses: ['192.0.2.1'], nsid: 'k5353', zones: [{origin: 'p.test', text: soa}]},
        {id: 'n5353', software: 'nsd', port: 5353, addresses: ['192.0.2.2'], nsid: 'n5353', zones: [{origin: 'p.test', text: soa}]},
        {id: 'b5353', software: 'bind', port: 5353, addresses: ['192.0.2.3', '2001:db8::3'], nsid: 'b5353', zones: [{origin: 'p.test', text: soa}]},
      ],
      resolver: {software: 'bind', address: '127.0.0.53', rootHints: [{name: 'a.root-servers.test', address: '127.0.0.2'}]},
    })
    try {
      const rec = await w.exec(['dig', '+short', 'www.test']) // via /etc/resolv.conf -> BIND
      expect(rec.stdout.trim()).toBe('192.0.2.7')
      for (const [addr, nsid] of [['192.0.2.1', 'k5353'], ['192.0.2.2', 'n5353'], ['192.0.2.3', 'b5353'], ['2001:db8::3', 'b5353']]) {
        const r = await w.exec(['dig', '-p', '5353', `@${addr}`, '+nsid', '+norecurse', 'p.test', 'SOA'])
        expect(r.stdout).toContain(`("${nsid}")`)
      }
    } finally {
      await w.stop()
    }
  })

  it('fails startup with the daemon logs when a zone does not load', async () => {
    const p = startRealWorld({
      startupTimeoutMs: 1500,
      servers: [{id: 'broken', software: 'knot', addresses: ['192.0.2.1'], zones: [{origin: 'broken.test', text: 'this is not a zone\n'}]}],
    })
    // Bounded by startupTimeoutMs (and the test's own timeout), not by a wall-clock assertion.
    await expect(p).rejects.toThrow(/broken did not answer zone broken\.test\. SOA[\s\S]*--- broken/)
  })

  it('rejects addresses outside the allowed ranges', async () => {
    await expect(
      startRealWorld({servers: [{id: 'x', software: 'nsd', addresses: ['8.8.8.8'], zones: []}]}),
    ).rejects.toThrow(/outside/)
  })
})
