/**
 * `dnsx query` against real Knot, NSD and BIND in a private network namespace (test/harness),
 * issue 2 "Done when": NSID, CHAOS identity, TCP after truncation, and the ECS echo with its
 * scope from Knot's mod-geoip. Every JSON document validates against schemas/query.json, and
 * dig/kdig (run in the same namespace) get the same answers.
 */
import dnsPacket from 'dns-packet'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {realDnsAvailable, startRealWorld, type RealWorld} from '../harness/realdns.js'
import {STANDARD_EXPECTATIONS as E, STANDARD_WORLD} from '../harness/worlds.js'
import {BIN, ROOT, schemaValidator} from '../helpers/cli.js'

const avail = realDnsAvailable()
if (!avail.ok) console.warn(`[query-real] skipping real-DNS tests, missing: ${avail.missing.join(', ')}`)

const validateQuery = schemaValidator('query')

describe.skipIf(!avail.ok)('dnsx query against Knot, NSD and BIND', () => {
  let world: RealWorld

  beforeAll(async () => {
    world = await startRealWorld(STANDARD_WORLD)
  })

  afterAll(async () => {
    await world?.stop()
  })

  async function query(...args: string[]): Promise<any> {
    const r = await world.exec([process.execPath, BIN, 'query', ...args, '--json'], {cwd: ROOT, timeoutMs: 15_000})
    expect(r.error).toBeUndefined()
    expect(r.code, `query ${args.join(' ')}: ${r.stderr}${r.stdout}`).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(validateQuery(j), `query ${args.join(' ')}`).toEqual([])
    return j
  }

  /** `kdig +short`-style data lines of one answer, from kdig's full output. */
  async function kdig(...args: string[]): Promise<string> {
    const r = await world.exec(['kdig', ...args])
    expect(r.code).toBe(0)
    return r.stdout
  }

  it('shows each server\'s NSID: Knot, NSD and BIND (also over IPv6)', async () => {
    const targets = [
      {address: E.roots[0].address, nsid: E.roots[0].nsid, zone: '.'},
      {address: E.roots[1].address, nsid: E.roots[1].nsid, zone: '.'},
      {address: E.example.servers[0].addresses[0], nsid: E.example.servers[0].nsid, zone: E.example.zone},
      {address: E.example.servers[1].addresses[0], nsid: E.example.servers[1].nsid, zone: E.example.zone},
      {address: E.tld.servers[1].addresses[1], nsid: E.tld.servers[1].nsid, zone: E.tld.zone},
    ]
    const results = await Promise.all(targets.map((t) => query(t.zone, 'SOA', `@${t.address}`, '--nsid', '--norecurse')))
    results.forEach((j, i) => {
      const t = targets[i]
      expect(j.query).toMatchObject({nsid: true, edns: true, rd: false, server: {address: t.address, port: 53}})
      expect(j.edns.nsid).toEqual({hex: Buffer.from(t.nsid).toString('hex'), text: t.nsid})
      expect(j.authoritative).toBe(true)
      expect(j.answers).toEqual([expect.objectContaining({type: 'SOA', name: t.zone === '.' ? '.' : `${t.zone}.`})])
    })
  })

  it('counts each section as dig does (the OPT record is one of ADDITIONAL): referrals with glue, answers', async () => {
    const counts = (text: string) => /QUERY: (\d+), ANSWER: (\d+), AUTHORITY: (\d+), ADDITIONAL: (\d+)/.exec(text)?.slice(1).join(' ')
    const cases = [
      [E.roots[0].address, E.example.zone, 'NS'],
      [E.tld.servers[0].addresses[0], `www.${E.example.zone}`, 'A'],
      [E.example.servers[0].addresses[0], `www.${E.example.zone}`, 'A'],
      [E.example.servers[1].addresses[0], E.example.zone, 'SOA'],
    ]
    for (const [server, name, type] of cases) {
      const ours = await world.exec([process.execPath, BIN, 'query', name, type, `@${server}`, '--norecurse'], {cwd: ROOT, timeoutMs: 15_000})
      const dig = await world.exec(['dig', `@${server}`, '+norecurse', name, type])
      expect(counts(dig.stdout), `dig @${server} ${name} ${type}`).toMatch(/^1 \d+ \d+ \d+$/)
      expect(counts(ours.stdout), `dnsx query ${name} ${type} @${server}`).toBe(counts(dig.stdout))
    }
  })

  it('without @SERVER asks every nameserver of resolv.conf in turn: a refusing one at once, a silent one for its timeout, then Unbound', async () => {
    const conf = `/tmp/dnsx-resolv-${process.pid}.conf`
    const lines = [`nameserver ${E.dead.address}`, `nameserver ${E.blackhole.address}`, `nameserver ${E.resolver}`, 'options timeout:1 attempts:1']
    await world.exec(['sh', '-c', `printf '%s\\n' ${lines.map((l) => `'${l}'`).join(' ')} > ${conf}`])
    const r = await world.exec([process.execPath, BIN, 'query', E.www.name, '--json'], {cwd: ROOT, timeoutMs: 15_000, env: {DNSX_RESOLV_CONF: conf}})
    expect(r.code, r.stderr).toBe(0)
    const j = JSON.parse(r.stdout)
    expect(validateQuery(j)).toEqual([])
    expect(j.query.server).toEqual({address: E.resolver, port: 53})
    expect(j.answers.length).toBeGreaterThan(0)
    expect(j.passedOver.map((p: any) => [p.address, p.error.code])).toEqual([[E.dead.address, 'refused'], [E.blackhole.address, 'timeout']])
    // resolv.conf's timeout:1, not dnsx's 2 s default (a timer may fire a fraction of a ms early).
    expect(j.passedOver[1].error.message).toMatch(/in (9\d\d|1\d{3}) ms$/)
    expect(j.notes[0]).toBe(`${E.dead.address} port 53 passed over: ${E.dead.address} port 53: connection refused (ICMP port unreachable: nothing listens there)`)
    const text = await world.exec([process.execPath, BIN, 'query', E.www.name, '--timeout', '300'], {cwd: ROOT, timeoutMs: 15_000, env: {DNSX_RESOLV_CONF: conf}})
    const hole = E.blackhole.address.replace(/\./g, '\\.')
    expect(text.stdout).toMatch(new RegExp(`^;; note: ${hole} port 53 passed over: no reply from ${hole} port 53 over UDP in \\d+ ms$`, 'm'))
    expect(text.stdout).toContain(`;; SERVER: ${E.resolver}#53`)
    await world.exec(['rm', '-f', conf])
  })

  it('presents LOC, URI, CERT, CSYNC, EUI48 and every other type dig decodes, as dig does (BIND and Knot)', async () => {
    for (const server of E.example.servers.map((s) => s.addresses[0]!)) {
      for (const [type] of E.types.records) {
        const j = await query(E.types.name, type, `@${server}`, '--norecurse')
        const dig = await world.exec(['dig', `@${server}`, '+norecurse', '+short', '+nosplit', E.types.name, type])
        expect(dig.stdout.trim(), `dig ${type} @${server}`).not.toBe('')
        expect(j.answers.map((a: any) => a.data), `dnsx query ${E.types.name} ${type} @${server}`).toEqual(dig.stdout.trim().split('\n'))
      }
    }
  })

  it('+cookie sends a client cookie and shows BIND\'s server cookie; +padding pads the query; +ednsopt sends an option as given', async () => {
    const bind = E.example.servers.find((s) => s.software === 'bind')!.addresses[0]!
    const j = await query(E.example.zone, 'SOA', `@${bind}`, '+norec', '+cookie', '+padding', '+ednsopt=65001:abcd')
    expect(j.query.cookie).toMatch(/^[0-9a-f]{16}$/)
    expect(j.edns.cookie.client).toBe(j.query.cookie)
    expect(j.edns.cookie.server).toMatch(/^[0-9a-f]{16,64}$/)
    const sent = Buffer.from(j.wire.query, 'hex')
    expect(sent.length % 128).toBe(0)
    const opt = (dnsPacket.decode(sent).additionals as any[]).find((a) => a.type === 'OPT')
    expect(opt.options.map((o: any) => o.code)).toEqual([10, 65001, 12])
    expect(opt.options[1].data.toString('hex')).toBe('abcd')
    const text = await world.exec([process.execPath, BIN, 'query', E.example.zone, 'SOA', `@${bind}`, '+norec', '+cookie'], {cwd: ROOT, timeoutMs: 15_000})
    expect(text.stdout).toMatch(/^; COOKIE: [0-9a-f]{32,80} \(good\)$/m)
  })

  it('answers CHAOS hostname.bind / id.server: Knot, NSD and BIND', async () => {
    const cases = [
      {server: E.roots[0].address, q: 'hostname.bind', want: E.roots[0].identity},
      {server: E.roots[0].address, q: 'id.server', want: E.roots[0].identity},
      {server: E.roots[1].address, q: 'hostname.bind', want: E.roots[1].identity},
      {server: E.roots[1].address, q: 'id.server', want: E.roots[1].identity},
      {server: E.example.servers[0].addresses[0], q: 'hostname.bind', want: E.example.servers[0].identity},
      // BIND's id.server is its server-id, which the harness sets to the NSID.
      {server: E.example.servers[0].addresses[0], q: 'id.server', want: E.example.servers[0].nsid},
    ]
    const results = await Promise.all(cases.map((c) => query(c.q, 'TXT', 'CH', `@${c.server}`)))
    results.forEach((j, i) => {
      const c = cases[i]
      expect(j.query).toMatchObject({class: 'CH', type: 'TXT', name: `${c.q}.`})
      expect(j.rcode).toBe('NOERROR')
      expect(j.answers).toEqual([{name: `${c.q}.`, type: 'TXT', class: 'CH', ttl: 0, data: `"${c.want}"`}])
    })
  })

  it('repeats a truncated query over TCP (Knot and BIND), and says why', async () => {
    const whole = E.bigTxt.strings.map((s) => `"${s}"`).join(' ')
    for (const server of E.example.servers.map((s) => s.addresses[0])) {
      const j = await query(E.bigTxt.name, 'TXT', `@${server}`, '--norecurse')
      expect(j).toMatchObject({transport: 'tcp', transportReason: 'tcp after TC', retries: 0, authoritative: true})
      expect(j.bytes.truncatedUdp).toBeGreaterThan(0)
      expect(j.flags.tc).toBe(false)
      expect(j.answers).toEqual([expect.objectContaining({name: `${E.bigTxt.name}.`, type: 'TXT', data: whole})])
      expect(j.bytes.received).toBeGreaterThan(E.bigTxt.rdataBytes)
      const asked = await query(E.bigTxt.name, 'TXT', `@${server}`, '--norecurse', '--tcp')
      expect(asked).toMatchObject({transport: 'tcp', transportReason: 'tcp requested', retries: 0})
      expect(asked.answers).toEqual(j.answers)
    }
  })

  it('echoes ECS with the scope from Knot\'s geoip module, as kdig sees it', async () => {
    // Source subnet sent → the rule that matches it, with the rule's prefix as SCOPE.
    const cases = [
      ...E.ecs.rules.map((r) => ({subnet: r.subnet, a: r.a, scope: r.scope})),
      // A subnet inside a wider rule (198.18.0.0/15): the scope is wider than the source.
      {subnet: '198.18.5.0/24', a: '192.0.2.115', scope: 15},
      // No rule matches: the zone's own record, valid for everyone (scope 0).
      {subnet: '10.0.0.0/8', a: E.ecs.fallback.a, scope: E.ecs.fallback.scope},
    ]
    const results = await Promise.all(cases.map((c) => query(E.ecs.name, `@${E.ecs.server}`, '--subnet', c.subnet, '--nsid', '--norecurse')))
    results.forEach((j, i) => {
      const c = cases[i]
      const [address, source] = c.subnet.split('/')
      expect(j.query.subnet).toBe(c.subnet)
      expect(j.answers.map((a: any) => a.data), c.subnet).toEqual([c.a])
      expect(j.edns.ecs, c.subnet).toEqual({family: address.includes(':') ? 2 : 1, address, sourcePrefix: Number(source), scopePrefix: c.scope, problems: []})
      expect(j.edns.nsid.text).toBe(E.ecs.nsid)
    })
    const k = await kdig(`@${E.ecs.server}`, '+norecurse', `+subnet=${E.ecs.rules[0].subnet}`, E.ecs.name)
    expect(k).toContain(`CLIENT-SUBNET: ${E.ecs.rules[0].subnet}/${E.ecs.rules[0].scope}`)
    expect(k).toMatch(new RegExp(`IN\\s+A\\s+${E.ecs.rules[0].a.replace(/\./g, '\\.')}`))
  })

  it('without ECS, Knot answers by the query\'s source address', async () => {
    // Sent straight to 192.0.2.60 from inside the namespace, the source address is 192.0.2.60
    // itself (it is on lo), which no rule covers: the fallback, and no ECS option in the reply.
    const [j, d] = await Promise.all([
      query(E.ecs.name, `@${E.ecs.server}`, '--norecurse'),
      world.exec(['dig', `@${E.ecs.server}`, '+norecurse', '+short', E.ecs.name]),
    ])
    expect(j.query.subnet).toBeNull()
    expect(j.edns?.ecs ?? null).toBeNull()
    expect(j.answers.map((a: any) => a.data)).toEqual([E.ecs.fallback.a])
    expect(d.stdout.trim()).toBe(E.ecs.fallback.a)
  })
})
