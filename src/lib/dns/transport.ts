/**
 * DNS transports: how bytes reach a server and come back. The client
 * (client.ts) decides what to send and which replies to accept; a transport
 * only moves datagrams and TCP frames. The lab and the tests supply their own
 * transports or a `route` hook that maps virtual addresses to real sockets.
 */
import dgram from 'node:dgram'
import net from 'node:net'
import ipaddr from 'ipaddr.js'
import {systemClock, type Clock} from '../clock.js'

export interface Endpoint {
  address: string
  port: number
}

export interface Datagram {
  data: Buffer
  from: Endpoint
}

/** What the client says of each datagram: accept it, or ignore it and why. */
export type Verdict = true | string

export interface IgnoredPacket {
  reason: string
  from: Endpoint
  bytes: number
}

export type UdpResult =
  | {kind: 'reply', data: Buffer, from: Endpoint, ignored: IgnoredPacket[], bytesSent: number, localPort: number | null}
  | {kind: 'timeout', ignored: IgnoredPacket[], bytesSent: number, localPort: number | null}
  | {kind: 'error', error: TransportError, ignored: IgnoredPacket[], bytesSent: number}

export type TcpResult =
  | {kind: 'reply', data: Buffer, ignored: IgnoredPacket[], bytesSent: number, connectMs: number}
  | {kind: 'timeout', stage: 'connect' | 'reply', ignored: IgnoredPacket[], bytesSent: number}
  | {kind: 'error', error: TransportError, ignored: IgnoredPacket[], bytesSent: number}

export class TransportError extends Error {
  /** e.g. 'unmapped' (lab: no such virtual address), 'refused', 'unreachable', 'closed', 'no-route', 'socket'. */
  readonly code: string
  constructor(code: string, message: string) {
    super(message)
    this.name = 'TransportError'
    this.code = code
  }
}

export interface UdpRequest {
  server: Endpoint
  wire: Buffer
  /** Absolute deadline on the transport's clock. */
  deadline: number
  accept: (d: Datagram) => Verdict
}

export interface TcpRequest {
  server: Endpoint
  wire: Buffer
  deadline: number
  accept: (d: Datagram) => Verdict
}

/** Moves DNS messages. Implementations must never throw: failures are results. */
export interface DnsTransport {
  readonly clock: Clock
  udp(req: UdpRequest): Promise<UdpResult>
  tcp(req: TcpRequest): Promise<TcpResult>
  /**
   * Readies the path to `server` before an exchange (the client waits for it before its clock
   * starts, so the time is no part of an RTT): an on-demand lab opens the listener there. Never
   * rejects.
   */
  prepare?(server: Endpoint): Promise<void>
}

/**
 * Maps a server endpoint to where packets really go (the lab's virtual
 * addresses → loopback sockets). Returning null means "never send": the
 * exchange fails with code 'unmapped'.
 */
export type RouteFn = (server: Endpoint, proto: 'udp' | 'tcp') => Endpoint | null

export interface NodeTransportOptions {
  clock?: Clock
  route?: RouteFn
  /** Run before an exchange with a server (see DnsTransport.prepare); a failure is ignored. */
  prepare?: (server: Endpoint) => Promise<void>
  /** Upper bound on datagrams read per query before giving up (a flood is hostile). */
  maxDatagrams?: number
  /** Largest TCP message accepted (bytes). */
  maxTcpMessage?: number
  /** Queries one UDP socket may serve before it is closed (1: a new socket for every query). */
  socketReuse?: number
}

/** How many queries a pooled UDP socket serves before it is closed and another bound. */
export const DEFAULT_SOCKET_REUSE = 8

interface Lease {
  socket: dgram.Socket
  family: 4 | 6
  /** The server the socket is connected to (address|port). */
  key: string
  port: number | null
  uses: number
  broken: boolean
}

/** Idle sockets kept at most, over every server; the longest idle is closed first. */
const MAX_IDLE_SOCKETS = 1024

/**
 * UDP sockets kept bound and connected between queries, so a bulk run does not bind, connect
 * and close one for every query. Each socket is bound to a port the kernel picks at random
 * (RFC 5452 §9.2) and connected to one server (as dig and Unbound do: the kernel then hands it
 * only that server's datagrams, and reports an ICMP port unreachable at once); it serves one
 * query at a time, is picked at random among that server's idle ones, and is closed after
 * `maxUses` queries or after any query that did not end with its reply. Idle sockets never keep
 * the process alive (unref).
 */
class UdpSocketPool {
  /** Idle sockets by server, in the order they became idle (a Map keeps insertion order). */
  private readonly idle = new Map<string, Lease[]>()
  private idleCount = 0

  constructor(private readonly maxUses: number) {}

  acquire(target: Endpoint, family: 4 | 6): Promise<Lease> {
    const key = `${target.address}|${target.port}`
    const idle = this.idle.get(key)
    while (idle && idle.length > 0) {
      const i = Math.floor(Math.random() * idle.length)
      const lease = idle[i]!
      idle[i] = idle[idle.length - 1]!
      idle.pop()
      this.idleCount--
      if (idle.length === 0) this.idle.delete(key)
      if (lease.broken) {
        this.close1(lease)
        continue
      }
      lease.socket.ref()
      lease.uses++
      return Promise.resolve(lease)
    }
    return new Promise((resolve, reject) => {
      const socket = dgram.createSocket({type: family === 6 ? 'udp6' : 'udp4'})
      // Until connected, an error (no route, no such family) fails the acquisition.
      const onError = (err: Error) => {
        try {
          socket.close()
        } catch {
          // already closed
        }
        reject(err)
      }
      socket.once('error', onError)
      socket.bind(0, () => {
        socket.connect(target.port, target.address, () => {
          socket.off('error', onError)
          let port: number | null = null
          try {
            port = socket.address().port
          } catch {
            port = null
          }
          const lease: Lease = {socket, family, key, port, uses: 1, broken: false}
          // An error while idle (an ICMP refusal arriving late) must not be thrown: the socket is retired.
          socket.on('error', () => (lease.broken = true))
          resolve(lease)
        })
      })
    })
  }

  release(lease: Lease, reusable: boolean): void {
    if (!reusable || lease.broken || lease.uses >= this.maxUses) return this.close1(lease)
    lease.socket.unref()
    // Re-inserted, so the Map's first key is the server whose sockets went idle longest ago.
    const list = this.idle.get(lease.key) ?? []
    list.push(lease)
    this.idle.delete(lease.key)
    this.idle.set(lease.key, list)
    this.idleCount++
    if (this.idleCount > MAX_IDLE_SOCKETS) {
      // The server used longest ago gives up its oldest idle socket.
      const [oldKey, oldest] = this.idle.entries().next().value as [string, Lease[]]
      const evicted = oldest.shift()!
      if (oldest.length === 0) this.idle.delete(oldKey)
      this.idleCount--
      this.close1(evicted)
    }
  }

  private close1(lease: Lease): void {
    try {
      lease.socket.close()
    } catch {
      // already closed
    }
  }

  close(): void {
    for (const list of this.idle.values()) for (const lease of list) this.close1(lease)
    this.idle.clear()
    this.idleCount = 0
  }
}

function familyOf(address: string): 4 | 6 {
  // isIP tries IPv4 first: an IPv4 address never compiles the (costly) IPv6 pattern.
  return net.isIP(address) === 6 ? 6 : 4
}

/** A UDP failure in words; "connection refused" is the server's host saying nothing listens there. */
function udpError(err: NodeJS.ErrnoException, server: Endpoint): TransportError {
  const code = errorCode(err)
  if (code === 'refused') return new TransportError(code, `${server.address} port ${server.port}: connection refused (ICMP port unreachable: nothing listens there)`)
  return new TransportError(code, `UDP to ${server.address}: ${err.message}`)
}

function errorCode(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED': return 'refused'
    case 'EHOSTUNREACH':
    case 'ENETUNREACH': return 'unreachable'
    case 'EADDRNOTAVAIL':
    case 'EINVAL':
    case 'EAFNOSUPPORT': return 'no-route'
    case 'ECONNRESET':
    case 'EPIPE': return 'closed'
    default: return 'socket'
  }
}

/**
 * Real sockets. UDP: a pooled socket on an OS-randomised source port, connected to the server
 * for one query (an ICMP port unreachable fails it at once); every datagram is offered to
 * `accept` until one is accepted or the deadline passes. TCP: 2-byte length framing, robust to split and coalesced
 * reads, bounded message size.
 */
export class NodeTransport implements DnsTransport {
  readonly clock: Clock
  private readonly route?: RouteFn
  private readonly preparer?: (server: Endpoint) => Promise<void>
  private readonly maxDatagrams: number
  private readonly maxTcpMessage: number

  private readonly pool: UdpSocketPool

  constructor(opts: NodeTransportOptions = {}) {
    this.clock = opts.clock ?? systemClock
    this.route = opts.route
    this.preparer = opts.prepare
    this.pool = new UdpSocketPool(opts.socketReuse ?? DEFAULT_SOCKET_REUSE)
    this.maxDatagrams = opts.maxDatagrams ?? 1000
    this.maxTcpMessage = opts.maxTcpMessage ?? 65535
  }

  prepare(server: Endpoint): Promise<void> {
    return this.preparer ? this.preparer(server).catch(() => undefined) : Promise.resolve()
  }

  private target(server: Endpoint, proto: 'udp' | 'tcp'): Endpoint | TransportError {
    if (!this.route) return server
    const t = this.route(server, proto)
    if (!t) return new TransportError('unmapped', `${server.address} port ${server.port} is not an address of the lab; nothing was sent`)
    return t
  }

  udp(req: UdpRequest): Promise<UdpResult> {
    const target = this.target(req.server, 'udp')
    if (target instanceof TransportError) return Promise.resolve({kind: 'error', error: target, ignored: [], bytesSent: 0})
    const family = familyOf(target.address)
    return this.pool.acquire(target, family).then((lease) => new Promise((resolve) => {
      const sock = lease.socket
      const ignored: IgnoredPacket[] = []
      let settled = false
      const localPort = lease.port
      let timer: NodeJS.Timeout | undefined
      const finish = (r: UdpResult) => {
        if (settled) return
        settled = true
        if (timer) clearTimeout(timer)
        sock.off('error', onError)
        sock.off('message', onMessage)
        // Only a socket whose query ended with its reply is used again: after a timeout or an
        // error a late datagram may still come, and it must not meet another query.
        this.pool.release(lease, r.kind === 'reply')
        resolve(r)
      }
      const onError = (err: NodeJS.ErrnoException) => {
        finish({kind: 'error', error: udpError(err, req.server), ignored, bytesSent: req.wire.length})
      }
      const onMessage = (data: Buffer, rinfo: dgram.RemoteInfo) => {
        if (settled) return
        // Report the endpoint in the caller's terms (virtual address in the lab).
        const fromReal = {address: rinfo.address, port: rinfo.port}
        const sameSource = sameEndpoint(fromReal, target)
        const from = sameSource ? req.server : fromReal
        if (!sameSource) {
          ignored.push({reason: `from unexpected source ${fromReal.address} port ${fromReal.port}`, from, bytes: data.length})
        } else {
          const v = req.accept({data, from})
          if (v === true) return finish({kind: 'reply', data, from, ignored, bytesSent: req.wire.length, localPort})
          ignored.push({reason: v, from, bytes: data.length})
        }
        if (ignored.length >= this.maxDatagrams) {
          finish({kind: 'timeout', ignored, bytesSent: req.wire.length, localPort})
        }
      }
      sock.on('error', onError)
      sock.on('message', onMessage)
      const remaining = req.deadline - this.clock.now()
      if (remaining <= 0) return finish({kind: 'timeout', ignored, bytesSent: 0, localPort})
      timer = setTimeout(() => finish({kind: 'timeout', ignored, bytesSent: req.wire.length, localPort}), remaining)
      // The socket is connected to the server (see UdpSocketPool): an ICMP port unreachable
      // comes back as ECONNREFUSED at once, where an unconnected socket would wait out the timeout.
      sock.send(req.wire, (e) => {
        if (e) finish({kind: 'error', error: udpError(e as NodeJS.ErrnoException, req.server), ignored, bytesSent: 0})
      })
    }), (err: NodeJS.ErrnoException) => ({kind: 'error' as const, error: udpError(err, req.server), ignored: [], bytesSent: 0}))
  }

  /** Closes the idle sockets of the pool (sockets in use close when their query ends). */
  close(): void {
    this.pool.close()
  }

  tcp(req: TcpRequest): Promise<TcpResult> {
    const target = this.target(req.server, 'tcp')
    if (target instanceof TransportError) return Promise.resolve({kind: 'error', error: target, ignored: [], bytesSent: 0})
    return new Promise((resolve) => {
      const ignored: IgnoredPacket[] = []
      let settled = false
      let connected = false
      let connectMs = 0
      const start = this.clock.now()
      const sock = net.connect({host: target.address, port: target.port})
      const finish = (r: TcpResult) => {
        if (settled) return
        settled = true
        clearTimeout(timer)
        sock.destroy()
        resolve(r)
      }
      const remaining = req.deadline - start
      const timer = setTimeout(
        () => finish({kind: 'timeout', stage: connected ? 'reply' : 'connect', ignored, bytesSent: connected ? req.wire.length + 2 : 0}),
        Math.max(0, remaining),
      )
      let buffered = Buffer.alloc(0)
      sock.on('connect', () => {
        connected = true
        connectMs = this.clock.now() - start
        const frame = Buffer.alloc(2 + req.wire.length)
        frame.writeUInt16BE(req.wire.length, 0)
        req.wire.copy(frame, 2)
        sock.write(frame)
      })
      sock.on('data', (chunk) => {
        buffered = Buffer.concat([buffered, chunk])
        // Consume every complete frame in the buffer (coalesced replies).
        while (buffered.length >= 2) {
          const len = buffered.readUInt16BE(0)
          if (len > this.maxTcpMessage) {
            return finish({kind: 'error', error: new TransportError('malformed', `TCP frame of ${len} bytes exceeds the limit`), ignored, bytesSent: req.wire.length + 2})
          }
          if (buffered.length < 2 + len) break
          const data = Buffer.from(buffered.subarray(2, 2 + len))
          buffered = buffered.subarray(2 + len)
          const v = req.accept({data, from: req.server})
          if (v === true) return finish({kind: 'reply', data, ignored, bytesSent: req.wire.length + 2, connectMs})
          ignored.push({reason: v, from: req.server, bytes: data.length})
          if (ignored.length >= this.maxDatagrams) {
            return finish({kind: 'timeout', stage: 'reply', ignored, bytesSent: req.wire.length + 2})
          }
        }
      })
      sock.on('error', (err: NodeJS.ErrnoException) => {
        finish({kind: 'error', error: new TransportError(errorCode(err), `TCP to ${req.server.address}: ${err.message}`), ignored, bytesSent: connected ? req.wire.length + 2 : 0})
      })
      sock.on('close', () => {
        finish({kind: 'error', error: new TransportError('closed', `TCP to ${req.server.address}: connection closed before a reply`), ignored, bytesSent: connected ? req.wire.length + 2 : 0})
      })
    })
  }
}

/** Compare endpoints, treating IPv4-mapped IPv6 forms as their IPv4 address. */
export function sameEndpoint(a: Endpoint, b: Endpoint): boolean {
  return a.port === b.port && (a.address === b.address || normAddr(a.address) === normAddr(b.address))
}

function normAddr(a: string): string {
  // ipaddr.process folds IPv4-mapped IPv6 into IPv4 and canonicalises IPv6.
  return ipaddr.isValid(a) ? ipaddr.process(a).toString() : a.toLowerCase()
}
