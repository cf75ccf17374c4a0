/**
 * What `dnsx race` is asked to reach: a HOST or an http(s) URL, its port, whether TLS is wanted,
 * addresses pinned with `--resolve` (as curl's option), and the OS's own getaddrinfo order for
 * comparison. Pure parsing plus one OS lookup; no sockets.
 */
import net from 'node:net'
import {validateName} from '../dns/names.js'
import {UsageError} from '../errors.js'
import {checkIpLiteral} from '../net/cidr.js'
import {type Family, familyOf, POLICY_TABLES, type PolicyName, sortDestinations} from './rfc6724.js'

/** The default port for a bare HOST (no URL, no --port): HTTPS's. */
export const DEFAULT_HOST_PORT = 443

/** A parsed target. */
export interface RaceTarget {
  /** Host name (no trailing dot) or IP address (no brackets). */
  host: string
  /** Whether `host` is an IP literal (then there is nothing to resolve). */
  literal: Family | null
  port: number
  /** The URL, when one was given (then the request is sent over the winning connection). */
  url: URL | null
  /** Success means a completed TLS handshake (https URL or --tls). */
  tls: boolean
}

/**
 * Parses `HOST`, `[IPv6]`, or an `http://` / `https://` URL. Port: the URL's, else 443 for https
 * and 80 for http; a bare HOST takes `--port`, else 443. `--tls` with an http URL is a usage
 * error, and so is `--port` with a URL (put the port in the URL).
 */
export function parseTarget(input: string, opts: {port?: number, tls?: boolean} = {}): RaceTarget {
  const text = input.trim()
  if (text === '') throw new UsageError('missing HOST or URL', 'bad-target')
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) {
    let url: URL
    try {
      url = new URL(text)
    } catch {
      throw new UsageError(`"${input}" is not a valid URL`, 'bad-target')
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(`unsupported URL scheme "${url.protocol.slice(0, -1)}" (use http or https)`, 'bad-target')
    }
    if (opts.port !== undefined) throw new UsageError('--port cannot be used with a URL; put the port in the URL', 'bad-target')
    const https = url.protocol === 'https:'
    if (opts.tls && !https) throw new UsageError('--tls cannot be used with an http:// URL; use https://', 'bad-target')
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname
    const {name, literal} = checkHost(host, input)
    return {host: name, literal, port: url.port ? Number(url.port) : https ? 443 : 80, url, tls: https}
  }
  if (text.includes('/')) throw new UsageError(`"${input}" is neither a host nor an http(s) URL`, 'bad-target')
  const bracket = /^\[([^\]]+)\]$/.exec(text)
  const host = bracket ? bracket[1]! : text
  if (!bracket && !net.isIP(host) && /:\d+$/.test(host)) {
    throw new UsageError(`give the port with --port, not in "${input}"`, 'bad-target')
  }
  const {name, literal} = checkHost(host, input)
  return {host: name, literal, port: opts.port ?? DEFAULT_HOST_PORT, url: null, tls: Boolean(opts.tls)}
}

function checkHost(host: string, input: string): {name: string, literal: Family | null} {
  if (net.isIP(host)) return {name: host, literal: familyOf(host)}
  checkIpLiteral(host, 'host', 'bad-target')
  if (host.includes(':')) throw new UsageError(`"${input}": not an IP address or host name`, 'bad-target')
  const name = validateName(host, 'host')
  if (name === '') throw new UsageError('the root is not a host', 'bad-target')
  return {name, literal: null}
}

/** One `--resolve HOST:PORT:ADDR[,ADDR...]` entry. */
export interface ResolveEntry {
  /** Lower case, no trailing dot; `*` matches any host. */
  host: string
  port: number
  addresses: string[]
}

/**
 * Parses a `--resolve` value as curl does: `HOST:PORT:ADDR[,ADDR...]`, an optional leading `+`
 * (ignored), `*` as HOST for any host, IPv6 addresses bare or in brackets.
 */
export function parseResolve(value: string): ResolveEntry {
  const text = value.trim().replace(/^\+/, '')
  const m = /^([^:]+):(\d{1,5}):(.+)$/.exec(text)
  if (!m) throw new UsageError(`--resolve "${value}": expected HOST:PORT:ADDR[,ADDR...]`, 'bad-resolve')
  const port = Number(m[2])
  if (port < 1 || port > 65535) throw new UsageError(`--resolve "${value}": ${m[2]} is not a port number (1-65535)`, 'bad-resolve')
  const addresses = m[3]!.split(',').map((a) => a.trim().replace(/^\[(.*)\]$/, '$1'))
  for (const a of addresses) {
    if (!net.isIP(a)) throw new UsageError(`--resolve "${value}": "${a}" is not an IP address`, 'bad-resolve')
  }
  return {host: m[1]!.trim().toLowerCase().replace(/\.$/, ''), port, addresses}
}

/**
 * The addresses `--resolve` pins for host:port (every matching entry, in order, without duplicates),
 * or null when no entry matches.
 */
export function pinnedAddresses(entries: readonly ResolveEntry[], host: string, port: number): string[] | null {
  const h = host.toLowerCase().replace(/\.$/, '')
  const matching = entries.filter((e) => (e.host === '*' || e.host === h) && e.port === port)
  if (matching.length === 0) return null
  return [...new Set(matching.flatMap((e) => e.addresses))]
}

/** The HTTPS record's owner for a port (RFC 9460 §9.1: `_PORT._https.HOST` unless 443). */
export function httpsQname(host: string, port: number): string {
  return port === 443 ? host : `_${port}._https.${host}`
}

// -------------------------------------------------------------------------------------------
// The OS's own order

/** The OS's getaddrinfo answer and how it compares with dnsx's RFC 6724 order. */
export interface GetaddrinfoComparison {
  /** What getaddrinfo returned, in its order (empty on error). */
  addresses: string[]
  error: string | null
  /** True when the addresses both lists share come in the same relative order. */
  sameOrder: boolean
  /** Addresses getaddrinfo returned that DNS did not (e.g. from /etc/hosts). */
  onlyGetaddrinfo: string[]
  /** Addresses from DNS that getaddrinfo did not return (e.g. filtered by AI_ADDRCONFIG). */
  onlyDns: string[]
  /** Where the orders first differ, in words; null when they agree. */
  firstDifference: string | null
  /** The built-in policy tables whose RFC 6724 order of the shared addresses matches getaddrinfo's. */
  matchingPolicies: PolicyName[]
}

/**
 * Compares getaddrinfo's order with dnsx's (`dnsxOrder`, already RFC 6724 sorted under `policy`).
 * `sourceFor` gives the same sources the sort used, and `dnsOrder` the addresses as DNS gave them
 * (rule 10's input order; default `dnsxOrder`), to check which policy tables reproduce the OS order.
 */
export function compareWithGetaddrinfo(
  gai: {addresses: string[], error: string | null},
  dnsxOrder: readonly string[],
  policy: PolicyName,
  sourceFor: (address: string) => string | null,
  dnsOrder: readonly string[] = dnsxOrder,
): GetaddrinfoComparison {
  const norm = (a: string) => normalizeAddress(a)
  const dnsxKeys = dnsxOrder.map(norm)
  const gaiKeys = gai.addresses.map(norm)
  const onlyGetaddrinfo = gai.addresses.filter((a) => !dnsxKeys.includes(norm(a)))
  const onlyDns = dnsxOrder.filter((a) => !gaiKeys.includes(norm(a)))
  const sharedGai = gai.addresses.filter((a) => dnsxKeys.includes(norm(a)))
  const sharedDnsx = dnsxOrder.filter((a) => gaiKeys.includes(norm(a)))
  let firstDifference: string | null = null
  for (let i = 0; i < sharedGai.length; i++) {
    if (norm(sharedGai[i]!) !== norm(sharedDnsx[i]!)) {
      firstDifference =
        `getaddrinfo puts ${sharedGai[i]} before ${sharedDnsx[i]}, ` +
        `dnsx (--policy ${policy}) puts ${sharedDnsx[i]} first`
      break
    }
  }
  const matchingPolicies = (Object.keys(POLICY_TABLES) as PolicyName[]).filter((p) => {
    if (gai.error !== null || sharedGai.length === 0) return false
    const input = dnsOrder.filter((a) => gaiKeys.includes(norm(a)))
    const order = sortDestinations(input.map((address) => ({address})), {sourceFor, policy: p}).map((s) => norm(s.address))
    if (order.length !== sharedGai.length) return false
    return order.every((a, i) => a === norm(sharedGai[i]!))
  })
  const shared = sharedGai.length > 0
  return {
    addresses: [...gai.addresses],
    error: gai.error,
    sameOrder: gai.error === null && shared && firstDifference === null,
    onlyGetaddrinfo,
    onlyDns,
    firstDifference,
    matchingPolicies,
  }
}

/** The OS's getaddrinfo() for a host name, in the order it returns (no reordering by Node). */
export async function osGetaddrinfo(host: string, family?: Family): Promise<{addresses: string[], error: string | null}> {
  const {promises: dns} = await import('node:dns')
  try {
    const res = await dns.lookup(host, {all: true, order: 'verbatim', ...(family ? {family} : {})})
    return {addresses: [...new Set(res.map((r) => r.address))], error: null}
  } catch (err) {
    const e = err as NodeJS.ErrnoException
    return {addresses: [], error: e.code ?? e.message}
  }
}

/** Canonical text of an address (for comparing spellings of the same IPv6 address). */
export function normalizeAddress(address: string): string {
  if (net.isIP(address) !== 6) return address
  try {
    const u = new URL(`http://[${address.replace(/%.*$/, '')}]/`)
    return u.hostname.slice(1, -1) + (address.includes('%') ? address.slice(address.indexOf('%')) : '')
  } catch {
    return address.toLowerCase()
  }
}
