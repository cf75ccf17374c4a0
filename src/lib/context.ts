/**
 * What a command needs to talk DNS: a client over real sockets, or over the
 * embedded lab when --lab is given. Commands get one of these, use it, and
 * close it; the lab is loaded only when asked for.
 */
import {DnsClient} from './dns/client.js'
import {systemNameservers} from './dns/endpoint.js'
import {NodeTransport, type Endpoint} from './dns/transport.js'
import {UsageError} from './errors.js'
import type {Lab} from './lab/index.js'

export interface RunContext {
  client: DnsClient
  /** The lab, when running under --lab. */
  lab: Lab | null
  /** The default recursive resolver: the lab's, or the first nameserver in /etc/resolv.conf. */
  defaultResolver(): Endpoint
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
    return {
      client: new DnsClient({transport}),
      lab,
      defaultResolver: () => ({address: lab.resolver.address, port: lab.resolver.port}),
      close: () => {
        transport.close()
        return lab.stop()
      },
    }
  }
  const transport = new NodeTransport()
  return {
    client: new DnsClient({transport}),
    lab: null,
    defaultResolver: () => {
      const ns = systemNameservers()
      if (ns.length === 0) throw new UsageError('no nameserver in /etc/resolv.conf; give one with @SERVER or --server', 'no-resolver')
      return {address: ns[0], port: 53}
    },
    close: async () => transport.close(),
  }
}
