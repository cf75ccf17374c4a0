/**
 * `dnsx trace` against real Knot, NSD and BIND (test/harness): a `test.` hierarchy in a private
 * network namespace, roots on Knot and NSD, the TLD on NSD and BIND, example.test on BIND and
 * Knot (see test/harness/worlds.ts). dnsx runs inside the namespace with a hints file naming the
 * world's roots.
 *
 * Issue 3: dnsx's final answers equal what `dig +norecurse` gets from each zone's own
 * authoritative servers; AA is marked; the CNAME across zones and glueless delegations are
 * followed; lame, dead and black-holed delegations are reported as such; TCP after truncation;
 * every JSON document valid against schemas/trace.json.
 *
 * The standard world's glueless.test gets sibling glue from the TLD (the TLD holds addresses
 * for ns1/ns2.example.test as glue for example.test), so no sub-trace is needed there. To
 * exercise a truly glueless delegation this file adds one: other.test (NSD) delegates
 * sub.other.test to ns1/ns2.example.test (BIND, Knot), names other.test cannot give glue for.
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {realDnsAvailable, startRealWorld, type RealWorld, type WorldSpec} from '../harness/realdns.js'
import {STANDARD_EXPECTATIONS as E, STANDARD_WORLD} from '../harness/worlds.js'
import {BIN, ROOT, schemaValidator} from '../helpers/cli.js'

const avail = realDnsAvailable()
if (!avail.ok) console.warn(`[trace-real] skipping real-DNS tests, missing: ${avail.missing.join(', ')}`)

const validateTrace = schemaValidator('trace')

interface Rec {name: string, type: string, ttl: number, data: string}
interface Step {purpose: string, depth: number, for?: string, zone: string | null, qname: string, qtype: string, server: {name: string | null, address: string}, transport: string, transportReason: string, rcode: string | null, aa: boolean | null, kind: string, referral?: {zone: string, ns: {name: string, label: string, glue: string[]}[]}}
interface TraceJson {
  name: string, type: string, kind: string, steps: Step[]
  answer: {rcode: string, authoritative: boolean, zone: string | null, server: {name: string | null, address: string} | null, records: Rec[]} | null
  problems: {code: string, zone: string | null, server: string | null, message: string}[]
  stats: {queries: number, nsLookups: number, cnames: number, elapsedMs: number, limitHit: string | null}
  recursive?: any
}

/** The extra, truly glueless delegation (see the header). */
const SUB = {zone: 'sub.other.test', ns: ['ns1.example.test', 'ns2.example.test'], name: 'www.sub.other.test', a: '192.0.2.95'}

function worldSpec(): WorldSpec {
  const spec: WorldSpec = structuredClone(STANDARD_WORLD)
  const subZone = {
    origin: SUB.zone,
    text: ['$TTL 300', `@ IN SOA ${SUB.ns[0]}. hostmaster.${SUB.zone}. 1 3600 900 604800 300`, ...SUB.ns.map((n) => `@ IN NS ${n}.`), `www IN A ${SUB.a}`].join('\n') + '\n',
  }
  for (const s of spec.servers) {
    if (s.id === E.other.servers[0].serverId) {
      for (const z of s.zones) if (z.origin === E.other.zone) z.text += SUB.ns.map((n) => `${SUB.zone}. IN NS ${n}.`).join('\n') + '\n'
    }
    if (E.example.servers.some((x) => x.serverId === s.id)) s.zones.push(subZone)
  }
  return spec
}

/** dig's view of one question to one server, RD=0: status, flags and the answer section. */
interface DigView {status: string, flags: string[], answers: Rec[]}

function parseDig(out: string): DigView {
  const status = /status: ([A-Z]+)/.exec(out)?.[1] ?? 'NONE'
  const flags = (/;; flags: ([a-z ]*);/.exec(out)?.[1] ?? '').trim().split(/\s+/)
  const section = /;; ANSWER SECTION:\n([\s\S]*?)(?:\n\n|$)/.exec(out)?.[1] ?? ''
  const answers = section.split('\n').filter((l) => l && !l.startsWith(';')).map((l) => {
    const [name, ttl, , type, ...data] = l.split(/\s+/)
    return {name, type, ttl: Number(ttl), data: data.join(' ')}
  })
  return {status, flags, answers}
}

const key = (r: Rec) => `${r.name.toLowerCase()} ${r.ttl} ${r.type} ${r.data}`
const servers = (zone: string) => {
  const all = [E.example, E.other, E.tld]
  if (zone === SUB.zone) return E.example.servers.flatMap((s) => s.addresses.filter((a) => !a.includes(':')))
  return all.find((z) => z.zone === zone)!.servers.flatMap((s) => s.addresses.filter((a) => !a.includes(':')))
}

describe.skipIf(!avail.ok)('dnsx trace against Knot, NSD and BIND', () => {
  let world: RealWorld
  let hints: string

  beforeAll(async () => {
    world = await startRealWorld(worldSpec())
    hints = path.join(world.dir, 'named.root')
    // named.root format, as IANA ships it, naming the world's roots.
    fs.writeFileSync(hints, E.roots.map((r) => `.\t3600000\tNS\t${r.name}.\n${r.name}.\t3600000\tA\t${r.address}\n`).join(''))
  })

  afterAll(async () => {
    await world?.stop()
  })

  async function trace(...args: string[]): Promise<{code: number | null, j: TraceJson, stderr: string}> {
    const r = await world.exec([process.execPath, BIN, 'trace', ...args, '--root-hints', hints, '--json'], {cwd: ROOT, timeoutMs: 20_000})
    expect(r.error).toBeUndefined()
    expect(r.timedOut).toBe(false)
    const j = JSON.parse(r.stdout) as TraceJson
    expect(validateTrace(j)).toEqual([])
    return {code: r.code, j, stderr: r.stderr}
  }

  async function dig(server: string, name: string, type: string): Promise<DigView> {
    const r = await world.exec(['dig', `@${server}`, '+norecurse', '+time=2', '+tries=1', name, type])
    expect(r.code).toBe(0)
    return parseDig(r.stdout)
  }

  /**
   * Final answers against dig: `parts` are the questions each zone of the chain answers (the
   * CNAME from example.test, the address from other.test); every server of that zone is asked
   * with dig +norecurse and must agree, and together they must equal dnsx's answer records.
   */
  const CASES: {name: string, type: string, parts: [zone: string, qname: string][], rcode?: string}[] = [
    {name: E.www.name, type: 'A', parts: [[E.example.zone, E.www.name], [E.other.zone, E.www.cname]]},
    {name: E.www.name, type: 'AAAA', parts: [[E.example.zone, E.www.name], [E.other.zone, E.www.cname]]},
    {name: E.host.name, type: 'A', parts: [[E.example.zone, E.host.name]]},
    {name: E.host.name, type: 'AAAA', parts: [[E.example.zone, E.host.name]]},
    {name: E.alias.name, type: 'A', parts: [[E.example.zone, E.alias.name]]},
    {name: E.glueless.name, type: 'A', parts: [[E.example.zone, E.glueless.name]]},
    {name: SUB.name, type: 'A', parts: [[SUB.zone, SUB.name]]},
    {name: E.bigTxt.name, type: 'TXT', parts: [[E.example.zone, E.bigTxt.name]]},
    {name: E.example.zone, type: 'NS', parts: [[E.example.zone, E.example.zone]]},
    {name: E.tld.zone, type: 'NS', parts: [[E.tld.zone, E.tld.zone]]},
    {name: E.nodata.name, type: E.nodata.emptyType, parts: [[E.example.zone, E.nodata.name]]},
    {name: E.nxdomain.name, type: 'A', parts: [[E.example.zone, E.nxdomain.name]], rcode: 'NXDOMAIN'},
  ]

  it('gets the same final answers as dig +norecurse at each zone\'s own servers, marked authoritative', async () => {
    await Promise.all(CASES.map(async (c) => {
      const {code, j} = await trace(c.name, c.type)
      const what = `${c.name} ${c.type}`
      expect(code, what).toBe(0)
      expect(j.answer, what).not.toBeNull()
      expect(j.answer!.rcode, what).toBe(c.rcode ?? 'NOERROR')
      expect(j.answer!.authoritative, what).toBe(true)
      expect(j.problems, what).toEqual([])
      const expected = new Set<string>()
      for (const [zone, qname] of c.parts) {
        const views = await Promise.all(servers(zone).map((s) => dig(s, qname, c.type)))
        for (const v of views) {
          expect(v.status, `${what}: dig at ${zone}`).toBe(c.rcode ?? 'NOERROR')
          expect(v.flags, `${what}: dig at ${zone}`).toContain('aa')
          expect(v.answers.map(key).sort(), `${what}: the servers of ${zone} agree`).toEqual(views[0].answers.map(key).sort())
        }
        for (const r of views[0].answers) expected.add(key(r))
      }
      expect(j.answer!.records.map(key).sort(), what).toEqual([...expected].sort())
      // The server named for the answer is one of the last zone's own servers.
      expect(servers(c.parts.at(-1)![0]), what).toContain(j.answer!.server!.address)
      // Every step that produced answer data said AA.
      for (const s of j.steps.filter((x) => x.purpose === 'main' && ['answer', 'cname', 'nodata', 'nxdomain'].includes(x.kind))) expect(s.aa, what).toBe(true)
      for (const s of j.steps.filter((x) => x.kind === 'referral')) expect(s.aa, what).toBe(false)
    }))
  }, 60_000)

  it('follows the CNAME from example.test (BIND) into other.test (NSD)', async () => {
    const {j} = await trace(E.www.name)
    const main = j.steps.filter((s) => s.purpose === 'main')
    expect(main.map((s) => `${s.zone} ${s.kind}`)).toEqual(['. referral', 'test. referral', 'example.test. cname', 'test. referral', 'other.test. answer'])
    expect(j.answer!.records.map((r) => `${r.type} ${r.data}`)).toEqual([`CNAME ${E.www.cname}.`, `A ${E.www.a[0]}`])
    expect(j.answer).toMatchObject({zone: 'other.test.', server: {name: `${E.other.servers[0].name}.`, address: E.other.servers[0].addresses[0]}})
    expect(j.stats.cnames).toBe(1)
  })

  it('resolves a glueless delegation with a nested sub-trace', async () => {
    const {j} = await trace(SUB.name)
    const referral = j.steps.find((s) => s.referral?.zone === `${SUB.zone}.`)!
    expect(referral.server.address).toBe(E.other.servers[0].addresses[0])
    expect(referral.referral!.ns).toEqual(SUB.ns.map((n) => ({name: `${n}.`, label: 'glueless', glue: []})))
    const nested = j.steps.filter((s) => s.purpose === 'ns-address')
    expect(nested.length).toBeGreaterThan(0)
    expect(nested.every((s) => s.depth === 1 && s.for === `${SUB.ns[0]}.`)).toBe(true)
    expect(nested.at(-1)).toMatchObject({zone: 'example.test.', qname: `${SUB.ns[0]}.`, kind: 'answer', aa: true})
    expect(j.stats.nsLookups).toBe(1)
    expect(j.answer).toMatchObject({authoritative: true, zone: `${SUB.zone}.`, records: [expect.objectContaining({data: SUB.a})]})
  })

  it('labels the NS of glueless.test sibling: the TLD gives their addresses from example.test\'s glue', async () => {
    const {j} = await trace(E.glueless.name)
    const referral = j.steps.find((s) => s.referral?.zone === `${E.glueless.zone}.`)!
    expect(referral.referral!.ns.map((n) => `${n.name} ${n.label}`)).toEqual(E.glueless.ns.map((n) => `${n}. sibling`))
    expect(j.stats.nsLookups).toBe(0)
  })

  it('retries over TCP after truncation (big TXT)', async () => {
    const {j} = await trace(E.bigTxt.name, 'TXT')
    const last = j.steps.at(-1)!
    expect(last).toMatchObject({transport: 'tcp', transportReason: 'tcp after TC', kind: 'answer', aa: true})
    expect(j.answer!.records[0].data).toBe(E.bigTxt.strings.map((s) => `"${s}"`).join(' '))
  })

  it('names the lame delegation (REFUSED): exit 3', async () => {
    const [{code, j}, d] = await Promise.all([trace('www.lame.test'), dig(E.lame.address, 'www.lame.test', 'A')])
    expect(d.status).toBe(E.lame.rcode)
    expect(code).toBe(3)
    expect(j.answer).toBeNull()
    expect(j.steps.at(-1)).toMatchObject({zone: 'lame.test.', server: {name: `${E.lame.ns}.`, address: E.lame.address}, rcode: 'REFUSED', kind: 'lame'})
    expect(j.problems.map((p) => `${p.code} ${p.zone} ${p.server}`)).toEqual([`lame-refused lame.test. ${E.lame.address}`, 'zone-unreachable lame.test. null'])
  })

  it('names the dead (nothing listening) and black-holed delegations: exit 3, bounded time', async () => {
    const [dead, hole] = await Promise.all([trace('www.dead.test', '--timeout', '600'), trace('www.blackhole.test', '--timeout', '600')])
    for (const [{code, j}, d] of [[dead, E.dead], [hole, E.blackhole]] as const) {
      expect(code).toBe(3)
      expect(j.answer).toBeNull()
      expect(j.stats.elapsedMs).toBeLessThan(10_000)
      expect(j.steps.at(-1)).toMatchObject({zone: `${d.zone}.`, server: {address: d.address}, rcode: null, aa: null})
      expect(['timeout', 'error']).toContain(j.steps.at(-1)!.kind)
      const [first, last] = j.problems
      expect(['server-timeout', 'server-error']).toContain(first.code)
      expect(first).toMatchObject({zone: `${d.zone}.`, server: d.address})
      expect(last).toMatchObject({code: 'zone-unreachable', zone: `${d.zone}.`})
      expect(j.problems).toHaveLength(2)
    }
    // Packets that vanish are a timeout, whatever the transport can tell of a closed port.
    expect(hole.j.problems[0].code).toBe('server-timeout')
  })

  it('--all: every server of every cut agrees, no false alarm from Knot, NSD and BIND', async () => {
    const {code, j} = await trace(E.www.name, '--all')
    expect(code).toBe(0)
    expect(j.problems).toEqual([])
    const asked = new Set(j.steps.map((s) => s.server.address))
    for (const a of [...E.roots.map((r) => r.address), ...E.tld.servers.flatMap((s) => s.addresses), ...E.example.servers.flatMap((s) => s.addresses), ...E.other.servers.flatMap((s) => s.addresses)]) {
      expect(asked.has(a), a).toBe(true)
    }
    expect(j.steps.filter((s) => s.purpose === 'child-ns').every((s) => s.aa === true)).toBe(true)
  })

  it('--qmin: Knot, NSD and BIND answer the minimised questions; same answer', async () => {
    const [plain, q] = await Promise.all([trace(E.www.name, 'AAAA'), trace(E.www.name, 'AAAA', '--qmin')])
    expect(q.j.problems).toEqual([])
    expect(q.j.answer!.records).toEqual(plain.j.answer!.records)
    expect(q.j.steps.filter((s) => s.purpose === 'main').map((s) => `${s.qname} ${s.qtype}`)).toEqual(['test. A', 'example.test. A', 'www.example.test. AAAA', 'other.test. A', 'web.other.test. AAAA'])
  })

  it('--compare-recursive 127.0.0.53: Unbound has the same data, not authoritatively', async () => {
    const {j} = await trace(E.www.name, '--compare-recursive', E.resolver)
    expect(j.recursive).toMatchObject({resolver: {address: E.resolver, port: 53}, rcode: 'NOERROR', authoritative: false, sameData: true, error: null})
    expect(j.recursive.records.map((r: Rec) => `${r.name} ${r.type} ${r.data}`)).toEqual(j.answer!.records.map((r) => `${r.name} ${r.type} ${r.data}`))
    for (const t of j.recursive.ttl) expect(t.resolverTtl).toBeLessThanOrEqual(t.authoritativeTtl)
  })
})
