/**
 * A small programmable DNS server: UDP and TCP on one loopback port (0 = ephemeral), with a
 * handler deciding what each query gets. Tests use it to script hostile or odd servers; the lab
 * runs every simulated name server on one.
 *
 * The handler returns a {@link Reply}:
 * - a dns-packet `Packet` (encoded; `id`, `type` and `questions` default to the query's),
 * - a `Buffer` of raw bytes (garbage, a hand-made wrong-ID reply, ...),
 * - `{delayMs, reply}` (wait, then send `reply`),
 * - `{close: true}` (TCP: end the connection; ignored over UDP),
 * - an array of those, sent in order (several datagrams, or several TCP frames),
 * - `null`/`undefined`: stay silent.
 */
import {Buffer} from 'node:buffer'
import dgram from 'node:dgram'
import net from 'node:net'

import {decodePacket, encodePacket, type DecodedPacket, type Packet} from '../dns/message.js'

/** Where a query came from and how. */
export interface QueryContext {
  transport: 'udp' | 'tcp'
  remote: {address: string, port: number}
  /** The query exactly as received (without the TCP length prefix). */
  raw: Buffer
}

/** One thing to send back. */
export type ReplyItem = Packet | Buffer | {delayMs: number, reply: Reply} | {close: true}

/** What the handler decides for one query; see the module comment. */
export type Reply = ReplyItem | ReplyItem[] | null | undefined

/** Decides the reply to one query; `query` is null when the bytes did not decode. */
export type NanoHandler = (query: DecodedPacket | null, ctx: QueryContext) => Reply | Promise<Reply>

/** Options for {@link startNanoServer}. */
export interface NanoServerOptions {
  /** Loopback address to bind (default 127.0.0.1; `::1` works too). */
  host?: string
  /** Port for both UDP and TCP (default 0: an ephemeral port shared by both when possible). */
  port?: number
  /** Serve UDP (default true). */
  udp?: boolean
  /** Serve TCP (default true). */
  tcp?: boolean
  /** Split each TCP frame into writes of at most this many bytes (to test clients' reassembly). */
  tcpChunkSize?: number
  /** Pause between the split writes (default 2 ms). */
  tcpChunkDelayMs?: number
  /** How `{delayMs}` waits (default setTimeout); tests may inject their own clock. */
  sleep?: (ms: number) => Promise<void>
  /** Called when the handler throws or a reply cannot be encoded (default: ignored). */
  onError?: (error: unknown) => void
}

/** A running server. */
export interface NanoServer {
  readonly host: string
  /** The UDP port, and the TCP port too unless they had to differ. */
  readonly port: number
  readonly udpPort: number | null
  readonly tcpPort: number | null
  /** Queries seen so far, by transport, and TCP connections accepted. */
  readonly stats: {udp: number, tcp: number, tcpConnections: number}
  close(): Promise<void>
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => {
  // Unref'd: a reply still waiting out its delay must not keep a finished process alive.
  setTimeout(resolve, ms).unref()
})

function isPacketLike(item: object): item is Packet {
  return !('delayMs' in item) && !('close' in item)
}

/** Encodes a packet reply, filling in the ID, QR and question from the query when missing. */
export function encodeReply(packet: Packet, query: Packet | null): Buffer {
  const full: Packet = {
    ...packet,
    id: packet.id ?? query?.id ?? 0,
    type: packet.type ?? 'response',
    questions: packet.questions ?? query?.questions ?? [],
  }
  return encodePacket(full as Packet)
}

/** Prefixes a DNS message with its 2-byte TCP length. */
export function frameTcp(message: Buffer): Buffer {
  const frame = Buffer.alloc(message.length + 2)
  frame.writeUInt16BE(message.length, 0)
  message.copy(frame, 2)
  return frame
}

/**
 * Starts a server on loopback. UDP and TCP share one port when `port` is 0 (retrying a few
 * ephemeral ports); if that keeps failing they get different ports (see `udpPort`/`tcpPort`).
 */
export async function startNanoServer(handler: NanoHandler, opts: NanoServerOptions = {}): Promise<NanoServer> {
  const host = opts.host ?? '127.0.0.1'
  const wantUdp = opts.udp ?? true
  const wantTcp = opts.tcp ?? true
  const sleep = opts.sleep ?? defaultSleep
  const onError = opts.onError ?? (() => {})
  const stats = {udp: 0, tcp: 0, tcpConnections: 0}
  const sockets = new Set<net.Socket>()
  let closed = false

  const run = async (query: DecodedPacket | null, ctx: QueryContext, send: (b: Buffer) => void, close: () => void): Promise<void> => {
    let reply: Reply
    try {
      reply = await handler(query, ctx)
    } catch (error) {
      onError(error)
      return
    }

    const emit = async (r: Reply): Promise<void> => {
      if (r === null || r === undefined || closed) return
      if (Array.isArray(r)) {
        for (const item of r) await emit(item)
        return
      }

      if (Buffer.isBuffer(r)) {
        send(r)
        return
      }

      if ('delayMs' in r) {
        if (r.delayMs > 0) await sleep(r.delayMs)
        await emit(r.reply)
        return
      }

      if ('close' in r) {
        close()
        return
      }

      if (isPacketLike(r)) {
        try {
          send(encodeReply(r, query))
        } catch (error) {
          onError(error)
        }
      }
    }

    await emit(reply)
  }

  const decode = (raw: Buffer): DecodedPacket | null => {
    try {
      return decodePacket(raw)
    } catch {
      return null
    }
  }

  const family = net.isIP(host) === 6 ? 'udp6' : 'udp4'
  const bindUdp = (port: number): Promise<dgram.Socket> => new Promise((resolve, reject) => {
    const sock = dgram.createSocket({type: family, reuseAddr: false})
    sock.once('error', reject)
    sock.bind(port, host, () => {
      sock.off('error', reject)
      sock.on('error', onError)
      resolve(sock)
    })
  })

  const listenTcp = (port: number): Promise<net.Server> => new Promise((resolve, reject) => {
    const server = net.createServer((sock) => handleTcp(sock))
    server.once('error', reject)
    server.listen({port, host, exclusive: true}, () => {
      server.off('error', reject)
      server.on('error', onError)
      resolve(server)
    })
  })

  const handleTcp = (sock: net.Socket): void => {
    if (closed) {
      sock.destroy()
      return
    }

    stats.tcpConnections++
    sockets.add(sock)
    sock.setNoDelay(true)
    sock.on('close', () => sockets.delete(sock))
    sock.on('error', () => {})
    let pending: Buffer = Buffer.alloc(0)
    // Writes are queued so split frames and delayed replies never interleave mid-frame.
    let writing: Promise<void> = Promise.resolve()
    const send = (message: Buffer): void => {
      const frame = frameTcp(message)
      writing = writing.then(async () => {
        if (sock.destroyed) return
        const chunk = opts.tcpChunkSize
        if (!chunk || chunk >= frame.length) {
          sock.write(frame)
          return
        }

        for (let i = 0; i < frame.length; i += chunk) {
          if (sock.destroyed) return
          sock.write(frame.subarray(i, i + chunk))
          if (i + chunk < frame.length) await sleep(opts.tcpChunkDelayMs ?? 2)
        }
      })
    }

    const close = (): void => {
      writing = writing.then(() => {
        sock.end()
      })
    }

    sock.on('data', (data: Buffer) => {
      pending = pending.length === 0 ? data : Buffer.concat([pending, data])
      while (pending.length >= 2) {
        const length = pending.readUInt16BE(0)
        if (pending.length < length + 2) break
        const raw = Buffer.from(pending.subarray(2, length + 2))
        pending = pending.subarray(length + 2)
        stats.tcp++
        const ctx: QueryContext = {transport: 'tcp', remote: {address: sock.remoteAddress ?? '', port: sock.remotePort ?? 0}, raw}
        void run(decode(raw), ctx, send, close)
      }
    })
  }

  let udp: dgram.Socket | null = null
  let tcp: net.Server | null = null
  const requested = opts.port ?? 0
  for (let attempt = 0; ; attempt++) {
    udp = wantUdp ? await bindUdp(requested) : null
    const port = udp ? udp.address().port : requested
    try {
      tcp = wantTcp ? await listenTcp(port) : null
      break
    } catch (error) {
      udp?.close()
      udp = null
      if (requested !== 0) throw error
      if (attempt >= 8) {
        udp = wantUdp ? await bindUdp(0) : null
        tcp = wantTcp ? await listenTcp(0) : null
        break
      }
    }
  }

  udp?.on('message', (raw, rinfo) => {
    if (closed) return
    stats.udp++
    const ctx: QueryContext = {transport: 'udp', remote: {address: rinfo.address, port: rinfo.port}, raw}
    const send = (message: Buffer): void => {
      if (!closed) udp!.send(message, rinfo.port, rinfo.address, (error) => error && onError(error))
    }

    void run(decode(raw), ctx, send, () => {})
  })

  const udpPort = udp ? udp.address().port : null
  const tcpAddress = tcp?.address()
  const tcpPort = tcpAddress && typeof tcpAddress === 'object' ? tcpAddress.port : null
  return {
    host,
    port: (udpPort ?? tcpPort)!,
    udpPort,
    tcpPort,
    stats,
    async close() {
      if (closed) return
      closed = true
      for (const sock of sockets) sock.destroy()
      await Promise.all([
        udp ? new Promise<void>((resolve) => udp!.close(() => resolve())) : undefined,
        tcp ? new Promise<void>((resolve) => tcp!.close(() => resolve())) : undefined,
      ])
    },
  }
}
