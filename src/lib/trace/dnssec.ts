/**
 * `dnsx trace --dnssec`: after the walk, validate the chain of trust from the
 * trust anchor down every zone the answer came through (DS → DNSKEY → RRSIG),
 * then the answer itself (or its NSEC/NSEC3 denial). Sans-I/O like the walk:
 * a generator that yields the DS/DNSKEY/answer queries it needs (DO set).
 */
import type {DnsMessage} from '../dns/message.js'
import {fqdn, isSubdomain, labelCount} from '../dns/names.js'
import {validateAnswer, validateDelegation, validateZone, type SecurityStatus} from '../dnssec/chain.js'
import type {DnskeyRecord, DsRecord, RrsigRecord} from '../dns/record.js'
import {keyTag} from '../dnssec/canonical.js'
import type {DelegationCache, ServerRef, TraceOutcome, TraceQuery, TraceResult} from './engine.js'
import {rrType} from './classify.js'

export interface DnssecZoneReport {
  zone: string
  status: SecurityStatus
  reason: string
  /** DS records the parent published (or the trust anchor for the root). */
  ds: {keyTag: number, algorithm: number, digestType: number}[]
  keys: {keyTag: number, algorithm: number, flags: number}[]
  signingKeyTag: number | null
  server: ServerRef | null
}

export interface DnssecReport {
  /** Overall: the worst of the answer's and its zones' statuses. */
  status: SecurityStatus
  anchor: string
  zones: DnssecZoneReport[]
  answers: {qname: string, qtype: string, zone: string, status: SecurityStatus, reason: string}[]
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
}

/** Server names in the report as everywhere else in the trace JSON: absolute, with the dot. */
const serverJson = (s: ServerRef): ServerRef => ({name: s.name && s.name !== s.address ? fqdn(s.name) : null, address: s.address})

const RANK: Record<SecurityStatus, number> = {secure: 0, insecure: 1, bogus: 2}
const worst = (a: SecurityStatus, b: SecurityStatus): SecurityStatus => (RANK[a] >= RANK[b] ? a : b)

export function* dnssecPass(o: DnssecPassOptions): Gen<DnssecReport> {
  let id = 100_000
  let queries = 0
  const usable = (a: string) => o.family === 'both' || (a.includes(':') ? 6 : 4) === o.family

  function serversOf(zone: string): ServerRef[] {
    const ns = o.cache.zones.get(zone) ?? []
    return ns.flatMap((n) => n.addresses.filter(usable).map((address) => ({name: n.name, address})))
  }

  /** Ask the zone's servers in turn until one replies. */
  function* ask(zone: string, qname: string, qtype: string): Gen<{msg: DnsMessage, server: ServerRef} | null> {
    for (const server of serversOf(zone).slice(0, 4)) {
      queries++
      const [out] = yield [{id: id++, server, qname, qtype, zone, purpose: 'main', depth: 0}]
      if (out.message && (out.message.rcode === 'NOERROR' || out.message.rcode === 'NXDOMAIN')) return {msg: out.message, server}
    }
    return null
  }

  // Zones on the path: every cut above the zones that produced answer data. Under --all every
  // server of a zone answered the same question: validate each question once.
  const answerSteps = o.result.steps
    .filter((s) => s.purpose === 'main' && ['answer', 'cname', 'dname', 'nodata', 'nxdomain'].includes(s.kind) && s.zone !== null)
    .filter((s, i, all) => all.findIndex((t) => t.zone === s.zone && t.qname === s.qname && t.qtype === s.qtype) === i)
  const leafZones = [...new Set(answerSteps.map((s) => s.zone as string))]
  const cuts = [...o.cache.zones.keys()].filter((z) => !z.startsWith('\u0000'))
  const needed = new Set<string>()
  for (const leaf of leafZones) for (const z of cuts) if (isSubdomain(leaf, z)) needed.add(z)
  const ordered = [...needed].sort((a, b) => labelCount(a) - labelCount(b))

  const zoneState = new Map<string, {status: SecurityStatus, keys: DnskeyRecord[]}>()
  const zones: DnssecZoneReport[] = []
  for (const zone of ordered) {
    const parent = ordered.filter((z) => z !== zone && isSubdomain(zone, z)).sort((a, b) => labelCount(b) - labelCount(a))[0]
    let ds: DsRecord[] | null
    let proof: {ok: boolean, reason: string} | undefined
    let parentStatus: SecurityStatus | 'indeterminate'
    if (zone === '') {
      ds = [...o.anchors]
      parentStatus = 'secure'
    } else if (parent === undefined) {
      ds = null
      parentStatus = 'indeterminate'
    } else {
      const p = zoneState.get(parent)!
      parentStatus = p.status
      if (p.status === 'secure') {
        const r = yield* ask(parent, zone, 'DS')
        const records = r ? [...r.msg.answers, ...r.msg.authorities] : []
        const d = validateDelegation({parentZone: parent, parentStatus: p.status, parentKeys: p.keys, child: zone, records, now: o.nowSeconds})
        if (d.status === 'bogus') {
          zoneState.set(zone, {status: 'bogus', keys: []})
          zones.push({zone: fqdn(zone), status: 'bogus', reason: r ? d.reason : `no reply to DS ${fqdn(zone)} from the servers of ${fqdn(parent)}`, ds: [], keys: [], signingKeyTag: null, server: r ? serverJson(r.server) : null})
          continue
        }
        ds = d.ds
        proof = d.dsProofOfAbsence
      } else ds = null
    }
    let keys: DnskeyRecord[] = []
    let sigs: RrsigRecord[] = []
    let server: ServerRef | null = null
    if (parentStatus === 'secure' && (ds?.length ?? 0) > 0) {
      const r = yield* ask(zone, zone, 'DNSKEY')
      if (r) {
        server = serverJson(r.server)
        keys = r.msg.answers.filter((rr) => rrType(rr) === 'DNSKEY') as unknown as DnskeyRecord[]
        sigs = r.msg.answers.filter((rr) => rrType(rr) === 'RRSIG' && String((rr as any).data?.typeCovered).toUpperCase() === 'DNSKEY') as unknown as RrsigRecord[]
      }
    }
    const v = validateZone({zone, parentStatus, ds, dsProofOfAbsence: proof, dnskeys: keys, dnskeyRrsigs: sigs, now: o.nowSeconds})
    zoneState.set(zone, {status: v.status, keys: v.keys})
    zones.push({
      zone: fqdn(zone),
      status: v.status,
      reason: v.status === 'bogus' && keys.length === 0 && (ds?.length ?? 0) > 0 ? `${v.reason} (no DNSKEY RRset could be fetched)` : v.reason,
      ds: (ds ?? []).map((d) => ({keyTag: d.data.keyTag, algorithm: d.data.algorithm, digestType: d.data.digestType})),
      keys: keys.map((k) => ({keyTag: keyTag(k.data), algorithm: k.data.algorithm, flags: k.data.flags})),
      signingKeyTag: v.signingKeyTag ?? null,
      server,
    })
  }

  // The answer data, zone by zone along the CNAME chain, fetched again with DO.
  const answers: DnssecReport['answers'] = []
  let overall: SecurityStatus = 'secure'
  for (const s of answerSteps) {
    const zone = s.zone as string
    const st = zoneState.get(zone) ?? {status: 'insecure' as SecurityStatus, keys: []}
    let status: SecurityStatus = st.status
    let reason = `zone ${fqdn(zone)} is ${st.status}`
    if (st.status === 'secure') {
      const r = yield* ask(zone, s.qname, s.qtype)
      if (!r) {
        status = 'bogus'
        reason = `no reply with DNSSEC records for ${fqdn(s.qname)} ${s.qtype}`
      } else {
        const v = validateAnswer({
          zone, zoneStatus: 'secure', keys: st.keys, qname: s.qname, qtype: s.qtype,
          rcode: r.msg.rcode === 'NXDOMAIN' ? 'NXDOMAIN' : 'NOERROR',
          answers: r.msg.answers, authority: r.msg.authorities, now: o.nowSeconds,
        })
        status = v.status
        reason = v.reason
      }
    }
    overall = worst(overall, status)
    answers.push({qname: fqdn(s.qname), qtype: s.qtype, zone: fqdn(zone), status, reason})
  }
  // With no answer data to validate (e.g. the walk failed), the zones speak.
  if (answers.length === 0) overall = zones.reduce<SecurityStatus>((acc, z) => worst(acc, z.status), zones.length ? 'secure' : 'insecure')
  return {status: overall, anchor: o.anchorLabel, zones, answers, queries}
}

