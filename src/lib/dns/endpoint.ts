/**
 * Where a DNS server is: the server specs users type (`ADDR`, `[ADDR]:PORT`, `ADDR#PORT`,
 * a name), port flags, and the system's resolvers from /etc/resolv.conf.
 */
import net from 'node:net'
import {FILE_LIMITS, readTextFile} from '../files.js'
import {UsageError} from '../errors.js'
import {checkIpLiteral} from '../net/cidr.js'

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
    return parseResolvConf(readTextFile({path, what: 'resolver configuration', maxBytes: FILE_LIMITS.resolvConf, code: 'bad-file'}))
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
