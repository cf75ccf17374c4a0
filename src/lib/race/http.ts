/**
 * The request `dnsx race URL` sends over the connection that won the race, with undici: a Client
 * whose connector hands over the already-connected (and, for https, already TLS-handshaken)
 * socket, so the request goes exactly where the race says it went. HTTP/2 when ALPN chose h2.
 */
import type {Duplex} from 'node:stream'
import {type Clock, systemClock} from '../clock.js'
import {commonjs} from '../modules.js'

/** What the request got. */
export interface HttpResult {
  method: string
  url: string
  /** "1.1" or "2". */
  httpVersion: string
  status: number | null
  /** Time from writing the request headers to the response headers, ms. */
  ttfbMs: number | null
  /** Time from writing the request headers to the end of the body, ms. */
  totalMs: number | null
  /** Body bytes read (at most `maxBodyBytes`; then the body is abandoned). */
  bytes: number
  truncated: boolean
  /** A few headers worth showing (server, content-type, content-length, location, alt-svc). */
  headers: Record<string, string>
  error: string | null
}

export interface HttpOptions {
  method?: string
  /** Extra request headers ("Name: value"). */
  headers?: string[]
  timeoutMs: number
  maxBodyBytes?: number
  clock?: Clock
  userAgent?: string
}

const SHOWN_HEADERS = ['server', 'content-type', 'content-length', 'location', 'alt-svc', 'via']

/** Parses `Name: value` request headers; throws a TypeError for a malformed one. */
export function parseHeaders(lines: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of lines) {
    const i = line.indexOf(':')
    const name = i > 0 ? line.slice(0, i).trim() : ''
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) throw new TypeError(`bad header "${line}" (expected "Name: value")`)
    out[name.toLowerCase()] = line.slice(i + 1).trim()
  }
  return out
}

/**
 * Sends one request over `socket` (already connected to the URL's origin). The socket is closed
 * afterwards. Never rejects: failures come back in `error`.
 */
export async function requestOverSocket(url: URL, socket: Duplex, opts: HttpOptions): Promise<HttpResult> {
  const clock = opts.clock ?? systemClock
  const method = (opts.method ?? 'GET').toUpperCase()
  const h2 = (socket as {alpnProtocol?: unknown}).alpnProtocol === 'h2'
  const result: HttpResult = {
    method,
    url: url.href,
    httpVersion: h2 ? '2' : '1.1',
    status: null,
    ttfbMs: null,
    totalMs: null,
    bytes: 0,
    truncated: false,
    headers: {},
    error: null,
  }
  const [undici, dc] = await Promise.all([import('undici'), import('node:diagnostics_channel')])
  const {Client} = commonjs<typeof import('undici')>(undici)
  // Time from the moment undici writes the request headers to the socket, so client set-up (its
  // parser is compiled on first use) does not count as the server's time to first byte.
  let sentAt: number | null = null
  const onSend = (message: unknown) => {
    if (sentAt === null && (message as {socket?: unknown}).socket === socket) sentAt = clock.now()
  }
  dc.subscribe('undici:client:sendHeaders', onSend)
  let handedOver = false
  const client = new Client(url.origin, {
    // The raced socket, once; a second connect (undici retrying) finds nothing to reuse.
    connect: (_options, callback) => {
      if (handedOver) return callback(new Error('the raced connection is closed; dnsx does not open another'), null)
      handedOver = true
      // Asynchronously, as undici's own connector does: a synchronous callback re-enters the
      // client's dispatch loop and the response is then taken for an unsolicited one.
      process.nextTick(() => callback(null, socket as Parameters<typeof callback>[1] & object))
    },
    allowH2: true,
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
  })
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(new Error(`no complete response in ${opts.timeoutMs} ms`)), opts.timeoutMs)
  const limit = opts.maxBodyBytes ?? 10 * 1024 * 1024
  const t0 = clock.now()
  try {
    const res = await client.request({
      path: `${url.pathname}${url.search}`,
      method: method as 'GET',
      headers: {'user-agent': opts.userAgent ?? 'dnsx', ...parseHeaders(opts.headers ?? [])},
      signal: abort.signal,
    })
    result.ttfbMs = round(clock.now() - (sentAt ?? t0))
    result.status = res.statusCode
    for (const name of SHOWN_HEADERS) {
      const v = res.headers[name]
      if (v !== undefined) result.headers[name] = Array.isArray(v) ? v.join(', ') : String(v)
    }
    for await (const chunk of res.body) {
      result.bytes += (chunk as Buffer).length
      if (result.bytes >= limit) {
        result.truncated = true
        res.body.destroy()
        break
      }
    }
    result.totalMs = round(clock.now() - (sentAt ?? t0))
  } catch (err) {
    const e = err as Error & {code?: string}
    result.error = e.code && !e.message.includes(e.code) ? `${e.code}: ${e.message}` : e.message
  } finally {
    dc.unsubscribe('undici:client:sendHeaders', onSend)
    clearTimeout(timer)
    await client.destroy().catch(() => {})
    socket.destroy()
  }
  return result
}

function round(x: number): number {
  return Math.round(x * 10) / 10
}
