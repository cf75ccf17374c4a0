/**
 * The anycast probing engine: against scriptable fake servers on 127.0.0.1
 * (real UDP/TCP through the real DnsClient) for identities, flips, silence
 * and NSID/CHAOS disagreement; against a fake client with chosen RTTs for the
 * speed-of-light verdicts (no loopback server can be 16,000 km away); with a
 * clock whose sleeps return at once, so nothing depends on real time.
 */
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {DnsClient} from '../../../src/lib/dns/client.js'
import {parseFrom} from '../../../src/lib/anycast/physics.js'
import {probeTargets} from '../../../src/lib/anycast/probe.js'
import {clientRegion, summarizeTarget} from '../../../src/lib/anycast/summary.js'
import type {ProbeEvent, ProbeOptions, Sample} from '../../../src/lib/anycast/model.js'
import {startFakeServer, type FakeServer, type Handler} from '../../helpers/fake-server.js'
import type {Clock} from '../../../src/lib/clock.js'
import type {Exchange, ExchangeOptions} from '../../../src/lib/dns/client.js'
import type {DnsMessage} from '../../../src/lib/dns/message.js'
import type {ProbeClient, ProbeTarget} from '../../../src/lib/anycast/model.js'
import {answerFor, type Action} from '../../helpers/fake-server.js'

/** Sleeps resolve at once and move time forward: schedules run instantly, deterministically. */
class InstantClock implements Clock {
  t = 0
  now(): number {
    return this.t
  }
  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return
    this.t += Math.max(0, ms)
  }
}

/** What one anycast instance says about itself. */
interface Instance {
  nsid?: string
  hostname?: string
  idServer?: string
  version?: string
}

/** A fake-server reply: NSID on the ordinary query, TXT for the CHAOS names. */
function instanceReply(query: any, inst: Instance): Action {
  const q = query.questions[0]
  if (q.class === 'CH') {
    const name = String(q.name).toLowerCase()
    const value = name === 'hostname.bind' ? inst.hostname : name === 'id.server' ? inst.idServer ?? inst.hostname : name.startsWith('version.') ? inst.version : undefined
    if (value === undefined) return {kind: 'reply', packet: answerFor(query, {rcode: 'REFUSED', flags: 0})}
    return {kind: 'reply', packet: answerFor(query, {answers: [{name: q.name, type: 'TXT', class: 'CH', ttl: 0, data: [value]}]})}
  }
  const askedNsid = (query.additionals ?? []).some((r: any) => r.type === 'OPT' && (r.options ?? []).some((o: any) => o.code === 3))
  const opt = {type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options: askedNsid && inst.nsid !== undefined ? [{code: 3, data: Buffer.from(inst.nsid)}] : []}
  return {
    kind: 'reply',
    packet: answerFor(query, {
      answers: [{name: q.name, type: 'SOA', class: 'IN', ttl: 60, data: {mname: 'ns.test', rname: 'hostmaster.test', serial: 1, refresh: 3600, retry: 900, expire: 604800, minimum: 300}}],
      additionals: [opt],
    }),
  }
}

function message(q: ExchangeOptions['question'], opts: {nsid?: string; txt?: string; rcode?: string}): DnsMessage {
  const nsidBuf = opts.nsid === undefined ? null : Buffer.from(opts.nsid)
  return {
    id: 1,
    opcode: 'QUERY',
    flags: {qr: true, aa: true, tc: false, rd: false, ra: false, z: false, ad: false, cd: false},
    rcode: opts.rcode ?? 'NOERROR',
    rcodeValue: 0,
    questions: [q],
    answers: opts.txt === undefined ? [] : [{name: q.name, type: 'TXT', class: 'CH', ttl: 0, data: [Buffer.from(opts.txt)]} as any],
    authorities: [],
    additionals: [],
    edns: {
      version: 0,
      udpPayload: 1232,
      do: false,
      extendedRcode: 0,
      options: [],
      nsid: nsidBuf ? {hex: nsidBuf.toString('hex'), text: opts.nsid!} : null,
      ecs: null,
      cookie: null,
      ede: [],
      z: 0,
      padding: null,
    },
    counts: {question: 1, answer: opts.txt === undefined ? 0 : 1, authority: 0, additional: 1},
    size: 0,
  }
}

/** What a fake address answers to probe number `n` (0-based): an instance, or silence. */
type Script = (n: number, address: string) => (Instance & {rttMs: number}) | null

/**
 * A ProbeClient that fabricates replies: per address, a script decides for
 * each probe (counted on the ordinary query) what answers and with which RTT.
 */
class FakeClient implements ProbeClient {
  readonly probes = new Map<string, number>()
  readonly log: ExchangeOptions[] = []
  constructor(private readonly scripts: Record<string, Script>) {}

  async exchange(opts: ExchangeOptions): Promise<Exchange> {
    this.log.push(opts)
    const a = opts.server.address
    const q = opts.question
    const isMain = q.class !== 'CH'
    const n = (this.probes.get(a) ?? 0) - (isMain ? 0 : 1)
    if (isMain) this.probes.set(a, n + 1)
    const inst = this.scripts[a]?.(Math.max(0, n), a) ?? null
    const base: Exchange = {
      server: opts.server,
      question: q,
      transport: opts.tcp ? 'tcp' : 'udp',
      transportReason: opts.tcp ? 'tcp requested' : 'udp',
      ednsFallback: false,
      rttMs: inst ? inst.rttMs : opts.timeoutMs ?? 2000,
      totalMs: 0,
      retries: 0,
      bytesSent: 0,
      bytesReceived: 0,
      ignored: [],
      attempts: [{transport: 'udp', edns: true, id: 1, outcome: inst ? 'reply' : 'timeout', rttMs: 0, bytesSent: 0, bytesReceived: 0, localPort: 40000 + (n % 1000)}],
      wire: {query: '', reply: null},
      message: null,
      error: null,
      notes: [],
    }
    if (!inst) return {...base, error: {code: 'timeout', message: `no reply from ${a} port ${opts.server.port} over UDP in ${opts.timeoutMs} ms`}}
    if (isMain) return {...base, message: message(q, {nsid: inst.nsid})}
    const name = q.name.toLowerCase()
    const value = name === 'hostname.bind' ? inst.hostname : name === 'id.server' ? inst.idServer ?? inst.hostname : inst.version
    return {...base, message: value === undefined ? message(q, {rcode: 'REFUSED'}) : message(q, {txt: value})}
  }
}

function target(address: string, extra: Partial<ProbeTarget> = {}): ProbeTarget {
  return {target: address, address, port: 53, family: address.includes(':') ? 6 : 4, via: 'address', ...extra}
}


// ---------------------------------------------------------------------------------------------

const K_AMS = 'ns1.nl-ams.k.ripe.net'
const K_AMS2 = 'ns2.nl-ams.k.ripe.net'
const K_LON = 'ns1.gb-lon.k.ripe.net'
const K_TYO = 'ns2.jp-tyo.k.ripe.net'
const AMS = parseFrom('AMS')

function baseOpts(client: ProbeClient, extra: Partial<ProbeOptions> = {}): ProbeOptions {
  return {client, clock: new InstantClock(), count: 5, intervalMs: 200, timeoutMs: 500, ...extra}
}

describe('probeTargets against fake servers on loopback (real UDP)', () => {
  const servers: FakeServer[] = []
  let client: DnsClient
  beforeAll(() => {
    client = new DnsClient()
  })
  afterAll(async () => {
    for (const s of servers) await s.close()
  })
  async function serve(handler: Handler): Promise<ProbeTarget> {
    const s = await startFakeServer(handler)
    servers.push(s)
    return target('127.0.0.1', {port: s.port, target: `fake:${s.port}`})
  }

  it('reads NSID and every CHAOS name, decodes the site, and uses a new source port per probe', async () => {
    const t = await serve((q) => instanceReply(q, {nsid: K_AMS, hostname: K_AMS, idServer: K_AMS, version: 'NSD 4.10.0'}))
    const run = await probeTargets([t], baseOpts(client, {count: 4}))
    const r = run.targets[0]!
    expect(r.probes).toBe(4)
    expect(r.answered).toBe(4)
    expect(r.lost).toBe(0)
    expect(r.identities.nsid).toEqual([K_AMS])
    expect(r.identities['hostname.bind']).toEqual([K_AMS])
    expect(r.identities['id.server']).toEqual([K_AMS])
    expect(r.identities['version.bind']).toEqual(['NSD 4.10.0'])
    expect(r.identities['version.server']).toEqual(['NSD 4.10.0'])
    expect(r.site).toMatchObject({code: 'NL AMS', name: 'Amsterdam', country: 'NL', source: 'nsid', identity: K_AMS})
    expect(r.flips.count).toBe(0)
    expect(r.rttMs.min).not.toBeNull()
    expect(r.rttMs.min!).toBeLessThanOrEqual(r.rttMs.median!)
    expect(r.rttMs.median!).toBeLessThanOrEqual(r.rttMs.p95!)
    expect(r.rttMs.p95!).toBeLessThanOrEqual(r.rttMs.max!)
    expect(r.hints).toEqual([])
    // every probe from its own socket
    const ports = new Set(r.samples.map((s) => s.localPort))
    expect(ports.size).toBeGreaterThan(1)
    expect(r.samples.every((s) => s.nsid === K_AMS && s.rcode === 'NOERROR')).toBe(true)
  })

  it('sees flips across probes (a load balancer between two instances) with their counts', async () => {
    let n = 0
    const t = await serve((q) => {
      const main = q.questions[0].class !== 'CH'
      if (main) n++
      // probes 1,2 -> AMS; 3 -> LON; 4,5 -> AMS ...; CHAOS follows the same instance as its probe
      const inst = n === 3 ? K_LON : K_AMS
      return instanceReply(q, {nsid: inst, hostname: inst})
    })
    const run = await probeTargets([t], baseOpts(client, {count: 5, chaos: false}))
    const r = run.targets[0]!
    expect(r.flips.source).toBe('nsid')
    expect(r.flips.count).toBe(2)
    expect(r.flips.distinct).toEqual([
      {identity: K_AMS, count: 4, siteCode: 'NL AMS'},
      {identity: K_LON, count: 1, siteCode: 'GB LON'},
    ])
    expect(r.flips.siteChanges).toBe(2)
    expect(r.site?.code).toBe('NL AMS') // the majority
    expect(r.sites.map((s) => s.code).sort()).toEqual(['GB LON', 'NL AMS'])
    expect(r.sites.find((s) => s.code === 'GB LON')!.probes).toBe(1)
  })

  it('counts a silent server as lost probes, and keeps the others', async () => {
    const silent = await serve(() => ({kind: 'silent'}))
    const ok = await serve((q) => instanceReply(q, {nsid: 'gpdns-ams'}))
    const run = await probeTargets([silent, ok], baseOpts(client, {count: 2, timeoutMs: 150}))
    const [s, o] = run.targets
    expect(s!.answered).toBe(0)
    expect(s!.lost).toBe(2)
    expect(s!.error?.code).toBe('timeout')
    expect(s!.rttMs).toEqual({min: null, median: null, p95: null, max: null, mean: null, jitter: null})
    expect(s!.site).toBeNull()
    expect(s!.plausibility.verdict).toBe('unverifiable')
    expect(o!.answered).toBe(2)
    expect(o!.identities.nsid).toEqual(['gpdns-ams'])
    expect(o!.site?.code).toBe('AMS')
  })

  it('flags NSID and CHAOS that name different sites', async () => {
    const t = await serve((q) => instanceReply(q, {nsid: K_AMS, hostname: K_TYO}))
    const r = (await probeTargets([t], baseOpts(client, {count: 2}))).targets[0]!
    expect(r.hints.map((h) => h.code)).toEqual(['site-mismatch'])
    expect(r.hints[0]!.message).toContain('NL AMS')
    expect(r.hints[0]!.message).toContain('JP TYO')
    expect(r.sites.map((s) => s.code).sort()).toEqual(['JP TYO', 'NL AMS'])
    expect(r.site?.code).toBe('NL AMS') // NSID is preferred
  })

  it('asks no CHAOS name under chaos:false and can use TCP', async () => {
    const seen: string[] = []
    const t = await serve((q, ctx) => {
      seen.push(`${ctx.transport} ${q.questions[0].class} ${q.questions[0].name}`)
      return instanceReply(q, {nsid: K_AMS})
    })
    const r = (await probeTargets([t], baseOpts(client, {count: 2, chaos: false, tcp: true}))).targets[0]!
    expect(seen).toEqual(['tcp IN .', 'tcp IN .'])
    expect(r.transport).toBe('tcp')
    expect(r.identities.nsid).toEqual([K_AMS])
  })
})

describe('speed of light, interception and the client region (fake RTTs)', () => {
  it('calls a site impossible when the RTT is too small for the distance from --from', async () => {
    // 2 ms allows ~197 km (+100 km margin): Sydney from Amsterdam is ~16,600 km away.
    const client = new FakeClient({'8.8.8.8': () => ({nsid: 'gpdns-syd', rttMs: 2})})
    const r = (await probeTargets([target('8.8.8.8')], baseOpts(client, {from: AMS}))).targets[0]!
    expect(r.site?.code).toBe('SYD')
    expect(r.plausibility.verdict).toBe('impossible')
    expect(r.plausibility.site).toBe('SYD')
    expect(r.plausibility.rttMinMs).toBe(2)
    expect(r.plausibility.maxKm).toBeCloseTo(197.2, 0)
    expect(r.plausibility.distanceKm!).toBeGreaterThan(16_000)
    expect(r.plausibility.reason).toMatch(/impossible|interception|mislabelled/)
  })

  it('calls a near site consistent, and is unverifiable without --from or without a site', async () => {
    const client = new FakeClient({
      '8.8.8.8': () => ({nsid: 'gpdns-ams', rttMs: 2}),
      '192.0.2.1': () => ({nsid: 'some-box-42', rttMs: 2}),
    })
    const run = await probeTargets([target('8.8.8.8'), target('192.0.2.1')], baseOpts(client, {from: AMS}))
    expect(run.targets[0]!.plausibility.verdict).toBe('consistent')
    expect(run.targets[1]!.plausibility.verdict).toBe('unverifiable')
    expect(run.targets[1]!.site).toBeNull()
    expect(run.targets[1]!.decoded[0]).toMatchObject({raw: 'some-box-42', confidence: 'unknown', operator: null})
    const noFrom = await probeTargets([target('8.8.8.8')], baseOpts(new FakeClient({'8.8.8.8': () => ({nsid: 'gpdns-ams', rttMs: 2})})))
    expect(noFrom.targets[0]!.plausibility.verdict).toBe('unverifiable')
    expect(noFrom.targets[0]!.plausibility.reason).toContain('--from')
  })

  it('judges every site seen: one impossible flip makes the target impossible', async () => {
    const client = new FakeClient({'8.8.8.8': (n) => (n === 2 ? {nsid: 'gpdns-syd', rttMs: 3} : {nsid: 'gpdns-ams', rttMs: 3})})
    const r = (await probeTargets([target('8.8.8.8')], baseOpts(client, {from: AMS}))).targets[0]!
    expect(r.site?.code).toBe('AMS')
    expect(r.sites.find((s) => s.code === 'AMS')!.plausibility.verdict).toBe('consistent')
    expect(r.sites.find((s) => s.code === 'SYD')!.plausibility.verdict).toBe('impossible')
    expect(r.plausibility.verdict).toBe('impossible')
  })

  it('judges each claim with the RTT of the packet that carried it', async () => {
    // NSID replies are slow (80 ms); CHAOS says LON. The claim and its timing come from the same packet.
    const client = new FakeClient({'193.0.14.129': () => ({nsid: K_AMS, hostname: K_LON, rttMs: 80})})
    const r = (await probeTargets([target('193.0.14.129')], baseOpts(client, {count: 1}))).targets[0]!
    const lon = r.sites.find((s) => s.code === 'GB LON')!
    expect(lon.sources).toEqual(['hostname.bind', 'id.server'])
    expect(lon.rttMinMs).toBe(80)
  })

  it('spots a home router answering for 1.1.1.1', async () => {
    const client = new FakeClient({'1.1.1.1': () => ({hostname: 'OpenWrt', version: 'dnsmasq-2.90', rttMs: 0.4})})
    const r = (await probeTargets([target('1.1.1.1')], baseOpts(client, {count: 3, from: AMS}))).targets[0]!
    const codes = r.hints.map((h) => h.code)
    expect(codes).toContain('software-identity') // hostname.bind OpenWrt
    expect(codes).toContain('software-version') // version.bind dnsmasq
    expect(codes).toContain('missing-nsid') // Cloudflare always sends NSID
    expect(r.site).toBeNull()
    expect(r.identities['version.bind']).toEqual(['dnsmasq-2.90'])
  })

  it('spots another operator answering for an address', async () => {
    const client = new FakeClient({'9.9.9.9': () => ({nsid: 'gpdns-fra', rttMs: 5})})
    const r = (await probeTargets([target('9.9.9.9')], baseOpts(client, {count: 1}))).targets[0]!
    expect(r.hints.map((h) => h.code)).toEqual(['foreign-operator'])
    expect(r.decoded[0]).toMatchObject({fitsOperator: false, operator: 'Google Public DNS (8.8.8.8)'})
  })

  it('intersects the discs of all sites to say where the client is', async () => {
    const client = new FakeClient({
      '8.8.8.8': () => ({nsid: 'gpdns-ams', rttMs: 6}),
      '1.1.1.1': () => ({nsid: 'fra08', rttMs: 6}),
    })
    const run = await probeTargets([target('8.8.8.8'), target('1.1.1.1')], baseOpts(client))
    expect(run.client.discs).toBe(2)
    expect(run.client.consistent).toBe(true)
    const g = run.client.region!
    // between Amsterdam and Frankfurt (~365 km apart), each disc ~692 km
    expect(g.lat).toBeGreaterThan(48)
    expect(g.lat).toBeLessThan(54)
    expect(g.near).not.toBeNull()
  })

  it('says which claims contradict each other', async () => {
    const client = new FakeClient({
      '8.8.8.8': () => ({nsid: 'gpdns-ams', rttMs: 1}),
      '1.1.1.1': () => ({nsid: 'syd01', rttMs: 1}),
    })
    const run = await probeTargets([target('8.8.8.8'), target('1.1.1.1')], baseOpts(client))
    expect(run.client.consistent).toBe(false)
    expect(run.client.conflicting?.join(' ')).toContain('AMS')
    expect(run.client.conflicting?.join(' ')).toContain('SYD')
  })
})

describe('scheduling, deadline, events', () => {
  it('spaces probes by the interval on the injected clock', async () => {
    const clock = new InstantClock()
    const client = new FakeClient({'8.8.8.8': () => ({nsid: 'gpdns-ams', rttMs: 1})})
    const r = (await probeTargets([target('8.8.8.8')], {...baseOpts(client), clock, count: 4, intervalMs: 250})).targets[0]!
    expect(r.samples.map((s) => s.atMs)).toEqual([0, 250, 500, 750])
    // queries: each probe sends the ordinary query (RD=0, NSID), and the 4 CHAOS questions at most every
    // 500 ms (BIND rate-limits CHAOS): probes at 0 and 500 carry them, 250 and 750 do not
    expect(client.log).toHaveLength(4 + 2 * 4)
    expect(r.samples.map((s) => Object.keys(s.chaos).length)).toEqual([4, 0, 4, 0])
    expect(client.log.filter((o) => o.question.class === 'IN').every((o) => o.rd === false && (o.edns as any).nsid === true && o.retries === 0)).toBe(true)
    expect(client.log.filter((o) => o.question.class === 'CH').map((o) => o.question.name).slice(0, 4)).toEqual(['hostname.bind', 'id.server', 'version.bind', 'version.server'])
  })

  it('stops at the overall deadline', async () => {
    const clock = new InstantClock()
    const client = new FakeClient({'8.8.8.8': () => ({nsid: 'gpdns-ams', rttMs: 1})})
    const run = await probeTargets([target('8.8.8.8')], {...baseOpts(client), clock, count: 100, intervalMs: 100, deadlineMs: 450})
    expect(run.stopped).toBe('deadline')
    expect(run.targets[0]!.probes).toBe(5) // at 0, 100, 200, 300, 400
  })

  it('emits first / change / silent / back events (what --watch prints), until aborted', async () => {
    const clock = new InstantClock()
    const stop = new AbortController()
    // 0-2 AMS (two instances), 3-5 LON, 6-8 silent, 9.. LON
    const script: Script = (n) => {
      if (n >= 12) stop.abort()
      if (n >= 6 && n <= 8) return null
      if (n <= 2) return {nsid: n === 1 ? K_AMS2 : K_AMS, rttMs: 5}
      return {nsid: K_LON, rttMs: 9}
    }
    const client = new FakeClient({'193.0.14.129': script})
    const events: ProbeEvent[] = []
    const run = await probeTargets([target('193.0.14.129')], {
      ...baseOpts(client),
      clock,
      count: Infinity,
      chaos: false,
      signal: stop.signal,
      onEvent: (e) => events.push(e),
    })
    const lines = events
      .filter((e) => e.type !== 'sample' && e.type !== 'target-done')
      .map((e) => (e.type === 'change' ? `${e.index} ${e.from?.identity ?? '-'} -> ${e.to.identity} ${e.siteChanged}` : `${(e as any).index} ${e.type}`))
    expect(lines).toEqual([
      `0 - -> ${K_AMS} true`,
      `1 ${K_AMS} -> ${K_AMS2} false`,
      `2 ${K_AMS2} -> ${K_AMS} false`,
      `3 ${K_AMS} -> ${K_LON} true`,
      '8 silent',
      '9 back',
    ])
    expect(run.stopped).toBe('aborted')
    expect(run.targets[0]!.flips.count).toBe(3)
    expect(run.targets[0]!.flips.siteChanges).toBe(1)
  })

  it('does not count a missing NSID as a change when CHAOS still answers', async () => {
    const client = new FakeClient({'193.0.14.129': (n) => ({nsid: n === 1 ? undefined : K_AMS, hostname: K_AMS, rttMs: 5})})
    const events: ProbeEvent[] = []
    const run = await probeTargets([target('193.0.14.129')], {...baseOpts(client), count: 3, onEvent: (e) => events.push(e)})
    expect(events.filter((e) => e.type === 'change')).toHaveLength(1)
    expect(run.targets[0]!.flips).toMatchObject({count: 0, missing: 1, source: 'nsid'})
  })
})

describe('summarizeTarget (pure)', () => {
  const sample = (index: number, over: Partial<Sample> = {}): Sample => ({
    index,
    atMs: index * 200,
    rttMs: 10 + index,
    rcode: 'NOERROR',
    aa: true,
    transport: 'udp',
    localPort: 50000 + index,
    nsid: null,
    nsidHex: null,
    error: null,
    chaos: {},
    ...over,
  })

  it('falls back to CHAOS for the site when there is no NSID', () => {
    const s = [0, 1, 2].map((i) => sample(i, {chaos: {'hostname.bind': {values: ['b1-lax'], rcode: 'NOERROR', rttMs: 20, error: null}}}))
    const r = summarizeTarget(target('170.247.170.2'), s)
    expect(r.flips.source).toBe('hostname.bind')
    expect(r.site).toMatchObject({code: 'LAX', source: 'hostname.bind', identity: 'b1-lax'})
    expect(r.rttMs).toMatchObject({min: 10, median: 11, max: 12})
  })

  it('keeps unprintable NSIDs as hex and leaves them undecoded', () => {
    const s = [sample(0, {nsid: '0x00ff', nsidHex: '00ff'})]
    const r = summarizeTarget(target('192.0.2.9'), s)
    expect(r.identities.nsid).toEqual(['0x00ff'])
    expect(r.decoded[0]!.confidence).toBe('unknown')
    expect(r.site).toBeNull()
  })

  it('reports a site code missing from the table without inventing a place', () => {
    const r = summarizeTarget(target('8.8.8.8'), [sample(0, {nsid: 'gpdns-zzq'})])
    expect(r.site).toBeNull()
    expect(r.siteCode).toBe('ZZQ')
    expect(r.plausibility.verdict).toBe('unverifiable')
  })

  it('keeps only the last samples when asked, and says how many were left out', () => {
    const s = Array.from({length: 10}, (_, i) => sample(i, {nsid: 'gpdns-ams'}))
    const r = summarizeTarget(target('8.8.8.8'), s, {keepSamples: 3})
    expect(r.samples.map((x) => x.index)).toEqual([7, 8, 9])
    expect(r.samplesOmitted).toBe(7)
    expect(r.probes).toBe(10)
  })

  it('region is empty with no located claim', () => {
    const r = summarizeTarget(target('192.0.2.9'), [sample(0, {nsid: 'whatever'})])
    expect(clientRegion([r])).toMatchObject({discs: 0, consistent: true, region: null})
  })
})
