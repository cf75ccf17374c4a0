/**
 * Where a DNS server is: the server specs users type (`ADDR`, `[ADDR]:PORT`, `ADDR#PORT`,
 * a name), port flags, and the system's resolvers from /etc/resolv.conf.
 */
import net from 'node:net'
import {FILE_LIMITS, readTextFile} from '../files.js'
import {UsageError} from '../errors.js'
import {checkIpLiteral} from '../net/cidr.js'

/**
 * The system's stub resolver settings, as glibc reads them from resolv.conf (resolv.conf(5)):
 * every `nameserver`, in order, and `options timeout:N` (seconds per try, at most 30),
 * `attempts:N` (rounds over the servers, at most 5) and `rotate`.
 */
export interface ResolverConfig {
  servers: string[]
  /** Per-try timeout in ms, when resolv.conf sets one. */
  timeoutMs: number | null
  /** Rounds over the servers, when resolv.conf sets it. */
  attempts: number | null
  /** Start each query at the next server, not always the first. */
  rotate: boolean
}

/** The settings of a resolv.conf text (scope IDs dropped); RES_OPTIONS-style `options` too. */
export function parseResolvConf(text: string, resOptions = ''): ResolverConfig {
  const out: ResolverConfig = {servers: [], timeoutMs: null, attempts: null, rotate: false}
  const option = (o: string) => {
    const [k, v] = o.split(':')
    const n = Number(v)
    if (k === 'timeout' && Number.isInteger(n) && n >= 0) out.timeoutMs = Math.min(Math.max(n, 1), 30) * 1000
    else if (k === 'attempts' && Number.isInteger(n) && n >= 0) out.attempts = Math.min(Math.max(n, 1), 5)
    else if (k === 'rotate') out.rotate = true
  }
  for (const line of text.split('\n')) {
    const m = /^\s*(nameserver|options)\s+([^#;]*)/.exec(line)
    if (!m) continue
    if (m[1] === 'options') {
      for (const o of m[2]!.trim().split(/\s+/)) option(o)
      continue
    }
    const addr = m[2]!.trim().split(/\s+/)[0]!.replace(/%.*$/, '')
    if (net.isIP(addr)) out.servers.push(addr)
  }
  // The RES_OPTIONS environment variable amends the file's options, as in glibc.
  for (const o of resOptions.trim().split(/\s+/).filter(Boolean)) option(o)
  return out
}

/**
 * The system's resolver settings: /etc/resolv.conf, or the file DNSX_RESOLV_CONF names, with
 * RES_OPTIONS applied. An unreadable file gives no servers.
 */
export function systemResolverConfig(path = process.env.DNSX_RESOLV_CONF || '/etc/resolv.conf'): ResolverConfig {
  let text = ''
  try {
    text = readTextFile({path, what: 'resolver configuration', maxBytes: FILE_LIMITS.resolvConf, code: 'bad-file'})
  } catch {
    text = ''
  }
  return parseResolvConf(text, process.env.RES_OPTIONS ?? '')
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
export function parseServerSpec(input: string, what = 'server'): {host: string, port?: number} {
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
  } else if (/:\d+$/.test(s) && !net.isIPv6(s)) {
    const i = s.lastIndexOf(':')
    port = Number(s.slice(i + 1))
    s = s.slice(0, i)
  }
  if (port !== undefined) validatePort(port, `server port in "${input}"`)
  checkIpLiteral(s, what, what === 'server' ? 'bad-server' : 'bad-target')
  return {host: s, port}
}
