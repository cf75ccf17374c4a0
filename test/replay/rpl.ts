/**
 * Replaying Deckard-style scenarios (.rpl: the format of the public resolver test suites of
 * CZ-NIC's Deckard and Unbound's testbound) against dnsx's trace engine, to measure its verdicts
 * against what a resolver must return. Only the parts a trace needs are read: the stub (root)
 * addresses, RANGE blocks of scripted servers (by address), STEP REPLY entries (answers to the
 * next matching query, whatever the address), the first STEP QUERY and its CHECK_ANSWER.
 *
 * The scenario files are not part of dnsx: fetch them (npm run replay -- DIR).
 */
import {canonicalName, isSubdomain} from '../../src/lib/dns/names.js'
import {DnsClient} from '../../src/lib/dns/client.js'
import {encodePacket, type DecodedPacket, type Rr} from '../../src/lib/dns/message.js'
import {rcodeValue} from '../../src/lib/dns/types.js'
import {parseRecord} from '../../src/lib/dns/zonefile.js'
import type {DsRecord} from '../../src/lib/dns/record.js'
import {parseTrustAnchor} from '../../src/lib/dnssec/chain.js'
import {dnssecPass, type DnssecReport} from '../../src/lib/trace/dnssec.js'
import {driveGenerator, runTrace} from '../../src/lib/trace/driver.js'
import {DelegationCache, type TraceResult} from '../../src/lib/trace/engine.js'
import {parseInstant} from '../../src/lib/time.js'
import {ScriptedTransport} from '../helpers/scripted-transport.js'

export interface Entry {
  match: string[]
  adjust: string[]
  flags: Set<string>
  rcode: string
  question: {name: string, type: string} | null
  answer: Rr[]
  authority: Rr[]
  additional: Rr[]
  /** Raw wire replies are not modelled: such an entry answers nothing. */
  raw: boolean
}

export interface Scenario {
  name: string
  config: string[]
  stubAddrs: string[]
  ranges: {from: number, to: number, addresses: string[], entries: Entry[]}[]
  steps: {id: number, kind: string, entry: Entry | null}[]
}

const RCODES = new Set(['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED', 'YXDOMAIN', 'YXRRSET', 'NXRRSET', 'NOTAUTH', 'NOTZONE', 'BADVERS'])

function record(line: string): Rr | null {
  try {
    return parseRecord(line.replace(/;.*$/, '').trim(), {defaultTtl: 3600, origin: '.'})
  } catch {
    return null
  }
}

export function parseRpl(text: string, name = 'scenario'): Scenario {
  const sc: Scenario = {name, config: [], stubAddrs: [], ranges: [], steps: []}
  const lines = text.split('\n')
  let i = 0
  let inConfig = true
  let range: Scenario['ranges'][number] | null = null
  let pendingStep: Scenario['steps'][number] | null = null
  const readEntry = (): Entry => {
    const e: Entry = {match: [], adjust: [], flags: new Set(), rcode: 'NOERROR', question: null, answer: [], authority: [], additional: [], raw: false}
    let section = ''
    for (i++; i < lines.length; i++) {
      const l = lines[i]!.replace(/;.*$/, '').trim()
      if (l === '') continue
      if (l === 'ENTRY_END') break
      const [w, ...rest] = l.split(/\s+/)
      if (w === 'MATCH') e.match.push(...rest)
      else if (w === 'ADJUST') e.adjust.push(...rest)
      else if (w === 'REPLY') {
        for (const f of rest) RCODES.has(f.toUpperCase()) ? (e.rcode = f.toUpperCase()) : e.flags.add(f.toUpperCase())
      } else if (w === 'SECTION') section = rest[0]!.toUpperCase()
      else if (w === 'RAW' || w === 'HEX_ANSWER_BEGIN') e.raw = true
      else if (section === 'QUESTION') {
        const parts = l.split(/\s+/)
        const type = parts.find((p, k) => k > 0 && p !== 'IN' && p !== 'CH') ?? 'A'
        e.question = {name: canonicalName(parts[0]!), type: type.toUpperCase()}
      } else if (section === 'ANSWER' || section === 'AUTHORITY' || section === 'ADDITIONAL') {
        const rr = record(l)
        if (rr) (section === 'ANSWER' ? e.answer : section === 'AUTHORITY' ? e.authority : e.additional).push(rr)
      }
    }
    return e
  }
  for (; i < lines.length; i++) {
    const raw = lines[i]!
    const l = raw.replace(/;.*$/, '').trim()
    if (l === '') continue
    if (inConfig) {
      if (l === 'CONFIG_END') inConfig = false
      else {
        sc.config.push(l)
        const m = /^stub-addr:\s*(\S+)/.exec(l)
        if (m) sc.stubAddrs.push(m[1]!.replace(/@\d+$/, ''))
      }
      continue
    }
    const [w, ...rest] = l.split(/\s+/)
    if (w === 'RANGE_BEGIN') range = {from: Number(rest[0]), to: Number(rest[1]), addresses: [], entries: []}
    else if (w === 'ADDRESS' && range) range.addresses.push(rest[0]!)
    else if (w === 'RANGE_END') {
      if (range) sc.ranges.push(range)
      range = null
    } else if (w === 'ENTRY_BEGIN') {
      const e = readEntry()
      if (range) range.entries.push(e)
      else if (pendingStep) {
        pendingStep.entry = e
        pendingStep = null
      }
    } else if (w === 'STEP') {
      const step = {id: Number(rest[0]), kind: rest[1]!, entry: null}
      sc.steps.push(step)
      pendingStep = ['QUERY', 'REPLY', 'CHECK_ANSWER'].includes(step.kind) ? step : null
    }
  }
  return sc
}

function matches(e: Entry, qname: string, qtype: string): boolean {
  if (e.raw || !e.question) return false
  const m = new Set(e.match.map((x) => x.toLowerCase()))
  if ((m.has('qname') || m.has('all')) && canonicalName(qname) !== e.question.name) return false
  if (m.has('subdomain') && !isSubdomain(qname, e.question.name)) return false
  if ((m.has('qtype') || m.has('all')) && qtype.toUpperCase() !== e.question.type) return false
  return true
}

/** The reply an entry makes to a query, on the wire (the query's ID and, unless told, its question). */
function toWire(e: Entry, q: DecodedPacket): Buffer {
  const bit = (f: string, v: number) => (e.flags.has(f) ? v : 0)
  const flags = bit('AA', 0x0400) | bit('TC', 0x0200) | bit('RD', 0x0100) | bit('RA', 0x0080) | bit('AD', 0x0020) | (rcodeValue(e.rcode) ?? 0) & 0xf
  return encodePacket({
    id: q.id, type: 'response', flags,
    questions: e.adjust.includes('copy_query') || !e.question ? q.questions : [{name: q.questions[0]?.name ?? e.question.name, type: q.questions[0]?.type ?? e.question.type, class: 'IN'}],
    answers: e.answer, authorities: e.authority, additionals: e.additional,
  })
}

export interface ReplayOutcome {
  name: string
  question: {name: string, type: string}
  result: TraceResult
  expected: {rcode: string, answer: string[], ad?: boolean}
  got: {rcode: string | null, answer: string[], ad?: boolean}
  pass: boolean
  dnssec?: DnssecReport | null
  queries: number
}

const key = (rr: Rr) => `${canonicalName(rr.name)} ${String(rr.type).toUpperCase()} ${JSON.stringify(rr.data).toLowerCase()}`
/** The answer's data records: signatures are compared through the DNSSEC verdict, not as data. */
const dataKeys = (rrs: readonly Rr[]) => rrs.filter((rr) => String(rr.type).toUpperCase() !== 'RRSIG').map(key).sort()

/**
 * Run the trace engine against the scenario's servers: STEP REPLY entries answer the next query
 * they match (each once), RANGE entries the queries to their addresses. The trace passes when its
 * final rcode and answer section are the CHECK_ANSWER's.
 */
export async function replay(sc: Scenario): Promise<ReplayOutcome | null> {
  const query = sc.steps.find((s) => s.kind === 'QUERY' && s.entry?.question)
  if (!query) return null
  const check = sc.steps.find((s) => s.kind === 'CHECK_ANSWER' && s.id > query.id && s.entry)
  if (!check || sc.stubAddrs.length === 0) return null
  const q = query.entry!.question!
  const replies = sc.steps.filter((s) => s.kind === 'REPLY' && s.entry && s.id > query.id && s.id < check.id).map((s) => ({entry: s.entry!, used: false}))
  let queries = 0
  // Every query goes through dnsx's own client (acceptance, TC → TCP, EDNS fallback) over a
  // scripted transport on a fake clock: silence costs exactly the try's time.
  let server = ''
  const transport = new ScriptedTransport((pkt) => {
    queries++
    const qn = pkt.questions[0]?.name ?? ''
    const qt = pkt.questions[0]?.type ?? 'A'
    const step = replies.find((r) => !r.used && matches(r.entry, qn, qt))
    let e: Entry | undefined
    if (step) {
      step.used = true
      e = step.entry
    } else {
      e = sc.ranges
        .filter((r) => r.addresses.length === 0 || r.addresses.includes(server))
        .flatMap((r) => r.entries)
        .find((x) => matches(x, qn, qt))
    }
    return e ? [toWire(e, pkt)] : []
  })
  const udp = transport.udp.bind(transport)
  const tcp = transport.tcp.bind(transport)
  transport.udp = (req) => ((server = req.server.address), udp(req))
  transport.tcp = (req) => ((server = req.server.address), tcp(req))
  const client = new DnsClient({transport})
  const anchors = trustAnchors(sc)
  const cache = new DelegationCache()
  const drive = {client, port: 53, timeoutMs: 1000, dnssec: anchors.length > 0}
  const result = await runTrace({
    name: q.name, type: q.type, rootHints: sc.stubAddrs.map((a, k) => ({name: `stub${k}.replay`, address: a})),
    family: 'both', limits: {deadlineMs: 1e9}, cache,
  }, drive)
  const want = check.entry!
  let dnssec: DnssecReport | null = null
  if (anchors.length) {
    dnssec = await driveGenerator(dnssecPass({result, cache, anchors, anchorLabel: 'scenario', nowSeconds: validationTime(sc), family: 'both'}), drive)
  }
  // A validating resolver answers SERVFAIL for bogus data and sets AD only on secure data.
  const bogus = dnssec?.status === 'bogus'
  const expected = {rcode: want.rcode, answer: bogus || want.rcode === 'SERVFAIL' ? [] : dataKeys(want.answer), ad: want.flags.has('AD')}
  const gotRecords = bogus ? [] : result.answer?.records ?? []
  const got = {rcode: result.kind === 'error' || bogus ? 'SERVFAIL' : result.answer?.rcode ?? null, answer: dataKeys(gotRecords), ad: dnssec?.status === 'secure'}
  const sameAnswer = JSON.stringify([...new Set(got.answer)]) === JSON.stringify([...new Set(expected.answer)])
  const pass = got.rcode === expected.rcode && (expected.rcode === 'SERVFAIL' || sameAnswer) && (!dnssec || got.ad === expected.ad)
  return {name: sc.name, question: q, result, expected, got, pass, queries, dnssec}
}

/** The scenario's trust anchors (config `trust-anchor:` lines, DS or DNSKEY). */
function trustAnchors(sc: Scenario): DsRecord[] {
  const text = sc.config.map((c) => /^trust-anchor:\s*"?([^"]+)"?/.exec(c)?.[1]).filter((x): x is string => Boolean(x)).join('\n')
  if (!text.trim()) return []
  try {
    return parseTrustAnchor(text, {now: validationTime(sc)})
  } catch {
    return []
  }
}

/** The scenario's val-override-date (YYYYMMDDHHmmSS), else now. */
function validationTime(sc: Scenario): number {
  const d = sc.config.map((c) => /^val-override-date:\s*"?(\d{14})"?/.exec(c)?.[1]).find(Boolean)
  return d ? parseInstant(d, 'val-override-date') : Math.floor(Date.now() / 1000)
}
