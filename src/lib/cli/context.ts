/**
 * What a command needs to talk DNS: a client over real sockets, or over the
 * embedded lab when --lab is given. Commands get one of these, use it, and
 * close it; the lab is loaded only when asked for.
 */
import net from 'node:net'
import {readFileSync} from 'node:fs'
import {DnsClient} from '../dns/client.js'
import {NodeTransport, type Endpoint} from '../dns/transport.js'
import {UsageError} from '../errors.js'
import type {Lab} from '../lab/index.js'

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
    const {startLab} = await import('../lab/index.js')
    const lab = await startLab({site: opts.labSite})
    const transport = new NodeTransport({route: (server, proto) => lab.routeDns(server.address, server.port, proto)})
    return {
      client: new DnsClient({transport}),
      lab,
      defaultResolver: () => ({address: lab.resolver.address, port: lab.resolver.port}),
      close: () => lab.stop(),
    }
  }
  return {
    client: new DnsClient(),
    lab: null,
    defaultResolver: () => {
      const ns = systemNameservers()
      if (ns.length === 0) throw new UsageError('no nameserver in /etc/resolv.conf; give one with @SERVER or --server', 'no-resolver')
      return {address: ns[0], port: 53}
    },
    close: async () => {},
  }
}

/** Nameserver addresses from a resolv.conf text (scope IDs dropped). */
export function parseResolvConf(text: string): string[] {
  const out: string[] = []
  for (const line of text.split('\n')) {
    const m = /^\s*nameserver\s+(\S+)/.exec(line)
    if (!m) continue
    const addr = m[1].replace(/%.*$/, '')
    if (net.isIP(addr)) out.push(addr)
  }
  return out
}

export function systemNameservers(path = '/etc/resolv.conf'): string[] {
  try {
    return parseResolvConf(readFileSync(path, 'utf8'))
  } catch {
    return []
  }
}

/** Validate a port flag (1..65535). */
export function validatePort(port: number | undefined, what = '--port'): number | undefined {
  if (port === undefined) return undefined
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${what} ${port} is not a port number (1-65535)`, 'bad-port')
  return port
}

/**
 * Parse a server given as `ADDR`, `[ADDR]:PORT`, `ADDR#PORT` (dig/kdig style) or
 * a name. Returns the address (or name) and the port if one was given.
 */
export function parseServerSpec(input: string): {host: string, port?: number} {
  let s = input.trim().replace(/^@/, '')
  if (s === '') throw new UsageError('empty server', 'bad-server')
  let port: number | undefined
  const bracket = /^\[([^\]]+)\](?::(\d+))?$/.exec(s)
  if (bracket) {
    s = bracket[1]
    if (bracket[2]) port = Number(bracket[2])
  } else if (s.includes('#')) {
    const [h, p] = s.split('#')
    s = h
    port = Number(p)
  } else if (!net.isIPv6(s) && /:\d+$/.test(s)) {
    const i = s.lastIndexOf(':')
    port = Number(s.slice(i + 1))
    s = s.slice(0, i)
  }
  if (port !== undefined) validatePort(port, `server port in "${input}"`)
  return {host: s, port}
}
