/**
 * `dnsx trace --dnssec`: after the walk, validate the chain of trust down every zone the answer
 * came through (DS → DNSKEY → RRSIG), then the answer itself (or its NSEC/NSEC3 denial).
 * Sans-I/O like the walk: a generator that yields the DS/DNSKEY/answer queries it needs (DO set).
 *
 * - Trust anchors may sit at any zone, several at once (DS or DNSKEY): each anchored zone starts
 *   a chain; zones above every anchor are not validated (indeterminate), and each zone chains
 *   from the closest one above it.
 * - Each RRset is validated against its signer's zone (the RRSIG signer name), not the zone the
 *   server was asked as: one server may serve a parent and a child.
 * - "Insecure" needs a proof (an authenticated denial of DS above the name). When nothing could
 *   be validated (the resolution failed, no answer came) the verdict is "indeterminate", with
 *   the reason.
 */
import type {DnsMessage} from '../dns/message.js'
import {canonicalName, fqdn, isSubdomain, labelCount} from '../dns/names.js'
import {STATUS_RANK, validateAnswer, validateDelegation, validateZone, worst, type SecurityStatus} from '../dnssec/chain.js'
import {recordsOfType, type DnskeyRecord, type DsRecord, type Rr, type RrsigRecord} from '../dns/record.js'
import {typeName} from '../dns/types.js'
import {keyTag} from '../dnssec/canonical.js'
import {isoTime} from '../dnssec/verify.js'
import {formatSpan} from '../clock.js'
import type {DelegationCache, ServerRef, TraceOutcome, TraceQuery, TraceResult, TraceStep} from './engine.js'
import {rrType} from './classify.js'

export interface DnssecZoneReport {
  zone: string
  status: SecurityStatus
  reason: string
  /** DS records the parent published (or the trust anchor). */
  ds: {keyTag: number, algorithm: number, digestType: number}[]
  keys: {keyTag: number, algorithm: number, flags: number}[]
  signingKeyTag: number | null
  server: ServerRef | null
  /** The zone's chain starts at a configured trust anchor. */
  anchored: boolean
  /** The earliest expiration of this zone's signatures seen (ISO 8601), and seconds left then. */
  expires: string | null
  expiresInS: number | null
}

export interface DnssecReport {
  /** Overall: the worst of the answers' statuses; indeterminate when nothing could be validated. */
  status: SecurityStatus
  /** Why the overall status is what it is. */
  reason: string
  anchor: string
  /** The instant validated as of (ISO 8601): now, or --dnssec-time. */
  time: string
  zones: DnssecZoneReport[]
  answers: {qname: string, qtype: string, zone: string, status: SecurityStatus, reason: string}[]
  /** Signatures that expire within the --warn-expiry window. */
  warnings: string[]
  queries: number
}

type Gen<T> = Generator<TraceQuery[], T, TraceOutcome[]>

export interface DnssecPassOptions {
  result: TraceResult
  cache: DelegationCache
  anchors: readonly DsRecord[]
  anchorLabel: string
  /** Unix seconds for signature validity. */
  nowSeconds: number
  family: 4 | 6 | 'both'
  /** Warn about signatures that expire within this many seconds (default 7 days). */
  warnExpiryS?: number
}

/** Server names in the report as everywhere else in the trace JSON: absolute, with the dot. */
const serverJson = (s: ServerRef): ServerRef => ({name: s.name && s.name !== s.address ? fqdn(s.name) : null, address: s.address})
const ANSWER_KINDS = new Set(['answer', 'cname', 'dname', 'nodata', 'nxdomain'])

export function* dnssecPass(o: DnssecPassOptions): Gen<DnssecReport> {
  let id = 100_000
  let queries = 0
  const usable = (a: string) => o.family === 'both' || (a.includes(':') ? 6 : 4) === o.family
  const warnWithin = o.warnExpiryS ?? 7 * 86400

  /** Trust anchors by the zone they anchor. */
  const anchorsAt = new Map<string, DsRecord[]>()
  for (const a of o.anchors) {
    const z = canonicalName(a.name)
    anchorsAt.set(z, [...(anchorsAt.get(z) ?? []), a])
  }
  const covered = (name: string) => [...anchorsAt.keys()].some((z) => isSubdomain(name, z))

  function serversOf(zone: string): ServerRef[] {
    const ns = o.cache.zones.get(zone) ?? []
    return ns.flatMap((n) => n.addresses.filter(usable).map((address) => ({name: n.name, address})))
  }

  /** Ask the servers (of `zone`, or those given) in turn until one replies. */
  function* ask(zone: string, qname: string, qtype: string, servers = serversOf(zone)): Gen<{msg: DnsMessage, server: ServerRef} | null> {
    for (const server of servers.slice(0, 4)) {
      queries++
      const [out] = yield [{id: id++, server, qname, qtype, zone, purpose: 'main', depth: 0}]
      if (out.message && (out.message.rcode === 'NOERROR' || out.message.rcode === 'NXDOMAIN')) {
        noteExpiry(out.message)
        return {msg: out.message, server}
      }
    }
    return null
  }

  /** The earliest RRSIG expiration seen per signer. */
  const expiry = new Map<string, number>()
  function noteExpiry(msg: DnsMessage): void {
    for (const rr of [...msg.answers, ...msg.authorities]) {
      if (rrType(rr) !== 'RRSIG') continue
      const d = (rr as RrsigRecord).data
      const signer = canonicalName(d.signersName)
      if (!expiry.has(signer) || d.expiration < expiry.get(signer)!) expiry.set(signer, d.expiration)
    }
  }

  const zoneState = new Map<string, {status: SecurityStatus, keys: DnskeyRecord[], servers: ServerRef[]}>()
  const zones: DnssecZoneReport[] = []
  const report = (zone: string, status: SecurityStatus, reason: string, extra: Partial<DnssecZoneReport> = {}) => {
    zones.push({zone: fqdn(zone), status, reason, ds: [], keys: [], signingKeyTag: null, server: null, anchored: anchorsAt.has(zone), expires: null, expiresInS: null, ...extra})
  }

  /**
   * Validate `zone` below `parent` (already validated), asking `servers` for its DS (the
   * parent's) and `childServers` for its DNSKEY; or from its trust anchor.
   */
  function* validate(zone: string, parent: string | undefined, servers: ServerRef[], childServers: ServerRef[]): Gen<void> {
    let ds: DsRecord[] | null = null
    let proof: {ok: boolean, reason: string} | undefined
    let parentStatus: SecurityStatus
    const anchor = anchorsAt.get(zone)
    if (anchor) {
      ds = anchor
      parentStatus = 'secure'
    } else if (parent === undefined) {
      zoneState.set(zone, {status: 'indeterminate', keys: [], servers: childServers})
      report(zone, 'indeterminate', covered(zone) ? `no validated zone above ${fqdn(zone)} on the path` : `not validated: no trust anchor at or above ${fqdn(zone)}`)
      return
    } else {
      const p = zoneState.get(parent)!
      parentStatus = p.status
      if (p.status === 'secure') {
        // The referral's own DS RRset (or denial) first, as resolvers use it; else ask for it.
        const delegation = (records: Rr[]) => validateDelegation({parentZone: parent, parentStatus: p.status, parentKeys: p.keys, child: zone, records, now: o.nowSeconds})
        const fromReferral = o.cache.referralDs.get(zone) ?? []
        let d = fromReferral.length ? delegation(fromReferral) : null
        let r: {msg: DnsMessage, server: ServerRef} | null = null
        if (!d || d.status === 'bogus') {
          r = yield* ask(parent, zone, 'DS', servers)
          if (r || !d) d = delegation(r ? [...r.msg.answers, ...r.msg.authorities] : [])
        }
        if (d.status === 'bogus') {
          zoneState.set(zone, {status: 'bogus', keys: [], servers: childServers})
          report(zone, 'bogus', r || fromReferral.length ? d.reason : `no reply to DS ${fqdn(zone)} from the servers of ${fqdn(parent)}`, {server: r ? serverJson(r.server) : null})
          return
        }
        ds = d.ds
        proof = d.dsProofOfAbsence
      }
    }
    let keys: DnskeyRecord[] = []
    let sigs: RrsigRecord[] = []
    let server: ServerRef | null = null
    if (parentStatus === 'secure' && (ds?.length ?? 0) > 0) {
      const r = yield* ask(zone, zone, 'DNSKEY', childServers)
      if (r) {
        server = serverJson(r.server)
        keys = recordsOfType(r.msg.answers, 'DNSKEY')
        sigs = recordsOfType(r.msg.answers, 'RRSIG').filter((rr) => typeName(rr.data.typeCovered) === 'DNSKEY')
      }
    }
    const v = validateZone({zone, parentStatus, ds, dsProofOfAbsence: proof, dnskeys: keys, dnskeyRrsigs: sigs, now: o.nowSeconds})
    zoneState.set(zone, {status: v.status, keys: v.keys, servers: childServers})
    report(zone, v.status, v.status === 'bogus' && keys.length === 0 && (ds?.length ?? 0) > 0 ? `${v.reason} (no DNSKEY RRset could be fetched)` : v.reason, {
      ds: (ds ?? []).map((d) => ({keyTag: d.data.keyTag, algorithm: d.data.algorithm, digestType: d.data.digestType})),
      keys: keys.map((k) => ({keyTag: keyTag(k.data), algorithm: k.data.algorithm, flags: k.data.flags})),
      signingKeyTag: v.signingKeyTag ?? null,
      server,
    })
  }

  // Zones on the path: every cut above the zones that produced answer data. Under --all every
  // server of a zone answered the same question: validate each question once. A final answer
  // without AA (a lame server's data, the only one to be had) is validated all the same.
  const final = o.result.answer
  const finalZone = final?.zone ? canonicalName(final.zone) : null
  const fromFinal = (s: TraceStep) => s.kind === 'lame' && final !== null && !final.authoritative && s.zone !== null && canonicalName(s.zone) === finalZone &&
    s.server.address === final.server?.address
  const answerSteps = o.result.steps
    .filter((s) => s.purpose === 'main' && (ANSWER_KINDS.has(s.kind) || fromFinal(s)))
    .filter((s, i, all) => all.findIndex((t) => t.zone === s.zone && t.qname === s.qname && t.qtype === s.qtype) === i)
  const leafZones = [...new Set(answerSteps.filter((s) => s.zone !== null).map((s) => s.zone as string))]
  const cuts = [...o.cache.zones.keys()].filter((z) => !z.startsWith('\u0000'))
  const needed = new Set<string>()
  for (const leaf of leafZones) for (const z of cuts) if (isSubdomain(leaf, z)) needed.add(z)
  const ordered = [...needed].sort((a, b) => labelCount(a) - labelCount(b))
  for (const zone of ordered) {
    const parent = ordered.filter((z) => z !== zone && isSubdomain(zone, z)).sort((a, b) => labelCount(b) - labelCount(a))[0]
    const parentServers = parent === undefined ? [] : serversOf(parent)
    yield* validate(zone, parent, parentServers, serversOf(zone))
  }

  // The answer data, zone by zone along the CNAME chain, fetched again with DO.
  const answers: DnssecReport['answers'] = []
  for (const s of answerSteps) {
    if (s.zone === null) {
      answers.push(yield* unknownZone(s))
      continue
    }
    let zone = s.zone
    let st = zoneState.get(zone) ?? {status: 'indeterminate' as SecurityStatus, keys: [], servers: serversOf(zone)}
    let status: SecurityStatus = st.status
    let reason = `zone ${fqdn(zone)} is ${st.status}`
    if (st.status === 'secure') {
      const r = yield* ask(zone, s.qname, s.qtype)
      if (!r) {
        status = 'bogus'
        reason = `no reply with DNSSEC records for ${fqdn(s.qname)} ${s.qtype}`
      } else {
        // The RRset's signer, when it is a zone below the one asked (one server serving both):
        // chain down to it first, through the same servers.
        const signer = signersOf([...r.msg.answers, ...r.msg.authorities]).find((x) => x !== canonicalName(zone) && isSubdomain(x, zone))
        if (signer) {
          if (!zoneState.has(signer)) yield* validate(signer, zone, st.servers, st.servers)
          zone = signer
          st = zoneState.get(signer)!
        }
        if (st.status !== 'secure') {
          status = st.status
          reason = `signed by ${fqdn(zone)}, which is ${st.status}`
        } else {
          ({status, reason} = verdictOf(zone, st.keys, s, r.msg))
        }
      }
    }
    answers.push({qname: fqdn(s.qname), qtype: s.qtype, zone: fqdn(zone), status, reason})
  }

  /**
   * An answer from a server the walk started at (--server): its zone is not known from a
   * referral, so it is the answer's signer, validated when a trust anchor is at that zone.
   */
  function* unknownZone(s: TraceStep): Gen<DnssecReport['answers'][number]> {
    const out = (status: SecurityStatus, reason: string, zone = '') => ({qname: fqdn(s.qname), qtype: s.qtype, zone: fqdn(zone), status, reason})
    const r = yield* ask('', s.qname, s.qtype, [s.server])
    if (!r) return out('indeterminate', `no reply with DNSSEC records for ${fqdn(s.qname)} ${s.qtype} from ${s.server.address}`)
    const signer = signersOf([...r.msg.answers, ...r.msg.authorities])[0] ?? null
    if (signer === null) return out('indeterminate', `the zone of ${s.server.address} is not known (the trace started there) and the reply is unsigned`)
    if (!anchorsAt.has(signer)) return out('indeterminate', `signed by ${fqdn(signer)}, but the trace started at ${s.server.address}, below any cut it could chain from: give a trust anchor for ${fqdn(signer)}`, signer)
    if (!zoneState.has(signer)) yield* validate(signer, undefined, [], [s.server])
    const st = zoneState.get(signer)!
    if (st.status !== 'secure') return out(st.status, `signed by ${fqdn(signer)}, which is ${st.status}`, signer)
    const v = verdictOf(signer, st.keys, s, r.msg)
    return out(v.status, v.reason, signer)
  }

  /** The answer of `s`, as fetched with DO, validated with the keys of its secure zone. */
  function verdictOf(zone: string, keys: DnskeyRecord[], s: TraceStep, msg: DnsMessage): {status: SecurityStatus, reason: string} {
    return validateAnswer({
      zone, zoneStatus: 'secure', keys, qname: s.qname, qtype: s.qtype,
      rcode: msg.rcode === 'NXDOMAIN' ? 'NXDOMAIN' : 'NOERROR',
      answers: msg.answers, authority: msg.authorities, now: o.nowSeconds,
    })
  }

  let overall: SecurityStatus
  let why: string
  const bogusZone = zones.find((z) => z.status === 'bogus')
  if (o.result.kind === 'error' || answers.length === 0) {
    // Nothing to validate: never "insecure" (that needs a proof), unless the chain itself broke.
    overall = bogusZone ? 'bogus' : 'indeterminate'
    why = bogusZone ? `${bogusZone.zone} is bogus: ${bogusZone.reason}`
      : o.result.kind === 'error' ? 'the resolution failed: there is no answer to validate' : 'no answer data could be validated'
  } else {
    overall = answers.reduce<SecurityStatus>((acc, a) => worst(acc, a.status), 'secure')
    const worstAnswer = [...answers].sort((a, b) => STATUS_RANK[b.status] - STATUS_RANK[a.status])[0]!
    why = `${worstAnswer.qname} ${worstAnswer.qtype}: ${worstAnswer.reason}`
  }

  // Signature expiry per zone, with a warning when it is near.
  const warnings: string[] = []
  for (const z of zones) {
    const e = expiry.get(canonicalName(z.zone))
    if (e === undefined) continue
    z.expires = isoTime(e)
    z.expiresInS = e - o.nowSeconds
    if (z.status === 'secure' && z.expiresInS < warnWithin) {
      warnings.push(`${z.zone}: a signature ${z.expiresInS <= 0 ? 'has expired' : `expires in ${formatSpan(z.expiresInS)}`} (${z.expires})`)
    }
  }
  return {status: overall, reason: why, anchor: o.anchorLabel, time: isoTime(o.nowSeconds), zones, answers, warnings, queries}
}

/** The signer names of a reply's RRSIGs, in order. */
function signersOf(records: readonly Rr[]): string[] {
  return records.filter((rr) => rrType(rr) === 'RRSIG').map((rr) => canonicalName((rr as RrsigRecord).data.signersName))
}
