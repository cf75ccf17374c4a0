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
  /**
   * Opens the loopback listeners behind address:port if they are not open yet (a lab started with
   * `onDemand`), so that routeDns and routeConnect can route there; resolves at once otherwise.
   */
  listen(address: string, port: number): Promise<void>
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
  /**
   * Open each loopback listener when something is first routed to it (call `listen` before
   * routing), not all of them at start: a one-shot command asks a handful of the world's ~60
   * servers and need not bind the rest. describe() shows port 0 for a listener not open yet.
   * Not with bindVirtual.
   */
  onDemand?: boolean
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
  /** The loopback listener behind it (port 0: not open yet, in an on-demand lab). */
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

/**
 * A loopback listener, opened at most once: at the lab's start or, in an on-demand lab, when
 * first routed to. Closing waits for an opening in progress and closes what it opened.
 */
class Listener<T extends {close(): Promise<void>}> {
  current: T | undefined
  private opening: Promise<T> | undefined
  private closed = false

  constructor(private readonly open: () => Promise<T>) {}

  start(): Promise<T> {
    if (this.closed) return Promise.reject(new NetworkError('dnsx lab: the lab has stopped', 'lab-start'))
    this.opening ??= this.open().then((l) => {
      this.current = l
      return l
    })
    return this.opening
  }

  async close(): Promise<void> {
    this.closed = true
    const opened = await this.opening?.catch(() => undefined)
    await opened?.close()
  }
}

interface Instance {
  id: string
  listener: Listener<NanoServer>
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
  /** Every DNS server, anycast instance and resolver, each with its loopback listener. */
  private readonly instances: Instance[] = []
  /** The virtual-address listeners (bindVirtual). */
  private readonly listeners: NanoServer[] = []
  private readonly web = new Map<string, Listener<WebListener>>()
  private readonly descriptions: {description: Omit<ServerDescription, 'listener'>, listener: Listener<NanoServer>}[] = []
  private readonly resolverListeners = new Map<string, Listener<NanoServer>>()
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

    const open = (handler: Handler) => new Listener(() => nano(handler))
    for (const s of world.servers) {
      const runtime = new ServerRuntime({
        id: s.id, zones: s.zones.map((id) => zones.get(id)!), identity: {hostname: s.identity, version: s.version, nsid: s.nsid},
        behaviour: s.behaviour, seed, latencyScale: scale, clientAddress: opts.clientAddress,
      })
      const instance: Instance = {id: s.id, listener: open(runtime), runtime, catchment: []}
      this.instances.push(instance)
      for (const a of s.addresses) this.routes.set(addressKey(a), {kind: 'unicast', instance})
      this.descriptions.push({
        description: {
          id: s.id, name: s.name, role: 'authoritative', addresses: s.addresses, zones: s.zones.map((id) => zones.get(id)!.origin),
          latencyMs: s.behaviour?.latencyMs ?? 0, behaviour: behaviourWords(s.behaviour ?? {}), identity: s.identity, version: s.version,
          nsid: s.nsid, demonstrates: s.demonstrates,
        },
        listener: instance.listener,
      })
    }

    for (const svc of world.anycast) {
      // One route per address: an alternating (flapping) service takes turns per address, as
      // ECMP does per path, so a dual-stack client sees both of its addresses flap.
      const instances: Instance[] = svc.instances.map((inst) => {
        const runtime = new ServerRuntime({
          id: inst.id, zones: svc.zones.map((id) => zones.get(id)!), identity: {hostname: inst.identity, version: inst.version, nsid: inst.nsid},
          behaviour: {latencyMs: inst.latencyMs}, seed, latencyScale: scale, clientAddress: opts.clientAddress,
        })
        return {id: inst.id, listener: open(runtime), runtime, catchment: inst.catchment}
      })
      this.instances.push(...instances)
      for (const a of svc.addresses) this.routes.set(addressKey(a), {kind: 'anycast', service: svc, instances, turn: 0})
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
      const instance: Instance = {id: r.id, listener: open(handler), runtime: handler, catchment: []}
      this.instances.push(instance)
      this.resolverListeners.set(r.id, instance.listener)
      for (const a of r.addresses) this.routes.set(addressKey(a), {kind: 'unicast', instance})
    }

    for (const c of world.connect) {
      if (c.kind !== 'http') continue
      for (const port of c.ports ?? [80, 443]) {
        const key = `${addressKey(c.address)}|${port}`
        if (!this.web.has(key)) this.web.set(key, new Listener(() => startWebListener(c.address, port, this.bind)))
      }
    }

    if (!opts.onDemand || opts.bindVirtual) {
      const results = await Promise.allSettled([...this.instances.map((i) => i.listener.start()), ...[...this.web.values()].map((w) => w.start())])
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
      if (failed) {
        await this.stop()
        throw failed.reason
      }
    }

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
    const server = instance?.listener.current
    if (!server) return null
    const real = transport === 'udp' ? server.udpPort : server.tcpPort
    return real === null ? null : {host: this.bind, address: this.bind, port: real}
  }

  routeConnect(address: string, port: number): ConnectRoute | null {
    if (this.stopped) return null
    const key = addressKey(address)
    const target = this.world.connect.find((c) => addressKey(c.address) === key && (!c.ports || c.ports.includes(port)))
    if (target) {
      if (target.kind !== 'http') return {kind: target.kind}
      const listener = this.web.get(`${key}|${port}`)?.current
      if (!listener) return {kind: 'refused'}
      return {kind: 'forward', host: this.bind, address: this.bind, port: listener.port, delayMs: target.delayMs ?? 0}
    }

    const route = this.routes.get(key)
    if (!route) return null
    if (port !== 53) return {kind: 'refused'}
    const instance = this.pick(route, false)
    const tcpPort = instance?.listener.current?.tcpPort
    if (!instance || tcpPort === null || tcpPort === undefined) return {kind: 'refused'}
    const server = route.kind === 'unicast' ? this.world.servers.find((s) => s.id === instance.id) : undefined
    if (server?.behaviour?.dead) return {kind: 'blackhole'}
    return {kind: 'forward', host: this.bind, address: this.bind, port: tcpPort, delayMs: 0}
  }

  async listen(address: string, port: number): Promise<void> {
    if (this.stopped) return
    const key = addressKey(address)
    const route = this.routes.get(key)
    const opening: Promise<unknown>[] = []
    if (route) opening.push(...(route.kind === 'unicast' ? [route.instance] : route.instances).map((i) => i.listener.start()))
    const web = this.web.get(`${key}|${port}`)
    if (web) opening.push(web.start())
    await Promise.all(opening)
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
      resolvers: world.resolvers.map((r) => ({...r, listener: this.at(this.resolverListeners.get(r.id))})),
      servers: this.descriptions.map((d) => ({...d.description, listener: this.at(d.listener)})),
      anycast: world.anycast.map((svc) => {
        const route = this.routes.get(addressKey(svc.addresses[0]))
        const current = route ? this.pick(route, false) : undefined
        const instances = route?.kind === 'anycast' ? route.instances : []
        return {
          id: svc.id, name: svc.name, addresses: svc.addresses, routing: svc.routing, demonstrates: svc.demonstrates, current: current?.id ?? '',
          instances: svc.instances.map((i) => {
            return {
              id: i.id, site: i.site, catchment: i.catchment, latencyMs: i.latencyMs, nsid: i.nsid, identity: i.identity, note: i.note,
              listener: this.at(instances.find((x) => x.id === i.id)?.listener),
            }
          }),
        }
      }),
      connect: world.connect.map((c) => {
        const port = c.ports?.[0] ?? 80
        const listener = c.kind === 'http' ? this.web.get(`${addressKey(c.address)}|${port}`) : undefined
        return listener ? {...c, listener: this.at(listener)} : {...c}
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

  /** host:port of a loopback listener; port 0 while it is not open (an on-demand lab). */
  private at(listener: Listener<{host: string, port: number, close(): Promise<void>}> | undefined): {host: string, port: number} {
    const open = listener?.current
    return {host: open?.host ?? this.bind, port: open?.port ?? 0}
  }

  async stop(): Promise<void> {
    this.stopped = true
    const closing = [...this.listeners.map((l) => l.close()), ...this.instances.map((i) => i.listener.close()), ...[...this.web.values()].map((w) => w.close())]
    this.listeners.length = 0
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
 * listener, opened now or (`onDemand`) when first routed to. Throws when the world is inconsistent (see check.ts) or a listener cannot start.
 */
export async function startLab(opts: StartLabOptions = {}): Promise<Lab> {
  const lab = new RunningLab(opts.world ?? DEFAULT_WORLD, opts)
  await lab.start(opts)
  return lab
}
