/**
 * One simulated name server as the network sees it: an {@link Authority} (what it answers) plus
 * its network behaviour (latency, loss, truncation, silence, garbage, spoofed replies). The lab
 * puts each on a {@link startNanoServer} listener; its resolver asks them directly, in process.
 */
import {Buffer} from 'node:buffer'


import {parseZoneFile} from '../dns/zonefile.js'
import type {DecodedPacket, Packet} from '../dns/message.js'
import {Authority, type AuthorityQuirks, type ServerIdentity} from './authority.js'
import {truncateForUdp, udpLimit} from './wire.js'
import type {Zone} from './zone.js'
import type {QueryContext, Reply} from './nanoserver.js'
import type {ServerBehaviour} from './world.js'
import {seededRandom} from '../random.js'

/** Bytes that look like the start of a DNS reply (right ID) and then fall apart. */
export function garbageReply(raw: Buffer): Buffer {
  const out = Buffer.from('\u0000\u0000\u0081\u0080\u0000\u0001\u0000\u0007\u0000\u0000\u0000\u0000\u0003www\u00ff\u00ffnot-dns', 'latin1')
  if (raw.length >= 2) raw.copy(out, 0, 0, 2)
  return out
}

/** A FORMERR header for a query that did not decode, or null when even the header is missing. */
export function formerrFor(raw: Buffer): Buffer | null {
  if (raw.length < 12) return null
  const out = Buffer.alloc(12)
  raw.copy(out, 0, 0, 2)
  out.writeUInt16BE(0x8000 | (raw.readUInt16BE(2) & 0x7900) | 1, 2)
  return out
}

/** Options of a {@link ServerRuntime}. */
export interface ServerRuntimeOptions {
  id: string
  zones: Zone[]
  identity?: ServerIdentity
  behaviour?: ServerBehaviour
  /** Seed for loss and for weighted/multivalue answers. */
  seed?: number
  /** Multiplies every latency (0 in fast tests). */
  latencyScale?: number
  /** The virtual address queries appear to come from (answer policies use it without ECS). */
  clientAddress?: string
}

/** A name server's behaviour on the wire. */
export class ServerRuntime {
  readonly id: string
  readonly authority: Authority
  readonly behaviour: ServerBehaviour
  private readonly random: () => number
  private readonly latencyScale: number
  private readonly clientAddress?: string

  constructor(opts: ServerRuntimeOptions) {
    this.id = opts.id
    this.behaviour = opts.behaviour ?? {}
    const b = this.behaviour
    const quirks: AuthorityQuirks = {
      refuse: b.refuse,
      lame: b.lame,
      upwardReferral: b.upwardReferral,
      aaOnReferral: b.aaOnReferral,
      formerrOnEdns: b.formerrOnEdns,
      poisonAdditional: b.poisonAdditional ? parseZoneFile(b.poisonAdditional, {defaultTtl: 3600, fileName: `${opts.id} poisonAdditional`}) : undefined,
    }
    this.authority = new Authority({zones: opts.zones, identity: opts.identity, quirks})
    this.random = seededRandom(opts.seed ?? 1, opts.id)
    this.latencyScale = opts.latencyScale ?? 1
    this.clientAddress = opts.clientAddress
  }

  /** The delay this server adds to each reply. */
  get latencyMs(): number {
    return (this.behaviour.latencyMs ?? 0) * this.latencyScale
  }

  /** What goes back on the wire for one query (the nanoserver handler). */
  handle(query: DecodedPacket | null, ctx: QueryContext): Reply {
    const b = this.behaviour
    if (b.dead) return null
    if (b.loss && this.random() < b.loss) return null
    let reply: Reply
    if (b.garbage) {
      reply = garbageReply(ctx.raw)
    } else if (query === null) {
      reply = formerrFor(ctx.raw)
    } else {
      let response = this.authority.answer(query, {source: this.clientAddress, random: this.random})
      if (ctx.transport === 'udp') response = limitUdp(query, response, b.truncate)
      reply = b.spoofFirst ? [spoofed(response), response] : response
    }

    const delay = this.latencyMs
    return delay > 0 && reply !== null ? {delayMs: delay, reply} : reply
  }

  /**
   * The answer as a resolver inside the lab gets it: no latency, loss or truncation; null when
   * the server would give nothing usable (dead, garbage).
   */
  direct(query: Packet): Packet | null {
    if (this.behaviour.dead || this.behaviour.garbage) return null
    return this.authority.answer(query, {source: this.clientAddress, random: this.random})
  }
}

/** Applies UDP size limits (the client's EDNS size, 512 without EDNS) and a forced truncation. */
export function limitUdp(query: Packet, response: Packet, truncate?: 'always' | number): Packet {
  let limit = udpLimit(query)
  if (truncate === 'always') limit = 0
  else if (typeof truncate === 'number') limit = Math.min(limit, truncate)
  return truncateForUdp(response, limit).packet
}

/** A copy of a response with a wrong ID and a bogus answer (what an off-path spoofer sends). */
function spoofed(response: Packet): Packet {
  const q = response.questions?.[0]
  return {
    ...response,
    id: ((response.id ?? 0) ^ 0x5a5a) & 0xffff,
    answers: q && (q.type === 'A' || q.type === 'AAAA')
      ? [{name: q.name, type: q.type, class: 'IN', ttl: 86_400, data: q.type === 'A' ? '203.0.113.66' : '2001:db8:bad::66'}]
      : [],
    authorities: [],
    additionals: (response.additionals ?? []).filter((rr) => rr.type === 'OPT'),
  }
}
