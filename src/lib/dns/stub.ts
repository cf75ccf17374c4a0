/**
 * Asking the system's resolvers the way its stub resolver does (glibc's res_send, resolv.conf(5)):
 * every nameserver in turn, one try each per round, `attempts` rounds; `rotate` starts at another
 * server. A server that gives no reply (silence, an ICMP refusal, no route) is passed over; the
 * first reply, whatever its rcode, ends the walk, as dig takes it (a SERVFAIL is an answer to show).
 */
import {isIP} from 'node:net'

import {UsageError} from '../errors.js'
import type {DnsClient, Exchange, ExchangeOptions} from './client.js'
import type {Endpoint} from './transport.js'

/** The system's resolvers and how to walk them. */
export interface ResolverSet {
  servers: Endpoint[]
  /** Per-try timeout from resolv.conf (ms), or null for the caller's own. */
  timeoutMs: number | null
  /** Rounds over the servers from resolv.conf, or null for the caller's own. */
  attempts: number | null
  /** Start at a server other than the first (resolv.conf's `rotate`). */
  rotate: boolean
}

/** A server that gave no usable reply, and why. */
export interface PassedOver {
  server: Endpoint
  error: {code: string, message: string}
}

export interface StubExchange {
  exchange: Exchange
  /** The server that answered (or the last one asked, when none did). */
  server: Endpoint
  passedOver: PassedOver[]
}

/**
 * The order a walk asks the servers in: resolv.conf's, or with `rotate` starting at `start`
 * (each dnsx run is a new process, so a random start stands in for glibc's round robin).
 */
export function stubOrder(set: ResolverSet, start = Math.floor(Math.random() * Math.max(1, set.servers.length))): Endpoint[] {
  if (!set.rotate || set.servers.length < 2) return [...set.servers]
  const i = start % set.servers.length
  return [...set.servers.slice(i), ...set.servers.slice(0, i)]
}

/** How long to walk: rounds over the servers, and whether the caller's timeout overrides resolv.conf's. */
export interface StubWalk {
  /** Rounds when resolv.conf sets no `attempts` (default 2, glibc's). */
  rounds?: number
  /** The caller's timeoutMs was given by the user (--timeout): it wins over resolv.conf's. */
  ownTimeout?: boolean
  /** Ask every server on this port (--port), not 53. */
  port?: number
  /** Only the servers of this address family (-4, -6). */
  family?: 4 | 6
}

/**
 * One question through the resolver set: `opts.timeoutMs` and `walk.rounds` unless resolv.conf
 * sets its own timeout and attempts. Network failures are results; only an empty set throws.
 */
export async function exchangeInTurn(client: DnsClient, set: ResolverSet, opts: Omit<ExchangeOptions, 'server' | 'retries'>, walk: StubWalk = {}, order = stubOrder(set)): Promise<StubExchange> {
  const servers = order.filter((e) => !walk.family || isIP(e.address) === walk.family).map((e) => (walk.port ? {...e, port: walk.port} : e))
  if (servers.length === 0) {
    throw new UsageError(`no ${walk.family ? `IPv${walk.family} ` : ''}nameserver in /etc/resolv.conf; give one with @SERVER or --server`, 'no-resolver')
  }
  const passedOver: PassedOver[] = []
  const timeoutMs = walk.ownTimeout ? opts.timeoutMs : set.timeoutMs ?? opts.timeoutMs
  const total = Math.max(1, set.attempts ?? walk.rounds ?? 2)
  let last: StubExchange | undefined
  for (let round = 0; round < total; round++) {
    for (const server of servers) {
      const exchange = await client.exchange({...opts, server, timeoutMs, retries: 0})
      if (exchange.message) return {exchange, server, passedOver}
      passedOver.push({server, error: exchange.error ?? {code: 'no-reply', message: 'no reply'}})
      last = {exchange, server, passedOver}
    }
  }
  return last!
}
