/**
 * The lab: an embedded simulated DNS internet. Every name server of a {@link World} runs as a real
 * UDP+TCP listener on loopback; the lab maps the world's virtual addresses (documentation ranges)
 * to those listeners, so dnsx's transport can send real packets to "192.0.2.1" without a single
 * packet leaving the machine. Anycast services pick an instance per query by the client's site;
 * connection targets (for `dnsx race`) map to in-lab web servers or to simulated failures.
 *
 * With `bindVirtual` the lab also listens on the virtual addresses themselves (port 53), for tools
 * that cannot be told about the mapping (dig +trace, drill -T); that needs the addresses on a
 * loopback interface, in practice inside a network namespace (`dnsx lab serve --bind-virtual`).
 *
 * ```ts
 * const lab = await startLab()
 * lab.routeDns('192.0.2.1', 53, 'udp')    // → {host: '127.0.0.1', address: '127.0.0.1', port: 41234}
 * lab.routeDns('8.8.8.8', 53, 'udp')      // → null: not in the lab, nothing may be sent
 * await lab.stop()
 * ```
 */
import {NetworkError, UsageError} from '../errors.js'

import {formatRecord} from '../dns/zonefile.js'
import type {DsRecord, Rr} from '../dns/record.js'
import type {DecodedPacket, Packet} from '../dns/message.js'

import {Zone} from './zone.js'
import {addressKey} from './check.js'
import type {DnssecSetup} from './dnssec.js'
import {labZones} from './snapshot.js'
import {startNanoServer, type NanoServer, type QueryContext, type Reply} from './nanoserver.js'
import {LabResolver} from './resolver.js'
import {limitUdp, ServerRuntime} from './server.js'
import {startWebListener, type WebListener} from './web.js'
import {DEFAULT_WORLD, type AnycastService, type ConnectTarget, type World, type WorldName, type WorldResolver} from './world.js'

export {DEFAULT_WORLD} from './world.js'
export type {World} from './world.js'

/** Where a DNS message to a virtual address goes: a loopback listener. */
export interface DnsRoute {
  /** The loopback address to send to (same as `address`). */
  host: string
  /** Same as `host`, so the route is also a transport `Endpoint`. */
  address: string
  port: number
}

/** What a TCP connection to a virtual address meets. */
export type ConnectRoute =
  | {kind: 'forward', host: string, address: string, port: number, delayMs: number}
  | {kind: 'blackhole'}
  | {kind: 'refused'}
  | {kind: 'unreachable'}

/** The running lab. */
export interface Lab {
  readonly world: World
  /**
   * Where a DNS message to virtual address:port goes; null = unmapped (the transport must then
   * fail and never send). Called per query: anycast routing may pick a different instance per query.
   */
  routeDns(address: string, port: number, transport: 'udp' | 'tcp'): DnsRoute | null
  /** What a TCP connection to address:port meets (used by `dnsx race` in lab mode). */
  routeConnect(address: string, port: number): ConnectRoute | null
  /** The lab's root letters (virtual addresses). */
  readonly rootHints: {name: string, address: string}[]
  /** The lab's recursive resolver (virtual address): RD=1 → RA=1, TTLs decremented as if cached. */
  readonly resolver: {address: string, port: number}
  /** The lab root's KSK as DNSKEY and DS records: the trust anchor to validate lab answers (null if unsigned). */
  readonly trustAnchor: {dnskey: Rr, ds: DsRecord} | null
  /** The same anchor as a list of DS records, the shape validators take (empty if unsigned). */
  readonly trustAnchors: DsRecord[]
  /** Servers, addresses, names worth trying and what each demonstrates (plain data for `dnsx lab`). */
  describe(): LabDescription
  /** Which anycast instance the lab routes this client to (null = the default site). */
  setSite(site: string | null): void
  stop(): Promise<void>
}

/** Options for {@link startLab}. */
export interface StartLabOptions {
  world?: World
  /** The client's site for anycast routing (default: the world's default site). */
  site?: string
  /** Seed for loss, weighted and multivalue answers and cache ages (default 1). */
  seed?: number
  /** Loopback address for every listener (default 127.0.0.1). */
  bind?: string
  /** Multiplies every simulated latency (default 1; 0 makes tests fast). */
  latencyScale?: number
  /** How replies wait out their latency (default setTimeout); tests may inject a clock. */
  sleep?: (ms: number) => Promise<void>
  /** The virtual address the client appears to have (answer policies use it when no ECS is sent). */
  clientAddress?: string
  /** Wall clock for the resolver's cache, in ms (default Date.now). */
  now?: () => number
  /**
   * Also serve every DNS server of the world on its own virtual addresses (port `virtualPort`),
   * so tools that know nothing of the lab's routing (dig +trace, drill -T, kdig, a real resolver)
   * can reach it. The addresses must be configured on a loopback interface, e.g. inside a network
   * namespace (see virtual.ts); the loopback listeners keep running as well.
   */
  bindVirtual?: boolean
  /** Port of the virtual listeners (default 53). */
  virtualPort?: number
}

/** A listener on a virtual address (bindVirtual mode). */
export interface VirtualListener {
  address: string
  port: number
  /** What answers there: a server id, an anycast service id, or a resolver id. */
  serves: string
  kind: 'authoritative' | 'anycast' | 'resolver'
}

/** One server (or anycast instance, or resolver) in a {@link LabDescription}. */
export interface ServerDescription {
  id: string
  name: string
  role: 'authoritative' | 'anycast-instance' | 'resolver'
  addresses: string[]
  zones: string[]
  latencyMs: number
  /** Misbehaviour, in words (empty for a well-behaved server). */
  behaviour: string[]
  identity?: string
  version?: string
  nsid?: string
  demonstrates: string
  /** The loopback listener behind it. */
  listener: {host: string, port: number}
}

/** Plain data describing the running lab, for `dnsx lab` to render. */
export interface LabDescription {
  description: string
  bind: string
  /** The site set with setSite (null: the default). */
  site: string | null
  /** The site anycast routing uses now. */
  effectiveSite: string
  sites: {id: string, city: string}[]
  rootHints: {name: string, address: string}[]
  resolver: {address: string, port: number}
  resolvers: (WorldResolver & {listener: {host: string, port: number}})[]
  servers: ServerDescription[]
  anycast: {
    id: string
    name: string
    addresses: string[]
    routing: 'site' | 'alternate'
    demonstrates: string
    /** The instance the current site reaches (for `alternate`: the one the next query reaches). */
    current: string
    instances: {id: string, site: string, catchment: string[], latencyMs: number, nsid?: string, identity?: string, note?: string, listener: {host: string, port: number}}[]
  }[]
  connect: (ConnectTarget & {listener?: {host: string, port: number}})[]
  names: WorldName[]
  broken: {zone: string, reason: string}[]
  /** DNSSEC state: the lab root's KSK is the trust anchor (presentation format). */
  dnssec: {status: DnssecSetup['status'], zones: DnssecSetup['zonesStatus'], trustAnchor: {dnskey: string, ds: string} | null, error?: string}
  /** Present when the lab also serves on its virtual addresses (bindVirtual). */
  virtual?: {port: number, listeners: VirtualListener[]}
}

interface Handler {
  handle(query: DecodedPacket | null, ctx: QueryContext): Reply
}

interface Instance {
  id: string
  server: NanoServer
  runtime: Handler & {direct?(query: Packet): Packet | null}
  catchment: string[]
}

type Route =
  | {kind: 'unicast', instance: Instance}
  | {kind: 'anycast', service: AnycastService, instances: Instance[], turn: number}

function behaviourWords(b: NonNullable<World['servers'][number]['behaviour']>): string[] {
  return [
    b.dead && 'dead (silent)', b.garbage && 'answers garbage', b.spoofFirst && 'wrong-ID reply first', b.refuse && 'REFUSED',
    b.lame && `lame (${b.lame === 'noaa' ? 'no AA' : 'SERVFAIL'})`, b.formerrOnEdns && 'FORMERR to EDNS', b.upwardReferral && 'upward referral',
    b.aaOnReferral && 'AA on referrals', b.poisonAdditional && 'out-of-bailiwick additional records',
    b.loss !== undefined && b.loss > 0 && `loss ${Math.round(b.loss * 100)}%`,
    b.truncate !== undefined && (b.truncate === 'always' ? 'always truncates (UDP)' : `truncates above ${b.truncate} bytes`),
  ].filter((w): w is string => typeof w === 'string')
}

class RunningLab implements Lab {
  readonly world: World
  readonly rootHints: {name: string, address: string}[]
  readonly resolver: {address: string, port: number}
  private site: string | null
  private readonly bind: string
  private readonly routes = new Map<string, Route>()
  private readonly listeners: NanoServer[] = []
  private readonly web = new Map<string, WebListener>()
  private readonly descriptions: ServerDescription[] = []
  private readonly resolverListeners = new Map<string, {host: string, port: number}>()
  private readonly virtualListeners: VirtualListener[] = []
  private virtualPort: number | null = null
  private dnssec: DnssecSetup | undefined
  private stopped = false

  get trustAnchor(): {dnskey: Rr, ds: DsRecord} | null {
    return this.dnssec?.trustAnchor ?? null
  }

  get trustAnchors(): DsRecord[] {
    return this.trustAnchor ? [this.trustAnchor.ds] : []
  }

  constructor(world: World, opts: StartLabOptions) {
    this.world = world
    this.bind = opts.bind ?? '127.0.0.1'
    this.site = null
    this.rootHints = world.rootHints.map((h) => ({...h}))
    const first = world.resolvers[0]
    this.resolver = {address: first.addresses[0], port: 53}
  }

  async start(opts: StartLabOptions): Promise<void> {
    const world = this.world
    if (opts.site !== undefined) this.setSite(opts.site)
    const seed = opts.seed ?? 1
    this.dnssec = labZones(world, seed)
    const zones = new Map(this.dnssec.zones.map((z) => [z.id, new Zone(z)]))
    const scale = opts.latencyScale ?? 1
    const nano = (handler: Handler): Promise<NanoServer> => startNanoServer((q, ctx) => handler.handle(q, ctx), {host: this.bind, sleep: opts.sleep})

    const tasks: Promise<void>[] = []
    for (const s of world.servers) {
      const runtime = new ServerRuntime({
        id: s.id, zones: s.zones.map((id) => zones.get(id)!), identity: {hostname: s.identity, version: s.version, nsid: s.nsid},
        behaviour: s.behaviour, seed, latencyScale: scale, clientAddress: opts.clientAddress,
      })
      tasks.push(nano(runtime).then((server) => {
        this.listeners.push(server)
        const instance: Instance = {id: s.id, server, runtime, catchment: []}
        for (const a of s.addresses) this.routes.set(addressKey(a), {kind: 'unicast', instance})
        this.descriptions.push({
          id: s.id, name: s.name, role: 'authoritative', addresses: s.addresses, zones: s.zones.map((id) => zones.get(id)!.origin),
          latencyMs: s.behaviour?.latencyMs ?? 0, behaviour: behaviourWords(s.behaviour ?? {}), identity: s.identity, version: s.version,
          nsid: s.nsid, demonstrates: s.demonstrates, listener: {host: server.host, port: server.port},
        })
      }))
    }

    for (const svc of world.anycast) {
      const instances: Instance[] = []
      // One route per address: an alternating (flapping) service takes turns per address, as
      // ECMP does per path, so a dual-stack client sees both of its addresses flap.
      for (const a of svc.addresses) this.routes.set(addressKey(a), {kind: 'anycast', service: svc, instances, turn: 0})
      for (const inst of svc.instances) {
        const runtime = new ServerRuntime({
          id: inst.id, zones: svc.zones.map((id) => zones.get(id)!), identity: {hostname: inst.identity, version: inst.version, nsid: inst.nsid},
          behaviour: {latencyMs: inst.latencyMs}, seed, latencyScale: scale, clientAddress: opts.clientAddress,
        })
        tasks.push(nano(runtime).then((server) => {
          this.listeners.push(server)
          instances.push({id: inst.id, server, runtime, catchment: inst.catchment})
          instances.sort((x, y) => svc.instances.findIndex((i) => i.id === x.id) - svc.instances.findIndex((i) => i.id === y.id))
        }))
      }
    }

    for (const r of world.resolvers) {
      const engine = new LabResolver({
        rootHints: world.rootHints,
        network: {ask: (address, query) => this.ask(address, query)},
        identity: {hostname: r.identity, version: r.version, nsid: r.nsid},
        now: opts.now,
        seed,
      })
      const latency = (r.latencyMs ?? 0) * scale
      const handler: Handler = {
        handle: (query, ctx) => {
          if (!query) return null
          let response = engine.handle(query)
          if (ctx.transport === 'udp') response = limitUdp(query, response)
          return latency > 0 ? {delayMs: latency, reply: response} : response
        },
      }
      tasks.push(nano(handler).then((server) => {
        this.listeners.push(server)
        this.resolverListeners.set(r.id, {host: server.host, port: server.port})
        const instance: Instance = {id: r.id, server, runtime: handler, catchment: []}
        for (const a of r.addresses) this.routes.set(addressKey(a), {kind: 'unicast', instance})
      }))
    }

    const webKeys = new Set<string>()
    for (const c of world.connect) {
      if (c.kind !== 'http') continue
      for (const port of c.ports ?? [80, 443]) {
        const key = `${addressKey(c.address)}|${port}`
        if (webKeys.has(key)) continue
        webKeys.add(key)
        tasks.push(startWebListener(c.address, port, this.bind).then((listener) => {
          this.web.set(key, listener)
        }))
      }
    }

    const results = await Promise.allSettled(tasks)
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed) {
      await this.stop()
      throw failed.reason
    }

    this.descriptions.sort((a, b) => world.servers.findIndex((s) => s.id === a.id) - world.servers.findIndex((s) => s.id === b.id))
    if (opts.bindVirtual) await this.startVirtual(opts)
  }

  /** bindVirtual: one listener per virtual DNS address, answering as the route there would. */
  private async startVirtual(opts: StartLabOptions): Promise<void> {
    const port = opts.virtualPort ?? 53
    this.virtualPort = port
    const world = this.world
    const targets: Omit<VirtualListener, 'port'>[] = [
      ...world.servers.flatMap((s) => s.addresses.map((address) => ({address, serves: s.id, kind: 'authoritative' as const}))),
      ...world.anycast.flatMap((a) => a.addresses.map((address) => ({address, serves: a.id, kind: 'anycast' as const}))),
      ...world.resolvers.flatMap((r) => r.addresses.map((address) => ({address, serves: r.id, kind: 'resolver' as const}))),
    ]
    const unique = [...new Map(targets.map((t) => [addressKey(t.address), t])).values()]
    const tasks = unique.map(async (t) => {
      const route = this.routes.get(addressKey(t.address))!
      const handler = (query: DecodedPacket | null, ctx: QueryContext): Reply => {
        const instance = this.pick(route, true)
        return instance ? instance.runtime.handle(query, ctx) : null
      }

      let server: NanoServer
      try {
        server = await startNanoServer(handler, {host: t.address, port, sleep: opts.sleep})
      } catch (error) {
        throw new NetworkError(`dnsx lab: cannot listen on ${t.address} port ${port}: ${bindFailure(error)}`, 'lab-start')
      }

      this.listeners.push(server)
      this.virtualListeners.push({...t, port})
    })
    const results = await Promise.allSettled(tasks)
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
    if (failed) {
      await this.stop()
      throw failed.reason
    }

    const order = new Map(targets.map((t, i) => [t.address, i]))
    this.virtualListeners.sort((a, b) => order.get(a.address)! - order.get(b.address)!)
  }

  private effectiveSite(): string {
    return this.site ?? this.world.defaultSite
  }

  /** The instance a route leads to now; `advance` moves an alternating service on. */
  private pick(route: Route, advance: boolean): Instance | undefined {
    if (route.kind === 'unicast') return route.instance
    const {instances, service} = route
    if (instances.length === 0) return undefined
    if (service.routing === 'alternate') {
      const instance = instances[route.turn % instances.length]
      if (advance) route.turn++
      return instance
    }

    const site = this.effectiveSite()
    return instances.find((i) => i.catchment.includes(site)) ?? instances[0]
  }

  /** In-process question to the server at a virtual address (the lab resolver's network). */
  private ask(address: string, query: Packet): Packet | null {
    const route = this.routes.get(addressKey(address))
    const instance = route && this.pick(route, true)
    return instance?.runtime.direct?.(query) ?? null
  }

  routeDns(address: string, port: number, transport: 'udp' | 'tcp'): DnsRoute | null {
    if (this.stopped || port !== 53) return null
    const route = this.routes.get(addressKey(address))
    const instance = route && this.pick(route, true)
    if (!instance) return null
    const real = transport === 'udp' ? instance.server.udpPort : instance.server.tcpPort
    return real === null ? null : {host: this.bind, address: this.bind, port: real}
  }

  routeConnect(address: string, port: number): ConnectRoute | null {
    if (this.stopped) return null
    const key = addressKey(address)
    const target = this.world.connect.find((c) => addressKey(c.address) === key && (!c.ports || c.ports.includes(port)))
    if (target) {
      if (target.kind !== 'http') return {kind: target.kind}
      const listener = this.web.get(`${key}|${port}`)
      if (!listener) return {kind: 'refused'}
      return {kind: 'forward', host: this.bind, address: this.bind, port: listener.port, delayMs: target.delayMs ?? 0}
    }

    const route = this.routes.get(key)
    if (!route) return null
    if (port !== 53) return {kind: 'refused'}
    const instance = this.pick(route, false)
    if (!instance || instance.server.tcpPort === null) return {kind: 'refused'}
    const server = route.kind === 'unicast' ? this.world.servers.find((s) => s.id === instance.id) : undefined
    if (server?.behaviour?.dead) return {kind: 'blackhole'}
    return {kind: 'forward', host: this.bind, address: this.bind, port: instance.server.tcpPort, delayMs: 0}
  }

  setSite(site: string | null): void {
    if (site !== null && !this.world.sites.some((s) => s.id === site)) {
      throw new UsageError(`unknown lab site "${site}" (sites: ${this.world.sites.map((s) => s.id).join(', ')})`, 'bad-lab-site')
    }

    this.site = site
  }

  describe(): LabDescription {
    const world = this.world
    return {
      description: world.description,
      bind: this.bind,
      site: this.site,
      effectiveSite: this.effectiveSite(),
      sites: world.sites,
      rootHints: this.rootHints,
      resolver: this.resolver,
      resolvers: world.resolvers.map((r) => ({...r, listener: this.resolverListeners.get(r.id)!})),
      servers: this.descriptions,
      anycast: world.anycast.map((svc) => {
        const route = this.routes.get(addressKey(svc.addresses[0]))
        const current = route ? this.pick(route, false) : undefined
        const instances = route?.kind === 'anycast' ? route.instances : []
        return {
          id: svc.id, name: svc.name, addresses: svc.addresses, routing: svc.routing, demonstrates: svc.demonstrates, current: current?.id ?? '',
          instances: svc.instances.map((i) => {
            const server = instances.find((x) => x.id === i.id)?.server
            return {
              id: i.id, site: i.site, catchment: i.catchment, latencyMs: i.latencyMs, nsid: i.nsid, identity: i.identity, note: i.note,
              listener: {host: server?.host ?? this.bind, port: server?.port ?? 0},
            }
          }),
        }
      }),
      connect: world.connect.map((c) => {
        const port = c.ports?.[0] ?? 80
        const listener = c.kind === 'http' ? this.web.get(`${addressKey(c.address)}|${port}`) : undefined
        return listener ? {...c, listener: {host: listener.host, port: listener.port}} : {...c}
      }),
      names: world.names,
      broken: world.broken,
      dnssec: {
        status: this.dnssec?.status ?? 'unsigned',
        zones: this.dnssec?.zonesStatus ?? [],
        trustAnchor: this.dnssec?.trustAnchor ? {dnskey: formatRecord(this.dnssec.trustAnchor.dnskey), ds: formatRecord(this.dnssec.trustAnchor.ds)} : null,
        ...(this.dnssec?.error ? {error: this.dnssec.error} : {}),
      },
      ...(this.virtualPort === null ? {} : {virtual: {port: this.virtualPort, listeners: this.virtualListeners.map((l) => ({...l}))}}),
    }
  }

  async stop(): Promise<void> {
    this.stopped = true
    const closing = [...this.listeners.map((l) => l.close()), ...[...this.web.values()].map((w) => w.close())]
    this.listeners.length = 0
    this.web.clear()
    await Promise.all(closing)
  }
}

/** Why a virtual listener could not bind, in words. */
function bindFailure(error: unknown): string {
  const code = (error as {code?: string})?.code
  if (code === 'EADDRNOTAVAIL') return 'the address is not configured on any interface (EADDRNOTAVAIL)'
  if (code === 'EACCES' || code === 'EPERM') return `not allowed (${code}): ports below 1024 need root, e.g. in a namespace made with unshare -rn`
  if (code === 'EADDRINUSE') return 'something else listens there already (EADDRINUSE)'
  return error instanceof Error ? error.message : String(error)
}

/**
 * Starts the lab: every server of the world (default: {@link DEFAULT_WORLD}) on its own loopback
 * listener. Throws when the world is inconsistent (see check.ts) or a listener cannot start.
 */
export async function startLab(opts: StartLabOptions = {}): Promise<Lab> {
  const lab = new RunningLab(opts.world ?? DEFAULT_WORLD, opts)
  await lab.start(opts)
  return lab
}
