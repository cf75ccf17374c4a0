/**
 * Record shapes and RR type / class / algorithm tables shared by the DNSSEC library.
 *
 * Records are plain dns-packet answer objects (`{name, type, class, ttl, data}`); the
 * interfaces below are the subset this library relies on, so that decoded dns-packet
 * answers (except OPT pseudo-records) can be passed in directly.
 */
import type {DnskeyData, DsData, Nsec3Data, NsecData, RrsigData} from 'dns-packet'

export type {DnskeyData, DsData, Nsec3Data, NsecData, RrsigData} from 'dns-packet'

/** A resource record as dns-packet represents it (names without a trailing dot, root is `.`). */
export interface DnsRecord<D = unknown> {
  name: string
  type: string
  class?: string
  ttl?: number
  data: D
}

/** A DNSKEY record. */
export type DnskeyRecord = DnsRecord<DnskeyData>
/** A DS record. */
export type DsRecord = DnsRecord<DsData>
/** An RRSIG record. */
export type RrsigRecord = DnsRecord<RrsigData>
/** An NSEC record. */
export type NsecRecord = DnsRecord<NsecData>
/** An NSEC3 record. */
export type Nsec3Record = DnsRecord<Nsec3Data>

/** DNSKEY flag bits (RFC 4034 §2.1.1, RFC 5011 §7). */
export const DNSKEY_FLAG_ZONE = 0x0100
/** Secure Entry Point (KSK) flag. */
export const DNSKEY_FLAG_SEP = 0x0001
/** RFC 5011 REVOKE flag. */
export const DNSKEY_FLAG_REVOKE = 0x0080

/** NSEC3 Opt-Out flag (RFC 5155 §3.1.2.1). */
export const NSEC3_FLAG_OPT_OUT = 0x01

const TYPE_CODES: Record<string, number> = {
  A: 1, NS: 2, MD: 3, MF: 4, CNAME: 5, SOA: 6, MB: 7, MG: 8, MR: 9, NULL: 10, WKS: 11, PTR: 12,
  HINFO: 13, MINFO: 14, MX: 15, TXT: 16, RP: 17, AFSDB: 18, X25: 19, ISDN: 20, RT: 21, NSAP: 22,
  SIG: 24, KEY: 25, PX: 26, AAAA: 28, LOC: 29, NXT: 30, SRV: 33, NAPTR: 35, KX: 36, CERT: 37,
  A6: 38, DNAME: 39, OPT: 41, APL: 42, DS: 43, SSHFP: 44, IPSECKEY: 45, RRSIG: 46, NSEC: 47,
  DNSKEY: 48, DHCID: 49, NSEC3: 50, NSEC3PARAM: 51, TLSA: 52, SMIMEA: 53, HIP: 55, CDS: 59,
  CDNSKEY: 60, OPENPGPKEY: 61, CSYNC: 62, ZONEMD: 63, SVCB: 64, HTTPS: 65, SPF: 99, TKEY: 249,
  TSIG: 250, IXFR: 251, AXFR: 252, ANY: 255, URI: 256, CAA: 257, TA: 32768, DLV: 32769,
}

const TYPE_NAMES: Record<number, string> = Object.fromEntries(
  Object.entries(TYPE_CODES).map(([k, v]) => [v, k]),
)

/**
 * Numeric RR type for a mnemonic (`'A'`), an RFC 3597 name (`'TYPE65534'`) or dns-packet's
 * name for types it does not know (`'UNKNOWN_65534'`). Throws on anything else.
 */
export function typeToNumber(type: string | number): number {
  if (typeof type === 'number') {
    if (!Number.isInteger(type) || type < 0 || type > 0xffff) throw new Error(`invalid RR type ${type}`)
    return type
  }
  const upper = type.toUpperCase()
  const known = TYPE_CODES[upper]
  if (known !== undefined) return known
  const m = /^(?:TYPE|UNKNOWN_)(\d{1,5})$/.exec(upper)
  if (m) {
    const n = Number(m[1])
    if (n <= 0xffff) return n
  }
  throw new Error(`unknown RR type ${type}`)
}

/** Mnemonic for a numeric RR type, or `TYPEnnn` (RFC 3597) when it has none. */
export function typeToString(type: number | string): string {
  const n = typeToNumber(type)
  return TYPE_NAMES[n] ?? `TYPE${n}`
}

/** Mnemonics dns-packet 5.x can encode (its `types.toType`); others must be written `UNKNOWN_n`. */
const PACKET_TYPE_NAMES = new Set([
  'A', 'NULL', 'AAAA', 'AFSDB', 'APL', 'CAA', 'CDNSKEY', 'CDS', 'CERT', 'CNAME', 'DHCID', 'DLV', 'DNAME', 'DNSKEY',
  'DS', 'HIP', 'HINFO', 'IPSECKEY', 'KEY', 'KX', 'LOC', 'MX', 'NAPTR', 'NS', 'NSEC', 'NSEC3', 'NSEC3PARAM', 'PTR',
  'RRSIG', 'RP', 'SIG', 'SOA', 'SPF', 'SRV', 'SSHFP', 'TA', 'TKEY', 'TLSA', 'TSIG', 'TXT', 'AXFR', 'IXFR', 'OPT', 'ANY',
])

/**
 * The type name dns-packet uses for a type (`'A'`, `'NSEC3PARAM'`, `'UNKNOWN_65'` for HTTPS …),
 * so that records, RRSIG Type Covered and NSEC/NSEC3 bit maps built here encode correctly
 * with dns-packet.
 */
export function packetTypeName(type: string | number): string {
  const n = typeToNumber(type)
  const name = TYPE_NAMES[n]
  return name !== undefined && PACKET_TYPE_NAMES.has(name) ? name : `UNKNOWN_${n}`
}

/** True when both RR types denote the same numeric type. */
export function sameType(a: string | number, b: string | number): boolean {
  try {
    return typeToNumber(a) === typeToNumber(b)
  } catch {
    return false
  }
}

const CLASS_CODES: Record<string, number> = {IN: 1, CS: 2, CH: 3, HS: 4, NONE: 254, ANY: 255}

/** Numeric class for `IN`, `CH`, `HS`, `CLASSnnn` …; undefined means IN. */
export function classToNumber(klass: string | number | undefined): number {
  if (klass === undefined) return 1
  if (typeof klass === 'number') return klass
  const upper = klass.toUpperCase()
  const known = CLASS_CODES[upper]
  if (known !== undefined) return known
  const m = /^(?:CLASS|UNKNOWN_)(\d{1,5})$/.exec(upper)
  if (m && Number(m[1]) <= 0xffff) return Number(m[1])
  throw new Error(`unknown class ${klass}`)
}

/** DNSSEC algorithm numbers and mnemonics (IANA "DNS Security Algorithm Numbers"). */
export const ALGORITHM_NAMES: Readonly<Record<number, string>> = {
  1: 'RSAMD5', 3: 'DSA', 5: 'RSASHA1', 6: 'DSA-NSEC3-SHA1', 7: 'RSASHA1-NSEC3-SHA1', 8: 'RSASHA256',
  10: 'RSASHA512', 12: 'ECC-GOST', 13: 'ECDSAP256SHA256', 14: 'ECDSAP384SHA384', 15: 'ED25519',
  16: 'ED448', 17: 'SM2SM3', 23: 'ECC-GOST12', 252: 'INDIRECT', 253: 'PRIVATEDNS', 254: 'PRIVATEOID',
}

/** Human readable algorithm label, e.g. `8 (RSASHA256)`. */
export function algorithmLabel(alg: number): string {
  const name = ALGORITHM_NAMES[alg]
  return name ? `${alg} (${name})` : `${alg} (unassigned)`
}

/** DS digest type names (IANA "Delegation Signer Digest Algorithms"). */
export const DIGEST_NAMES: Readonly<Record<number, string>> = {1: 'SHA-1', 2: 'SHA-256', 3: 'GOST R 34.11-94', 4: 'SHA-384'}
