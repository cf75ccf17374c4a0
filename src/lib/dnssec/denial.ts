/**
 * Authenticated denial of existence: NSEC (RFC 4035 §5.4, RFC 6840 §4.1) and NSEC3
 * (RFC 5155 §8, RFC 9276). The functions here take NSEC/NSEC3 records whose signatures the
 * caller has already verified and decide what they prove.
 *
 * Every proof returns a {@link DenialResult}: `ok` says whether the denial is proven; an `ok`
 * proof with `optOut` relies on an NSEC3 Opt-Out span and only supports an insecure answer
 * (RFC 5155 §9.2); a failed proof with `insecure` could not be evaluated for a reason that
 * makes the answer insecure rather than bogus (unknown NSEC3 hash, RFC 9276 iteration cap).
 */
import {DataError} from '../errors.js'
import {createHash} from 'node:crypto'
import {base32HexDecode, base32HexEncode} from './base32hex.js'
import {ancestorAt, canonicalNameWire, commonAncestor, compareNames, isSubdomain, labelCount, nameEquals, nameLabels, parentName, prependLabel, shownName} from '../dns/names.js'
import {NSEC3_FLAG_OPT_OUT, bitmapHas} from '../dns/record.js'
import type {Nsec3Record, NsecRecord, Rr} from '../dns/record.js'
import {sameType} from '../dns/types.js'

/** What a successful denial proof established. */
export type DenialKind = 'nxdomain' | 'nodata' | 'ent-nodata' | 'wildcard-nodata' | 'wildcard-answer'

/** Result of a denial-of-existence proof. */
export interface DenialResult {
  ok: boolean
  reason: string
  kind?: DenialKind
  /** The proof relies on an NSEC3 Opt-Out span: acceptable, but only as insecure. */
  optOut?: boolean
  /** (failed proofs) evaluation impossible for a reason that means insecure rather than bogus. */
  insecure?: boolean
  /** (DS queries) the name is proven to be a delegation without DS, or lies in an Opt-Out span. */
  insecureDelegation?: boolean
  /** The closest encloser established by the proof, when there is one. */
  closestEncloser?: string
}

/** Default NSEC3 iteration cap above which proofs are treated as insecure (RFC 9276 §3.2). */
export const DEFAULT_MAX_NSEC3_ITERATIONS = 150

/** Options of the NSEC3 proofs. */
export interface Nsec3Options {
  /** Iterations above this make the answer insecure (RFC 9276). Default {@link DEFAULT_MAX_NSEC3_ITERATIONS}. */
  maxIterations?: number
}

function fail(reason: string, extra: Partial<DenialResult> = {}): DenialResult {
  return {ok: false, reason, ...extra}
}

function ok(kind: DenialKind, reason: string, extra: Partial<DenialResult> = {}): DenialResult {
  return {ok: true, kind, reason, ...extra}
}

function n(name: string): string {
  return shownName(name)
}

// ---------------------------------------------------------------------------------------------
// NSEC

/** True when the NSEC owner < name < next name in canonical order (the last NSEC wraps to the apex). */
export function nsecCovers(nsec: NsecRecord, name: string): boolean {
  const owner = nsec.name
  const next = nsec.data.nextDomain
  if (compareNames(owner, name) >= 0) return false
  if (compareNames(next, owner) <= 0) return true
  return compareNames(name, next) < 0
}

/**
 * RFC 6840 §4.1: an NSEC/NSEC3 at a delegation point (NS without SOA) or a DNAME cannot deny
 * anything below its owner name.
 */
function deniesBelowForbidden(types: readonly string[]): boolean {
  return (bitmapHas(types, 'NS') && !bitmapHas(types, 'SOA')) || bitmapHas(types, 'DNAME')
}

function nsecUsableFor(nsec: NsecRecord, name: string): boolean {
  const strictAncestor = isSubdomain(name, nsec.name) && !nameEquals(name, nsec.name)
  return !(strictAncestor && deniesBelowForbidden(nsec.data.rrtypes))
}

function nsecClosestEncloser(nsec: NsecRecord, qname: string): string {
  const a = commonAncestor(qname, nsec.name)
  const b = commonAncestor(qname, nsec.data.nextDomain)
  return labelCount(a) >= labelCount(b) ? a : b
}

function nsecOnly(records: readonly Rr[], zone?: string): NsecRecord[] {
  return records.filter((r): r is NsecRecord => sameType(r.type, 'NSEC') && (zone === undefined || isSubdomain(r.name, zone)))
}

function findCover(nsecs: readonly NsecRecord[], name: string): {cover?: NsecRecord; rejected?: NsecRecord} {
  let rejected: NsecRecord | undefined
  for (const x of nsecs) {
    if (!nsecCovers(x, name)) continue
    if (nsecUsableFor(x, name)) return {cover: x}
    rejected = x
  }
  return {rejected}
}

function describeNoCover(name: string, rejected: NsecRecord | undefined): string {
  if (rejected) {
    return `the only NSEC covering ${n(name)} is owned by ${n(rejected.name)}, a delegation or DNAME above it, which cannot deny names below it (RFC 6840 §4.1)`
  }
  return `no NSEC covers ${n(name)}`
}

function outOfZone(qname: string, zone: string | undefined): DenialResult | null {
  if (zone !== undefined && !isSubdomain(qname, zone)) return fail(`${n(qname)} is not in zone ${n(zone)}`)
  return null
}

/**
 * NSEC proof that `qname` does not exist (RFC 4035 §5.4): an NSEC covering `qname`, and an NSEC
 * covering the wildcard at the closest encloser. NSECs at delegations or DNAMEs above `qname`
 * are not accepted (RFC 6840 §4.1).
 */
export function proveNsecNxdomain(qname: string, records: readonly Rr[], zone?: string): DenialResult {
  const bad = outOfZone(qname, zone)
  if (bad) return bad
  const nsecs = nsecOnly(records, zone)
  const match = nsecs.find(x => nameEquals(x.name, qname))
  if (match) return fail(`the NSEC at ${n(qname)} shows that the name exists`)
  const {cover, rejected} = findCover(nsecs, qname)
  if (!cover) return fail(describeNoCover(qname, rejected))
  if (isSubdomain(cover.data.nextDomain, qname)) {
    return fail(`${n(qname)} is an empty non-terminal (next name ${n(cover.data.nextDomain)} is below it): it exists`)
  }
  const ce = nsecClosestEncloser(cover, qname)
  if (zone !== undefined && !isSubdomain(ce, zone)) return fail(`closest encloser ${n(ce)} is outside zone ${n(zone)}`)
  const wildcard = prependLabel('*', ce)
  if (nsecs.some(x => nameEquals(x.name, wildcard))) {
    return fail(`wildcard ${n(wildcard)} exists, so ${n(qname)} should have been answered from it`)
  }
  const wc = findCover(nsecs, wildcard)
  if (!wc.cover) return fail(`${n(qname)} is covered by the NSEC at ${n(cover.name)}, but wildcard ${n(wildcard)} is not denied (${describeNoCover(wildcard, wc.rejected)})`)
  return ok('nxdomain', `NSEC ${n(cover.name)} → ${n(cover.data.nextDomain)} covers ${n(qname)}; NSEC ${n(wc.cover.name)} → ${n(wc.cover.data.nextDomain)} covers wildcard ${n(wildcard)}`, {closestEncloser: n(ce)})
}

/**
 * NSEC proof that `qname` has no `qtype` data (RFC 4035 §3.1.3.1, §3.1.3.2, §3.1.3.4): an NSEC at
 * `qname` without the type and without CNAME; an NSEC proving `qname` is an empty non-terminal;
 * or a wildcard no-data proof. For DS the NSEC must come from the parent side (no SOA), for other
 * types it must not be a parent-side delegation NSEC (RFC 6840 §4.1).
 */
export function proveNsecNodata(qname: string, qtype: string, records: readonly Rr[], zone?: string): DenialResult {
  const bad = outOfZone(qname, zone)
  if (bad) return bad
  const nsecs = nsecOnly(records, zone)
  const isDs = sameType(qtype, 'DS')
  const match = nsecs.find(x => nameEquals(x.name, qname))
  if (match) {
    const types = match.data.rrtypes
    const ns = bitmapHas(types, 'NS')
    const soa = bitmapHas(types, 'SOA')
    if (bitmapHas(types, qtype)) return fail(`the NSEC at ${n(qname)} lists ${qtype}: the type exists`)
    if (bitmapHas(types, 'CNAME')) return fail(`the NSEC at ${n(qname)} lists CNAME: the answer should be the CNAME`)
    if (!isDs && ns && !soa) {
      return fail(`the NSEC at ${n(qname)} is the parent side of a delegation and cannot deny ${qtype} (RFC 6840 §4.1)`)
    }
    if (isDs && soa && labelCount(qname) > 0) {
      return fail(`the NSEC at ${n(qname)} comes from the child zone apex and cannot deny DS (RFC 6840 §4.1)`)
    }
    return ok('nodata', `the NSEC at ${n(qname)} lists ${types.join(' ') || 'no types'}, not ${qtype}`, {
      insecureDelegation: isDs && ns && !soa,
    })
  }
  const {cover, rejected} = findCover(nsecs, qname)
  if (!cover) return fail(`no NSEC matches ${n(qname)} and ${describeNoCover(qname, rejected)}`)
  if (isSubdomain(cover.data.nextDomain, qname)) {
    return ok('ent-nodata', `${n(qname)} is an empty non-terminal: NSEC ${n(cover.name)} → ${n(cover.data.nextDomain)} covers it and the next name is below it`)
  }
  const ce = nsecClosestEncloser(cover, qname)
  const wildcard = prependLabel('*', ce)
  const wmatch = nsecs.find(x => nameEquals(x.name, wildcard))
  if (!wmatch) return fail(`${n(qname)} does not exist (NSEC ${n(cover.name)} → ${n(cover.data.nextDomain)}) and no NSEC matches wildcard ${n(wildcard)}: this is a name error, not no-data`)
  const wtypes = wmatch.data.rrtypes
  if (bitmapHas(wtypes, qtype)) return fail(`wildcard ${n(wildcard)} has ${qtype}: the answer should have been synthesised`)
  if (bitmapHas(wtypes, 'CNAME')) return fail(`wildcard ${n(wildcard)} has a CNAME: the answer should have been synthesised`)
  if (deniesBelowForbidden(wtypes)) return fail(`wildcard ${n(wildcard)} is a delegation or DNAME`)
  return ok('wildcard-nodata', `${n(qname)} does not exist (NSEC ${n(cover.name)} → ${n(cover.data.nextDomain)}) and wildcard ${n(wildcard)} has no ${qtype}`, {closestEncloser: n(ce)})
}

/**
 * NSEC proof for a positive answer synthesised from a wildcard (RFC 4035 §5.3.4): `qname` must
 * not exist, and its closest encloser must be the wildcard's parent (the rightmost `labels`
 * labels, from the RRSIG Labels field).
 */
export function proveNsecWildcardAnswer(qname: string, labels: number, records: readonly Rr[], zone?: string): DenialResult {
  const bad = outOfZone(qname, zone)
  if (bad) return bad
  if (labels >= labelCount(qname)) return fail(`Labels ${labels} does not indicate a wildcard expansion of ${n(qname)}`)
  const source = ancestorAt(qname, labels)
  const nsecs = nsecOnly(records, zone)
  const {cover, rejected} = findCover(nsecs, qname)
  if (!cover) return fail(`answer for ${n(qname)} was synthesised from ${n(prependLabel('*', source))}, but ${describeNoCover(qname, rejected)}`)
  const ce = nsecClosestEncloser(cover, qname)
  if (!nameEquals(ce, source)) {
    return fail(`the NSEC at ${n(cover.name)} shows closest encloser ${n(ce)}, but the answer was synthesised from ${n(prependLabel('*', source))}`)
  }
  return ok('wildcard-answer', `NSEC ${n(cover.name)} → ${n(cover.data.nextDomain)} proves ${n(qname)} does not exist, so wildcard expansion from ${n(prependLabel('*', source))} is legitimate`, {closestEncloser: n(ce)})
}

// ---------------------------------------------------------------------------------------------
// NSEC3

/** Normalise an NSEC3 salt given as Buffer, hex string, `-` or empty string. */
function saltBuffer(salt: Buffer | string): Buffer {
  if (Buffer.isBuffer(salt)) return salt
  if (salt === '' || salt === '-') return Buffer.alloc(0)
  if (!/^(?:[0-9a-f]{2})+$/i.test(salt)) throw new DataError(`invalid NSEC3 salt ${JSON.stringify(salt)}`, 'bad-rdata')
  return Buffer.from(salt, 'hex')
}

/** Raw NSEC3 SHA-1 hash (RFC 5155 §5): IH(salt, x, 0) = H(x | salt), IH(salt, x, k) = H(IH(salt, x, k-1) | salt). */
export function nsec3HashRaw(name: string, salt: Buffer | string, iterations: number): Buffer {
  const s = saltBuffer(salt)
  let h = createHash('sha1').update(canonicalNameWire(name)).update(s).digest()
  for (let i = 0; i < iterations; i++) h = createHash('sha1').update(h).update(s).digest()
  return h
}

/** NSEC3 hash of a name in base32hex (upper case, RFC 5155 §5), e.g. `example` / AABBCCDD / 12 → `0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TOM`. */
export function nsec3Hash(name: string, salt: Buffer | string, iterations: number): string {
  return base32HexEncode(nsec3HashRaw(name, salt, iterations))
}

interface ParsedNsec3 {
  rr: Nsec3Record
  owner: Buffer
  next: Buffer
  zone: string
  optOut: boolean
  types: string[]
  paramKey: string
}

interface Nsec3Set {
  records: ParsedNsec3[]
  zone: string
  hashCache: Map<string, Buffer>
}

type Nsec3SetResult = {set: Nsec3Set} | {error: DenialResult}

function parseNsec3Set(records: readonly Rr[], zone: string | undefined, opts: Nsec3Options): Nsec3SetResult {
  const all = records.filter((r): r is Nsec3Record => sameType(r.type, 'NSEC3'))
  if (all.length === 0) return {error: fail('no NSEC3 records')}
  const maxIterations = opts.maxIterations ?? DEFAULT_MAX_NSEC3_ITERATIONS
  const parsed: ParsedNsec3[] = []
  const ignored: string[] = []
  let unknownHash = 0
  for (const rr of all) {
    const d = rr.data
    if (d.algorithm !== 1) {
      unknownHash++
      ignored.push(`${n(rr.name)}: unknown hash algorithm ${d.algorithm}`)
      continue
    }
    if ((d.flags & ~NSEC3_FLAG_OPT_OUT) !== 0) {
      ignored.push(`${n(rr.name)}: unknown flags ${d.flags}`)
      continue
    }
    const labels = nameLabels(rr.name)
    if (labels.length < 1) continue
    let owner: Buffer
    try {
      owner = base32HexDecode(labels[0]!.toString('latin1'))
    } catch {
      ignored.push(`${n(rr.name)}: owner label is not base32hex`)
      continue
    }
    if (owner.length !== 20 || d.nextDomain.length !== 20) {
      ignored.push(`${n(rr.name)}: hash length is not 20 octets`)
      continue
    }
    const rrZone = parentName(rr.name) ?? ''
    if (zone !== undefined && !nameEquals(rrZone, zone)) {
      ignored.push(`${n(rr.name)}: not directly below zone ${n(zone)}`)
      continue
    }
    parsed.push({
      rr, owner, next: d.nextDomain, zone: n(rrZone), optOut: (d.flags & NSEC3_FLAG_OPT_OUT) !== 0,
      types: d.rrtypes, paramKey: `${d.iterations}:${d.salt.toString('hex')}`,
    })
  }
  if (parsed.length === 0) {
    if (unknownHash === all.length) return {error: fail(`only NSEC3 records with unknown hash algorithms (RFC 5155 §8.1): ${ignored.join('; ')}`, {insecure: true})}
    return {error: fail(`no usable NSEC3 records: ${ignored.join('; ')}`)}
  }
  const zones = new Set(parsed.map(p => p.zone))
  if (zones.size > 1) return {error: fail(`NSEC3 records from several zones (${[...zones].join(', ')}); pass the zone`)}
  const tooMany = parsed.find(p => p.rr.data.iterations > maxIterations)
  if (tooMany) {
    return {error: fail(`NSEC3 uses ${tooMany.rr.data.iterations} iterations, above the limit of ${maxIterations} (RFC 9276): treated as insecure`, {insecure: true})}
  }
  return {set: {records: parsed, zone: zone !== undefined ? n(zone) : parsed[0]!.zone, hashCache: new Map()}}
}

function hashFor(set: Nsec3Set, rec: ParsedNsec3, name: string): Buffer {
  const key = `${rec.paramKey}|${n(name)}`
  let h = set.hashCache.get(key)
  if (!h) {
    h = nsec3HashRaw(name, rec.rr.data.salt, rec.rr.data.iterations)
    set.hashCache.set(key, h)
  }
  return h
}

function nsec3Match(set: Nsec3Set, name: string): ParsedNsec3 | undefined {
  return set.records.find(r => r.owner.equals(hashFor(set, r, name)))
}

function nsec3Cover(set: Nsec3Set, name: string): ParsedNsec3 | undefined {
  return set.records.find(r => {
    const h = hashFor(set, r, name)
    const afterOwner = Buffer.compare(r.owner, h) < 0
    if (Buffer.compare(r.next, r.owner) <= 0) return afterOwner || Buffer.compare(h, r.next) < 0
    return afterOwner && Buffer.compare(h, r.next) < 0
  })
}

function describe3(r: ParsedNsec3): string {
  return `NSEC3 ${base32HexEncode(r.owner).toLowerCase()} → ${base32HexEncode(r.next).toLowerCase()}${r.optOut ? ' (opt-out)' : ''}`
}

type CeProof =
  | {ok: true; exists: true; match: ParsedNsec3}
  | {ok: true; exists: false; ce: string; nextCloser: string; ceRecord: ParsedNsec3; ncRecord: ParsedNsec3}
  | {ok: false; result: DenialResult}

/** Closest (provable) encloser proof (RFC 5155 §8.3). */
function closestEncloserProof(set: Nsec3Set, qname: string): CeProof {
  const total = labelCount(qname)
  const zoneLabels = labelCount(set.zone)
  for (let k = total; k >= zoneLabels; k--) {
    const sname = ancestorAt(qname, k)
    const m = nsec3Match(set, sname)
    if (!m) continue
    if (k === total) return {ok: true, exists: true, match: m}
    if (bitmapHas(m.types, 'DNAME')) {
      return {ok: false, result: fail(`closest encloser ${n(sname)} has a DNAME: the NSEC3 cannot deny names below it (RFC 5155 §8.3)`)}
    }
    if (bitmapHas(m.types, 'NS') && !bitmapHas(m.types, 'SOA')) {
      return {ok: false, result: fail(`closest encloser ${n(sname)} is a delegation point: the zone is not authoritative below it (RFC 5155 §8.3)`)}
    }
    const nextCloser = ancestorAt(qname, k + 1)
    const c = nsec3Cover(set, nextCloser)
    if (!c) return {ok: false, result: fail(`closest encloser ${n(sname)} matched, but no NSEC3 covers the next closer name ${n(nextCloser)}`)}
    return {ok: true, exists: false, ce: sname, nextCloser, ceRecord: m, ncRecord: c}
  }
  return {ok: false, result: fail(`no NSEC3 matches ${n(qname)} or any of its ancestors in ${set.zone}: no closest encloser proof`)}
}

function nsec3Setup(qname: string, records: readonly Rr[], zone: string | undefined, opts: Nsec3Options): {set: Nsec3Set} | {error: DenialResult} {
  const parsed = parseNsec3Set(records, zone, opts)
  if ('error' in parsed) return parsed
  if (!isSubdomain(qname, parsed.set.zone)) return {error: fail(`${n(qname)} is not in zone ${parsed.set.zone}`)}
  return parsed
}

/**
 * NSEC3 proof that `qname` does not exist (RFC 5155 §8.4): closest encloser proof plus an NSEC3
 * covering the wildcard at the closest encloser. `optOut` is set when the next-closer cover has
 * Opt-Out (the answer is then insecure, RFC 5155 §9.2).
 */
export function proveNsec3Nxdomain(qname: string, records: readonly Rr[], zone?: string, opts: Nsec3Options = {}): DenialResult {
  const s = nsec3Setup(qname, records, zone, opts)
  if ('error' in s) return s.error
  const cep = closestEncloserProof(s.set, qname)
  if (!cep.ok) return cep.result
  if (cep.exists) return fail(`${describe3(cep.match)} matches ${n(qname)}: the name exists`)
  const wildcard = prependLabel('*', cep.ce)
  if (nsec3Match(s.set, wildcard)) return fail(`wildcard ${n(wildcard)} exists, so ${n(qname)} should have been answered from it`)
  const wc = nsec3Cover(s.set, wildcard)
  if (!wc) return fail(`closest encloser ${n(cep.ce)} proven, but no NSEC3 covers wildcard ${n(wildcard)}`)
  const optOut = cep.ncRecord.optOut
  return ok('nxdomain', `closest encloser ${n(cep.ce)} (${describe3(cep.ceRecord)}); next closer ${n(cep.nextCloser)} covered by ${describe3(cep.ncRecord)}; wildcard ${n(wildcard)} covered by ${describe3(wc)}${optOut ? '; next closer lies in an Opt-Out span: insecure' : ''}`, {
    closestEncloser: n(cep.ce), optOut,
  })
}

/**
 * NSEC3 no-data proof (RFC 5155 §8.5–8.7): an NSEC3 matching `qname` without `qtype` and CNAME;
 * for DS either such a match (from the parent side) or a closest encloser proof whose next closer
 * cover has Opt-Out; otherwise a wildcard no-data proof.
 */
export function proveNsec3Nodata(qname: string, qtype: string, records: readonly Rr[], zone?: string, opts: Nsec3Options = {}): DenialResult {
  const s = nsec3Setup(qname, records, zone, opts)
  if ('error' in s) return s.error
  const set = s.set
  const isDs = sameType(qtype, 'DS')
  const m = nsec3Match(set, qname)
  if (m) {
    const ns = bitmapHas(m.types, 'NS')
    const soa = bitmapHas(m.types, 'SOA')
    if (bitmapHas(m.types, qtype)) return fail(`${describe3(m)} matches ${n(qname)} and lists ${qtype}: the type exists`)
    if (bitmapHas(m.types, 'CNAME')) return fail(`${describe3(m)} matches ${n(qname)} and lists CNAME: the answer should be the CNAME`)
    if (!isDs && ns && !soa) return fail(`${describe3(m)} matches the delegation point ${n(qname)} and cannot deny ${qtype} (RFC 6840 §4.1)`)
    if (isDs && soa && labelCount(qname) > 0) return fail(`${describe3(m)} is the child zone apex ${n(qname)} and cannot deny DS (RFC 6840 §4.1)`)
    return ok('nodata', `${describe3(m)} matches ${n(qname)} and lists ${m.types.join(' ') || 'no types'}, not ${qtype}`, {insecureDelegation: isDs && ns && !soa})
  }
  const cep = closestEncloserProof(set, qname)
  if (!cep.ok) return fail(`no NSEC3 matches ${n(qname)}; ${cep.result.reason}`)
  if (cep.exists) return fail(`internal: match for ${n(qname)} disappeared`)
  if (isDs) {
    if (!cep.ncRecord.optOut) {
      return fail(`no NSEC3 matches ${n(qname)}, and the NSEC3 covering the next closer name ${n(cep.nextCloser)} lacks Opt-Out (RFC 5155 §8.6): ${describe3(cep.ncRecord)}`)
    }
    return ok('nodata', `no NSEC3 matches ${n(qname)}; closest encloser ${n(cep.ce)}, next closer ${n(cep.nextCloser)} in Opt-Out span ${describe3(cep.ncRecord)}: an unsigned delegation may exist (insecure)`, {
      optOut: true, insecureDelegation: true, closestEncloser: n(cep.ce),
    })
  }
  const wildcard = prependLabel('*', cep.ce)
  const wm = nsec3Match(set, wildcard)
  if (!wm) return fail(`no NSEC3 matches ${n(qname)} nor the wildcard ${n(wildcard)} at its closest encloser ${n(cep.ce)}`)
  if (bitmapHas(wm.types, qtype)) return fail(`wildcard ${n(wildcard)} has ${qtype}: the answer should have been synthesised`)
  if (bitmapHas(wm.types, 'CNAME')) return fail(`wildcard ${n(wildcard)} has a CNAME: the answer should have been synthesised`)
  if (deniesBelowForbidden(wm.types)) return fail(`wildcard ${n(wildcard)} is a delegation or DNAME`)
  // A wildcard that exists and lacks the type proves NODATA even in an Opt-Out span: the answer
  // stays secure (as Unbound validates it); Opt-Out makes only a name error or a DS denial insecure.
  return ok('wildcard-nodata', `closest encloser ${n(cep.ce)}; next closer ${n(cep.nextCloser)} covered by ${describe3(cep.ncRecord)}; wildcard ${n(wildcard)} matched by ${describe3(wm)} without ${qtype}`, {
    closestEncloser: n(cep.ce), optOut: false,
  })
}

/**
 * NSEC3 proof for a wildcard-synthesised answer (RFC 5155 §8.8): an NSEC3 covering the next
 * closer name of `qname` relative to the wildcard's parent (rightmost `labels` labels).
 */
export function proveNsec3WildcardAnswer(qname: string, labels: number, records: readonly Rr[], zone?: string, opts: Nsec3Options = {}): DenialResult {
  const s = nsec3Setup(qname, records, zone, opts)
  if ('error' in s) return s.error
  const total = labelCount(qname)
  if (labels >= total) return fail(`Labels ${labels} does not indicate a wildcard expansion of ${n(qname)}`)
  if (labels < labelCount(s.set.zone)) return fail(`Labels ${labels} puts the wildcard above zone ${s.set.zone}`)
  const source = ancestorAt(qname, labels)
  const nextCloser = ancestorAt(qname, labels + 1)
  const c = nsec3Cover(s.set, nextCloser)
  if (!c) return fail(`answer for ${n(qname)} was synthesised from ${n(prependLabel('*', source))}, but no NSEC3 covers the next closer name ${n(nextCloser)}`)
  // A signed wildcard expansion whose next closer name is covered is secure, Opt-Out or not
  // (RFC 5155 §8.8 asks only for the cover; Unbound validates it so).
  return ok('wildcard-answer', `${describe3(c)} covers next closer name ${n(nextCloser)}: wildcard expansion from ${n(prependLabel('*', source))} is legitimate`, {
    closestEncloser: n(source), optOut: false,
  })
}

// ---------------------------------------------------------------------------------------------
// Dispatchers

/** Input of {@link proveDenial}. */
export interface DenialQuery extends Nsec3Options {
  qname: string
  qtype: string
  /** `NXDOMAIN` for a name error, `NOERROR` (or `NODATA`) for no data. */
  rcode: 'NXDOMAIN' | 'NOERROR' | 'NODATA'
  /** NSEC or NSEC3 records (others are ignored), signatures already verified. */
  records: readonly Rr[]
  /** The zone the records come from (their signer). Recommended. */
  zone?: string
}

function hasType(records: readonly Rr[], type: string): boolean {
  return records.some(r => sameType(r.type, type))
}

/** Prove a name error or a no-data response with whichever of NSEC / NSEC3 the records contain. */
export function proveDenial(q: DenialQuery): DenialResult {
  const nxdomain = q.rcode === 'NXDOMAIN'
  if (hasType(q.records, 'NSEC')) {
    return nxdomain ? proveNsecNxdomain(q.qname, q.records, q.zone) : proveNsecNodata(q.qname, q.qtype, q.records, q.zone)
  }
  if (hasType(q.records, 'NSEC3')) {
    return nxdomain ? proveNsec3Nxdomain(q.qname, q.records, q.zone, q) : proveNsec3Nodata(q.qname, q.qtype, q.records, q.zone, q)
  }
  return fail(`no NSEC or NSEC3 records to prove ${nxdomain ? 'that ' + n(q.qname) + ' does not exist' : 'that ' + n(q.qname) + ' has no ' + q.qtype}`)
}

/** Prove that a wildcard expansion was legitimate, with NSEC or NSEC3. */
export function proveWildcardAnswer(qname: string, labels: number, records: readonly Rr[], zone?: string, opts: Nsec3Options = {}): DenialResult {
  if (hasType(records, 'NSEC')) return proveNsecWildcardAnswer(qname, labels, records, zone)
  if (hasType(records, 'NSEC3')) return proveNsec3WildcardAnswer(qname, labels, records, zone, opts)
  return fail(`answer for ${n(qname)} was synthesised from a wildcard, but there is no NSEC or NSEC3 proving that ${n(qname)} does not exist`)
}

/**
 * Insecure delegation proof (RFC 4035 §5.2, RFC 6840 §4.4): the parent's NSEC/NSEC3 for `child`
 * has NS but neither DS nor SOA, or `child` lies in an NSEC3 Opt-Out span.
 */
export function proveInsecureDelegation(child: string, records: readonly Rr[], zone?: string, opts: Nsec3Options = {}): DenialResult {
  const r = proveDenial({qname: child, qtype: 'DS', rcode: 'NOERROR', records, zone, ...opts})
  if (!r.ok) return r
  if (!r.insecureDelegation) {
    return fail(`no DS at ${n(child)}, but the NSEC/NSEC3 does not show a delegation there (no NS bit, RFC 6840 §4.4): ${r.reason}`)
  }
  return r
}
