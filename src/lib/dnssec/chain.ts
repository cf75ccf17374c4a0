/**
 * Sans-I/O chain-of-trust helpers for `dnsx trace --dnssec`. The trace walk fetches records
 * zone by zone and calls, for each zone cut:
 *
 *  1. {@link validateDelegation} on the parent's DS answer / referral (verifies the DS RRset
 *     with the parent's keys, or the proof that there is no DS),
 *  2. {@link validateZone} with that DS (or the trust anchor for the root) and the zone's
 *     DNSKEY RRset, which yields the zone's status and validated keys,
 *  3. {@link validateAnswer} on the final answer or denial.
 *
 * Statuses follow RFC 4033 §5 / RFC 4035 §4.3: secure, insecure (proven: an authenticated
 * denial of DS above the name), bogus, and indeterminate (no trust anchor covers the name, or
 * nothing could be validated: never taken for insecure).
 */
import {dnameSubstitute, isSubdomain, nameEquals, printable, shownName} from '../dns/names.js'
import {DNSKEY_FLAG_REVOKE, DNSKEY_FLAG_ZONE} from '../dns/record.js'
import type {DnskeyData, DnskeyRecord, DsData, DsRecord, Rr, RrsigRecord} from '../dns/record.js'
import {algorithmLabel, sameType, typeName, typeNumber} from '../dns/types.js'
import {dsDigest, isDigestTypeSupported, keyTag} from './canonical.js'
import {proveDenial, proveInsecureDelegation, proveWildcardAnswer} from './denial.js'
import type {DenialResult, Nsec3Options} from './denial.js'
import {parseZoneFile} from '../dns/zonefile.js'
import {DataError} from '../errors.js'
import {isAlgorithmSupported, verifyRrset} from './verify.js'
import type {VerifyOptions} from './verify.js'
import {count} from '../words.js'

/** Validation status of a zone or answer. */
export type SecurityStatus = 'secure' | 'insecure' | 'indeterminate' | 'bogus'

/** Options for the chain helpers. */
export type ChainOptions = VerifyOptions & Nsec3Options

/** A proof (usually a {@link DenialResult}) that the parent has no DS for the zone. */
export interface DsAbsenceProof {
  ok: boolean
  reason: string
}

/** Input of {@link validateZone}. */
export interface ValidateZoneInput {
  /** The zone whose DNSKEY RRset is being validated. */
  zone: string
  /** Status of the parent zone (for the root: `secure` when a trust anchor is configured). */
  parentStatus: SecurityStatus
  /** DS RRset from the parent (already verified with the parent's keys), or the trust anchor; null when none. */
  ds: readonly DsRecord[] | null
  /** When `ds` is empty: the verified proof that the parent has no DS. */
  dsProofOfAbsence?: DsAbsenceProof
  /** The zone's DNSKEY RRset. */
  dnskeys: readonly DnskeyRecord[]
  /** RRSIGs over the DNSKEY RRset. */
  dnskeyRrsigs: readonly RrsigRecord[]
  /** Current time, unix seconds. */
  now: number
  options?: ChainOptions
}

/** How one DS record fared. */
export interface DsMatch {
  keyTag: number
  algorithm: number
  digestType: number
  /** The DS was usable (supported algorithm and digest, not superseded by a stronger digest). */
  usable: boolean
  /** A DNSKEY of the zone hashes to this DS. */
  matched: boolean
  reason: string
}

/** Result of {@link validateZone}. */
export interface ZoneValidation {
  status: SecurityStatus
  reason: string
  /** Validated zone keys (Zone Key flag set, not revoked); empty unless secure. */
  keys: DnskeyRecord[]
  dsMatches: DsMatch[]
  /** Key tag of the DNSKEY whose signature over the DNSKEY RRset was accepted. */
  signingKeyTag?: number
  /** TTL to use for the DNSKEY RRset (RFC 4035 §5.3.3). */
  ttl?: number
}

function isRevoked(k: DnskeyData): boolean {
  return (k.flags & DNSKEY_FLAG_REVOKE) !== 0
}

function isZoneKey(k: DnskeyData): boolean {
  return (k.flags & DNSKEY_FLAG_ZONE) !== 0
}

/**
 * Validate a zone's DNSKEY RRset against the DS RRset from its parent (RFC 4035 §5.2):
 * a DNSKEY matching a usable DS must sign the DNSKEY RRset. DS records with unsupported
 * algorithms or digest types are ignored; when none is usable the zone is insecure. SHA-1 DS
 * records are ignored when a supported stronger digest is present (RFC 4509 §3).
 */
export function validateZone(input: ValidateZoneInput): ZoneValidation {
  const zone = shownName(input.zone)
  const opts = input.options ?? {}
  const result = (status: SecurityStatus, reason: string, extra: Partial<ZoneValidation> = {}): ZoneValidation =>
    ({status, reason, keys: [], dsMatches: [], ...extra})
  if (input.parentStatus === 'bogus') return result('bogus', `parent of ${zone} is bogus`)
  if (input.parentStatus === 'insecure') return result('insecure', `parent of ${zone} is insecure`)
  if (input.parentStatus === 'indeterminate') return result('indeterminate', `no trust anchor covers ${zone}`)

  const ds = (input.ds ?? []).filter(r => sameType(r.type, 'DS'))
  const strayDs = ds.filter(r => !nameEquals(r.name, zone))
  const ownDs = ds.filter(r => nameEquals(r.name, zone))
  if (ownDs.length === 0) {
    const stray = strayDs.length > 0 ? ` (ignored ${strayDs.length} DS owned by other names)` : ''
    if (input.dsProofOfAbsence?.ok) return result('insecure', `no DS for ${zone} at the parent, proven: ${input.dsProofOfAbsence.reason}${stray}`)
    const why = input.dsProofOfAbsence ? input.dsProofOfAbsence.reason : 'no proof of absence was provided'
    return result('bogus', `the parent of ${zone} is secure but has no DS for it and its absence is not proven: ${why}${stray}`)
  }

  const dsMatches: DsMatch[] = []
  const supported = ownDs.filter(r => isAlgorithmSupported(r.data.algorithm, opts) && isDigestTypeSupported(r.data.digestType))
  const hasStrong = supported.some(r => r.data.digestType !== 1)
  const usable = supported.filter(r => !(hasStrong && r.data.digestType === 1))
  for (const r of ownDs) {
    const d = r.data
    if (usable.includes(r)) continue
    const why = !isAlgorithmSupported(d.algorithm, opts)
      ? `unsupported algorithm ${algorithmLabel(d.algorithm)}`
      : !isDigestTypeSupported(d.digestType) ? `unsupported digest type ${d.digestType}` : 'SHA-1 digest ignored in favour of a stronger one (RFC 4509 §3)'
    dsMatches.push({keyTag: d.keyTag, algorithm: d.algorithm, digestType: d.digestType, usable: false, matched: false, reason: why})
  }
  if (usable.length === 0) {
    return result('insecure', `no DS for ${zone} uses a supported algorithm and digest (${dsMatches.map(m => `${m.keyTag}/${m.algorithm}/${m.digestType}: ${m.reason}`).join('; ')}): treated as insecure (RFC 4035 §5.2)`, {dsMatches})
  }

  const keys = input.dnskeys.filter(k => sameType(k.type, 'DNSKEY') && nameEquals(k.name, zone))
  if (keys.length === 0) return result('bogus', `no DNSKEY records for ${zone}, but the parent has DS records`, {dsMatches})

  const anchored: DnskeyRecord[] = []
  for (const r of usable) {
    const d = r.data
    const sameTag = keys.filter(k => k.data.algorithm === d.algorithm && keyTag(k.data) === d.keyTag)
    const hit = sameTag.filter(k => dsDigest(zone, k.data, d.digestType).equals(d.digest))
    let reason: string
    if (hit.length > 0) {
      const bad = hit.find(k => !isZoneKey(k.data) || isRevoked(k.data))
      reason = bad ? `DNSKEY ${d.keyTag} matches but ${isZoneKey(bad.data) ? 'is revoked' : 'lacks the Zone Key flag'}` : `matches DNSKEY ${d.keyTag}`
      for (const k of hit) if (isZoneKey(k.data) && !isRevoked(k.data) && !anchored.includes(k)) anchored.push(k)
    } else {
      reason = sameTag.length > 0 ? `DNSKEY ${d.keyTag} found but its digest does not match` : `no DNSKEY with key tag ${d.keyTag} and algorithm ${d.algorithm}`
    }
    dsMatches.push({keyTag: d.keyTag, algorithm: d.algorithm, digestType: d.digestType, usable: true, matched: hit.length > 0, reason})
  }
  if (anchored.length === 0) {
    return result('bogus', `no DNSKEY of ${zone} matches its DS: ${dsMatches.filter(m => m.usable).map(m => `DS ${m.keyTag}/${m.algorithm}/${m.digestType}: ${m.reason}`).join('; ')}`, {dsMatches})
  }
  const v = verifyRrset(keys, input.dnskeyRrsigs, anchored, input.now, opts)
  if (!v.ok) {
    return result('bogus', `the DNSKEY RRset of ${zone} is not validly signed by a key its DS points to: ${v.reason}`, {dsMatches})
  }
  const validated = keys.filter(k => isZoneKey(k.data) && !isRevoked(k.data))
  return {
    status: 'secure',
    reason: `DNSKEY RRset of ${zone} signed by key ${v.keyTag} (alg ${v.algorithm}), which matches its DS`,
    keys: validated, dsMatches, signingKeyTag: v.keyTag, ttl: v.ttl,
  }
}

// ---------------------------------------------------------------------------------------------

/** Split records into RRsets by owner (case-insensitive), class and type; RRSIGs by the type they cover. */
export function groupRrsets(records: readonly Rr[]): Array<{name: string; type: string; rrset: Rr[]; rrsigs: RrsigRecord[]}> {
  const groups = new Map<string, {name: string; type: string; rrset: Rr[]; rrsigs: RrsigRecord[]}>()
  const keyOf = (name: string, type: string, klass: string | undefined): string => `${shownName(name)}|${typeNumber(type)}|${klass ?? 'IN'}`
  for (const r of records) {
    if (sameType(r.type, 'RRSIG')) continue
    if (sameType(r.type, 'OPT')) continue
    const k = keyOf(r.name, r.type, r.class)
    let g = groups.get(k)
    if (!g) groups.set(k, (g = {name: r.name, type: typeName(r.type), rrset: [], rrsigs: []}))
    g.rrset.push(r)
  }
  for (const r of records) {
    if (!sameType(r.type, 'RRSIG')) continue
    const sig = r as RrsigRecord
    const g = groups.get(keyOf(sig.name, sig.data.typeCovered, sig.class))
    if (g) g.rrsigs.push(sig)
  }
  return [...groups.values()]
}

/** Validation of one RRset in an answer. */
export interface RrsetValidation {
  name: string
  type: string
  status: SecurityStatus | 'skipped'
  reason: string
  keyTag?: number
  ttl?: number
  /** The wildcard the RRset was synthesised from. */
  wildcard?: string
}

/** Input of {@link validateAnswer}. */
export interface ValidateAnswerInput {
  /** The zone that gave the answer (its validated keys are `keys`). */
  zone: string
  /** Status from {@link validateZone}. */
  zoneStatus: SecurityStatus
  keys: readonly DnskeyRecord[]
  qname: string
  qtype: string
  /** Response code: `NOERROR`/`NXDOMAIN` or 0/3. */
  rcode: 'NOERROR' | 'NXDOMAIN' | number
  /** Answer section (records and their RRSIGs). */
  answers: readonly Rr[]
  /** Authority section (SOA, NSEC/NSEC3 and their RRSIGs). */
  authority?: readonly Rr[]
  now: number
  options?: ChainOptions
}

/** Result of {@link validateAnswer}. */
export interface AnswerValidation {
  status: SecurityStatus
  reason: string
  rrsets: RrsetValidation[]
  /** The denial-of-existence proof, for negative answers and wildcard expansions. */
  denial?: DenialResult
}

/** Worse to the right: an answer is as good as the worst of its parts. */
export const STATUS_RANK: Record<SecurityStatus, number> = {secure: 0, insecure: 1, indeterminate: 2, bogus: 3}

export function worst(a: SecurityStatus, b: SecurityStatus): SecurityStatus {
  return STATUS_RANK[a] >= STATUS_RANK[b] ? a : b
}

function denialStatus(d: DenialResult): SecurityStatus {
  if (d.ok) return d.optOut ? 'insecure' : 'secure'
  return d.insecure ? 'insecure' : 'bogus'
}

/** Verify the NSEC/NSEC3 (and SOA) RRsets of an authority section with the zone keys. */
function verifyAuthority(zone: string, keys: readonly DnskeyRecord[], authority: readonly Rr[], now: number, opts: ChainOptions): {records: Rr[]; results: RrsetValidation[]; status: SecurityStatus} {
  const records: Rr[] = []
  const results: RrsetValidation[] = []
  let status: SecurityStatus = 'secure'
  for (const g of groupRrsets(authority)) {
    const isDenial = sameType(g.type, 'NSEC') || sameType(g.type, 'NSEC3')
    if (!isDenial && !sameType(g.type, 'SOA')) continue
    if (!isSubdomain(g.name, zone)) {
      results.push({name: g.name, type: g.type, status: 'skipped', reason: `${shownName(g.name)} is outside zone ${zone}`})
      continue
    }
    const sigs = g.rrsigs.filter(s => nameEquals(s.data.signersName, zone))
    const v = verifyRrset(g.rrset, sigs, keys, now, opts)
    if (v.ok) {
      results.push({name: g.name, type: g.type, status: 'secure', reason: v.reason, keyTag: v.keyTag, ttl: v.ttl})
      if (isDenial) records.push(...g.rrset)
    } else {
      const st: SecurityStatus = v.insecure ? 'insecure' : 'bogus'
      const foreign = g.rrsigs.length > sigs.length ? ` (RRSIGs by other signers ignored: ${g.rrsigs.filter(s => !sigs.includes(s)).map(s => shownName(s.data.signersName)).join(', ')})` : ''
      results.push({name: g.name, type: g.type, status: st, reason: v.reason + foreign})
      if (isDenial) status = worst(status, st)
    }
  }
  return {records, results, status}
}

/**
 * Validate the final answer of a query against the zone's validated keys: every in-zone RRset
 * of the answer must be signed by the zone; wildcard expansions need a proof that the query
 * name does not exist; negative answers (NXDOMAIN, or NOERROR without the requested data at the
 * end of the CNAME chain) need an NSEC/NSEC3 proof signed by the zone.
 */
export function validateAnswer(input: ValidateAnswerInput): AnswerValidation {
  const zone = shownName(input.zone)
  const opts = input.options ?? {}
  const authority = input.authority ?? []
  if (input.zoneStatus !== 'secure') {
    const rrsets = groupRrsets(input.answers).map(g => ({name: g.name, type: g.type, status: 'skipped' as const, reason: `zone ${zone} is ${input.zoneStatus}`}))
    return {status: input.zoneStatus, reason: `zone ${zone} is ${input.zoneStatus}; the answer is not validated`, rrsets}
  }
  const rrsets: RrsetValidation[] = []
  const reasons: string[] = []
  let status: SecurityStatus = 'secure'
  const wildcards: Array<{name: string; labels: number}> = []
  const groups = groupRrsets(input.answers)
  const validatedDnames: Array<{owner: string; target: string}> = []
  const unsignedCnames: Array<{g: (typeof groups)[number]; result: RrsetValidation}> = []
  for (const g of groups) {
    if (!isSubdomain(g.name, zone)) {
      rrsets.push({name: g.name, type: g.type, status: 'skipped', reason: `${shownName(g.name)} is outside zone ${zone}; validate it in its own zone`})
      continue
    }
    const sigs = g.rrsigs.filter(s => nameEquals(s.data.signersName, zone))
    const v = verifyRrset(g.rrset, sigs, input.keys, input.now, opts)
    if (v.ok) {
      rrsets.push({name: g.name, type: g.type, status: 'secure', reason: v.reason, keyTag: v.keyTag, ttl: v.ttl, ...(v.wildcard ? {wildcard: v.wildcard} : {})})
      if (v.wildcard) wildcards.push({name: g.name, labels: v.rrsig.data.labels})
      if (sameType(g.type, 'DNAME')) validatedDnames.push({owner: g.name, target: String(g.rrset[0]!.data)})
    } else {
      const st: SecurityStatus = v.insecure ? 'insecure' : 'bogus'
      const others = g.rrsigs.filter(s => !sigs.includes(s)).map(s => shownName(s.data.signersName))
      const reason = others.length > 0 ? `${v.reason} (RRSIGs by ${others.join(', ')} are not from zone ${zone})` : v.reason
      const result: RrsetValidation = {name: g.name, type: g.type, status: st, reason}
      rrsets.push(result)
      if (sameType(g.type, 'CNAME') && g.rrsigs.length === 0 && g.rrset.length === 1) unsignedCnames.push({g, result})
      else {
        status = worst(status, st)
        reasons.push(reason)
      }
    }
  }
  // An unsigned CNAME is acceptable when synthesised from a validated DNAME (RFC 6672 §5.3.3).
  for (const {g, result} of unsignedCnames) {
    const dname = validatedDnames.find(d => {
      if (!isSubdomain(g.name, d.owner) || nameEquals(g.name, d.owner)) return false
      return nameEquals(String(g.rrset[0]!.data), dnameSubstitute(g.name, d.owner, d.target))
    })
    if (dname) {
      result.status = 'secure'
      result.reason = `CNAME synthesised from the validated DNAME at ${shownName(dname.owner)}`
    } else {
      status = worst(status, 'bogus')
      reasons.push(result.reason)
    }
  }

  // Follow the CNAME chain from qname within the answer.
  let target = input.qname
  const seen = new Set<string>()
  let hasData = false
  for (let i = 0; i < 16; i++) {
    const key = shownName(target)
    if (seen.has(key)) break
    seen.add(key)
    if (groups.some(g => nameEquals(g.name, target) && (sameType(g.type, input.qtype) || sameType(input.qtype, 'ANY')))) {
      hasData = true
      break
    }
    const cname = groups.find(g => nameEquals(g.name, target) && sameType(g.type, 'CNAME'))
    if (!cname) break
    target = String(cname.rrset[0]!.data)
  }

  const needDenial = !hasData
  let denial: DenialResult | undefined
  if (needDenial || wildcards.length > 0) {
    const auth = verifyAuthority(zone, input.keys, authority, input.now, opts)
    rrsets.push(...auth.results)
    if (auth.status !== 'secure') {
      status = worst(status, auth.status)
      reasons.push(...auth.results.filter(r => r.status === auth.status).map(r => r.reason))
    }
    for (const w of wildcards) {
      const d = proveWildcardAnswer(w.name, w.labels, auth.records, zone, opts)
      denial = d
      const st = denialStatus(d)
      status = worst(status, st)
      if (st !== 'secure') reasons.push(`wildcard answer ${shownName(w.name)}: ${d.reason}`)
    }
    if (needDenial) {
      if (!isSubdomain(target, zone)) {
        reasons.push(`CNAME chain leaves zone ${zone} at ${shownName(target)}; continue validation there`)
      } else {
        const nx = input.rcode === 'NXDOMAIN' || input.rcode === 3
        const d = proveDenial({qname: target, qtype: input.qtype, rcode: nx ? 'NXDOMAIN' : 'NOERROR', records: auth.records, zone, ...opts})
        denial = d
        const st = denialStatus(d)
        status = worst(status, st)
        reasons.push(`${nx ? 'NXDOMAIN' : 'no data'} for ${shownName(target)}/${input.qtype}: ${d.reason}`)
      }
    }
  }
  if (reasons.length === 0) reasons.push(`${count(rrsets.filter(r => r.status === 'secure').length, 'RRset')} validated in zone ${zone}`)
  return {status, reason: reasons.join('; '), rrsets, ...(denial ? {denial} : {})}
}

// ---------------------------------------------------------------------------------------------

/** Input of {@link validateDelegation}. */
export interface ValidateDelegationInput {
  parentZone: string
  parentStatus: SecurityStatus
  /** Validated keys of the parent zone. */
  parentKeys: readonly DnskeyRecord[]
  /** The child zone (delegation point). */
  child: string
  /** The parent's referral (authority section) or DS answer: DS, NSEC/NSEC3 and their RRSIGs. */
  records: readonly Rr[]
  now: number
  options?: ChainOptions
}

/** Result of {@link validateDelegation}: feed `ds` and `dsProofOfAbsence` to {@link validateZone}. */
export interface DelegationValidation {
  status: SecurityStatus
  reason: string
  ds: DsRecord[] | null
  dsProofOfAbsence?: DenialResult
}

/**
 * Validate what the parent says about a child's DS: a DS RRset signed by the parent, or an
 * NSEC/NSEC3 insecure-delegation proof (NS present, DS and SOA absent, or Opt-Out) signed by
 * the parent (RFC 4035 §5.2, RFC 6840 §4.4).
 */
export function validateDelegation(input: ValidateDelegationInput): DelegationValidation {
  const parent = shownName(input.parentZone)
  const child = shownName(input.child)
  const opts = input.options ?? {}
  if (input.parentStatus !== 'secure') return {status: input.parentStatus, reason: `parent ${parent} is ${input.parentStatus}`, ds: null}
  if (!isSubdomain(child, parent) || nameEquals(child, parent)) return {status: 'bogus', reason: `${child} is not below ${parent}`, ds: null}
  const dsGroup = groupRrsets(input.records).find(g => sameType(g.type, 'DS') && nameEquals(g.name, child))
  if (dsGroup) {
    const v = verifyRrset(dsGroup.rrset, dsGroup.rrsigs.filter(s => nameEquals(s.data.signersName, parent)), input.parentKeys, input.now, opts)
    if (v.ok) return {status: 'secure', reason: `DS RRset for ${child} ${v.reason.replace(/^\S+ /, '')}`, ds: dsGroup.rrset as DsRecord[]}
    return {status: v.insecure ? 'insecure' : 'bogus', reason: `DS RRset for ${child}: ${v.reason}`, ds: null}
  }
  const auth = verifyAuthority(parent, input.parentKeys, input.records, input.now, opts)
  if (auth.status === 'bogus') {
    return {status: 'bogus', reason: `NSEC/NSEC3 from ${parent} did not validate: ${auth.results.filter(r => r.status === 'bogus').map(r => r.reason).join('; ')}`, ds: null}
  }
  const proof = proveInsecureDelegation(child, auth.records, parent, opts)
  if (!proof.ok) {
    return {status: proof.insecure ? 'insecure' : 'bogus', reason: `no DS for ${child} and no valid insecure delegation proof: ${proof.reason}`, ds: null, dsProofOfAbsence: proof}
  }
  return {status: proof.optOut ? 'insecure' : 'secure', reason: `no DS for ${child}, proven by ${parent}: ${proof.reason}`, ds: null, dsProofOfAbsence: proof}
}

// ---------------------------------------------------------------------------------------------

/** Options of {@link parseTrustAnchor}. */
export interface TrustAnchorOptions {
  /** Unix seconds used to drop root-anchors.xml KeyDigests outside validFrom/validUntil (default: now). */
  now?: number
  /** Named in zone-file syntax errors (`FILE:LINE: reason`). */
  fileName?: string
}

function xmlText(block: string, tag: string): string | undefined {
  const m = new RegExp(`<${tag}\\b[^>]*>\\s*([^<]*?)\\s*</${tag}>`, 'i').exec(block)
  return m?.[1]
}

function xmlAttr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, 'i').exec(attrs)
  return m ? (m[1] ?? m[2]) : undefined
}

/**
 * Parse trust anchors: DS (or DNSKEY, converted to a SHA-256 DS) records in zone-file
 * presentation format, e.g. `. 86400 IN DS 20326 8 2 E06D44B8…`, or IANA's root-anchors.xml
 * (RFC 9718), keeping only KeyDigests valid at `now`. Returns DS records; throws when none.
 */
export function parseTrustAnchor(text: string, opts: TrustAnchorOptions = {}): DsRecord[] {
  return parseAnchors(text, opts).map((ds) => {
    checkAnchor(ds)
    return ds
  })
}

/** Algorithm numbers IANA has assigned for DNSSEC signing (RFC 8624 §3.1 lists their status). */
const KNOWN_ALGORITHMS = new Set([1, 3, 5, 6, 7, 8, 10, 12, 13, 14, 15, 16, 17, 23])
/** Digest octets of each known DS digest type (RFC 4034, 4509, 5933, 6605). */
const DIGEST_OCTETS: Record<number, number> = {1: 20, 2: 32, 3: 32, 4: 48}

/** Every field of a trust anchor in range: a bad file is refused, never half used. */
function checkAnchor(ds: DsRecord): void {
  const {keyTag, algorithm, digestType, digest} = ds.data
  const where = `trust anchor DS ${Number.isFinite(keyTag) ? keyTag : '?'} for ${ds.name === '' ? '.' : ds.name}`
  if (!Number.isInteger(keyTag) || keyTag < 0 || keyTag > 65535) throw new DataError(`${where}: key tag must be 0–65535`, 'bad-dnssec-data')
  if (!KNOWN_ALGORITHMS.has(algorithm)) throw new DataError(`${where}: unknown algorithm ${Number.isFinite(algorithm) ? algorithm : '(not a number)'}`, 'bad-dnssec-data')
  const want = DIGEST_OCTETS[digestType]
  if (want === undefined) throw new DataError(`${where}: unknown digest type ${Number.isFinite(digestType) ? digestType : '(not a number)'}`, 'bad-dnssec-data')
  if (digest.length !== want) throw new DataError(`${where}: a digest of type ${digestType} has ${want} octets, not ${digest.length}`, 'bad-dnssec-data')
}

function parseAnchors(text: string, opts: TrustAnchorOptions): DsRecord[] {
  const now = opts.now ?? Math.floor(Date.now() / 1000)
  const out: DsRecord[] = []
  if (/<TrustAnchor\b/i.test(text)) {
    // No DTD, so no entities to expand ("billion laughs") and none to resolve.
    if (/<!(DOCTYPE|ENTITY)\b/i.test(text)) throw new DataError('trust anchor XML with a DOCTYPE or ENTITY declaration is not accepted', 'bad-dnssec-data')
    const zone = xmlText(text, 'Zone') ?? '.'
    const owner = zone === '.' ? '.' : zone.replace(/\.$/, '')
    for (const m of text.matchAll(/<KeyDigest\b([^>]*)>([\s\S]*?)<\/KeyDigest>/gi)) {
      const attrs = m[1] ?? ''
      const body = m[2] ?? ''
      const from = xmlAttr(attrs, 'validFrom')
      const until = xmlAttr(attrs, 'validUntil')
      if (from && Date.parse(from) / 1000 > now) continue
      if (until && Date.parse(until) / 1000 <= now) continue
      const tag = xmlText(body, 'KeyTag')
      const alg = xmlText(body, 'Algorithm')
      const dt = xmlText(body, 'DigestType')
      const digest = xmlText(body, 'Digest')
      const bad = ([['KeyTag', tag], ['Algorithm', alg], ['DigestType', dt]] as const).find(([, v]) => !v || !/^\d{1,5}$/.test(v))
        ?? (!digest || !/^(?:[0-9a-f]{2})+$/i.test(digest.replace(/\s+/g, '')) ? ['Digest', digest] as const : null)
      if (bad || !tag || !alg || !dt || !digest) {
        const [field, value] = bad ?? ['KeyDigest', '']
        throw new DataError(`malformed KeyDigest ${xmlAttr(attrs, 'id') ?? ''} in trust anchor XML: ${field} ${value === undefined ? 'is missing' : `"${printable(value, 40)}" is not ${field === 'Digest' ? 'hex' : 'a number'}`}`, 'bad-dnssec-data')
      }
      out.push({name: owner, type: 'DS', class: 'IN', ttl: 172800, data: {keyTag: Number(tag), algorithm: Number(alg), digestType: Number(dt), digest: Buffer.from(digest.replace(/\s+/g, ''), 'hex')}})
    }
    if (out.length === 0) throw new DataError('no currently valid KeyDigest in the trust anchor XML', 'bad-dnssec-data')
    return out
  }
  // Owner continuation is never used in anchor files; tolerate indented pasted lines.
  for (const r of parseZoneFile(text.replace(/^[ \t]+/gm, ''), {defaultTtl: 172800, fileName: opts.fileName})) {
    if (sameType(r.type, 'DS')) {
      out.push({name: r.name, type: 'DS', class: r.class ?? 'IN', ttl: r.ttl ?? 172800, data: r.data as DsData})
    } else if (sameType(r.type, 'DNSKEY')) {
      const k = r.data as DnskeyData
      out.push({name: r.name, type: 'DS', class: r.class ?? 'IN', ttl: r.ttl ?? 172800, data: {keyTag: keyTag(k), algorithm: k.algorithm, digestType: 2, digest: dsDigest(r.name, k, 2)}})
    }
  }
  if (out.length === 0) throw new DataError('no DS or DNSKEY records in the trust anchor text', 'bad-dnssec-data')
  return out
}
