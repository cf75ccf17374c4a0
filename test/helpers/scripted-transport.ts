/**
 * A DNS transport that plays a script on a fake clock, for tests of the client: each query is
 * decoded and answered with the datagrams the script gives, in order, through the client's own
 * acceptor; silence costs exactly the try's time.
 */
import type {Clock} from '../../src/lib/clock.js'
import {decodePacket, type DecodedPacket} from '../../src/lib/dns/message.js'
import type {Datagram, DnsTransport, Endpoint, IgnoredPacket, TcpRequest, TcpResult, UdpRequest, UdpResult} from '../../src/lib/dns/transport.js'

export type Send = Buffer | {data: Buffer, from: Endpoint}
/** The datagrams a server sends for one query (TCP: 'refuse' fails the connection). */
export type Script = (q: DecodedPacket, transport: 'udp' | 'tcp') => Send[] | 'refuse'

/** A transport that plays a script on a fake clock: silence costs exactly the try's time. */
export class ScriptedTransport implements DnsTransport {
  t = 0
  readonly clock: Clock = {now: () => this.t, sleep: async (ms) => void (this.t += ms)}
  readonly queries: DecodedPacket[] = []
  constructor(private readonly script: Script) {}

  private play(req: UdpRequest | TcpRequest, transport: 'udp' | 'tcp'): {data: Buffer, from: Endpoint, ignored: IgnoredPacket[]} | {ignored: IgnoredPacket[]} | 'refuse' {
    const q = decodePacket(req.wire)
    this.queries.push(q)
    const out = this.script(q, transport)
    if (out === 'refuse') return out
    const ignored: IgnoredPacket[] = []
    for (const s of out) {
      const d: Datagram = Buffer.isBuffer(s) ? {data: s, from: req.server} : s
      const sameSource = d.from.address === req.server.address && d.from.port === req.server.port
      const v = sameSource ? req.accept(d) : `from unexpected source ${d.from.address} port ${d.from.port}`
      this.t += 1
      if (v === true) return {data: d.data, from: d.from, ignored}
      ignored.push({reason: v, from: d.from, bytes: d.data.length})
    }
    this.t = req.deadline
    return {ignored}
  }

  async udp(req: UdpRequest): Promise<UdpResult> {
    const r = this.play(req, 'udp')
    if (r === 'refuse') throw new Error('UDP cannot be refused')
    return 'data' in r ? {kind: 'reply', ...r, bytesSent: req.wire.length, localPort: 40000} : {kind: 'timeout', ignored: r.ignored, bytesSent: req.wire.length, localPort: 40000}
  }

  async tcp(req: TcpRequest): Promise<TcpResult> {
    const r = this.play(req, 'tcp')
    if (r === 'refuse') return {kind: 'error', error: Object.assign(new Error('connection refused'), {code: 'refused', name: 'TransportError'}) as any, ignored: [], bytesSent: 0}
    return 'data' in r ? {kind: 'reply', data: r.data, ignored: r.ignored, bytesSent: req.wire.length, connectMs: 1} : {kind: 'timeout', stage: 'reply', ignored: r.ignored, bytesSent: req.wire.length}
  }
}

