/**
 * EDNS(0) option codecs: Client Subnet (RFC 7871) with host bits zeroed (subnets
 * themselves are parsed by net/cidr.ts), NSID (RFC 5001) with an empty request payload,
 * and cookies (RFC 7873) decoded for display.
 */
import ipaddr from 'ipaddr.js'
import {UsageError} from '../errors.js'
import {formatAddress, maskBytes} from '../net/cidr.js'

export const OPTION = {
  NSID: 3,
  ECS: 8,
  EXPIRE: 9,
  COOKIE: 10,
  KEEPALIVE: 11,
  PADDING: 12,
  EDE: 15,
} as const

/** An EDNS Client Subnet as sent or received. */
export interface ClientSubnet {
  /** 1 = IPv4, 2 = IPv6 (IANA address family numbers). */
  family: number
  /** The address with every bit beyond sourcePrefix zeroed. */
  address: string
  sourcePrefix: number
  scopePrefix: number
}

/**
 * Encode an ECS option payload (RFC 7871 §6): FAMILY, SOURCE PREFIX-LENGTH,
 * SCOPE PREFIX-LENGTH, then only ceil(source/8) address octets, host bits zero.
 */
export function encodeEcs(subnet: {family: number, address: string, sourcePrefix: number, scopePrefix?: number}): Buffer {
  const addr = ipaddr.parse(subnet.address)
  const bytes = addr.toByteArray()
  const masked = maskBytes(bytes, subnet.sourcePrefix)
  const n = Math.ceil(subnet.sourcePrefix / 8)
  const buf = Buffer.alloc(4 + n)
  buf.writeUInt16BE(subnet.family, 0)
  buf.writeUInt8(subnet.sourcePrefix, 2)
  buf.writeUInt8(subnet.scopePrefix ?? 0, 3)
  Buffer.from(masked.slice(0, n)).copy(buf, 4)
  return buf
}

/** A decoded ECS option, with what was wrong with it if anything. */
export interface DecodedEcs extends ClientSubnet {
  /** Problems with the option as received (RFC 7871 §6 / §7.3). Empty when well-formed. */
  problems: string[]
}

/** Decode an ECS option payload. Never throws: malformed input is described in `problems`. */
export function decodeEcs(data: Uint8Array): DecodedEcs | null {
  if (data.length < 4) return null
  const buf = Buffer.from(data)
  const family = buf.readUInt16BE(0)
  const sourcePrefix = buf.readUInt8(2)
  const scopePrefix = buf.readUInt8(3)
  const addrBytes = buf.subarray(4)
  const problems: string[] = []
  const size = family === 1 ? 4 : family === 2 ? 16 : 0
  if (size === 0) {
    problems.push(`unknown address family ${family}`)
    return {family, address: addrBytes.toString('hex'), sourcePrefix, scopePrefix, problems}
  }
  if (sourcePrefix > size * 8) problems.push(`source prefix ${sourcePrefix} too long for the family`)
  if (scopePrefix > size * 8) problems.push(`scope prefix ${scopePrefix} too long for the family`)
  if (addrBytes.length !== Math.ceil(Math.min(sourcePrefix, size * 8) / 8)) {
    problems.push(`address has ${addrBytes.length} octets; source /${sourcePrefix} needs ${Math.ceil(sourcePrefix / 8)}`)
  }
  const full = new Array<number>(size).fill(0)
  for (let i = 0; i < Math.min(size, addrBytes.length); i++) full[i] = addrBytes[i]
  const masked = maskBytes(full, Math.min(sourcePrefix, size * 8))
  if (masked.some((b, i) => b !== full[i])) problems.push('address has bits set beyond the source prefix')
  return {family, address: formatAddress(ipaddr.fromByteArray(full)), sourcePrefix, scopePrefix, problems}
}

/** NSID payload as hex and, when it is printable, as text. */
export function decodeNsid(data: Uint8Array): {hex: string, text: string | null} {
  const buf = Buffer.from(data)
  const hex = buf.toString('hex')
  const text = buf.toString('utf8')
  // Printable when it decodes losslessly and has no control characters.
  const printable = buf.length > 0 && Buffer.from(text, 'utf8').equals(buf) && !/[\u0000-\u001f\u007f]/.test(text)
  return {hex, text: printable ? text : null}
}

/**
 * An EDNS option as dig's +ednsopt takes it: `CODE[:HEX]`, CODE a number (0-65535) or a name
 * (NSID, ECS, COOKIE, PADDING, ...), HEX its payload (empty when left out).
 */
export function parseEdnsOption(text: string): {code: number, data: Buffer} {
  const [codeText, hex = '', ...rest] = text.split(':')
  const named = (OPTION as Record<string, number>)[codeText!.toUpperCase().replace('CLIENT-SUBNET', 'ECS')]
  const code = /^\d{1,5}$/.test(codeText!) ? Number(codeText) : named
  if (code === undefined || code > 65535 || rest.length > 0) {
    throw new UsageError(`+ednsopt=${text}: expected CODE[:HEX], CODE a number up to 65535 or one of ${Object.keys(OPTION).join(', ')}`, 'bad-option')
  }
  if (!/^([0-9a-f]{2})*$/i.test(hex)) throw new UsageError(`+ednsopt=${text}: the payload must be hex digits, two per octet`, 'bad-option')
  return {code, data: Buffer.from(hex, 'hex')}
}
