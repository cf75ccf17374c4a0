/**
 * A tiny scriptable DNS server for transport tests (UDP + TCP on 127.0.0.1,
 * ephemeral ports). The handler sees the decoded query and returns what to do.
 */
import dgram from 'node:dgram'
import net from 'node:net'
import dnsPacket from 'dns-packet'

export type Action =
  | {kind: 'reply', packet: any}
  | {kind: 'raw', data: Buffer}
  | {kind: 'silent'}

export type Handler = (query: any, ctx: {transport: 'udp' | 'tcp', count: number, raw: Buffer}) => Action[] | Action

export interface FakeServer {
  port: number
  udpCount: number
  tcpCount: number
  /** Send a datagram to the last UDP client from another socket (a spoofer). */
  spoofFromOtherPort(data: Buffer): Promise<void>
  close(): Promise<void>
}

export function answerFor(query: any, extra: Partial<any> = {}): any {
  return {
    id: query.id,
    type: 'response',
    flags: dnsPacket.AUTHORITATIVE_ANSWER,
    questions: query.questions,
    answers: [],
    ...extra,
  }
}

export async function startFakeServer(handler: Handler, opts: {tcpSplit?: boolean, coalesce?: boolean} = {}): Promise<FakeServer> {
  let udp = dgram.createSocket('udp4')
  let udpCount = 0
  let tcpCount = 0
  let lastClient: {address: string, port: number} | null = null
  const onMessage = (raw: Buffer, rinfo: dgram.RemoteInfo) => {
    udpCount++
    lastClient = {address: rinfo.address, port: rinfo.port}
    let query: any = null
    try {
      query = dnsPacket.decode(raw)
    } catch {
      return
    }
    const actions = [handler(query, {transport: 'udp', count: udpCount, raw})].flat()
    for (const a of actions) {
      if (a.kind === 'reply') udp.send(dnsPacket.encode(a.packet), rinfo.port, rinfo.address)
      else if (a.kind === 'raw') udp.send(a.data, rinfo.port, rinfo.address)
    }
  }
  const sockets = new Set<net.Socket>()
  const tcp = net.createServer((sock) => {
    sockets.add(sock)
    sock.on('close', () => sockets.delete(sock))
    sock.on('error', () => {})
    let buf = Buffer.alloc(0)
    sock.on('data', async (chunk) => {
      buf = Buffer.concat([buf, chunk])
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0)
        const raw = buf.subarray(2, 2 + len)
        buf = buf.subarray(2 + len)
        tcpCount++
        const query = dnsPacket.decode(raw)
        const actions = [handler(query, {transport: 'tcp', count: tcpCount, raw})].flat()
        const frames: Buffer[] = []
        for (const a of actions) {
          const data = a.kind === 'reply' ? dnsPacket.encode(a.packet) : a.kind === 'raw' ? a.data : null
          if (!data) continue
          const f = Buffer.alloc(2 + data.length)
          f.writeUInt16BE(data.length, 0)
          data.copy(f, 2)
          frames.push(f)
        }
        const all = Buffer.concat(frames)
        if (opts.tcpSplit) {
          // Write one byte, then the rest in small pieces with pauses: split reads.
          for (let i = 0; i < all.length; i += 7) {
            sock.write(all.subarray(i, i + 7))
            await new Promise((r) => setTimeout(r, 2))
          }
        } else if (all.length) sock.write(all)
      }
    })
  })
  // The UDP port is ephemeral; the same TCP port may be taken by another test: try others.
  let port = 0
  for (let attempt = 0; ; attempt++) {
    udp.on('message', onMessage)
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()))
    port = udp.address().port
    try {
      await new Promise<void>((resolve, reject) => {
        tcp.once('error', reject)
        tcp.listen(port, '127.0.0.1', () => {
          tcp.off('error', reject)
          resolve()
        })
      })
      break
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 50) throw err
      udp.close()
      udp = dgram.createSocket('udp4')
    }
  }
  return {
    port,
    get udpCount() {
      return udpCount
    },
    get tcpCount() {
      return tcpCount
    },
    async spoofFromOtherPort(data: Buffer) {
      if (!lastClient) return
      const s = dgram.createSocket('udp4')
      await new Promise<void>((r) => s.send(data, lastClient!.port, lastClient!.address, () => r()))
      s.close()
    },
    async close() {
      for (const s of sockets) s.destroy()
      await new Promise<void>((r) => udp.close(() => r()))
      await new Promise<void>((r) => tcp.close(() => r()))
    },
  }
}
