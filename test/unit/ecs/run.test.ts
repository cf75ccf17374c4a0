/**
 * The `dnsx ecs` engine against scripted DNS servers on 127.0.0.1 (several "servers" are
 * several fake servers, reached through a routing transport), and its scheduler on a
 * manual clock (no real-time assertions).
 */
import {afterEach, describe, expect, it} from 'vitest'
import ipaddr from 'ipaddr.js'
import {ManualClock} from '../../../src/lib/clock.js'
import {DnsClient, type Exchange, type ExchangeOptions} from '../../../src/lib/dns/client.js'
import type {DnsMessage} from '../../../src/lib/dns/message.js'
import {NodeTransport} from '../../../src/lib/dns/transport.js'
import {UsageError} from '../../../src/lib/errors.js'
import {
  OPT_OUT_SUBNET,
  planSubnets,
  QueryScheduler,
  runEcs,
  toEcsResult,
  type EcsRunOptions,
  type EcsServerTarget,
  type SubnetProbe,
} from '../../../src/lib/ecs/run.js'
import {answerFor, startFakeServer, type FakeServer, type Handler} from '../../helpers/fake-server.js'

// ---------------------------------------------------------------------------------------------
// Scripted servers

interface QueryEcs {
  family: number
  source: number
  ip: string
}

/** The ECS option of a decoded query, or null. */
function queryEcs(q: any): QueryEcs | null {
  const opt = (q.additionals ?? []).find((a: any) => a.type === 'OPT')
  const o = opt?.options?.find((x: any) => x.code === 8)
  return o ? {family: o.family, source: o.sourcePrefixLength, ip: o.ip} : null
}

const hasOpt = (q: any) => (q.additionals ?? []).some((a: any) => a.type === 'OPT')

function optRecord(ecs?: {family: number; source: number; scope: number; ip: string}): any {
  return {
    type: 'OPT',
    name: '.',
    udpPayloadSize: 1232,
    flags: 0,
    options: ecs ? [{code: 8, family: ecs.family, sourcePrefixLength: ecs.source, scopePrefixLength: ecs.scope, ip: ecs.ip}] : [],
  }
}

const A = (name: string, ip: string, ttl = 30) => ({name, type: 'A', class: 'IN', ttl, data: ip})

function inSubnet(ip: string, cidr: string): boolean {
  const [net, len] = ipaddr.parseCIDR(cidr)
  const a = ipaddr.parse(ip)
  return a.kind() === net.kind() && (a as ipaddr.IPv4).match(net as ipaddr.IPv4, len)
}

interface Rule {
  subnet: string
  answers: string[]
  scope: number
}

/**
 * A Knot-geoip-like server: the longest rule that contains the ECS subnet (and whose prefix the
 * source covers) picks the answer, with the rule prefix as scope; else the fallback, scope 0.
 */
function tailoring(rules: Rule[], fallback: string[]): Handler {
  return (q) => {
    const ecs = queryEcs(q)
    let answers = fallback
    let scope = 0
    if (ecs) {
      let best: Rule | null = null
      for (const r of rules) {
        const len = Number(r.subnet.split('/')[1])
        if (ecs.source >= len && inSubnet(ecs.ip, r.subnet) && (!best || len > Number(best.subnet.split('/')[1]))) best = r
      }
      if (best) {
        answers = best.answers
        scope = best.scope
      }
    }
    const name = q.questions[0].name
    return {
      kind: 'reply',
      packet: answerFor(q, {
        answers: answers.map((a) => A(name, a)),
        additionals: hasOpt(q) ? [optRecord(ecs ? {family: ecs.family, source: ecs.source, scope, ip: ecs.ip} : undefined)] : [],
      }),
    }
  }
}

/** Same answer for everybody; echoes ECS with scope 0 (as BIND does) or not at all (as NSD). */
function fixed(answers: string[], mode: 'echo' | 'ignore' | 'mismatch'): Handler {
  return (q) => {
    const ecs = queryEcs(q)
    const name = q.questions[0].name
    let echo: {family: number; source: number; scope: number; ip: string} | undefined
    if (ecs && mode === 'echo') echo = {family: ecs.family, source: ecs.source, scope: 0, ip: ecs.ip}
    if (ecs && mode === 'mismatch') echo = {family: 1, source: 24, scope: 24, ip: '10.9.9.0'}
    return {kind: 'reply', packet: answerFor(q, {answers: answers.map((a) => A(name, a)), additionals: hasOpt(q) ? [optRecord(echo)] : []})}
  }
}

/** Deterministic 70/30: of every 10 queries, 7 get `a` and 3 get `b`; echoes scope 0. */
function weighted(a: string, b: string): Handler {
  let n = 0
  return (q) => {
    const pick = [0, 3, 6].includes(n++ % 10) ? b : a
    const ecs = queryEcs(q)
    const name = q.questions[0].name
    return {
      kind: 'reply',
      packet: answerFor(q, {answers: [A(name, pick)], additionals: hasOpt(q) ? [optRecord(ecs ? {family: ecs.family, source: ecs.source, scope: 0, ip: ecs.ip} : undefined)] : []}),
    }
  }
}

const started: FakeServer[] = []
afterEach(async () => {
  await Promise.all(started.splice(0).map((s) => s.close()))
})

/**
 * Starts one fake server per entry; the servers get documentation addresses, and the client's
 * transport routes each address to its fake server on 127.0.0.1.
 */
async function world(handlers: Array<{address: string; name?: string | null; handler: Handler}>): Promise<{client: DnsClient; servers: EcsServerTarget[]}> {
  const ports = new Map<string, number>()
  for (const h of handlers) {
    const s = await startFakeServer(h.handler)
    started.push(s)
    ports.set(h.address, s.port)
  }
  const transport = new NodeTransport({
    route: (server) => {
      const port = ports.get(server.address)
      return port === undefined ? null : {address: '127.0.0.1', port}
    },
  })
  return {
    client: new DnsClient({transport}),
    servers: handlers.map((h) => ({name: h.name === undefined ? 'ns1.geo.test.' : h.name, address: h.address})),
  }
}

const probes = (...subnets: string[]): SubnetProbe[] => [
  {subnet: null, kind: 'baseline'},
  {subnet: OPT_OUT_SUBNET, kind: 'opt-out'},
  ...subnets.map((s) => ({subnet: s, kind: 'subnet' as const})),
]

const fast = {qps: 10_000, timeoutMs: 500, retries: 0}

const RULES: Rule[] = [
  {subnet: '198.51.100.0/24', answers: ['192.0.2.101'], scope: 24},
  {subnet: '203.0.113.0/24', answers: ['192.0.2.102', '192.0.2.12'], scope: 24},
  {subnet: '198.18.0.0/15', answers: ['192.0.2.115'], scope: 15},
]

// ---------------------------------------------------------------------------------------------

describe('runEcs against scripted servers', () => {
  it('finds subnet-dependent answers and scopes from a tailoring server', async () => {
    const w = await world([{address: '192.0.2.60', handler: tailoring(RULES, ['192.0.2.100'])}])
    const run = await runEcs({client: w.client, name: 'www.geo.test', type: 'A', servers: w.servers, subnets: probes('198.51.100.0/24', '203.0.113.0/24', '198.18.0.0/24', '192.0.2.0/24'), ...fast})
    expect(run.queries).toBe(6)
    const by = new Map(run.replies.map((r) => [r.subnet, r]))
    expect(by.get(null)).toMatchObject({ecs: 'not-sent', scope: null, answers: ['192.0.2.100'], rcode: 'NOERROR', ttl: 30, authoritative: true, usable: true})
    expect(by.get(OPT_OUT_SUBNET)).toMatchObject({ecs: 'echoed', scope: 0, scopeMeaning: 'global', answers: ['192.0.2.100']})
    expect(by.get('198.51.100.0/24')).toMatchObject({ecs: 'echoed', scope: 24, scopeMeaning: 'exact', answers: ['192.0.2.101']})
    // Answers are sorted numerically, whatever order the server used.
    expect(by.get('203.0.113.0/24')?.answers).toEqual(['192.0.2.12', '192.0.2.102'])
    // Scope /15 for a /24 source: the answer covers a wider network.
    expect(by.get('198.18.0.0/24')).toMatchObject({scope: 15, scopeMeaning: 'wider', answers: ['192.0.2.115']})
    expect(by.get('192.0.2.0/24')).toMatchObject({scope: 0, answers: ['192.0.2.100']})
    expect(run.replies.map((r) => r.subnet)).toEqual([null, OPT_OUT_SUBNET, '198.51.100.0/24', '203.0.113.0/24', '198.18.0.0/24', '192.0.2.0/24'])

    expect(run.analysis.policy.kind).toBe('subnet-dependent')
    expect(run.analysis.servers).toHaveLength(1)
    expect(run.analysis.servers[0]).toMatchObject({server: '192.0.2.60', serverName: 'ns1.geo.test.', behaviour: 'tailored', scopes: [0, 15, 24]})
    const fallback = run.analysis.groups.find((g) => g.answers[0] === '192.0.2.100')!
    expect(fallback.subnets).toEqual(['none', '0.0.0.0/0', '192.0.2.0/24'])
    expect(run.explore).toBeNull()
  })

  it('names an echo-only server (scope 0, same answers) and a uniform policy', async () => {
    const w = await world([{address: '192.0.2.53', handler: fixed(['192.0.2.81'], 'echo')}])
    const run = await runEcs({client: w.client, name: 'host.example.test', type: 'A', servers: w.servers, subnets: probes('198.51.100.0/24', '2001:db8:aaaa::/56'), ...fast})
    const v6 = run.replies.find((r) => r.subnet === '2001:db8:aaaa::/56')!
    expect(v6).toMatchObject({ecs: 'echoed', scope: 0, echo: {family: 2, address: '2001:db8:aaaa::', sourcePrefix: 56, scopePrefix: 0}})
    expect(run.analysis.servers[0].behaviour).toBe('echo-only')
    expect(run.analysis.policy.kind).toBe('uniform')
    expect(run.analysis.policy.weights).toEqual([expect.objectContaining({answers: ['192.0.2.81'], share: 1})])
  })

  it('names an ECS-unaware server (no echo)', async () => {
    const w = await world([{address: '203.0.113.10', handler: fixed(['192.0.2.80'], 'ignore')}])
    const run = await runEcs({client: w.client, name: 'web.other.test', type: 'A', servers: w.servers, subnets: probes('198.51.100.0/24'), ...fast})
    expect(run.replies.filter((r) => r.subnet !== null).every((r) => r.ecs === 'absent' && r.scope === null && r.echo === null)).toBe(true)
    expect(run.analysis.servers[0].behaviour).toBe('ecs-unaware')
    expect(run.analysis.policy.kind).toBe('uniform')
  })

  it('flags an echo that does not match what was sent', async () => {
    const w = await world([{address: '192.0.2.9', handler: fixed(['192.0.2.1'], 'mismatch')}])
    const run = await runEcs({client: w.client, name: 'x.test', type: 'A', servers: w.servers, subnets: probes('198.51.100.0/24'), ...fast})
    const r = run.replies.find((x) => x.subnet === '198.51.100.0/24')!
    expect(r.ecs).toBe('mismatch')
    expect(r.mismatches).toEqual([{field: 'address', sent: '198.51.100.0', received: '10.9.9.0'}])
    expect(run.analysis.servers[0].behaviour).toBe('echo-mismatch')
  })

  it('flags a server that tailors answers but claims scope 0, and walks it block by block', async () => {
    const scope0: Handler = (q) => {
      const r = tailoring(RULES, ['192.0.2.100'])(q, {transport: 'udp', count: 0, raw: Buffer.alloc(0)}) as {kind: 'reply'; packet: any}
      for (const o of r.packet.additionals?.[0]?.options ?? []) o.scopePrefixLength = 0
      return r
    }
    const w = await world([{address: '192.0.2.66', handler: scope0}])
    const run = await runEcs({client: w.client, name: 'www.geo.test', type: 'A', servers: w.servers, subnets: probes('198.51.100.0/24', '203.0.113.0/24'), explore: {range: '198.51.100.0/23'}, ...fast})
    expect(run.replies.filter((r) => r.subnet !== null).every((r) => r.ecs === 'echoed' && r.scope === 0)).toBe(true)
    expect(run.analysis.servers[0].behaviour).toBe('scope0-but-differs')
    expect(run.explore!.trustScopeZero).toBe(false)
    expect(run.explore!.map).toEqual([
      {cidr: '198.51.100.0/24', answers: ['192.0.2.101']},
      {cidr: '198.51.101.0/24', answers: ['192.0.2.100']},
    ])
  })

  it('tells weighted answers from subnet-dependent ones with --repeat, with a 95% interval', async () => {
    const w = await world([{address: '192.0.2.60', handler: weighted('192.0.2.170', '192.0.2.130')}])
    const run = await runEcs({client: w.client, name: 'www.weighted.test', type: 'A', servers: w.servers, subnets: probes('198.51.100.0/24', '203.0.113.0/24'), repeat: 25, ...fast})
    expect(run.replies).toHaveLength(100)
    expect(run.replies.filter((r) => r.subnet === '198.51.100.0/24').map((r) => r.attempt)).toEqual(Array.from({length: 25}, (_, i) => i + 1))
    const p = run.analysis.policy
    expect(p.kind).toBe('weighted')
    const heavy = p.weights.find((x) => x.answers[0] === '192.0.2.170')!
    expect(heavy.share).toBeCloseTo(0.7, 5)
    expect(heavy.count).toBe(70)
    expect(heavy.ci95[0]).toBeLessThan(0.7)
    expect(heavy.ci95[1]).toBeGreaterThan(0.7)
    expect(run.analysis.servers[0].behaviour).toBe('echo-only')
  })

  it('asks every address of every server and reports disagreements between them', async () => {
    const w = await world([
      {address: '192.0.2.53', name: 'ns1.example.test.', handler: fixed(['192.0.2.100'], 'echo')},
      {address: '192.0.2.54', name: 'ns2.example.test.', handler: tailoring(RULES, ['192.0.2.100'])},
      {address: '2001:db8::54', name: 'ns2.example.test.', handler: tailoring(RULES, ['192.0.2.100'])},
    ])
    const run = await runEcs({client: w.client, name: 'www.example.test', type: 'A', servers: w.servers, subnets: probes('198.51.100.0/24'), ...fast})
    expect(run.queries).toBe(9)
    expect(new Set(run.replies.map((r) => r.server))).toEqual(new Set(['192.0.2.53', '192.0.2.54', '2001:db8::54']))
    const b = new Map(run.analysis.servers.map((s) => [s.server, s.behaviour]))
    expect(b.get('192.0.2.53')).toBe('echo-only')
    expect(b.get('192.0.2.54')).toBe('tailored')
    expect(b.get('2001:db8::54')).toBe('tailored')
    const kinds = run.analysis.disagreements.map((d) => `${d.kind} ${d.subnet}`)
    expect(kinds).toContain('behaviour null')
    expect(kinds).toContain('answers 198.51.100.0/24')
  })

  it('records timeouts and refusals as failures, and says inconclusive when nothing answered', async () => {
    const w = await world([
      {address: '203.0.113.40', name: 'ns1.blackhole.test.', handler: () => ({kind: 'silent'})},
      {address: '203.0.113.20', name: 'ns1.lame.test.', handler: (q) => ({kind: 'reply', packet: {...answerFor(q), flags: 5 /* rcode REFUSED */}})},
    ])
    const run = await runEcs({client: w.client, name: 'www.lame.test', type: 'A', servers: w.servers, subnets: probes(), qps: 10_000, timeoutMs: 150, retries: 0})
    const hole = run.replies.filter((r) => r.server === '203.0.113.40')
    expect(hole.every((r) => r.rcode === 'TIMEOUT' && !r.usable && r.ecs === null && r.error !== null)).toBe(true)
    const lame = run.replies.filter((r) => r.server === '203.0.113.20')
    expect(lame.every((r) => r.rcode === 'REFUSED' && !r.usable && /REFUSED/.test(r.error ?? ''))).toBe(true)
    expect(run.analysis.usable).toBe(0)
    expect(run.analysis.policy.kind).toBe('inconclusive')
    expect(run.analysis.servers.every((s) => s.behaviour === 'inconclusive')).toBe(true)
  })

  it('does not count a referral as an answer', async () => {
    const w = await world([
      {
        address: '192.0.2.1',
        handler: (q) => ({
          kind: 'reply',
          packet: {...answerFor(q), flags: 0, authorities: [{name: 'sub.test', type: 'NS', class: 'IN', ttl: 60, data: 'ns.sub.test'}], additionals: [optRecord()]},
        }),
      },
    ])
    const run = await runEcs({client: w.client, name: 'www.sub.test', type: 'A', servers: w.servers, subnets: probes(), ...fast})
    expect(run.replies.every((r) => r.rcode === 'NOERROR' && !r.usable && /not authoritative/.test(r.error!))).toBe(true)
    expect(toEcsResult(run.replies[0]).rcode).toBe('NOT-AUTHORITATIVE')
    expect(run.analysis.policy.kind).toBe('inconclusive')
  })

  it('shows a CNAME answer as "CNAME target" and other types as data', async () => {
    const w = await world([
      {
        address: '192.0.2.1',
        handler: (q) => ({
          kind: 'reply',
          packet: answerFor(q, {
            answers: [
              {name: 'www.x.test', type: 'CNAME', class: 'IN', ttl: 300, data: 'edge.cdn.test'},
              {name: 'edge.cdn.test', type: 'A', class: 'IN', ttl: 20, data: '192.0.2.7'},
            ],
          }),
        }),
      },
    ])
    const run = await runEcs({client: w.client, name: 'www.x.test', type: 'A', servers: w.servers, subnets: probes(), ...fast})
    expect(run.replies[0].answers).toEqual(['192.0.2.7', 'CNAME edge.cdn.test.'])
    expect(run.replies[0].ttl).toBe(20)
  })

  it('refuses to start beyond --max-queries and rejects bad limits', async () => {
    const w = await world([{address: '192.0.2.1', handler: fixed(['192.0.2.1'], 'echo')}])
    const base: EcsRunOptions = {client: w.client, name: 'x.test', type: 'A', servers: w.servers, subnets: probes('198.51.100.0/24'), ...fast}
    await expect(runEcs({...base, repeat: 10, maxQueries: 29})).rejects.toThrow(/30 queries, more than --max-queries 29/)
    await expect(runEcs({...base, repeat: 10, maxQueries: 29})).rejects.toBeInstanceOf(UsageError)
    await expect(runEcs({...base, repeat: 0})).rejects.toThrow(/--repeat/)
    await expect(runEcs({...base, servers: []})).rejects.toThrow(/no server/)
  })
})

// ---------------------------------------------------------------------------------------------

describe('explore (range walk)', () => {
  it('maps a range with scope-aware /24 queries, not trusting scope 0 from a tailoring server', async () => {
    const w = await world([{address: '192.0.2.60', handler: tailoring(RULES, ['192.0.2.100'])}])
    const run = await runEcs({
      client: w.client,
      name: 'www.geo.test',
      type: 'A',
      servers: w.servers,
      subnets: probes('198.51.100.0/24'),
      explore: {range: '198.51.100.0/22'},
      ...fast,
    })
    const ex = run.explore!
    expect(ex.server?.address).toBe('192.0.2.60')
    expect(ex.trustScopeZero).toBe(false)
    expect(ex.stats.queries).toBe(4)
    expect(ex.probes.map((p) => p.subnet)).toEqual(['198.51.100.0/24', '198.51.101.0/24', '198.51.102.0/24', '198.51.103.0/24'])
    expect(ex.map).toEqual([
      {cidr: '198.51.100.0/24', answers: ['192.0.2.101']},
      {cidr: '198.51.101.0/24', answers: ['192.0.2.100']},
      {cidr: '198.51.102.0/23', answers: ['192.0.2.100']},
    ])
    expect(ex.unexplored).toEqual([])
    expect(run.queries).toBe(3 + 4)
  })

  it('skips the space a wide scope covers', async () => {
    const w = await world([{address: '192.0.2.60', handler: tailoring(RULES, ['192.0.2.100'])}])
    const run = await runEcs({client: w.client, name: 'www.geo.test', type: 'A', servers: w.servers, subnets: probes('198.18.0.0/24'), explore: {range: '198.18.0.0/15'}, ...fast})
    // One /24 query; its scope /15 covers the whole range (512 /24s).
    expect(run.explore!.stats.queries).toBe(1)
    expect(run.explore!.map).toEqual([{cidr: '198.18.0.0/15', answers: ['192.0.2.115']}])
  })

  it('needs one query for a server that ignores ECS, and stops at the query limit', async () => {
    const w = await world([{address: '203.0.113.10', handler: fixed(['192.0.2.80'], 'ignore')}])
    const run = await runEcs({client: w.client, name: 'web.other.test', type: 'A', servers: w.servers, subnets: probes('198.51.100.0/24'), explore: {range: '10.0.0.0/8'}, ...fast})
    expect(run.explore!.trustScopeZero).toBe(true)
    expect(run.explore!.stats.queries).toBe(1)
    expect(run.explore!.map).toEqual([{cidr: '10.0.0.0/8', answers: ['192.0.2.80']}])

    const w2 = await world([{address: '192.0.2.60', handler: tailoring(RULES, ['192.0.2.100'])}])
    const limited = await runEcs({client: w2.client, name: 'www.geo.test', type: 'A', servers: w2.servers, subnets: probes('198.51.100.0/24'), explore: {range: '198.51.0.0/16', maxQueries: 5}, ...fast})
    expect(limited.explore!.stats).toMatchObject({queries: 5, limitHit: true})
    expect(limited.explore!.unexplored.length).toBeGreaterThan(0)
    expect(limited.explore!.notes.join(' ')).toMatch(/stopped after 5 queries/)
  })

  it('walks against the server that tailors when others do not', async () => {
    const w = await world([
      {address: '192.0.2.53', name: 'ns1.example.test.', handler: fixed(['192.0.2.100'], 'ignore')},
      {address: '192.0.2.54', name: 'ns2.example.test.', handler: tailoring(RULES, ['192.0.2.100'])},
    ])
    const run = await runEcs({client: w.client, name: 'www.example.test', type: 'A', servers: w.servers, subnets: probes('198.51.100.0/24'), explore: {range: '198.51.100.0/23'}, ...fast})
    expect(run.explore!.server).toEqual({name: 'ns2.example.test.', address: '192.0.2.54'})
    const none = await runEcs({client: w.client, name: 'www.example.test', type: 'A', servers: w.servers, subnets: probes(), explore: {range: '198.51.100.0/23', server: '192.0.2.99'}, ...fast})
    expect(none.explore!.server).toBeNull()
    expect(none.explore!.notes[0]).toMatch(/not one of the servers/)
  })
})

// ---------------------------------------------------------------------------------------------
// Scheduling on a manual clock

function message(answers: string[], ecs: {family: number; address: string; sourcePrefix: number; scopePrefix: number} | null): DnsMessage {
  return {
    id: 1,
    opcode: 'QUERY',
    flags: {qr: true, aa: true, tc: false, rd: false, ra: false, z: false, ad: false, cd: false},
    rcode: 'NOERROR',
    rcodeValue: 0,
    questions: [{name: 'x.test', type: 'A', class: 'IN'}],
    answers: answers.map((a) => ({name: 'x.test', type: 'A', class: 'IN', ttl: 60, data: a})) as DnsMessage['answers'],
    authorities: [],
    additionals: [],
    edns: {version: 0, udpPayload: 1232, do: false, extendedRcode: 0, options: [], nsid: null, ecs: ecs ? {...ecs, problems: []} : null, cookie: null, ede: [], z: 0, padding: null},
    counts: {question: 1, answer: answers.length, authority: 0, additional: 1},
    size: 0,
  }
}

/** A client that answers at once and records when (on the clock) each query was sent, and to whom. */
function recordingClient(clock: ManualClock, hold?: {inflight: number; max: number; release: Array<() => void>}) {
  const log: Array<{t: number; server: string}> = []
  const client = {
    async exchange(o: ExchangeOptions): Promise<Exchange> {
      log.push({t: clock.now(), server: o.server.address})
      if (hold) {
        hold.inflight++
        hold.max = Math.max(hold.max, hold.inflight)
        await new Promise<void>((r) => hold.release.push(r))
        hold.inflight--
      }
      const ecs = o.edns && o.edns.ecs ? {...o.edns.ecs, scopePrefix: 0} : null
      return {
        server: o.server,
        question: o.question,
        transport: 'udp',
        transportReason: 'udp',
        ednsFallback: false,
        rttMs: 1,
        totalMs: 1,
        retries: 0,
        bytesSent: 0,
        bytesReceived: 0,
        ignored: [],
        attempts: [],
        wire: {query: '', reply: null},
        message: message(['192.0.2.1'], ecs),
        error: null,
        notes: [],
      }
    },
  }
  return {client, log}
}

const tick = () => new Promise<void>((r) => setImmediate(r))

async function drive<T>(clock: ManualClock, p: Promise<T>, step = 10, maxSteps = 1000): Promise<T> {
  let done = false
  const q = p.finally(() => {
    done = true
  })
  for (let i = 0; i < maxSteps && !done; i++) {
    await tick()
    if (!done) await clock.advance(step)
  }
  return q
}

describe('rate limit and concurrency (manual clock)', () => {
  it('spaces queries to one server by 1000/qps ms', async () => {
    const clock = new ManualClock()
    const {client, log} = recordingClient(clock)
    const servers = [{name: 'ns1.x.test.', address: '192.0.2.1'}]
    const run = await drive(clock, runEcs({client, clock, name: 'x.test', type: 'A', servers, subnets: probes('198.51.100.0/24', '203.0.113.0/24', '10.0.0.0/8'), qps: 10}))
    expect(log.map((l) => l.t)).toEqual([0, 100, 200, 300, 400])
    expect(run.elapsedMs).toBeGreaterThanOrEqual(400)
  })

  it('shares the rate between the addresses of one server, not between servers', async () => {
    const clock = new ManualClock()
    const {client, log} = recordingClient(clock)
    const servers = [
      {name: 'ns1.x.test.', address: '192.0.2.1'},
      {name: 'ns1.x.test.', address: '2001:db8::1'},
      {name: 'ns2.x.test.', address: '192.0.2.2'},
    ]
    await drive(clock, runEcs({client, clock, name: 'x.test', type: 'A', servers, subnets: probes(), qps: 20}))
    const ns1 = log.filter((l) => l.server !== '192.0.2.2').map((l) => l.t)
    const ns2 = log.filter((l) => l.server === '192.0.2.2').map((l) => l.t)
    expect(ns1).toEqual([0, 50, 100, 150])
    expect(ns2).toEqual([0, 50])
  })

  it('lets a ready server go first when one slot is free (no head-of-line blocking)', async () => {
    const clock = new ManualClock()
    const s = new QueryScheduler(clock, 10, 1)
    const order: string[] = []
    const job = (k: string) => s.submit(k, async () => void order.push(`${k}@${clock.now()}`))
    const all = Promise.all([job('a'), job('a'), job('a'), job('b'), job('b')])
    await drive(clock, all)
    expect(order).toEqual(['a@0', 'b@0', 'a@100', 'b@100', 'a@200'])
  })

  it('keeps at most --concurrency queries in flight', async () => {
    const clock = new ManualClock()
    const hold = {inflight: 0, max: 0, release: [] as Array<() => void>}
    const {client, log} = recordingClient(clock, hold)
    const servers = Array.from({length: 6}, (_, i) => ({name: `ns${i}.x.test.`, address: `192.0.2.${i + 1}`}))
    const p = runEcs({client, clock, name: 'x.test', type: 'A', servers, subnets: probes(), qps: 1000, concurrency: 3})
    let finished = false
    void p.finally(() => (finished = true))
    for (let i = 0; i < 200 && !finished; i++) {
      await tick()
      await clock.advance(1)
      hold.release.splice(0).forEach((r) => r())
    }
    const run = await p
    expect(log).toHaveLength(12)
    expect(hold.max).toBe(3)
    expect(run.replies).toHaveLength(12)
  })
})

// ---------------------------------------------------------------------------------------------

describe('planSubnets', () => {
  it('puts the two baselines first and notes host bits and bare addresses', () => {
    const plan = planSubnets({subnets: ['198.51.100.77/24', '203.0.113.9', '2001:db8:aaaa::1/48', '198.51.100.0/24', '0.0.0.0/0']})
    expect(plan.probes.map((p) => p.subnet)).toEqual([null, '0.0.0.0/0', '198.51.100.0/24', '203.0.113.0/24', '2001:db8:aaaa::/48'])
    expect(plan.probes.slice(0, 2).map((p) => p.kind)).toEqual(['baseline', 'opt-out'])
    expect(plan.notes).toEqual([
      expect.stringMatching(/198\.51\.100\.77\/24 had host bits set; sending 198\.51\.100\.0\/24/),
      expect.stringMatching(/203\.0\.113\.9 has no prefix length; sending 203\.0\.113\.0\/24/),
      expect.stringMatching(/2001:db8:aaaa::1\/48 had host bits set; sending 2001:db8:aaaa::\/48/),
    ])
  })

  it('adds countries and presets with labels, and default countries only when nothing is given', () => {
    const plan = planSubnets({countries: ['de', 'JP'], family: 'ipv4'})
    expect(plan.probes.slice(2).map((p) => p.country)).toEqual(['DE', 'JP'])
    expect(plan.probes[2].label).toMatch(/^DE .+ AS\d+$/)
    const world = planSubnets({preset: 'world'})
    expect(world.probes.length).toBeGreaterThan(60)
    const defaults = planSubnets({})
    expect(defaults.probes.filter((p) => p.kind === 'country')).toHaveLength(16)
    expect(defaults.notes[0]).toMatch(/no --subnet/)
    const extraOnly = planSubnets({extra: [{subnet: '198.51.100.0/24', kind: 'subnet'}]})
    expect(extraOnly.probes.some((p) => p.kind === 'country')).toBe(true)
    expect(planSubnets({subnets: ['198.51.100.0/24'], extra: [{subnet: '198.51.100.0/24', kind: 'subnet'}]}).probes).toHaveLength(3)
  })

  it('refuses bad subnets and unknown countries with usage errors', () => {
    expect(() => planSubnets({subnets: ['300.1.1.1/24']})).toThrow(UsageError)
    expect(() => planSubnets({subnets: ['10.0.0.0/40']})).toThrow(/out of range/)
    expect(() => planSubnets({countries: ['XX']})).toThrow(/unknown country code/)
    expect(() => planSubnets({preset: 'mars'})).toThrow(/unknown preset/)
  })
})
