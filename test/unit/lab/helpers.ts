/**
 * Test helpers: a plain DNS client over real loopback sockets (UDP and TCP), so lab tests do not
 * depend on the project's client while it is being written.
 */
import dgram from 'node:dgram'
import net from 'node:net'

import dnsPacket from 'dns-packet'
import type {DecodedPacket, Packet} from '../../../src/lib/dns/message.js'

/** A decoded record, loosely typed (dns-packet's union types lack `ttl` on OPT and the rcode). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DecodedRr = {name: string, type: string, class?: string, ttl: number, data?: any, [key: string]: any}

/** A decoded message with its rcode and loosely typed sections. */
export type Decoded = Omit<dnsPacket.DecodedPacket, 'answers' | 'authorities' | 'additionals'> & {
  rcode: string
  answers?: DecodedRr[]
  authorities?: DecodedRr[]
  additionals?: DecodedRr[]
}

/** dnsPacket.decode with the looser result type. */
export function decode(buf: Buffer): Decoded {
  return dnsPacket.decode(buf) as unknown as Decoded
}

/** A message of the peer codec (dns-packet) handed to the lab, which types it as its own Packet. */
export function toLab(p: dnsPacket.Packet): DecodedPacket {
  return p as unknown as DecodedPacket
}

/** makeQuery, typed as the lab's Packet. */
export function labQuery(...args: Parameters<typeof makeQuery>): Packet {
  return makeQuery(...args) as unknown as Packet
}

/** Encodes a lab response with the peer codec (dns-packet), so its shape is checked by another implementation. */
export function peerEncode(p: Packet): Buffer {
  return dnsPacket.encode(p as unknown as dnsPacket.Packet)
}

export interface Target {
  host?: string
  address?: string
  port: number
}

/** Builds a query packet. */
export function makeQuery(name: string, type = 'A', opts: {id?: number, klass?: string, rd?: boolean, edns?: boolean | {version?: number, do?: boolean, nsid?: boolean, ecs?: {ip: string, source: number, family?: number}, payload?: number}} = {}): dnsPacket.Packet {
  const packet: dnsPacket.Packet = {
    id: opts.id ?? 0x1234,
    type: 'query',
    flags: opts.rd ? dnsPacket.RECURSION_DESIRED : 0,
    questions: [{name, type: type as dnsPacket.RecordType, class: (opts.klass ?? 'IN') as dnsPacket.RecordClass}],
  }
  if (opts.edns) {
    const e = opts.edns === true ? {} : opts.edns
    const options: unknown[] = []
    if (e.nsid) options.push({code: 'NSID', data: Buffer.alloc(0)})
    if (e.ecs) options.push({code: 'CLIENT_SUBNET', family: e.ecs.family ?? (e.ecs.ip.includes(':') ? 2 : 1), sourcePrefixLength: e.ecs.source, ip: e.ecs.ip})
    packet.additionals = [{
      name: '.', type: 'OPT', udpPayloadSize: e.payload ?? 1232, extendedRcode: 0, ednsVersion: e.version ?? 0, flags: e.do ? 0x8000 : 0, options,
    } as unknown as dnsPacket.Answer]
  }

  return packet
}

/** Sends one datagram and collects every datagram that comes back within `waitMs`. */
export function udpExchange(target: Target, message: Buffer, opts: {waitMs?: number, count?: number} = {}): Promise<Buffer[]> {
  const host = target.host ?? target.address ?? '127.0.0.1'
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4')
    const got: Buffer[] = []
    const done = (): void => {
      clearTimeout(timer)
      sock.close()
      resolve(got)
    }

    const timer = setTimeout(done, opts.waitMs ?? 1500)
    sock.on('error', reject)
    sock.on('message', (msg) => {
      got.push(msg)
      if (got.length >= (opts.count ?? 1)) done()
    })
    sock.send(message, target.port, host)
  })
}

/** One query over UDP; the decoded reply, or null after `waitMs` of silence. */
export async function udpQuery(target: Target, packet: dnsPacket.Packet, waitMs = 1500): Promise<Decoded | null> {
  const [reply] = await udpExchange(target, dnsPacket.encode(packet), {waitMs})
  return reply ? decode(reply) : null
}

/** Sends framed messages on one TCP connection and collects `count` framed replies. */
export function tcpExchange(target: Target, messages: Buffer[], opts: {count?: number, waitMs?: number, writeChunk?: number, onEnd?: () => void} = {}): Promise<Buffer[]> {
  const host = target.host ?? target.address ?? '127.0.0.1'
  const want = opts.count ?? messages.length
  return new Promise((resolve, reject) => {
    const sock = net.connect(target.port, host)
    const replies: Buffer[] = []
    let pending = Buffer.alloc(0)
    const done = (): void => {
      clearTimeout(timer)
      sock.destroy()
      resolve(replies)
    }

    const timer = setTimeout(done, opts.waitMs ?? 1500)
    sock.on('error', reject)
    sock.on('end', () => {
      opts.onEnd?.()
      done()
    })
    sock.on('connect', () => {
      const wire = Buffer.concat(messages.map((m) => {
        const f = Buffer.alloc(m.length + 2)
        f.writeUInt16BE(m.length)
        m.copy(f, 2)
        return f
      }))
      const chunk = opts.writeChunk ?? wire.length
      for (let i = 0; i < wire.length; i += chunk) sock.write(wire.subarray(i, i + chunk))
    })
    sock.on('data', (data: Buffer) => {
      pending = Buffer.concat([pending, data])
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const len = pending.readUInt16BE(0)
        replies.push(Buffer.from(pending.subarray(2, 2 + len)))
        pending = pending.subarray(2 + len)
      }

      if (replies.length >= want) done()
    })
  })
}

/** One query over TCP; the decoded reply or null. */
export async function tcpQuery(target: Target, packet: dnsPacket.Packet, waitMs = 1500): Promise<Decoded | null> {
  const [reply] = await tcpExchange(target, [dnsPacket.encode(packet)], {waitMs})
  return reply ? decode(reply) : null
}

/** The rcode of a decoded reply, extended rcode included. */
export function rcode(p: Decoded): string {
  const opt = (p.additionals ?? []).find((rr) => rr.type === 'OPT') as {extendedRcode?: number} | undefined
  if (opt?.extendedRcode) return `EXT${(opt.extendedRcode << 4) | (p.flags! & 0xf)}`
  return p.rcode ?? ''
}

/** Text of the TXT answers. */
export function txt(p: {answers?: DecodedRr[] | dnsPacket.Answer[]}): string[] {
  return ((p.answers ?? []) as DecodedRr[]).filter((rr) => rr.type === 'TXT').map((rr) => ([] as Buffer[]).concat(rr.data as Buffer[]).map((b) => b.toString()).join(''))
}

/** The NSID in a decoded reply, as text. */
export function nsidOf(p: {additionals?: DecodedRr[] | dnsPacket.Answer[]}): string | undefined {
  const opt = (p.additionals ?? []).find((rr) => rr.type === 'OPT') as {options?: {code: number, data: Buffer}[]} | undefined
  return opt?.options?.find((o) => o.code === 3)?.data.toString()
}
