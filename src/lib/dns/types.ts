/**
 * RR type and rcode tables. dns-packet knows only some types and names the
 * rest "UNKNOWN_<n>"; dnsx speaks mnemonics (HTTPS, SVCB, ...) or RFC 3597
 * "TYPE<n>" to users and converts at the dns-packet boundary.
 */
// dns-packet's tables are not re-exported from its index; import the modules.
import dpTypes from 'dns-packet/types.js'
import dpRcodes from 'dns-packet/rcodes.js'
import {EXTENDED_RCODES} from './edns.js'

/** Types dns-packet does not know by name, with their IANA codes. */
const EXTRA_TYPES: Record<string, number> = {
  SMIMEA: 53, HIP: 55, CDS: 59, CDNSKEY: 60, OPENPGPKEY: 61, CSYNC: 62, ZONEMD: 63,
  SVCB: 64, HTTPS: 65, EUI48: 108, EUI64: 109, URI: 256, CERT: 37, APL: 42,
  DHCID: 49, IPSECKEY: 45, NID: 104, L32: 105, L64: 106, LP: 107, AMTRELAY: 260, RESINFO: 261,
}
const EXTRA_BY_CODE = new Map(Object.entries(EXTRA_TYPES).map(([k, v]) => [v, k]))

/** IANA code of a type mnemonic or TYPEnnn; undefined when unknown. */
export function typeCode(type: string): number | undefined {
  const t = type.toUpperCase()
  const m = /^(?:TYPE|UNKNOWN_)(\d{1,5})$/.exec(t)
  if (m) return Number(m[1]) <= 65535 ? Number(m[1]) : undefined
  if (t in EXTRA_TYPES) return EXTRA_TYPES[t]
  const c = dpTypes.toType(t)
  return c === 0 ? undefined : c
}

/** The mnemonic for a code ("A", "HTTPS") or "TYPE<n>" (RFC 3597). */
export function typeName(code: number): string {
  const extra = EXTRA_BY_CODE.get(code)
  if (extra) return extra
  const s = dpTypes.toString(code)
  return s.startsWith('UNKNOWN_') ? `TYPE${code}` : s
}

/** Normalise any type spelling (dns-packet's "UNKNOWN_65", "https", "TYPE1") to dnsx's mnemonic. */
export function normalizeType(type: string): string {
  const c = typeCode(type)
  return c === undefined ? type.toUpperCase() : typeName(c)
}

/** The spelling dns-packet needs to encode a type. */
export function packetType(type: string): string {
  const c = typeCode(type)
  if (c === undefined) throw new Error(`unknown type ${type}`)
  const s = dpTypes.toString(c)
  return s
}

/** Rcode name for a (possibly extended) value. */
export function rcodeName(value: number): string {
  if (value < 16) {
    const s = dpRcodes.toString(value)
    return s.startsWith('RCODE_') ? `RCODE${value}` : s
  }
  return EXTENDED_RCODES[value] ?? `RCODE${value}`
}

/** Rcode value for a name ("NXDOMAIN" → 3); undefined when unknown. */
export function rcodeValue(name: string): number | undefined {
  const n = name.toUpperCase()
  for (let v = 0; v < 24; v++) if (rcodeName(v) === n) return v
  const m = /^RCODE(\d+)$/.exec(n)
  return m ? Number(m[1]) : undefined
}
