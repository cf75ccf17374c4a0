/**
 * RR type and rcode tables. dns-packet knows only some types and names the
 * rest "UNKNOWN_<n>"; dnsx speaks mnemonics (HTTPS, SVCB, ...) or RFC 3597
 * "TYPE<n>" to users and converts at the dns-packet boundary.
 */
// The type table lives with the zone-file code (the most complete one in dnsx);
// rcodes come from dns-packet's own table, which its index does not re-export.
import dpRcodes from 'dns-packet/rcodes.js'
import {EXTENDED_RCODES} from './edns.js'
import {packetTypeName, typeCode as zoneTypeCode, typeName as zoneTypeName} from './zonefile.js'

/** IANA code of a type mnemonic, TYPEnnn or dns-packet's UNKNOWN_nnn; undefined when unknown. */
export function typeCode(type: string): number | undefined {
  return zoneTypeCode(type)
}

/** The mnemonic for a code ("A", "HTTPS") or "TYPE<n>" (RFC 3597). */
export function typeName(code: number): string {
  return zoneTypeName(code)
}

/** Normalise any type spelling (dns-packet's "UNKNOWN_65", "https", "TYPE1") to dnsx's mnemonic. */
export function normalizeType(type: string): string {
  const c = typeCode(type)
  return c === undefined ? type.toUpperCase() : typeName(c)
}

/** The spelling dns-packet needs to encode a type. */
export function packetType(type: string): string {
  return packetTypeName(type)
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
