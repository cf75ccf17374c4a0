/**
 * What a command needs to talk DNS: a client over real sockets, or over the
 * embedded lab when --lab is given. Commands get one of these, use it, and
 * close it; the lab is loaded only when asked for.
 */
import {DnsClient} from './dns/client.js'
import {systemResolverConfig} from './dns/endpoint.js'
import {exchangeInTurn, stubOrder, type ResolverSet, type StubExchange, type StubWalk} from './dns/stub.js'
import type {ExchangeOptions} from './dns/client.js'
import {NodeTransport, type Endpoint} from './dns/transport.js'
import {UsageError} from './errors.js'
import type {Lab} from './lab/index.js'

export interface RunContext {
  client: DnsClient
  /** The lab, when running under --lab. */
  lab: Lab | null
  /** The default recursive resolver: the lab's, or the first nameserver in /etc/resolv.conf (rotated). */
  defaultResolver(): Endpoint
  /**
   * One question to the default resolvers as the system's stub asks them: each in turn, passing
   * over those that give no reply (walk.rounds unless resolv.conf sets attempts).
   */
  askDefault(opts: Omit<ExchangeOptions, 'server' | 'retries'>, walk?: StubWalk): Promise<StubExchange>
  close(): Promise<void>
}

export interface ContextOptions {
  lab?: boolean
  /** Start the lab routed to this anycast site. */
  labSite?: string
}

export async function createContext(opts: ContextOptions = {}): Promise<RunContext> {
  if (opts.lab) {
    const {startLab} = await import('./lab/index.js')
    // A command asks a few of the lab's servers: each listener opens when first routed to.
    const lab = await startLab({site: opts.labSite, onDemand: true})
    const transport = new NodeTransport({
      route: (server, proto) => lab.routeDns(server.address, server.port, proto),
      prepare: (server) => lab.listen(server.address, server.port),
    })
    const client = new DnsClient({transport})
    const set: ResolverSet = {servers: [{address: lab.resolver.address, port: lab.resolver.port}], timeoutMs: null, attempts: null, rotate: false}
    return {
      client,
      lab,
      defaultResolver: () => ({...set.servers[0]!}),
      askDefault: (o, walk) => exchangeInTurn(client, set, o, walk),
      close: () => {
        transport.close()
        return lab.stop()
      },
    }
  }
  const transport = new NodeTransport()
  const client = new DnsClient({transport})
  // Read once per run; the rotation's start is drawn once too, so every question of a run agrees.
  let system: {set: ResolverSet, order: Endpoint[]} | undefined
  const resolvers = () => {
    if (!system) {
      const conf = systemResolverConfig()
      const set: ResolverSet = {servers: conf.servers.map((address) => ({address, port: 53})), timeoutMs: conf.timeoutMs, attempts: conf.attempts, rotate: conf.rotate}
      system = {set, order: stubOrder(set)}
    }
    if (system.set.servers.length === 0) throw new UsageError('no nameserver in /etc/resolv.conf; give one with @SERVER or --server', 'no-resolver')
    return system
  }
  return {
    client,
    lab: null,
    defaultResolver: () => ({...resolvers().order[0]!}),
    askDefault: (o, walk) => exchangeInTurn(client, resolvers().set, o, walk, resolvers().order),
    close: async () => transport.close(),
  }
}
