/**
 * The lab servers' view of the wire: rcodes and header flags, the query's EDNS (version,
 * payload, DO, NSID, ECS through dns/edns.ts), and fitting a response into a UDP payload.
 */
import {Buffer} from 'node:buffer'
import {isOpt, packetLength, type Packet, type PacketOpt} from '../dns/message.js'
import {decodeEcs, encodeEcs, OPTION} from '../dns/edns.js'
import ipaddr from 'ipaddr.js'
import {maskBytes} from '../net/cidr.js'

/** Decoded EDNS of a query. */
export interface QueryEdns {
  version: number
  udpPayload: number
  do: boolean
  nsid: boolean
  ecs?: {family: number, sourcePrefix: number, scopePrefix: number, address: ipaddr.IPv4 | ipaddr.IPv6} | 'malformed'
}

/** Rcode values and header flags shared by the lab's servers and its resolver. */
export const RCODE = {NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, YXDOMAIN: 6, BADVERS: 16} as const
export const FLAG_AA = 0x0400
export const FLAG_RD = 0x0100
export const FLAG_CD = 0x0010
export const OPCODE_MASK = 0x7800
export const DNSSEC_OK = 0x8000

/** The OPT record of a message, if any. */
export function findOpt(packet: Packet): PacketOpt | undefined {
  return (packet.additionals ?? []).find(isOpt)
}

function optionCode(code: number | string): number {
  if (typeof code === 'number') return code
  const named: Record<string, number> = {NSID: 3, CLIENT_SUBNET: 8, COOKIE: 10, PADDING: 12}
  return named[code.toUpperCase()] ?? (/_(\d+)$/.test(code) ? Number(/_(\d+)$/.exec(code)![1]) : -1)
}

/** Reads the EDNS of a query: version, payload size, DO, NSID request and the ECS option. */
export function readEdns(query: Packet): QueryEdns | undefined {
  const opt = findOpt(query)
  if (!opt) return undefined
  const edns: QueryEdns = {
    version: opt.ednsVersion ?? 0,
    udpPayload: opt.udpPayloadSize ?? 512,
    do: ((opt.flags ?? 0) & DNSSEC_OK) !== 0,
    nsid: false,
  }
  for (const option of opt.options ?? []) {
    const code = optionCode(option.code)
    if (code === 3) edns.nsid = true
    if (code === 8) edns.ecs = parseEcsOption(option)
  }

  return edns
}

/** The query's ECS option, decoded by the one ECS codec (dns/edns.ts); host bits beyond the source are masked. */
function parseEcsOption(option: {data?: Buffer}): QueryEdns['ecs'] {
  const ecs = option.data ? decodeEcs(option.data) : null
  // Unknown family, prefixes too long, or an address of the wrong length: FORMERR (RFC 7871 §7.1.1).
  if (!ecs || ecs.problems.some((p) => !/bits set beyond/.test(p))) return 'malformed'
  const size = ecs.family === 1 ? 4 : 16
  const masked = maskBytes(ipaddr.parse(ecs.address).toByteArray().slice(0, size), ecs.sourcePrefix)
  const address = ecs.family === 1 ? new ipaddr.IPv4(masked) : new ipaddr.IPv6(masked)
  return {family: ecs.family, sourcePrefix: ecs.sourcePrefix, scopePrefix: ecs.scopePrefix, address}
}

/**
 * The OPT record of a response to a query with EDNS `edns`: the server's NSID when asked for, and
 * the query's ECS option echoed with `scope` when the answer depends on the subnet (RFC 7871 §7.2.1).
 */
export function responseOpt(edns: QueryEdns, rcode: number, o: {udpPayload: number, nsid?: string, scope?: number}): PacketOpt {
  const options: {code: number, data: Buffer}[] = []
  if (edns.nsid && o.nsid !== undefined) options.push({code: OPTION.NSID, data: Buffer.from(o.nsid, 'utf8')})
  if (o.scope !== undefined && typeof edns.ecs === 'object') {
    options.push({code: OPTION.ECS, data: encodeEcs({family: edns.ecs.family, address: edns.ecs.address.toString(), sourcePrefix: edns.ecs.sourcePrefix, scopePrefix: o.scope})})
  }
  return {name: '.', type: 'OPT', udpPayloadSize: o.udpPayload, extendedRcode: rcode >> 4, ednsVersion: 0, flags: edns.do ? DNSSEC_OK : 0, options}
}

/**
 * Fits a response into a UDP payload of `limit` bytes: unchanged when it fits, else TC=1 with
 * the answer, authority and additional sections emptied (only the OPT record kept).
 */
export function truncateForUdp(response: Packet, limit: number): {packet: Packet, truncated: boolean} {
  if (packetLength(response) <= limit) return {packet: response, truncated: false}
  return {
    packet: {
      ...response,
      flags: (response.flags ?? 0) | 0x0200,
      answers: [],
      authorities: [],
      additionals: (response.additionals ?? []).filter((rr) => rr.type === 'OPT'),
    },
    truncated: true,
  }
}

/** The UDP payload a response may use: the client's EDNS size (at most `serverMax`), else 512. */
export function udpLimit(query: Packet, serverMax = 1232): number {
  const edns = readEdns(query)
  if (!edns) return 512
  return Math.max(512, Math.min(edns.udpPayload, serverMax))
}
