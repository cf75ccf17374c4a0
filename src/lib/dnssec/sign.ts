/**
 * A small zone signer for the lab and the tests: key generation with node:crypto, RRset
 * signing (RFC 4034 §3), DS creation (RFC 4034 §5) and whole-zone signing with an NSEC
 * (RFC 4035 §2.3) or NSEC3 (RFC 5155 §7.1) chain, handling delegations and glue
 * (RFC 4035 §2.2: only DS and NSEC/NSEC3 are signed at a delegation point; glue is not signed
 * and gets no NSEC).
 */
import {DataError, InternalError, UsageError} from '../errors.js'
import {createECDH, createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as cryptoSign} from 'node:crypto'
import type {KeyObject} from 'node:crypto'
import {base32HexEncode} from './base32hex.js'
import {canonicalName, compareNames, isSubdomain, nameEquals, parentName, rrsigLabelCount} from '../dns/names.js'
import {canonicalRdata} from '../dns/record.js'
import type {DnskeyData, DsRecord, Nsec3Data, NsecData, Rr, RrsigData, RrsigRecord} from '../dns/record.js'
import {packetTypeName, sameType, typeNumber} from '../dns/types.js'
import {dsDigest, keyTag} from './canonical.js'
import {nsec3HashRaw} from './denial.js'
import {algorithmSpec, signedData} from './verify.js'

/** Algorithms the signer can generate keys for. */
export type SigningAlgorithm = 8 | 10 | 13 | 14 | 15 | 16

/** A DNSSEC signing key: its DNSKEY RDATA plus the node:crypto private key. */
export interface SigningKey {
  algorithm: number
  flags: number
  keyTag: number
  /** DNSKEY RDATA in dns-packet form. */
  dnskey: DnskeyData
  privateKey: KeyObject
  publicKey: KeyObject
}

const CURVES: Record<number, {jwk: string; ecdh?: string; size: number}> = {
  13: {jwk: 'P-256', ecdh: 'prime256v1', size: 32},
  14: {jwk: 'P-384', ecdh: 'secp384r1', size: 48},
  15: {jwk: 'Ed25519', size: 32},
  16: {jwk: 'Ed448', size: 57},
}

function fixedLength(b64url: string, size: number): Buffer {
  const raw = Buffer.from(b64url, 'base64url')
  if (raw.length === size) return raw
  if (raw.length > size) throw new DataError('coordinate too long', 'bad-dnssec-data')
  return Buffer.concat([Buffer.alloc(size - raw.length), raw])
}

/** DNSKEY public key field (RFC 3110 / RFC 6605 / RFC 8080 encoding) for a node:crypto public key. */
export function publicKeyToDnskeyKey(algorithm: number, publicKey: KeyObject): Buffer {
  const spec = algorithmSpec(algorithm)
  if (!spec) throw new DataError(`cannot encode keys for algorithm ${algorithm}`, 'unsupported')
  const jwk = publicKey.export({format: 'jwk'}) as Record<string, string | undefined>
  if (spec.kind === 'rsa') {
    if (jwk.kty !== 'RSA' || !jwk.n || !jwk.e) throw new DataError(`algorithm ${algorithm} needs an RSA key`, 'bad-dnssec-data')
    const e = Buffer.from(jwk.e, 'base64url')
    const nBuf = Buffer.from(jwk.n, 'base64url')
    const expLen = e.length <= 255 ? Buffer.from([e.length]) : Buffer.from([0, e.length >> 8, e.length & 0xff])
    return Buffer.concat([expLen, e, nBuf])
  }
  const curve = CURVES[algorithm]!
  if (jwk.crv !== curve.jwk || !jwk.x) throw new DataError(`algorithm ${algorithm} needs a ${curve.jwk} key, got ${jwk.crv ?? jwk.kty}`, 'bad-dnssec-data')
  if (spec.kind === 'ec') return Buffer.concat([fixedLength(jwk.x, curve.size), fixedLength(jwk.y ?? '', curve.size)])
  return fixedLength(jwk.x, curve.size)
}

/** Build a {@link SigningKey} around an existing node:crypto private key. */
export function signingKeyFromPrivateKey(algorithm: number, flags: number, privateKey: KeyObject): SigningKey {
  const publicKey = createPublicKey(privateKey)
  const dnskey: DnskeyData = {flags, algorithm, key: publicKeyToDnskeyKey(algorithm, publicKey)}
  return {algorithm, flags, keyTag: keyTag(dnskey), dnskey, privateKey, publicKey}
}

/** Options of {@link generateKey}. */
export interface GenerateKeyOptions {
  /** RSA modulus size in bits (default 2048). */
  modulusLength?: number
  /**
   * Derive the key deterministically from this seed (ECDSA and EdDSA only), so that lab runs
   * are repeatable. Never use seeded keys outside tests and labs.
   */
  seed?: string | Buffer
}

function seededKey(algorithm: 13 | 14 | 15 | 16, flags: number, seed: string | Buffer): SigningKey {
  const size = CURVES[algorithm]!.size
  for (let counter = 0; counter < 32; counter++) {
    const raw = createHash('shake256', {outputLength: size})
      .update(`dnsx-dnssec-seeded-key|${algorithm}|${flags}|${counter}|`).update(seed).digest()
    try {
      return importRawPrivateKey(algorithm, flags, raw)
    } catch {
      // scalar out of range for the curve: try the next counter
    }
  }
  throw new InternalError('could not derive a key from the seed')
}

/**
 * Generate a key pair: RSA (8, 10; `modulusLength` default 2048), ECDSA P-256 / P-384 (13, 14)
 * or EdDSA (15, 16). `flags` 257 makes a KSK (SEP), 256 a ZSK. With `seed` (ECDSA/EdDSA
 * only) the key is derived deterministically.
 */
export function generateKey(algorithm: SigningAlgorithm, flags: 256 | 257 = 256, opts: GenerateKeyOptions = {}): SigningKey {
  if (opts.seed !== undefined) {
    if (algorithm === 8 || algorithm === 10) throw new UsageError('seeded key generation is only available for algorithms 13, 14, 15 and 16', 'usage')
    return seededKey(algorithm, flags, opts.seed)
  }
  let privateKey: KeyObject
  switch (algorithm) {
    case 8: case 10:
      privateKey = generateKeyPairSync('rsa', {modulusLength: opts.modulusLength ?? 2048, publicExponent: 65537}).privateKey
      break
    case 13: case 14:
      privateKey = generateKeyPairSync('ec', {namedCurve: CURVES[algorithm]!.jwk}).privateKey
      break
    case 15:
      privateKey = generateKeyPairSync('ed25519').privateKey
      break
    case 16:
      privateKey = generateKeyPairSync('ed448').privateKey
      break
    default:
      throw new DataError(`cannot generate keys for algorithm ${String(algorithm)}`, 'unsupported')
  }
  return signingKeyFromPrivateKey(algorithm, flags, privateKey)
}

/**
 * Import an ECDSA or EdDSA private key given as raw octets, as in BIND's `PrivateKey:` field
 * (the scalar for ECDSA, the seed for EdDSA), e.g. the RFC 6605 / RFC 8080 example keys.
 */
export function importRawPrivateKey(algorithm: 13 | 14 | 15 | 16, flags: number, raw: Buffer): SigningKey {
  const curve = CURVES[algorithm]!
  if (raw.length !== curve.size) throw new DataError(`algorithm ${algorithm} private key must be ${curve.size} octets`, 'bad-dnssec-data')
  let jwk: Record<string, string>
  if (curve.ecdh) {
    const ecdh = createECDH(curve.ecdh)
    ecdh.setPrivateKey(raw)
    const pub = ecdh.getPublicKey()
    jwk = {
      kty: 'EC', crv: curve.jwk, d: raw.toString('base64url'),
      x: pub.subarray(1, 1 + curve.size).toString('base64url'), y: pub.subarray(1 + curve.size).toString('base64url'),
    }
  } else {
    const prefix = algorithm === 15 ? '302e020100300506032b657004220420' : '3047020100300506032b6571043b0439'
    const der = Buffer.concat([Buffer.from(prefix, 'hex'), raw])
    return signingKeyFromPrivateKey(algorithm, flags, createPrivateKey({key: der, format: 'der', type: 'pkcs8'}))
  }
  return signingKeyFromPrivateKey(algorithm, flags, createPrivateKey({key: jwk, format: 'jwk'}))
}

/** Options of {@link signRrset}. */
export interface SignRrsetOptions {
  /** Signer's name: the zone apex. */
  signer: string
  /** Inception and expiration, unix seconds (stored modulo 2^32). */
  inception: number
  expiration: number
  /** Original TTL (default: the RRset's smallest TTL). */
  originalTtl?: number
  /** Labels field (default: owner labels without a leading `*`). */
  labels?: number
  /** TTL of the RRSIG record itself (default: the Original TTL). */
  ttl?: number
}

/** Sign an RRset, returning the RRSIG record (RFC 4034 §3.1.8.1). */
export function signRrset(rrset: readonly Rr[], key: SigningKey, opts: SignRrsetOptions): RrsigRecord {
  if (rrset.length === 0) throw new InternalError('cannot sign an empty RRset')
  const first = rrset[0]!
  const spec = algorithmSpec(key.algorithm)
  if (!spec) throw new DataError(`cannot sign with algorithm ${key.algorithm}`, 'unsupported')
  const originalTTL = opts.originalTtl ?? Math.min(...rrset.map(r => r.ttl ?? 0))
  const sigData: Omit<RrsigData, 'signature'> = {
    typeCovered: packetTypeName(first.type), algorithm: key.algorithm, labels: opts.labels ?? rrsigLabelCount(first.name),
    originalTTL, expiration: opts.expiration >>> 0, inception: opts.inception >>> 0, keyTag: key.keyTag,
    signersName: opts.signer,
  }
  const data = signedData(rrset, sigData)
  const signature = spec.kind === 'ec'
    ? cryptoSign(spec.hash, data, {key: key.privateKey, dsaEncoding: 'ieee-p1363'})
    : cryptoSign(spec.hash, data, key.privateKey)
  return {name: first.name, type: 'RRSIG', class: first.class ?? 'IN', ttl: opts.ttl ?? originalTTL, data: {...sigData, signature}}
}

/** DS record for a key (RFC 4034 §5.1), digest type 2 (SHA-256) by default. */
export function makeDs(owner: string, dnskey: DnskeyData | SigningKey, digestType = 2, ttl = 3600): DsRecord {
  const data = 'dnskey' in dnskey ? dnskey.dnskey : dnskey
  return {
    name: owner, type: 'DS', class: 'IN', ttl,
    data: {keyTag: keyTag(data), algorithm: data.algorithm, digestType, digest: dsDigest(owner, data, digestType)},
  }
}

/** Options of {@link signZone}. */
export interface SignZoneOptions {
  /** Key signing key: signs the DNSKEY RRset. */
  ksk: SigningKey
  /** Zone signing key: signs everything else (default: the KSK, i.e. a combined signing key). */
  zsk?: SigningKey
  /** Denial of existence flavour. */
  nsec: 'nsec' | 'nsec3'
  /** Current time, unix seconds. */
  now: number
  /** Signature inception (default now − 1 h) and expiration (default now + 30 days). */
  inception?: number
  expiration?: number
  /** NSEC3 parameters (RFC 9276 defaults: no salt, 0 iterations, no Opt-Out). */
  nsec3?: {salt?: Buffer | string; iterations?: number; optOut?: boolean}
  /** TTL of the DNSKEY RRset (default: SOA TTL or 3600). */
  dnskeyTtl?: number
}

const GENERATED = ['RRSIG', 'NSEC', 'NSEC3', 'NSEC3PARAM']

interface NameNode {
  name: string
  rrsets: Map<number, Rr[]>
}

function sortTypes(types: Iterable<string | number>): string[] {
  return [...new Set([...types].map(t => typeNumber(t)))].sort((a, b) => a - b).map(t => packetTypeName(t))
}

/**
 * Sign a zone: add the DNSKEY RRset, an NSEC or NSEC3 chain (with NSEC3PARAM) and RRSIGs.
 * Existing RRSIG/NSEC/NSEC3/NSEC3PARAM records are dropped and regenerated. Delegations (NS
 * below the apex) get no RRSIG on NS or glue; their DS is signed; names below a delegation
 * are glue and are left out of the chain. Returns the unsigned input records followed by the
 * generated ones.
 */
export function signZone(origin: string, records: readonly Rr[], opts: SignZoneOptions): Rr[] {
  const apex = canonicalName(origin)
  const ksk = opts.ksk
  const zsk = opts.zsk ?? opts.ksk
  const inception = opts.inception ?? opts.now - 3600
  const expiration = opts.expiration ?? opts.now + 30 * 86400
  const input: Rr[] = []
  for (const r of records) {
    if (GENERATED.some(t => sameType(r.type, t))) continue
    if (!isSubdomain(r.name, apex)) throw new UsageError(`record ${r.name}/${r.type} is outside zone ${apex}`, 'bad-zone-file')
    input.push({...r, class: r.class ?? 'IN'})
  }
  const soa = input.find(r => sameType(r.type, 'SOA') && nameEquals(r.name, apex)) as Rr<{minimum?: number}> | undefined
  const soaTtl = soa?.ttl ?? 3600
  const negativeTtl = soa ? Math.min(soaTtl, soa.data.minimum ?? soaTtl) : 3600
  const dnskeyTtl = opts.dnskeyTtl ?? soaTtl

  const existingKeys = input.filter(r => sameType(r.type, 'DNSKEY') && nameEquals(r.name, apex)).map(r => canonicalRdata('DNSKEY', r.data))
  for (const k of [ksk, zsk]) {
    const rdata = canonicalRdata('DNSKEY', k.dnskey)
    if (existingKeys.some(e => e.equals(rdata))) continue
    existingKeys.push(rdata)
    input.push({name: apex, type: 'DNSKEY', class: 'IN', ttl: dnskeyTtl, data: k.dnskey})
  }

  const nsec3 = opts.nsec === 'nsec3' ? {salt: opts.nsec3?.salt ?? Buffer.alloc(0), iterations: opts.nsec3?.iterations ?? 0, optOut: opts.nsec3?.optOut ?? false} : undefined
  const generated: Rr[] = []
  if (nsec3) {
    const salt = Buffer.isBuffer(nsec3.salt) ? nsec3.salt : Buffer.from(nsec3.salt === '-' ? '' : nsec3.salt, 'hex')
    const param = Buffer.alloc(5 + salt.length)
    param[0] = 1
    param.writeUInt16BE(nsec3.iterations, 2)
    param[4] = salt.length
    salt.copy(param, 5)
    generated.push({name: apex, type: 'NSEC3PARAM', class: 'IN', ttl: 0, data: param})
  }

  const nodes = new Map<string, NameNode>()
  for (const r of [...input, ...generated]) {
    const key = canonicalName(r.name)
    let node = nodes.get(key)
    if (!node) nodes.set(key, (node = {name: key, rrsets: new Map()}))
    const t = typeNumber(r.type)
    const list = node.rrsets.get(t)
    if (list) list.push(r)
    else node.rrsets.set(t, [r])
  }
  const NS = typeNumber('NS')
  const DS = typeNumber('DS')
  const DNSKEY = typeNumber('DNSKEY')
  const cuts = [...nodes.values()].filter(n => n.name !== apex && n.rrsets.has(NS)).map(n => n.name)
  const occluded = (name: string): boolean => cuts.some(c => c !== name && isSubdomain(name, c))
  const authoritative = [...nodes.values()].filter(n => !occluded(n.name)).sort((a, b) => compareNames(a.name, b.name))
  const isCut = (n: NameNode): boolean => n.name !== apex && n.rrsets.has(NS)

  const sign = (rrset: Rr[], key: SigningKey): RrsigRecord =>
    signRrset(rrset, key, {signer: apex, inception, expiration})
  const signatures: Rr[] = []

  for (const node of authoritative) {
    for (const [type, rrset] of node.rrsets) {
      if (isCut(node) && type !== DS) continue
      signatures.push(sign(rrset, type === DNSKEY && node.name === apex ? ksk : zsk))
    }
  }

  if (!nsec3) {
    authoritative.forEach((node, i) => {
      const next = authoritative[(i + 1) % authoritative.length]!
      const types = isCut(node)
        ? [NS, ...(node.rrsets.has(DS) ? [DS] : []), 'RRSIG', 'NSEC']
        : [...node.rrsets.keys(), 'RRSIG', 'NSEC']
      const rr: Rr<NsecData> = {name: node.name, type: 'NSEC', class: 'IN', ttl: negativeTtl, data: {nextDomain: next.name, rrtypes: sortTypes(types)}}
      generated.push(rr)
      signatures.push(sign([rr], zsk))
    })
  } else {
    const entries = new Map<string, {name: string; hash: Buffer; types: string[]}>()
    const add = (name: string, types: Array<string | number>): void => {
      const hash = nsec3HashRaw(name, nsec3.salt, nsec3.iterations)
      const key = hash.toString('hex')
      const prev = entries.get(key)
      if (prev && !nameEquals(prev.name, name)) throw new DataError(`NSEC3 hash collision between ${prev.name} and ${name}`, 'bad-dnssec-data')
      if (!prev || prev.types.length === 0) entries.set(key, {name, hash, types: sortTypes(types)})
    }
    for (const node of authoritative) {
      if (isCut(node)) {
        const secure = node.rrsets.has(DS)
        if (!secure && nsec3.optOut) continue
        add(node.name, secure ? [NS, DS, 'RRSIG'] : [NS])
      } else {
        add(node.name, [...node.rrsets.keys(), 'RRSIG'])
      }
      for (let a = parentName(node.name); a !== null && isSubdomain(a, apex) && !nameEquals(a, apex); a = parentName(a)) {
        if (!nodes.has(canonicalName(a))) add(canonicalName(a), [])
      }
    }
    const chain = [...entries.values()].sort((a, b) => Buffer.compare(a.hash, b.hash))
    chain.forEach((e, i) => {
      const next = chain[(i + 1) % chain.length]!
      const data: Nsec3Data = {
        algorithm: 1, flags: nsec3.optOut ? 1 : 0, iterations: nsec3.iterations,
        salt: Buffer.isBuffer(nsec3.salt) ? nsec3.salt : Buffer.from(nsec3.salt === '-' ? '' : nsec3.salt, 'hex'),
        nextDomain: next.hash, rrtypes: e.types,
      }
      const owner = apex === '' ? base32HexEncode(e.hash).toLowerCase() : `${base32HexEncode(e.hash).toLowerCase()}.${apex}`
      const rr: Rr<Nsec3Data> = {name: owner, type: 'NSEC3', class: 'IN', ttl: negativeTtl, data}
      generated.push(rr)
      signatures.push(sign([rr], zsk))
    })
  }
  return [...input, ...generated, ...signatures]
}
