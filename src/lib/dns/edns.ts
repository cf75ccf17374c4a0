/**
 * EDNS(0) options that dnsx owns on the wire instead of trusting dns-packet:
 * Client Subnet (RFC 7871) with host bits zeroed, NSID (RFC 5001) with an empty
 * request payload, and cookies (RFC 7873) decoded for display.
 */
import ipaddr from 'ipaddr.js'
import {UsageError} from '../errors.js'

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

/** A user's `--subnet` parsed: the masked subnet plus whether input had host bits. */
export interface ParsedSubnet extends ClientSubnet {
  /** Canonical CIDR of the masked subnet, e.g. "192.0.2.0/24". */
  cidr: string
  /** True when the input had bits set beyond the prefix (they were zeroed, RFC 7871 §6). */
  hostBitsCleared: boolean
  input: string
}

/** Zero every bit of `bytes` after the first `prefix` bits. */
export function maskBytes(bytes: number[] | Uint8Array, prefix: number): number[] {
  const out = Array.from(bytes)
  for (let i = 0; i < out.length; i++) {
    const bitStart = i * 8
    if (bitStart >= prefix) out[i] = 0
    else if (bitStart + 8 > prefix) out[i] &= (0xff << (8 - (prefix - bitStart))) & 0xff
  }
  return out
}

function bytesToAddress(bytes: number[], family: number): string {
  return family === 1 ? ipaddr.fromByteArray(bytes).toString() : ipaddr.fromByteArray(bytes).toString()
}

/**
 * Parse `ADDRESS/PREFIX` (or a bare address, meaning /32 or /128) as a client
 * subnet. Host bits are zeroed and reported. Throws UsageError on bad input.
 */
export function parseSubnet(input: string): ParsedSubnet {
  const text = input.trim()
  const slash = text.indexOf('/')
  const addrText = slash === -1 ? text : text.slice(0, slash)
  const prefixText = slash === -1 ? null : text.slice(slash + 1)
  if (!ipaddr.isValid(addrText)) throw new UsageError(`--subnet "${input}": "${addrText}" is not an IP address`, 'bad-subnet')
  let addr = ipaddr.parse(addrText)
  // An IPv4-mapped IPv6 literal is still IPv6 on the wire; keep it as given.
  const family = addr.kind() === 'ipv4' ? 1 : 2
  const maxPrefix = family === 1 ? 32 : 128
  let prefix = maxPrefix
  if (prefixText !== null) {
    if (!/^\d{1,3}$/.test(prefixText)) throw new UsageError(`--subnet "${input}": prefix "${prefixText}" is not a number`, 'bad-subnet')
    prefix = Number(prefixText)
    if (prefix > maxPrefix) {
      throw new UsageError(`--subnet "${input}": prefix /${prefix} is longer than ${maxPrefix} bits for ${family === 1 ? 'IPv4' : 'IPv6'}`, 'bad-subnet')
    }
  }
  const bytes = addr.toByteArray()
  const masked = maskBytes(bytes, prefix)
  const hostBitsCleared = masked.some((b, i) => b !== bytes[i])
  addr = ipaddr.fromByteArray(masked)
  const address = bytesToAddress(masked, family)
  return {family, address, sourcePrefix: prefix, scopePrefix: 0, cidr: `${address}/${prefix}`, hostBitsCleared, input}
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
  return {family, address: bytesToAddress(full, family), sourcePrefix, scopePrefix, problems}
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

/** Extended rcode names (RFC 6891 and the IANA registry) for values above 15. */
export const EXTENDED_RCODES: Record<number, string> = {
  16: 'BADVERS',
  17: 'BADKEY',
  18: 'BADTIME',
  19: 'BADMODE',
  20: 'BADNAME',
  21: 'BADALG',
  22: 'BADTRUNC',
  23: 'BADCOOKIE',
}
