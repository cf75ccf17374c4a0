/**
 * Classify one response met during iterative resolution. Pure: a decoded
 * message, the zone we believe the server is authoritative for, and the
 * question in, a verdict out.
 */
import type {DnsMessage, Rr} from '../dns/message.js'
import {canonicalName, dnameSubstitute, isSubdomain, labelCount, MAX_NAME_WIRE, wireLength} from '../dns/names.js'
import {typeName} from '../dns/types.js'

export type StepKind = 'referral' | 'answer' | 'cname' | 'dname' | 'nodata' | 'nxdomain' | 'lame' | 'timeout' | 'error'

export interface Classification {
  kind: StepKind
  /** Why, for lame/error (e.g. "REFUSED", "upward referral to example.test"). */
  reason?: string
  /** Problem code for lame responses (e.g. 'lame-refused', 'upward-referral'). */
  code?: string
  /** referral: the child zone and its NS names. */
  child?: string
  ns?: string[]
  /** cname/dname: the new target name. */
  target?: string
  /** answer/cname/dname/nodata/nxdomain: records that make up this step's result. */
  records?: Rr[]
  /** nodata/nxdomain: the SOA in the authority section, if any. */
  soa?: Rr | null
  /**
   * lame-no-aa CNAME/DNAME: a non-authoritative alias (a parent's cached or aggregated answer).
   * It is not the zone's word, but its target can still be resolved from its own servers.
   */
  follow?: 'cname' | 'dname'
  /** lame-no-aa NXDOMAIN or NODATA with the zone's SOA: a negative answer, if the only one. */
  negative?: 'nxdomain' | 'nodata'
  /** Oddities of a usable reply (an AA bit on a referral, an out-of-zone DNAME ignored). */
  warnings?: {code: string, reason: string}[]
}

const str = (x: unknown) => String(x)
export const rrType = (rr: Rr) => typeName(rr.type)
export const rrName = (rr: Rr) => canonicalName(rr.name)
export const rrData = (rr: Rr) => rr.data

/**
 * @param zone the zone cut the server was chosen for, or null when unknown
 *   (`--server` with no known zone: any downward referral is accepted).
 */
export function classifyResponse(msg: DnsMessage, zone: string | null, qname: string, qtype: string): Classification {
  const q = canonicalName(qname)
  const t = typeName(qtype)
  if (msg.rcode === 'REFUSED' || msg.rcode === 'SERVFAIL' || msg.rcode === 'NOTIMP' || msg.rcode === 'FORMERR' || msg.rcodeValue >= 16) {
    return {kind: 'lame', code: `lame-${msg.rcode.toLowerCase()}`, reason: `answered ${msg.rcode}`}
  }
  if (msg.opcode && msg.opcode !== 'QUERY') return {kind: 'lame', code: 'lame-opcode', reason: `reply opcode ${msg.opcode}`}

  const answers = msg.answers.filter((rr) => rrName(rr) === q)
  const soa = msg.authorities.find((rr) => rrType(rr) === 'SOA') ?? null

  if (msg.rcode === 'NXDOMAIN') {
    // A CNAME chain may end in NXDOMAIN: the CNAME is still data.
    // It needs AA as a NOERROR CNAME does.
    const cname = answers.find((rr) => rrType(rr) === 'CNAME')
    if (cname && t !== 'CNAME') {
      const target = canonicalName(str(rrData(cname)))
      if (!msg.flags.aa) return {kind: 'lame', code: 'lame-no-aa', reason: 'CNAME (with NXDOMAIN) without the AA flag', records: [cname], target, follow: 'cname'}
      return {kind: 'cname', target, records: [cname], soa}
    }
    if (!msg.flags.aa) return {kind: 'lame', code: 'lame-no-aa', reason: 'NXDOMAIN without the AA flag', ...negativeFallback(soa, zone, 'nxdomain')}
    return {kind: 'nxdomain', soa, records: []}
  }
  if (msg.rcode !== 'NOERROR') return {kind: 'lame', code: 'lame-rcode', reason: `answered ${msg.rcode}`}

  const direct = answers.filter((rr) => rrType(rr) === t || t === 'ANY')
  if (direct.length > 0) {
    if (!msg.flags.aa) return {kind: 'lame', code: 'lame-no-aa', reason: 'answer without the AA flag (not authoritative)', records: direct}
    return {kind: 'answer', records: direct}
  }
  const cname = answers.find((rr) => rrType(rr) === 'CNAME')
  // A DNAME above the name comes with the CNAME synthesized from it (RFC 6672 §3.1): the DNAME
  // is the data, the CNAME only its consequence, so the DNAME must not be dropped from the chain.
  // Its owner must be at or below the zone the server was asked as: a server of example.test.
  // does not speak for test. (Unbound's scrubber drops such a DNAME too).
  const warnings: {code: string, reason: string}[] = []
  const dnames = t === 'DNAME' ? [] : msg.answers.filter((rr) => rrType(rr) === 'DNAME' && isSubdomain(q, rrName(rr)) && q !== rrName(rr))
  const dname = dnames.find((rr) => zone === null || isSubdomain(rrName(rr), zone))
  for (const rr of dnames) {
    if (rr !== dname && !(zone === null || isSubdomain(rrName(rr), zone))) {
      warnings.push({code: 'out-of-bailiwick-dname', reason: `ignored ${rrName(rr) || '.'} DNAME ${str(rrData(rr))}: its owner is outside ${zone || '.'}, the zone the server was asked for`})
    }
  }
  const withWarnings = (c: Classification): Classification => (warnings.length ? {...c, warnings} : c)
  if (dname) {
    const owner = rrName(dname)
    // Too long a substitution is kept as it is, for the engine to end it in YXDOMAIN.
    const substituted = dnameSubstitute(q, owner, str(rrData(dname)))
    const synthesized = wireLength(substituted) > MAX_NAME_WIRE ? substituted.toLowerCase() : canonicalName(substituted)
    const records = cname ? [dname, cname] : [dname]
    if (!msg.flags.aa) return withWarnings({kind: 'lame', code: 'lame-no-aa', reason: 'DNAME without the AA flag', records, target: synthesized, follow: 'dname'})
    return withWarnings({kind: 'dname', target: synthesized, records})
  }
  if (cname) {
    const target = canonicalName(str(rrData(cname)))
    if (!msg.flags.aa) return withWarnings({kind: 'lame', code: 'lame-no-aa', reason: 'CNAME without the AA flag', records: [cname], target, follow: 'cname'})
    return withWarnings({kind: 'cname', target, records: [cname]})
  }
  // Records for the name, but of another type and no alias: not an answer to this question.
  const other = answers.filter((rr) => rrType(rr) !== 'RRSIG' && rrType(rr) !== 'DNAME')
  if (other.length > 0 && msg.flags.aa) {
    return {kind: 'lame', code: 'lame-wrong-type', reason: `answered ${[...new Set(other.map(rrType))].join(', ')} records to a question for ${t}`}
  }

  // No answer for the name: a referral, a negative answer, or lame.
  const nsRecords = msg.authorities.filter((rr) => rrType(rr) === 'NS')
  if (nsRecords.length > 0 && !soa) {
    const owners = [...new Set(nsRecords.map(rrName))]
    if (owners.length > 1) return {kind: 'lame', code: 'referral-mixed', reason: `referral names several zones (${owners.join(', ')})`}
    const child = owners[0]
    const ns = [...new Set(nsRecords.map((rr) => canonicalName(str(rrData(rr)))))]
    if (!isSubdomain(q, child)) return {kind: 'lame', code: 'sideways-referral', reason: `sideways referral to ${child || '.'}, which is not an ancestor of ${q}`, child, ns}
    if (zone !== null && canonicalName(child) === canonicalName(zone)) {
      return {kind: 'lame', code: 'referral-loop', reason: `referral to ${child || '.'} from a server of ${zone || '.'} itself (a referral loop)`, child, ns}
    }
    if (zone !== null && (!isSubdomain(child, zone) || labelCount(child) <= labelCount(zone))) {
      return {kind: 'lame', code: 'upward-referral', reason: `upward referral to ${child || '.'} from ${zone || '.'}`, child, ns}
    }
    // AA on a referral is wrong (RFC 1035 §4.1.1: the server is not authoritative for the
    // child), but the referral is still one: follow it and say so.
    if (msg.flags.aa) return {kind: 'referral', child, ns, warnings: [{code: 'aa-on-referral', reason: `referral to ${child || '.'} with the AA flag set`}]}
    return {kind: 'referral', child, ns}
  }
  if (msg.flags.aa) return {kind: 'nodata', soa, records: []}
  return {kind: 'lame', code: 'lame-no-aa', reason: 'no AA flag and no referral (the server is not authoritative)', ...negativeFallback(soa, zone, 'nodata')}
}

/** A non-AA negative answer is kept as a last resort when it carries the zone's own SOA. */
function negativeFallback(soa: Rr | null, zone: string | null, negative: 'nxdomain' | 'nodata'): Partial<Classification> {
  if (!soa || (zone !== null && !isSubdomain(rrName(soa), zone))) return {}
  return {records: [soa], negative}
}
