/**
 * RRSIG verification (RFC 4034 §3, RFC 4035 §5.3) with node:crypto.
 *
 * Supported algorithms: 5 and 7 (RSA/SHA-1), 8 (RSA/SHA-256), 10 (RSA/SHA-512), 13 (ECDSA
 * P-256/SHA-256), 14 (ECDSA P-384/SHA-384), 15 (Ed25519) and 16 (Ed448). Anything else
 * yields the distinct code `unsupported-algorithm`, which makes a zone insecure rather than
 * bogus (RFC 4035 §5.2).
 */
import {DataError, InternalError} from '../errors.js'
import {createPublicKey, verify as cryptoVerify} from 'node:crypto'
import type {KeyObject} from 'node:crypto'
import {ancestorAt, canonicalNameWire, isSubdomain, nameEquals, nameLabels, prependLabel, rrsigLabelCount, shownName} from '../dns/names.js'
import {DNSKEY_FLAG_REVOKE, DNSKEY_FLAG_ZONE, canonicalRrsetOrder} from '../dns/record.js'
import type {DnskeyData, DnskeyRecord, Rr, RrsigData, RrsigRecord} from '../dns/record.js'
import {algorithmLabel, classNumber, sameType, typeNumber} from '../dns/types.js'
import {keyTag, rrsigRdataHeader} from './canonical.js'

/** Algorithms this library can verify by default. */
export const DEFAULT_SUPPORTED_ALGORITHMS: ReadonlySet<number> = new Set([5, 7, 8, 10, 13, 14, 15, 16])

/** Options shared by the verification functions. */
export interface VerifyOptions {
  /** Algorithms treated as supported (default {@link DEFAULT_SUPPORTED_ALGORITHMS}); others are "unsupported". */
  supportedAlgorithms?: ReadonlySet<number>
  /** Upper bound on signature verifications per RRset (KeyTrap protection, CVE-2023-50387). Default 16. */
  maxValidations?: number
}

/** Machine-readable failure codes of {@link verifyRrsig}. */
export type VerifyCode =
  | 'unsupported-algorithm'
  | 'expired'
  | 'not-yet-valid'
  | 'bad-validity-period'
  | 'bad-signature'
  | 'malformed-key'
  | 'key-mismatch'
  | 'not-zone-key'
  | 'revoked-key'
  | 'type-mismatch'
  | 'owner-mismatch'
  | 'class-mismatch'
  | 'bad-labels'
  | 'signer-mismatch'
  | 'bad-rrset'
  | 'no-rrsig'
  | 'no-key'
  | 'too-many-keys'

/** Successful verification of one RRSIG. `ttl` is the TTL to use per RFC 4035 §5.3.3. */
export interface VerifyOk {
  ok: true
  /** min(RRset TTL, RRSIG TTL, Original TTL, seconds until expiration). */
  ttl: number
  /** The wildcard owner the RRset was synthesised from, when the Labels field says so. */
  wildcard?: string
  /** Non-fatal observations (e.g. TTL above the Original TTL). */
  notes: string[]
}

/** Failed verification of one RRSIG. */
export interface VerifyFail {
  ok: false
  code: VerifyCode
  reason: string
}

/** Result of {@link verifyRrsig}. */
export type VerifyResult = VerifyOk | VerifyFail

interface AlgSpec {
  kind: 'rsa' | 'ec' | 'ed'
  hash: string | null
  curve?: 'P-256' | 'P-384' | 'Ed25519' | 'Ed448'
  keyLength?: number
  sigLength?: number
}

const ALGS: Record<number, AlgSpec> = {
  5: {kind: 'rsa', hash: 'sha1'},
  7: {kind: 'rsa', hash: 'sha1'},
  8: {kind: 'rsa', hash: 'sha256'},
  10: {kind: 'rsa', hash: 'sha512'},
  13: {kind: 'ec', hash: 'sha256', curve: 'P-256', keyLength: 64, sigLength: 64},
  14: {kind: 'ec', hash: 'sha384', curve: 'P-384', keyLength: 96, sigLength: 96},
  15: {kind: 'ed', hash: null, curve: 'Ed25519', keyLength: 32, sigLength: 64},
  16: {kind: 'ed', hash: null, curve: 'Ed448', keyLength: 57, sigLength: 114},
}

/** True when `algorithm` can be verified (and is enabled in `opts`). */
export function isAlgorithmSupported(algorithm: number, opts: VerifyOptions = {}): boolean {
  const enabled = opts.supportedAlgorithms ?? DEFAULT_SUPPORTED_ALGORITHMS
  return ALGS[algorithm] !== undefined && enabled.has(algorithm)
}

/** Internal crypto parameters for an algorithm (used by the signer). */
export function algorithmSpec(algorithm: number): Readonly<AlgSpec> | undefined {
  return ALGS[algorithm]
}

/** Split an RFC 3110 RSA public key into exponent and modulus. */
export function parseRsaPublicKey(key: Buffer): {exponent: Buffer; modulus: Buffer} {
  if (key.length < 1) throw new DataError('empty RSA key', 'bad-dnssec-data')
  let expLen = key[0]!
  let off = 1
  if (expLen === 0) {
    if (key.length < 3) throw new DataError('truncated RSA exponent length', 'bad-dnssec-data')
    expLen = key.readUInt16BE(1)
    off = 3
  }
  if (expLen === 0 || off + expLen >= key.length) throw new DataError('RSA key too short for its exponent length', 'bad-dnssec-data')
  const exponent = key.subarray(off, off + expLen)
  let modulus = key.subarray(off + expLen)
  while (modulus.length > 1 && modulus[0] === 0) modulus = modulus.subarray(1)
  return {exponent, modulus}
}

const keyCache = new Map<string, KeyObject>()

/**
 * Convert DNSKEY public key material to a node:crypto KeyObject: RSA (RFC 3110 exponent /
 * modulus) via JWK, ECDSA raw x||y (RFC 6605) via JWK, EdDSA raw point (RFC 8080) via JWK.
 * Throws for unsupported algorithms or malformed keys.
 */
export function dnskeyToPublicKey(dnskey: DnskeyData): KeyObject {
  const spec = ALGS[dnskey.algorithm]
  if (!spec) throw new DataError(`unsupported algorithm ${algorithmLabel(dnskey.algorithm)}`, 'unsupported')
  const cacheKey = `${dnskey.algorithm}:${dnskey.key.toString('base64')}`
  const cached = keyCache.get(cacheKey)
  if (cached) return cached
  let jwk: Record<string, string>
  if (spec.kind === 'rsa') {
    const {exponent, modulus} = parseRsaPublicKey(dnskey.key)
    const bits = modulus.length * 8
    if (bits < 512 || bits > 4096) throw new DataError(`RSA modulus of ${bits} bits outside 512..4096 (RFC 3110)`, 'bad-dnssec-data')
    jwk = {kty: 'RSA', n: modulus.toString('base64url'), e: exponent.toString('base64url')}
  } else if (spec.kind === 'ec') {
    if (dnskey.key.length !== spec.keyLength) throw new DataError(`${spec.curve} key must be ${spec.keyLength} octets, got ${dnskey.key.length}`, 'bad-dnssec-data')
    const half = spec.keyLength / 2
    jwk = {
      kty: 'EC', crv: spec.curve!,
      x: dnskey.key.subarray(0, half).toString('base64url'), y: dnskey.key.subarray(half).toString('base64url'),
    }
  } else {
    if (dnskey.key.length !== spec.keyLength) throw new DataError(`${spec.curve} key must be ${spec.keyLength} octets, got ${dnskey.key.length}`, 'bad-dnssec-data')
    jwk = {kty: 'OKP', crv: spec.curve!, x: dnskey.key.toString('base64url')}
  }
  const key = createPublicKey({key: jwk, format: 'jwk'})
  if (keyCache.size > 512) keyCache.clear()
  keyCache.set(cacheKey, key)
  return key
}

/**
 * RFC 1982 serial number comparison on 32-bit values: negative when `a` precedes `b`,
 * positive when it follows, 0 when equal.
 */
export function serialCompare(a: number, b: number): number {
  return ((a >>> 0) - (b >>> 0)) | 0
}

/** A signature time (or any Unix seconds) as ISO 8601 without milliseconds. */
export function isoTime(t: number): string {
  return new Date((t >>> 0) * 1000).toISOString().replace('.000Z', 'Z')
}

/**
 * The owner name whose records were signed: the RRset owner, or `*.<rightmost Labels labels>`
 * when the RRSIG Labels field is smaller (wildcard expansion, RFC 4035 §5.3.2). Null when the
 * Labels field exceeds the owner's label count.
 */
export function signedOwnerName(owner: string, labels: number): string | null {
  const count = rrsigLabelCount(owner)
  if (labels > count) return null
  if (labels === count) return owner
  return prependLabel('*', ancestorAt(owner, labels))
}

/**
 * The octets an RRSIG signs (RFC 4034 §3.1.8.1): RRSIG RDATA without the signature, then every
 * RR of the RRset in canonical form and order, with the Original TTL and, for wildcard
 * expansions, the wildcard owner.
 */
export function signedData(rrset: readonly Rr[], sig: Omit<RrsigData, 'signature'>, owner?: string): Buffer {
  if (rrset.length === 0) throw new InternalError('empty RRset')
  const signedOwner = owner ?? signedOwnerName(rrset[0]!.name, sig.labels)
  if (signedOwner === null) throw new DataError('RRSIG Labels field exceeds the owner name label count', 'bad-dnssec-data')
  const ownerWire = canonicalNameWire(signedOwner)
  const head = Buffer.alloc(10)
  const parts: Buffer[] = [rrsigRdataHeader(sig)]
  for (const {rr, rdata} of canonicalRrsetOrder(rrset)) {
    const h = Buffer.from(head)
    h.writeUInt16BE(typeNumber(rr.type), 0)
    h.writeUInt16BE(classNumber(rr.class), 2)
    h.writeUInt32BE(sig.originalTTL >>> 0, 4)
    h.writeUInt16BE(rdata.length, 8)
    parts.push(ownerWire, h, rdata)
  }
  return Buffer.concat(parts)
}

function fail(code: VerifyCode, reason: string): VerifyFail {
  return {ok: false, code, reason}
}

/** Check that all records form one RRset; returns a reason when they do not. */
function rrsetProblem(rrset: readonly Rr[]): string | null {
  if (rrset.length === 0) return 'empty RRset'
  const first = rrset[0]!
  for (const rr of rrset) {
    if (!nameEquals(rr.name, first.name)) return `records with different owners (${first.name}, ${rr.name})`
    if (!sameType(rr.type, first.type)) return `records with different types (${first.type}, ${rr.type})`
    if (classNumber(rr.class) !== classNumber(first.class)) return 'records with different classes'
  }
  return null
}

/**
 * Verify one RRSIG over an RRset with one DNSKEY at time `now` (unix seconds).
 *
 * Checks, in order: RRset shape, type covered, owner and class, algorithm support, signer
 * name (the DNSKEY owner, and an ancestor-or-self of the RRset owner), key tag / algorithm /
 * zone flag / revocation of the key, the Labels field (wildcard expansion), the validity period
 * with RFC 1982 serial arithmetic, and finally the signature itself.
 */
export function verifyRrsig(rrset: readonly Rr[], rrsig: RrsigRecord, dnskey: DnskeyRecord, now: number, opts: VerifyOptions = {}): VerifyResult {
  const shape = rrsetProblem(rrset)
  if (shape) return fail('bad-rrset', shape)
  const first = rrset[0]!
  const sig = rrsig.data
  const what = `RRSIG ${shownName(rrsig.name)}/${sig.typeCovered} (key tag ${sig.keyTag}, alg ${sig.algorithm})`
  if (!sameType(sig.typeCovered, first.type)) return fail('type-mismatch', `${what} covers ${sig.typeCovered}, not ${first.type}`)
  if (!nameEquals(rrsig.name, first.name)) return fail('owner-mismatch', `${what} is owned by ${rrsig.name}, not ${first.name}`)
  if (classNumber(rrsig.class) !== classNumber(first.class)) return fail('class-mismatch', `${what} class differs from the RRset's`)
  if (!isAlgorithmSupported(sig.algorithm, opts)) {
    return fail('unsupported-algorithm', `${what}: unsupported algorithm ${algorithmLabel(sig.algorithm)}`)
  }
  if (!isSubdomain(first.name, sig.signersName)) {
    return fail('signer-mismatch', `${what}: signer ${sig.signersName} is not the zone of ${first.name}`)
  }
  if (!nameEquals(dnskey.name, sig.signersName)) {
    return fail('signer-mismatch', `${what}: signer ${sig.signersName} differs from the DNSKEY owner ${dnskey.name}`)
  }
  const key = dnskey.data
  if (key.algorithm !== sig.algorithm) return fail('key-mismatch', `${what}: DNSKEY algorithm is ${key.algorithm}`)
  const tag = keyTag(key)
  if (tag !== sig.keyTag) return fail('key-mismatch', `${what}: DNSKEY key tag is ${tag}`)
  if (!(key.flags & DNSKEY_FLAG_ZONE)) return fail('not-zone-key', `${what}: DNSKEY ${tag} lacks the Zone Key flag`)
  if (key.flags & DNSKEY_FLAG_REVOKE && !sameType(first.type, 'DNSKEY')) {
    return fail('revoked-key', `${what}: DNSKEY ${tag} is revoked (RFC 5011)`)
  }
  let ownerLabels: number
  try {
    ownerLabels = rrsigLabelCount(first.name)
    nameLabels(sig.signersName)
  } catch (e) {
    return fail('bad-rrset', `${what}: ${(e as Error).message}`)
  }
  if (sig.labels > ownerLabels) {
    return fail('bad-labels', `${what}: Labels field ${sig.labels} exceeds the ${ownerLabels} labels of ${first.name}`)
  }
  const wildcardOwner = sig.labels < ownerLabels ? signedOwnerName(first.name, sig.labels)! : undefined
  if (wildcardOwner && !isSubdomain(wildcardOwner, sig.signersName)) {
    return fail('bad-labels', `${what}: wildcard ${wildcardOwner} implied by Labels ${sig.labels} is outside zone ${sig.signersName}`)
  }
  if (serialCompare(sig.expiration, sig.inception) < 0) {
    return fail('bad-validity-period', `${what}: expiration ${isoTime(sig.expiration)} precedes inception ${isoTime(sig.inception)}`)
  }
  const now32 = Math.floor(now) >>> 0
  if (serialCompare(now32, sig.inception) < 0) {
    return fail('not-yet-valid', `${what}: signature not yet valid (inception ${isoTime(sig.inception)}, now ${isoTime(now32)})`)
  }
  if (serialCompare(sig.expiration, now32) < 0) {
    return fail('expired', `${what}: signature expired at ${isoTime(sig.expiration)} (now ${isoTime(now32)})`)
  }
  const spec = ALGS[sig.algorithm]!
  let publicKey: KeyObject
  try {
    publicKey = dnskeyToPublicKey(key)
  } catch (e) {
    return fail('malformed-key', `${what}: DNSKEY ${tag} unusable: ${(e as Error).message}`)
  }
  if (spec.sigLength !== undefined && sig.signature.length !== spec.sigLength) {
    return fail('bad-signature', `${what}: signature is ${sig.signature.length} octets, expected ${spec.sigLength}`)
  }
  let data: Buffer
  try {
    data = signedData(rrset, sig, wildcardOwner ?? first.name)
  } catch (e) {
    return fail('bad-rrset', `${what}: cannot canonicalise the RRset: ${(e as Error).message}`)
  }
  let valid = false
  try {
    valid = spec.kind === 'ec'
      ? cryptoVerify(spec.hash, data, {key: publicKey, dsaEncoding: 'ieee-p1363'}, sig.signature)
      : cryptoVerify(spec.hash, data, publicKey, sig.signature)
  } catch (e) {
    return fail('bad-signature', `${what}: signature verification error: ${(e as Error).message}`)
  }
  if (!valid) return fail('bad-signature', `${what}: signature does not verify with DNSKEY ${tag}`)

  const notes: string[] = []
  const rrsetTtl = Math.min(...rrset.map(r => r.ttl ?? 0))
  if (rrsetTtl > sig.originalTTL) notes.push(`RRset TTL ${rrsetTtl} exceeds the Original TTL ${sig.originalTTL}; capped`)
  if (rrsig.ttl !== undefined && rrsig.ttl !== rrsetTtl) notes.push(`RRSIG TTL ${rrsig.ttl} differs from the RRset TTL ${rrsetTtl}`)
  const untilExpiry = serialCompare(sig.expiration, now32)
  const ttl = Math.max(0, Math.min(rrsetTtl, rrsig.ttl ?? rrsetTtl, sig.originalTTL, untilExpiry))
  return wildcardOwner ? {ok: true, ttl, wildcard: wildcardOwner, notes} : {ok: true, ttl, notes}
}

/** One attempt made by {@link verifyRrset}. */
export interface VerifyAttempt {
  keyTag: number
  algorithm: number
  code: VerifyCode
  reason: string
}

/** An RRset validated: which RRSIG and DNSKEY did it. */
export interface RrsetVerifyOk extends VerifyOk {
  rrsig: RrsigRecord
  dnskey: DnskeyRecord
  keyTag: number
  algorithm: number
  reason: string
}

/** An RRset that did not validate. `insecure` is true when every RRSIG used an unsupported algorithm. */
export interface RrsetVerifyFail extends VerifyFail {
  insecure: boolean
  failures: VerifyAttempt[]
}

/** Result of {@link verifyRrset}. */
export type RrsetVerifyResult = RrsetVerifyOk | RrsetVerifyFail

/**
 * Verify an RRset against candidate RRSIGs and DNSKEYs: RRSIGs that do not cover this
 * owner/type are ignored, each remaining RRSIG is tried with the DNSKEYs matching its signer,
 * key tag and algorithm; the first success wins. On failure every attempt is reported.
 */
export function verifyRrset(rrset: readonly Rr[], rrsigs: readonly RrsigRecord[], dnskeys: readonly DnskeyRecord[], now: number, opts: VerifyOptions = {}): RrsetVerifyResult {
  const shape = rrsetProblem(rrset)
  if (shape) return {ok: false, code: 'bad-rrset', reason: shape, insecure: false, failures: []}
  const first = rrset[0]!
  const label = `${shownName(first.name)}/${first.type}`
  const relevant = rrsigs.filter(s => sameType(s.type, 'RRSIG') && nameEquals(s.name, first.name) && sameType(s.data.typeCovered, first.type))
  if (relevant.length === 0) {
    return {ok: false, code: 'no-rrsig', reason: `no RRSIG covers ${label}`, insecure: false, failures: []}
  }
  const failures: VerifyAttempt[] = []
  const maxValidations = opts.maxValidations ?? 16
  let validations = 0
  for (const rrsig of relevant) {
    const sig = rrsig.data
    if (!isAlgorithmSupported(sig.algorithm, opts)) {
      failures.push({keyTag: sig.keyTag, algorithm: sig.algorithm, code: 'unsupported-algorithm', reason: `RRSIG by key ${sig.keyTag}: unsupported algorithm ${algorithmLabel(sig.algorithm)}`})
      continue
    }
    const candidates = dnskeys.filter(k => sameType(k.type, 'DNSKEY') && k.data.algorithm === sig.algorithm && nameEquals(k.name, sig.signersName) && keyTag(k.data) === sig.keyTag)
    if (candidates.length === 0) {
      failures.push({keyTag: sig.keyTag, algorithm: sig.algorithm, code: 'no-key', reason: `no DNSKEY at ${shownName(sig.signersName)} with key tag ${sig.keyTag} and algorithm ${sig.algorithm}`})
      continue
    }
    for (const dnskey of candidates) {
      if (validations >= maxValidations) {
        failures.push({keyTag: sig.keyTag, algorithm: sig.algorithm, code: 'too-many-keys', reason: `gave up after ${maxValidations} signature verifications`})
        break
      }
      const r = verifyRrsig(rrset, rrsig, dnskey, now, opts)
      validations++
      if (r.ok) {
        return {...r, rrsig, dnskey, keyTag: sig.keyTag, algorithm: sig.algorithm, reason: `${label} verified with DNSKEY ${sig.keyTag} (alg ${sig.algorithm})`}
      }
      failures.push({keyTag: sig.keyTag, algorithm: sig.algorithm, code: r.code, reason: r.reason})
    }
  }
  const insecure = failures.length > 0 && failures.every(f => f.code === 'unsupported-algorithm')
  const primary = failures.find(f => f.code !== 'unsupported-algorithm' && f.code !== 'no-key') ?? failures.find(f => f.code !== 'unsupported-algorithm') ?? failures[0]!
  return {
    ok: false,
    code: primary.code,
    reason: `${label} did not validate: ${failures.map(f => f.reason).join('; ')}`,
    insecure,
    failures,
  }
}
