/**
 * What DNSSEC computes over canonical forms: the RRSIG header that is signed (RFC 4034
 * §3.1.8.1), key tags (RFC 4034 Appendix B) and DS digests (RFC 4034 §5.1.4, RFC 4509,
 * RFC 6605). Canonical names, RDATA and RRset order themselves live in dns/names.ts and
 * dns/record.ts, the one home of names and records.
 */
import {createHash} from 'node:crypto'
import {DataError} from '../errors.js'
import {canonicalNameWire} from '../dns/names.js'
import {canonicalRdata, dnskeyRdata, type DnskeyData, type RrsigData} from '../dns/record.js'

/**
 * RRSIG RDATA without the signature, signer name in canonical form: the prefix of the data
 * that is signed (RFC 4034 §3.1.8.1).
 */
export function rrsigRdataHeader(d: Omit<RrsigData, 'signature'>): Buffer {
  // RRSIG is among RFC 4034 §6.2's types: its canonical RDATA has the signer's name lower-cased.
  return canonicalRdata('RRSIG', {...d, signature: Buffer.alloc(0)})
}

/** Key tag of a DNSKEY (RFC 4034 Appendix B; algorithm 1 uses Appendix B.1). */
export function keyTag(dnskey: DnskeyData): number {
  if (dnskey.algorithm === 1) {
    const k = dnskey.key
    if (k.length < 3) return 0
    return (k[k.length - 3]! << 8) | k[k.length - 2]!
  }
  const rdata = dnskeyRdata(dnskey)
  let ac = 0
  for (let i = 0; i < rdata.length; i++) ac += i & 1 ? rdata[i]! : rdata[i]! << 8
  ac += (ac >> 16) & 0xffff
  return ac & 0xffff
}

const DIGESTS: Record<number, string> = {1: 'sha1', 2: 'sha256', 4: 'sha384'}

/** True when `digestType` is a DS digest type this library computes (1, 2, 4). */
export function isDigestTypeSupported(digestType: number): boolean {
  return DIGESTS[digestType] !== undefined
}

/** DS digest (RFC 4034 §5.1.4): digest(canonical owner name | DNSKEY RDATA) with SHA-1 (1), SHA-256 (2) or SHA-384 (4). */
export function dsDigest(ownerName: string, dnskey: DnskeyData, digestType: number): Buffer {
  const alg = DIGESTS[digestType]
  if (!alg) throw new DataError(`unsupported DS digest type ${digestType}`, 'unsupported')
  return createHash(alg).update(canonicalNameWire(ownerName)).update(dnskeyRdata(dnskey)).digest()
}
