/**
 * Connection adapters for the race driver: one interface, `connect(address, port, signal)`, with
 * - {@link tcpConnector}: a real `net.connect` to the address (no DNS, no autoSelectFamily);
 * - {@link labConnector}: what the lab says a connection to a virtual address meets (a delayed
 *   forward to a loopback listener, a black hole, a refusal, an ICMP unreachable);
 * - {@link tlsConnector}: either of those, then a TLS handshake over the same socket, so success
 *   means "TLS completed" (as the Happy Eyeballs v3 draft counts it).
 * And the RFC 6724 source addresses: the OS's (a connected UDP socket per destination) or the
 * lab's synthesized ones.
 *
 * A connector's promise never rejects. Aborting the signal destroys whatever socket exists and
 * resolves `{ok: false, error: 'cancelled'}`.
 */
import net from 'node:net'
import type {Duplex} from 'node:stream'
import type {ConnectionOptions, TLSSocket} from 'node:tls'
import {type Clock, systemClock} from '../clock.js'
import {sourceAddressFor} from '../net/route.js'
import {type Family, familyOf} from './rfc6724.js'

/** What a TLS handshake agreed on. */
export interface TlsInfo {
  /** e.g. "TLSv1.3". */
  version: string | null
  /** The negotiated ALPN protocol, or null when none was. */
  alpn: string | null
  cipher: string | null
  /** The server name sent (SNI), or null for an IP literal. */
  servername: string | null
  /** Whether the certificate chain verified against the trusted CAs and the name matched. */
  verified: boolean
  /** Why it did not verify (only with --insecure, which lets the handshake finish anyway). */
  verifyError: string | null
  certificate: {subject: string | null, issuer: string | null, validTo: string | null, subjectAltName: string | null, fingerprint256: string | null} | null
}

/** The result of one connection attempt. */
export interface ConnectResult {
  ok: boolean
  /** Why it failed: a Node error code (ECONNREFUSED, EHOSTUNREACH...), 'cancelled', 'tls: ...'. */
  error?: string
  /** The connected socket (a TLSSocket after a TLS handshake). The caller owns it. */
  socket?: Duplex
  /** The local address of the connection, when known (the lab reports its synthesized source). */
  localAddress?: string
  /** With TLS: how long the TCP part took, ms; the rest of the attempt was the handshake. */
  tcpMs?: number
  tls?: TlsInfo
}

/** Opens connections for the race. */
export interface Connector {
  connect(address: string, port: number, signal: AbortSignal): Promise<ConnectResult>
}

const CANCELLED: ConnectResult = Object.freeze({ok: false, error: 'cancelled'})

/** Real TCP connections with `net.connect`. */
export function tcpConnector(): Connector {
  return {
    connect(address, port, signal) {
      return new Promise<ConnectResult>((resolve) => {
        if (signal.aborted) return resolve(CANCELLED)
        let settled = false
        const socket = net.connect({host: address, port, autoSelectFamily: false, noDelay: true})
        const finish = (r: ConnectResult) => {
          if (settled) return
          settled = true
          signal.removeEventListener('abort', onAbort)
          socket.off('connect', onConnect)
          socket.off('error', onError)
          resolve(r)
        }
        const onAbort = () => {
          socket.destroy()
          finish(CANCELLED)
        }
        const onConnect = () => {
          // Errors after the race are the new owner's business; never crash on an unhandled one.
          socket.on('error', () => {})
          finish({ok: true, socket, localAddress: socket.localAddress})
        }
        const onError = (err: NodeJS.ErrnoException) => {
          socket.destroy()
          finish({ok: false, error: err.code ?? err.message})
        }
        socket.once('connect', onConnect)
        socket.once('error', onError)
        signal.addEventListener('abort', onAbort, {once: true})
      })
    },
  }
}

/** What a connection to a lab address meets (the lab's `routeConnect`). */
export type LabConnectRoute =
  | {kind: 'forward', host: string, port: number, delayMs: number}
  | {kind: 'blackhole'}
  | {kind: 'refused'}
  | {kind: 'unreachable'}

/** The part of the lab the connector needs. */
export interface LabConnectRouter {
  routeConnect(address: string, port: number): LabConnectRoute | null
  /** Opens the listener behind address:port first (an on-demand lab). */
  listen?(address: string, port: number): Promise<void>
}

/**
 * Connections in the lab: forwards go to the loopback listener after the route's delay (the
 * simulated path's connect time), black holes wait until cancelled, refusals and unreachables fail
 * at once. An address the lab does not know fails without any connection being made.
 */
export function labConnector(lab: LabConnectRouter, opts: {clock?: Clock, tcp?: Connector, sourceFor?: (address: string) => string | null} = {}): Connector {
  const clock = opts.clock ?? systemClock
  const tcp = opts.tcp ?? tcpConnector()
  const immediately = (r: ConnectResult) => new Promise<ConnectResult>((resolve) => setImmediate(() => resolve(r)))
  return {
    async connect(address, port, signal) {
      if (signal.aborted) return CANCELLED
      if (lab.listen) await lab.listen(address, port)
      const route = lab.routeConnect(address, port)
      if (route === null) return immediately({ok: false, error: `${address} is not in the lab (nothing was sent)`})
      switch (route.kind) {
        case 'refused':
          return immediately({ok: false, error: 'ECONNREFUSED'})
        case 'unreachable':
          return immediately({ok: false, error: 'EHOSTUNREACH'})
        case 'blackhole':
          await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), {once: true}))
          return CANCELLED
        case 'forward': {
          if (route.delayMs > 0) await clock.sleep(route.delayMs, signal)
          if (signal.aborted) return CANCELLED
          const r = await tcp.connect(route.host, route.port, signal)
          const local = opts.sourceFor?.(address)
          return r.ok && local ? {...r, localAddress: local} : r
        }
      }
    },
  }
}

/** TLS settings for {@link tlsConnector}. */
export interface TlsOptions {
  /** The name to send (SNI) and to verify; an IP literal is verified as an IP and sends no SNI. */
  servername: string
  /** ALPN protocols to offer, in preference order (empty: no ALPN). */
  alpn: string[]
  /** Accept any certificate (still reported as unverified). */
  insecure: boolean
  /** Extra trusted CA certificates (PEM), in addition to Node's bundled ones. */
  ca?: string[]
  clock?: Clock
  /** Injected for tests; default node:tls's connect. */
  tlsConnect?: (options: ConnectionOptions) => TLSSocket
}

/**
 * Wraps a connector: after the TCP connection, a TLS handshake over the same socket. The attempt
 * succeeds when the handshake does; a handshake failure is the attempt's failure ("tls: CODE").
 */
export async function tlsConnector(base: Connector, opts: TlsOptions): Promise<Connector> {
  const clock = opts.clock ?? systemClock
  // Loaded once, before the race, so no attempt pays for the import.
  const tls = await import('node:tls')
  const connect = opts.tlsConnect ?? tls.connect
  const servername = net.isIP(opts.servername) ? null : opts.servername.replace(/\.$/, '')
  const ca = opts.ca && opts.ca.length > 0 ? [...tls.rootCertificates, ...opts.ca] : undefined
  return {
    async connect(address, port, signal) {
      const t0 = clock.now()
      const r = await base.connect(address, port, signal)
      const raw = r.socket
      if (!r.ok || !raw) return r
      const tcpMs = clock.now() - t0
      if (signal.aborted) {
        raw.destroy()
        return CANCELLED
      }
      return new Promise<ConnectResult>((resolve) => {
        let settled = false
        let sock: TLSSocket
        const finish = (x: ConnectResult) => {
          if (settled) return
          settled = true
          signal.removeEventListener('abort', onAbort)
          resolve(x)
        }
        const onAbort = () => {
          sock.destroy()
          raw.destroy()
          finish(CANCELLED)
        }
        try {
          sock = connect({
            socket: raw as net.Socket,
            host: servername ?? opts.servername,
            ...(servername ? {servername} : {}),
            ALPNProtocols: opts.alpn.length > 0 ? opts.alpn : undefined,
            rejectUnauthorized: !opts.insecure,
            ...(ca ? {ca} : {}),
          })
        } catch (err) {
          raw.destroy()
          return finish({ok: false, error: `tls: ${(err as Error).message}`, tcpMs})
        }
        signal.addEventListener('abort', onAbort, {once: true})
        sock.once('secureConnect', () => {
          sock.on('error', () => {})
          finish({ok: true, socket: sock, localAddress: r.localAddress, tcpMs, tls: describeTls(sock, servername)})
        })
        sock.once('error', (err: NodeJS.ErrnoException) => {
          sock.destroy()
          raw.destroy()
          finish({ok: false, error: `tls: ${err.code ?? err.message}`, tcpMs})
        })
      })
    },
  }
}

function describeTls(sock: TLSSocket, servername: string | null): TlsInfo {
  const cert = sock.getPeerCertificate()
  const name = (x: unknown): string | null => {
    if (!x || typeof x !== 'object') return null
    const o = x as Record<string, unknown>
    const cn = o.CN
    return typeof cn === 'string' ? cn : Array.isArray(cn) ? cn.join(', ') : null
  }
  const hasCert = cert && Object.keys(cert).length > 0
  return {
    version: sock.getProtocol() ?? null,
    alpn: typeof sock.alpnProtocol === 'string' ? sock.alpnProtocol : null,
    cipher: sock.getCipher()?.name ?? null,
    servername,
    verified: sock.authorized,
    verifyError: sock.authorized ? null : String(sock.authorizationError ?? 'not verified'),
    certificate: hasCert
      ? {
          subject: name(cert.subject),
          issuer: name(cert.issuer),
          validTo: cert.valid_to ?? null,
          subjectAltName: cert.subjectaltname ?? null,
          fingerprint256: cert.fingerprint256 ?? null,
        }
      : null,
  }
}

/** Friendlier words for the TLS verification errors users meet most. */
export function tlsHint(error: string): string | null {
  if (/SELF_SIGNED|UNABLE_TO_GET_ISSUER|UNABLE_TO_VERIFY_LEAF|SELF-SIGNED/i.test(error)) {
    return 'the certificate is not trusted: give its CA with --cacert FILE, or accept it with --insecure'
  }
  if (/ERR_TLS_CERT_ALTNAME_INVALID|Hostname\/IP does not match/i.test(error)) return 'the certificate does not name this host'
  if (/CERT_HAS_EXPIRED/i.test(error)) return 'the certificate has expired'
  return null
}

// -------------------------------------------------------------------------------------------
// RFC 6724 source addresses

/** The OS's source address for a destination: a connected UDP socket's local address; null = no route. */
export async function osSourceFor(address: string): Promise<string | null> {
  const s = await sourceAddressFor(address)
  // Some stacks (gVisor) "connect" without a route and report the unspecified address.
  if (s === null || s === '::' || s === '0.0.0.0') return null
  return s
}

/** The sources the lab synthesizes: one documentation address per family (the client's view). */
export const LAB_SOURCES: Readonly<Record<Family, string>> = Object.freeze({4: '198.51.100.7', 6: '2001:db8:ff::7'})

/** Source addresses in the lab: {@link LAB_SOURCES} by family, for every lab address. */
export function labSourceFor(address: string): string | null {
  try {
    return LAB_SOURCES[familyOf(address)]
  } catch {
    return null
  }
}
