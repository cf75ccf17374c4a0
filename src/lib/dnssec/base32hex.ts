/** Base32 with the "Extended Hex" alphabet, no padding (RFC 4648 §7), as used by NSEC3 (RFC 5155 §3.3). */

import {DataError} from '../errors.js'

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUV'

/** Encode octets as unpadded upper-case base32hex. */
export function base32HexEncode(buf: Uint8Array): string {
  let out = ''
  let bits = 0
  let value = 0
  for (const byte of buf) {
    value = (value << 8) | byte
    bits += 8
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31]
      bits -= 5
    }
    value &= (1 << bits) - 1
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31]
  return out
}

/** Decode base32hex (case-insensitive, padding ignored). Throws on characters outside the alphabet. */
export function base32HexDecode(text: string): Buffer {
  const clean = text.replace(/=+$/, '').toUpperCase()
  const out: number[] = []
  let bits = 0
  let value = 0
  for (const ch of clean) {
    const v = ALPHABET.indexOf(ch)
    if (v < 0) throw new DataError(`invalid base32hex character ${JSON.stringify(ch)}`, 'bad-rdata')
    value = (value << 5) | v
    bits += 5
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff)
      bits -= 8
    }
    value &= (1 << bits) - 1
  }
  return Buffer.from(out)
}
