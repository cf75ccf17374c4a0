/**
 * The one table of RR types, classes, rcodes, opcodes and DNSSEC algorithms
 * in dnsx. Records carry type mnemonics ("A", "HTTPS") or RFC 3597
 * "TYPE<n>"; dns-packet's own spellings ("UNKNOWN_65") are accepted as input
 * and produced only by packetTypeName, at the dns-packet boundary.
 */
import {DataError, UsageError} from '../errors.js'

const TYPE_CODES: Readonly<Record<string, number>> = {
  A: 1, NS: 2, MD: 3, MF: 4, CNAME: 5, SOA: 6, MB: 7, MG: 8, MR: 9, NULL: 10, WKS: 11, PTR: 12,
  HINFO: 13, MINFO: 14, MX: 15, TXT: 16, RP: 17, AFSDB: 18, X25: 19, ISDN: 20, RT: 21, NSAP: 22,
  'NSAP-PTR': 23, SIG: 24, KEY: 25, PX: 26, GPOS: 27, AAAA: 28, LOC: 29, NXT: 30, SRV: 33, NAPTR: 35,
  KX: 36, CERT: 37, A6: 38, DNAME: 39, OPT: 41, APL: 42, DS: 43, SSHFP: 44, IPSECKEY: 45, RRSIG: 46,
  NSEC: 47, DNSKEY: 48, DHCID: 49, NSEC3: 50, NSEC3PARAM: 51, TLSA: 52, SMIMEA: 53, HIP: 55, CDS: 59,
  CDNSKEY: 60, OPENPGPKEY: 61, CSYNC: 62, ZONEMD: 63, SVCB: 64, HTTPS: 65, SPF: 99, NID: 104, L32: 105,
  L64: 106, LP: 107, EUI48: 108, EUI64: 109, TKEY: 249, TSIG: 250, IXFR: 251, AXFR: 252, MAILB: 253,
  MAILA: 254, ANY: 255, URI: 256, CAA: 257, AVC: 258, DOA: 259, AMTRELAY: 260, RESINFO: 261, TA: 32768,
  DLV: 32769,
}

const TYPE_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(TYPE_CODES).map(([k, v]) => [v, k]))

/** Type names dns-packet 5.6 itself knows (its types.js); every other code is `UNKNOWN_n` there. */
const PACKET_TYPE_NAMES = new Set([
  'A', 'NULL', 'AAAA', 'AFSDB', 'APL', 'CAA', 'CDNSKEY', 'CDS', 'CERT', 'CNAME', 'DHCID', 'DLV',
  'DNAME', 'DNSKEY', 'DS', 'HIP', 'HINFO', 'IPSECKEY', 'KEY', 'KX', 'LOC', 'MX', 'NAPTR', 'NS', 'NSEC',
  'NSEC3', 'NSEC3PARAM', 'PTR', 'RRSIG', 'RP', 'SIG', 'SOA', 'SPF', 'SRV', 'SSHFP', 'TA', 'TKEY', 'TLSA',
  'TSIG', 'TXT', 'AXFR', 'IXFR', 'OPT', 'ANY',
])

/**
 * The numeric code of a type given by mnemonic (`HTTPS`), RFC 3597 name (`TYPE65`), dns-packet
 * name (`UNKNOWN_65`) or number; undefined when it is none of these.
 */
export function typeCode(type: string | number): number | undefined {
  if (typeof type === 'number') return Number.isInteger(type) && type >= 0 && type <= 0xffff ? type : undefined
  const upper = type.trim().toUpperCase()
  const known = TYPE_CODES[upper]
  if (known !== undefined) return known
  const m = /^(?:TYPE|UNKNOWN_)(\d{1,5})$/.exec(upper)
  if (m) {
    const n = Number(m[1])
    return n <= 0xffff ? n : undefined
  }
  return undefined
}

/** As typeCode, for data that must carry a valid type: throws DataError otherwise. */
export function typeNumber(type: string | number): number {
  const n = typeCode(type)
  if (n === undefined) throw new DataError(`unknown RR type ${JSON.stringify(type)}`, 'bad-rdata')
  return n
}

/** The presentation mnemonic of a type (`HTTPS`, or `TYPE65534` when it has none). */
export function typeName(type: string | number): string {
  const code = typeCode(type)
  if (code === undefined) return String(type).toUpperCase()
  return TYPE_NAMES.get(code) ?? `TYPE${code}`
}


/** True when both spellings denote the same type. */
export function sameType(a: string | number, b: string | number): boolean {
  const x = typeCode(a)
  return x !== undefined && x === typeCode(b)
}

/** dns-packet's name for a type: its own mnemonic when it knows one, else `UNKNOWN_n`. */
export function packetTypeName(type: string | number): string {
  const code = typeNumber(type)
  const mnemonic = TYPE_NAMES.get(code)
  return mnemonic && PACKET_TYPE_NAMES.has(mnemonic) ? mnemonic : `UNKNOWN_${code}`
}

/**
 * A type given by a user: a mnemonic, `TYPEnnn`, or a bare number (`65000`, as dig and kdig
 * accept). Throws UsageError (exit 2) for anything else.
 */
export function parseType(input: string): string {
  const text = input.trim()
  const code = /^\d{1,5}$/.test(text) && Number(text) <= 0xffff ? Number(text) : typeCode(text)
  if (code === undefined || /^UNKNOWN_/i.test(text)) throw new UsageError(`unknown record type "${input}"`, 'bad-type')
  return typeName(code)
}

// ---------------------------------------------------------------------------------------------
// Classes

const CLASS_CODES: Readonly<Record<string, number>> = {IN: 1, CS: 2, CH: 3, HS: 4, NONE: 254, ANY: 255}
const CLASS_NAMES: ReadonlyMap<number, string> = new Map(Object.entries(CLASS_CODES).map(([k, v]) => [v, k]))

/** Numeric class of `IN`, `CH`, `CHAOS`, `HS`, `HESIOD`, `CLASSnnn`, dns-packet's `UNKNOWN_n`; undefined when unknown. */
export function classCode(klass: string | number | undefined): number | undefined {
  if (klass === undefined) return 1
  if (typeof klass === 'number') return Number.isInteger(klass) && klass >= 0 && klass <= 0xffff ? klass : undefined
  const upper = klass.trim().toUpperCase()
  if (upper === 'CHAOS') return 3
  if (upper === 'HESIOD') return 4
  const known = CLASS_CODES[upper]
  if (known !== undefined) return known
  const m = /^(?:CLASS|UNKNOWN_)(\d{1,5})$/.exec(upper)
  return m && Number(m[1]) <= 0xffff ? Number(m[1]) : undefined
}

/** As classCode, for data: throws DataError on an unknown class. */
export function classNumber(klass: string | number | undefined): number {
  const n = classCode(klass)
  if (n === undefined) throw new DataError(`unknown class ${JSON.stringify(klass)}`, 'bad-rdata')
  return n
}

/** The presentation mnemonic of a class (`IN`, `CH`, `CLASS42`). */
export function className(klass: string | number | undefined): string {
  const code = classCode(klass)
  if (code === undefined) return String(klass).toUpperCase()
  return CLASS_NAMES.get(code) ?? `CLASS${code}`
}

/** The classes a user may query: IN, CH (CHAOS), HS (Hesiod), ANY, NONE and CLASSnnn. */
export function parseClass(input: string): string {
  const code = classCode(input)
  if (code === undefined || /^UNKNOWN_/i.test(input.trim())) throw new UsageError(`unknown class "${input}" (use IN, CH, HS, ANY or CLASSnnn)`, 'bad-class')
  return className(code)
}

// ---------------------------------------------------------------------------------------------
// Rcodes (RFC 1035, RFC 2136, RFC 6891, IANA "DNS RCODEs")

const RCODE_NAMES: ReadonlyMap<number, string> = new Map([
  [0, 'NOERROR'], [1, 'FORMERR'], [2, 'SERVFAIL'], [3, 'NXDOMAIN'], [4, 'NOTIMP'], [5, 'REFUSED'],
  [6, 'YXDOMAIN'], [7, 'YXRRSET'], [8, 'NXRRSET'], [9, 'NOTAUTH'], [10, 'NOTZONE'], [11, 'DSOTYPENI'],
  [16, 'BADVERS'], [17, 'BADKEY'], [18, 'BADTIME'], [19, 'BADMODE'], [20, 'BADNAME'], [21, 'BADALG'],
  [22, 'BADTRUNC'], [23, 'BADCOOKIE'],
])

/** Rcode name for a (possibly extended) value; `RCODE<n>` when it has none. */
export function rcodeName(value: number): string {
  return RCODE_NAMES.get(value) ?? `RCODE${value}`
}

/** Rcode value for a name ("NXDOMAIN" → 3, "RCODE12" → 12); undefined when unknown. */
export function rcodeValue(name: string): number | undefined {
  const n = name.trim().toUpperCase()
  for (const [v, s] of RCODE_NAMES) if (s === n) return v
  const m = /^RCODE(\d{1,4})$/.exec(n)
  return m && Number(m[1]) <= 4095 ? Number(m[1]) : undefined
}

/** Opcodes (RFC 1035, RFC 1996, RFC 2136, RFC 8490). */
const OPCODE_NAMES: readonly string[] = ['QUERY', 'IQUERY', 'STATUS', 'OPCODE3', 'NOTIFY', 'UPDATE', 'DSO']

export function opcodeName(value: number): string {
  return OPCODE_NAMES[value] ?? `OPCODE${value}`
}

// ---------------------------------------------------------------------------------------------
// DNSSEC algorithms and DS digest types (IANA registries)

/** DNSSEC algorithm numbers and mnemonics (IANA "DNS Security Algorithm Numbers"). */
export const ALGORITHM_NAMES: Readonly<Record<number, string>> = {
  1: 'RSAMD5', 2: 'DH', 3: 'DSA', 5: 'RSASHA1', 6: 'DSA-NSEC3-SHA1', 7: 'RSASHA1-NSEC3-SHA1', 8: 'RSASHA256',
  10: 'RSASHA512', 12: 'ECC-GOST', 13: 'ECDSAP256SHA256', 14: 'ECDSAP384SHA384', 15: 'ED25519',
  16: 'ED448', 17: 'SM2SM3', 23: 'ECC-GOST12', 252: 'INDIRECT', 253: 'PRIVATEDNS', 254: 'PRIVATEOID',
}

const ALGORITHM_CODES: ReadonlyMap<string, number> = new Map(Object.entries(ALGORITHM_NAMES).map(([k, v]) => [v, Number(k)]))

/** An algorithm given as a number (0-255) or a mnemonic (`RSASHA1`, `ecdsap256sha256`); undefined when neither. */
export function algorithmNumber(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isInteger(text) && text >= 0 && text <= 255 ? text : undefined
  const t = text.trim()
  if (/^\d{1,3}$/.test(t)) return Number(t) <= 255 ? Number(t) : undefined
  return ALGORITHM_CODES.get(t.toUpperCase())
}

/** Human readable algorithm label, e.g. `8 (RSASHA256)`. */
export function algorithmLabel(alg: number): string {
  const name = ALGORITHM_NAMES[alg]
  return name ? `${alg} (${name})` : `${alg} (unassigned)`
}
