/**
 * The one CIDR module of dnsx: parsing, masking, containment, splitting and ordering of
 * subnets, for every command that takes one (`query --subnet`, `ecs --subnet/--explore`, the
 * lab's ECS-aware authorities) and for the ECS option codec (dns/edns.ts).
 *
 * All address work goes through `ipaddr.js` (strict parsing, masks, RFC 5952 text).
 */
import ipaddr from 'ipaddr.js'
import {InternalError, UsageError} from '../errors.js'

/**
 * Whether a host string is meant as an IP address literal: dotted digits (no top-level domain is
 * all-numeric, RFC 3696 §2, so `999.1.1.1` or `10.1` is never a host name) or hex with colons.
 */
export function looksLikeIpLiteral(text: string): boolean {
  return (/^[0-9.]+$/.test(text) && text.includes('.')) || (/^[0-9a-f:.]+(%.+)?$/i.test(text) && text.includes(':'))
}

/**
 * Refuse a host string that is meant as an IP literal but is not a valid one (exit 2), rather
 * than hand it to the system resolver as a name.
 */
export function checkIpLiteral(text: string, what: string, code: 'bad-server' | 'bad-target' = 'bad-server'): void {
  if (!looksLikeIpLiteral(text)) return
  try {
    ipaddr.parse(text.replace(/%.*$/, ''))
    if (ipaddr.IPv4.isValidFourPartDecimal(text) || text.includes(':')) return
  } catch {
    // fall through
  }
  throw new UsageError(`${what} "${text}" is not a valid IP address`, code)
}

/** ECS address family code (RFC 7871 §6 uses the IANA address family numbers): 1 = IPv4, 2 = IPv6. */
export type Family = 1 | 2

/**
 * Prefix length used when the input has no `/len`. RFC 7871 §11.1 recommends that
 * stub resolvers and forwarders truncate client addresses to /24 (IPv4) and /56 (IPv6),
 * and that is what large public resolvers send, so a bare address is treated as the
 * network a resolver would reveal for it.
 */
export const DEFAULT_SOURCE_PREFIX: Readonly<Record<Family, number>> = Object.freeze({1: 24, 2: 56})

/** Number of address bits per family. */
export const FAMILY_BITS: Readonly<Record<Family, number>> = Object.freeze({1: 32, 2: 128})

/** A parsed, masked ECS subnet. */
export interface ParsedSubnet {
  /** 1 = IPv4, 2 = IPv6. */
  family: Family
  /** Network address with every bit past `sourcePrefix` cleared, canonical text form (RFC 5952 for IPv6). */
  address: string
  /** Source prefix length to put in the ECS option. */
  sourcePrefix: number
  /** `address/sourcePrefix`, canonical. */
  cidr: string
  /** True when the input address had bits set beyond the prefix (e.g. `192.0.2.77/24`). */
  hostBitsCleared: boolean
  /** True when the input had no `/len` and {@link DEFAULT_SOURCE_PREFIX} was applied. */
  prefixDefaulted: boolean
  /** The string that was parsed, as given. */
  input: string
}

/** Options for {@link parseSubnet}. */
export interface ParseSubnetOptions {
  /** Reject inputs without an explicit `/len` instead of applying the default. Default false. */
  requirePrefix?: boolean
  /** Override the default prefix lengths for bare addresses. */
  defaultPrefix?: Partial<Record<Family, number>>
}

function fail(input: string, why: string): never {
  throw new UsageError(`invalid subnet ${JSON.stringify(input)}: ${why}`, 'bad-subnet')
}

/**
 * Parses one address (no prefix) strictly: IPv4 only in dotted-quad decimal form
 * (so `10` or `0x0a.0.0.1` are refused), IPv6 in any RFC 4291 text form, no zone index.
 * @throws UsageError (an Error) with a one-line message when the text is not an address.
 */
export function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 {
  const t = text.trim()
  if (t.includes('%')) throw new UsageError(`invalid address ${JSON.stringify(text)}: scoped addresses (with a %zone) cannot be used as a client subnet`, 'bad-subnet')
  if (ipaddr.IPv4.isValidFourPartDecimal(t)) return ipaddr.IPv4.parse(t)
  if (!t.includes('.') || t.includes(':')) {
    if (ipaddr.IPv6.isValid(t)) return ipaddr.IPv6.parse(t)
  }
  throw new UsageError(`invalid address ${JSON.stringify(text)}: not an IPv4 (dotted quad) or IPv6 address`, 'bad-subnet')
}

/** Family code of an `ipaddr.js` address. */
export function familyOf(addr: ipaddr.IPv4 | ipaddr.IPv6): Family {
  return addr.kind() === 'ipv4' ? 1 : 2
}

/**
 * The bytes of an IPv4 (4 octets) or IPv6 (16 octets) address with every bit past `prefix`
 * zeroed, using ipaddr.js's subnet mask for that prefix length.
 */
export function maskBytes(bytes: ArrayLike<number>, prefix: number): number[] {
  const kind = bytes.length === 4 ? ipaddr.IPv4 : bytes.length === 16 ? ipaddr.IPv6 : null
  if (kind === null) throw new RangeError(`an address has 4 or 16 octets, not ${bytes.length}`)
  const bits = bytes.length * 8
  const mask = kind.subnetMaskFromPrefixLength(Math.max(0, Math.min(bits, prefix))).toByteArray()
  return Array.from(bytes, (b, i) => b & mask[i]!)
}

/** Canonical text of an address: dotted quad, or RFC 5952 compressed IPv6. */
export function formatAddress(addr: ipaddr.IPv4 | ipaddr.IPv6): string {
  return addr.kind() === 'ipv4' ? addr.toString() : (addr as ipaddr.IPv6).toRFC5952String()
}

/**
 * Parses and masks an ECS client subnet such as `192.0.2.0/24`, `2001:db8::/56`,
 * `0.0.0.0/0` (RFC 7871 §7.1.2 opt-out: "do not use my address") or a bare address.
 *
 * - Host bits are cleared (`192.0.2.77/24` → `192.0.2.0/24`, `hostBitsCleared: true`),
 *   because RFC 7871 §6 requires ADDRESS bits past SOURCE PREFIX-LENGTH to be zero.
 * - A bare address gets {@link DEFAULT_SOURCE_PREFIX} (/24 IPv4, /56 IPv6), i.e. what a
 *   privacy-respecting resolver would send for that client, unless `requirePrefix` is set.
 *
 * @throws UsageError (an Error, exit code 2) with a one-line message, e.g. for `300.1.1.1/24`,
 *   `10.0.0.0/40`, `2001:db8::/129`.
 */
export function parseSubnet(input: string, options: ParseSubnetOptions = {}): ParsedSubnet {
  if (typeof input !== 'string') fail(String(input), 'not a string')
  const text = input.trim()
  if (text === '') fail(input, 'empty')
  const slash = text.indexOf('/')
  if (slash !== text.lastIndexOf('/')) fail(input, 'more than one "/"')
  const addrText = slash === -1 ? text : text.slice(0, slash)
  const prefixText = slash === -1 ? undefined : text.slice(slash + 1)

  let addr: ipaddr.IPv4 | ipaddr.IPv6
  try {
    addr = parseAddress(addrText)
  } catch {
    fail(input, `${JSON.stringify(addrText)} is not an IPv4 (dotted quad) or IPv6 address`)
  }
  const family = familyOf(addr)
  const maxBits = FAMILY_BITS[family]
  const famName = family === 1 ? 'IPv4' : 'IPv6'

  let sourcePrefix: number
  let prefixDefaulted = false
  if (prefixText === undefined) {
    if (options.requirePrefix) fail(input, `missing prefix length (write e.g. ${family === 1 ? '192.0.2.0/24' : '2001:db8::/56'})`)
    sourcePrefix = options.defaultPrefix?.[family] ?? DEFAULT_SOURCE_PREFIX[family]
    prefixDefaulted = true
  } else {
    if (!/^\d{1,3}$/.test(prefixText)) fail(input, `prefix length ${JSON.stringify(prefixText)} is not a number`)
    sourcePrefix = Number(prefixText)
  }
  if (!Number.isInteger(sourcePrefix) || sourcePrefix < 0 || sourcePrefix > maxBits) {
    fail(input, `prefix length ${sourcePrefix} is out of range for ${famName} (0-${maxBits})`)
  }

  const bytes = addr.toByteArray()
  const masked = maskBytes(bytes, sourcePrefix)
  const hostBitsCleared = masked.some((b, i) => b !== bytes[i])
  const address = formatAddress(ipaddr.fromByteArray(masked))
  return {family, address, sourcePrefix, cidr: `${address}/${sourcePrefix}`, hostBitsCleared, prefixDefaulted, input}
}

/**
 * Masks an address to a prefix length and returns the canonical network address.
 * @throws Error if the address is invalid or the prefix is out of range for its family.
 */
export function maskAddress(address: string, prefix: number): string {
  return parseSubnet(`${address.trim()}/${prefix}`).address
}

/** Address as an unsigned integer (32 or 128 bits). */
export function addressToBigInt(address: string | ipaddr.IPv4 | ipaddr.IPv6): bigint {
  const addr = typeof address === 'string' ? parseAddress(address) : address
  let n = 0n
  for (const b of addr.toByteArray()) n = (n << 8n) | BigInt(b)
  return n
}

/** Inverse of {@link addressToBigInt}. */
export function bigIntToAddress(value: bigint, family: Family): string {
  const len = family === 1 ? 4 : 16
  if (value < 0n || value >= 1n << BigInt(len * 8)) throw new InternalError(`address value out of range for ${family === 1 ? 'IPv4' : 'IPv6'}`)
  const bytes: number[] = new Array(len)
  let v = value
  for (let i = len - 1; i >= 0; i--) {
    bytes[i] = Number(v & 0xffn)
    v >>= 8n
  }
  return formatAddress(ipaddr.fromByteArray(bytes))
}

/** Numeric range covered by a subnet. */
export interface SubnetRange {
  family: Family
  /** First address (the network address) as an integer. */
  first: bigint
  /** Last address as an integer. */
  last: bigint
  /** Prefix length. */
  prefix: number
}

/**
 * First and last address of a CIDR as integers. A bare address is a single host
 * (/32 or /128) here, not the ECS default.
 */
export function subnetRange(cidr: string): SubnetRange {
  const s = cidr.includes('/') ? parseSubnet(cidr) : parseSubnet(cidr, {defaultPrefix: {1: 32, 2: 128}})
  const bits = FAMILY_BITS[s.family]
  const first = addressToBigInt(s.address)
  const size = 1n << BigInt(bits - s.sourcePrefix)
  return {family: s.family, first, last: first + size - 1n, prefix: s.sourcePrefix}
}

/**
 * True when `address` lies inside `cidr`. `address` may itself be a CIDR, in which case
 * the whole subnet must lie inside. A bare `address` is one host; a bare `cidr` is one
 * host too. Different families never contain each other (IPv4-mapped IPv6 is IPv6).
 * @throws Error when either argument is not a valid address/subnet.
 */
export function subnetContains(cidr: string, address: string): boolean {
  const outer = subnetRange(cidr)
  const inner = subnetRange(address)
  if (outer.family !== inner.family) return false
  return inner.first >= outer.first && inner.last <= outer.last
}

/**
 * Splits a subnet into its two halves, one bit longer: `10.0.0.0/8` →
 * `['10.0.0.0/9', '10.128.0.0/9']`. Host bits of the input are cleared first.
 * @throws Error when the subnet is already a single address (/32 or /128).
 */
export function splitSubnet(cidr: string): [string, string] {
  const s = parseSubnet(cidr, {requirePrefix: true})
  const bits = FAMILY_BITS[s.family]
  if (s.sourcePrefix >= bits) throw new UsageError(`cannot split ${s.cidr}: it is a single address`, 'bad-subnet')
  const p = s.sourcePrefix + 1
  const lo = addressToBigInt(s.address)
  const hi = lo + (1n << BigInt(bits - p))
  return [`${bigIntToAddress(lo, s.family)}/${p}`, `${bigIntToAddress(hi, s.family)}/${p}`]
}

/**
 * Largest-first decomposition of an inclusive integer range into aligned CIDR blocks.
 * E.g. 10.0.0.0–10.0.2.255 → `10.0.0.0/23`, `10.0.2.0/24`.
 */
export function rangeToCidrs(first: bigint, last: bigint, family: Family): string[] {
  const bits = FAMILY_BITS[family]
  const out: string[] = []
  let cur = first
  while (cur <= last) {
    let size = 1n
    let prefix = bits
    // Grow the block while it stays aligned and inside the range.
    while (prefix > 0) {
      const next = size << 1n
      if (cur % next !== 0n || cur + next - 1n > last) break
      size = next
      prefix--
    }
    out.push(`${bigIntToAddress(cur, family)}/${prefix}`)
    cur += size
  }
  return out
}

type SortKey = {family: Family; value: bigint; prefix: number} | null

function sortKey(s: string): SortKey {
  try {
    const r = subnetRange(s)
    return {family: r.family, value: r.first, prefix: r.prefix}
  } catch {
    return null
  }
}

/**
 * Comparator for stable, human-friendly ordering of subnets:
 * `null` (no ECS sent) first, then IPv4 before IPv6, then by network address,
 * then shorter prefix first (`10.0.0.0/8` before `10.0.0.0/16`). Strings that do not
 * parse sort after all valid subnets, by plain string order.
 */
export function compareSubnets(a: string | null, b: string | null): number {
  if (a === b) return 0
  if (a === null) return -1
  if (b === null) return 1
  const ka = sortKey(a)
  const kb = sortKey(b)
  if (ka === null && kb === null) return a < b ? -1 : a > b ? 1 : 0
  if (ka === null) return 1
  if (kb === null) return -1
  if (ka.family !== kb.family) return ka.family - kb.family
  if (ka.value !== kb.value) return ka.value < kb.value ? -1 : 1
  if (ka.prefix !== kb.prefix) return ka.prefix - kb.prefix
  return a < b ? -1 : a > b ? 1 : 0
}

/** What a user should be told about how their subnet was read (a defaulted prefix, zeroed host bits), or null. */
export function subnetNote(s: ParsedSubnet, flag = '--subnet'): string | null {
  if (s.prefixDefaulted) return `${flag} ${s.input} has no prefix length; sending ${s.cidr}, what resolvers send for one client (RFC 7871 §11.1)`
  if (s.hostBitsCleared) return `${flag} ${s.input} had host bits set; sending ${s.cidr} (RFC 7871 §6: bits past the source prefix must be zero)`
  return null
}

/** Number of leading bits two addresses of one family (as bytes) share. */
export function commonPrefixLength(a: number[], b: number[]): number {
  let bits = 0
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ^ b[i]
    if (x === 0) {
      bits += 8
      continue
    }
    return bits + Math.clz32(x) - 24
  }
  return bits
}

/**
 * The reverse-mapping name of an address (dig -x): 192.0.2.1 → 1.2.0.192.in-addr.arpa
 * (RFC 1035 §3.5), 2001:db8::1 → its 32 nibbles reversed under ip6.arpa (RFC 3596 §2.5).
 * Throws UsageError for anything that is not an address.
 */
export function reverseName(text: string): string {
  let addr: ipaddr.IPv4 | ipaddr.IPv6
  try {
    addr = parseAddress(text)
  } catch {
    throw new UsageError(`-x ${text}: not an IPv4 or IPv6 address`, 'bad-address')
  }
  const bytes = addr.toByteArray()
  if (addr.kind() === 'ipv4') return `${[...bytes].reverse().join('.')}.in-addr.arpa`
  const nibbles = bytes.flatMap((b) => [b >> 4, b & 0x0f]).map((n) => n.toString(16))
  return `${nibbles.reverse().join('.')}.ip6.arpa`
}
