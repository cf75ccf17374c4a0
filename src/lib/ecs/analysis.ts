/**
 * Analysis of answers to one DNS question asked with different EDNS Client Subnets
 * (RFC 7871), possibly repeated, possibly against several authoritative servers:
 * answer groups, per-server ECS behaviour, the routing policy behind the answers
 * (uniform, subnet-dependent, weighted, multivalue, mixed) and disagreements between
 * servers of the same zone.
 *
 * Pure: no I/O, deterministic for a given input (the permutation test uses a seeded PRNG).
 */
import {InternalError} from '../errors.js'
import type {EcsStatus} from './compliance.js'
import {addressToBigInt, compareSubnets, familyOf, parseAddress} from '../net/cidr.js'
import {mulberry32} from '../random.js'
import {count} from '../words.js'

/** Label used in outputs for results sent without any ECS option (the baseline). */
export const BASELINE_LABEL = 'none'

/** One reply (or failure) to the analysed question. */
export interface EcsResult {
  /** Address of the server that answered (the grouping key for per-server analysis). */
  server: string
  /** Host name of the server, for display. */
  serverName?: string
  /** Client subnet sent, as CIDR; null when no ECS option was sent (baseline). `0.0.0.0/0` / `::/0` = opt-out. */
  subnet: string | null
  /** SCOPE PREFIX-LENGTH of the reply's ECS option, null when the reply had none. */
  scope: number | null
  /** Response code name (`NOERROR`, `NXDOMAIN`, `SERVFAIL`, ...); anything else, e.g. `TIMEOUT`, marks a failure. */
  rcode: string
  /** Record data of the answer RRset(s), one string per record; order does not matter. */
  answers: string[]
  /** TTL of the answer, if known (informational). */
  ttl?: number
  /** ECS echo status of the reply, see {@link EcsStatus} (from `checkEcsCompliance`). */
  ecs: EcsStatus
}

/** Subnets that received the same (sorted) answer set. */
export interface AnswerGroup {
  /** Sorted, de-duplicated record data. Empty for NXDOMAIN / NODATA. */
  answers: string[]
  /** Response code of the group (`NOERROR` or `NXDOMAIN`). */
  rcode: string
  /** Subnet labels (CIDR, or {@link BASELINE_LABEL}) that received this answer set, sorted with `compareSubnets`. */
  subnets: string[]
  /** Servers that returned it, sorted. */
  servers: string[]
  /** Number of replies with this answer set. */
  count: number
}

/**
 * ECS behaviour of one server, decided in this order (first match wins):
 * 1. `inconclusive`: no usable (NOERROR/NXDOMAIN) reply to a query that carried ECS.
 * 2. `echo-mismatch`: at least one reply echoed an ECS option that differs from what was sent.
 * 3. no reply echoed ECS: `tailored` if answers differ by subnet (see {@link ServerSummary.differsBySubnet};
 *    the option was probably stripped on the way back), otherwise `ecs-unaware`.
 * 4. `tailored`: some echoed reply has scope > 0.
 * 5. `scope0-but-differs`: every echo has scope 0 but answers differ by subnet (caches will
 *    serve one subnet's answer to everybody).
 * 6. `echo-only`: echoes with scope 0 and answers that do not depend on the subnet.
 */
export type ServerBehaviour = 'ecs-unaware' | 'echo-only' | 'tailored' | 'scope0-but-differs' | 'echo-mismatch' | 'inconclusive'

/**
 * Policy kinds, see {@link analyseEcsResults} for the exact decision rules.
 * `inconclusive` is used when there is no usable reply at all.
 */
export type PolicyKind = 'uniform' | 'subnet-dependent' | 'weighted' | 'multivalue' | 'mixed' | 'inconclusive'

/** Estimated share of one answer set among the replies it was measured on. */
export interface WeightEstimate {
  answers: string[]
  rcode: string
  count: number
  /** count / total. */
  share: number
  /** 95% Wilson score interval of the share. */
  ci95: [number, number]
}

/** For multivalue-like answers: how often each record appears in a reply. */
export interface RecordShare {
  record: string
  count: number
  /** Fraction of the measured replies that contain this record. */
  share: number
  ci95: [number, number]
}

/** The routing policy inferred from the answers. */
export interface PolicyInference {
  kind: PolicyKind
  /**
   * Answer-set shares. Measured over all usable replies for `uniform`, `weighted` and `multivalue`;
   * over the replies of the (server, subnet) cells that varied for `mixed`; empty for
   * `subnet-dependent` and `inconclusive` (shares there would only reflect how many subnets were probed).
   */
  weights: WeightEstimate[]
  /** Per-record inclusion shares, only for `multivalue`. */
  records: RecordShare[]
  /** Union of all records seen, only for `multivalue`. */
  pool: string[]
  /** One or two sentences with the numbers behind the decision. */
  explanation: string
  /** Reasons to be careful with the conclusion (too few repeats, servers disagree, ...). */
  caveats: string[]
  /** The measurements the decision was based on. */
  evidence: PolicyEvidence
}

/** Numbers behind a {@link PolicyInference}. */
export interface PolicyEvidence {
  /** Usable replies analysed. */
  replies: number
  /** Distinct answer sets over all servers. */
  answerSets: number
  /** Largest number of distinct answer sets returned by one server. */
  answerSetsPerServer: number
  /** (server, subnet) cells with at least two usable replies. */
  repeatedCells: number
  /** Cells whose replies were not all the same answer set. */
  varyingCells: number
  /** p-value of the stratified permutation test of "answer set depends on subnet"; null when not run. */
  dependenceP: number | null
}

/** Summary of one server. */
export interface ServerSummary {
  server: string
  serverName?: string
  behaviour: ServerBehaviour
  /** Policy kind computed on this server's replies alone (same rules as the overall policy). */
  policy: PolicyKind
  /** All results for this server, failures included. */
  results: number
  /** Usable replies (NOERROR / NXDOMAIN). */
  replies: number
  /** Results that were not usable, by rcode. */
  failures: Record<string, number>
  /** Among usable replies to queries that carried ECS: */
  echoed: number
  absent: number
  mismatched: number
  /** Distinct scopes seen in echoed replies, ascending. */
  scopes: number[]
  /** Distinct answer sets returned by this server. */
  answerSets: number
  /** Some (subnet) cell of this server returned different answer sets across repeats. */
  variesWithinSubnet: boolean
  /**
   * Answers depend on the subnet: with no variation within any subnet, more than one answer set;
   * with variation, the permutation test rejects independence (p < alpha).
   */
  differsBySubnet: boolean
  explanation: string
}

/** Servers of the zone that behave or answer differently. */
export interface ServerDisagreement {
  kind: 'behaviour' | 'answers'
  /** Subnet label the disagreement is about; null when it is about the servers as a whole. */
  subnet: string | null
  servers: Array<{server: string; serverName?: string; behaviour: ServerBehaviour; answers: string[][]}>
  explanation: string
}

/** Everything {@link analyseEcsResults} returns. */
export interface EcsAnalysis {
  groups: AnswerGroup[]
  servers: ServerSummary[]
  policy: PolicyInference
  disagreements: ServerDisagreement[]
  /** Number of usable replies (NOERROR / NXDOMAIN) and of other results. */
  usable: number
  failed: number
}

/** Tuning of {@link analyseEcsResults}. */
export interface AnalyseOptions {
  /** Significance level of the subnet-dependence test. Default 0.01. */
  alpha?: number
  /** Number of random permutations in the test. Default 999 (smallest possible p = 0.001). */
  permutations?: number
  /** PRNG seed of the permutation test. Default 0x5eed. */
  seed?: number
}

const USABLE_RCODES = new Set(['NOERROR', 'NXDOMAIN'])

/**
 * 95% (by default) Wilson score interval for a binomial proportion k/n.
 * Returns [0, 1] for n = 0. Example: wilson(70, 100) ≈ [0.604, 0.781].
 * @throws Error for negative counts or k > n.
 */
export function wilson(k: number, n: number, z = 1.96): [number, number] {
  if (!(n >= 0) || !(k >= 0) || k > n) throw new InternalError(`wilson: need 0 <= k <= n, got k=${k} n=${n}`)
  if (n === 0) return [0, 1]
  const p = k / n
  const z2 = z * z
  const denom = 1 + z2 / n
  const center = (p + z2 / (2 * n)) / denom
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom
  return [Math.max(0, center - half), Math.min(1, center + half)]
}

function compareAnswer(a: string, b: string): number {
  let ka: bigint | null = null
  let kb: bigint | null = null
  let fa = 0
  let fb = 0
  try {
    const pa = parseAddress(a)
    fa = familyOf(pa)
    ka = addressToBigInt(pa)
  } catch {}
  try {
    const pb = parseAddress(b)
    fb = familyOf(pb)
    kb = addressToBigInt(pb)
  } catch {}
  if (ka !== null && kb !== null) {
    if (fa !== fb) return fa - fb
    if (ka !== kb) return ka < kb ? -1 : 1
    return 0
  }
  if (ka !== null) return -1
  if (kb !== null) return 1
  return a < b ? -1 : a > b ? 1 : 0
}

/**
 * Trims, de-duplicates and sorts record data: addresses numerically (IPv4 before IPv6),
 * then other strings in code-point order.
 */
export function sortAnswers(answers: readonly string[]): string[] {
  return [...new Set(answers.map((a) => a.trim()))].sort(compareAnswer)
}

interface Row {
  r: EcsResult
  label: string
  rcode: string
  answers: string[]
  key: string
}

function labelOf(subnet: string | null): string {
  return subnet === null ? BASELINE_LABEL : subnet
}

function compareLabels(a: string, b: string): number {
  return compareSubnets(a === BASELINE_LABEL ? null : a, b === BASELINE_LABEL ? null : b)
}

function keyOf(rcode: string, answers: string[]): string {
  return JSON.stringify([rcode, answers])
}

function unkey(key: string): {rcode: string; answers: string[]} {
  const [rcode, answers] = JSON.parse(key) as [string, string[]]
  return {rcode, answers}
}

/** A stratum of the dependence test: the replies of one server, as subnet index and answer-set index. */
interface Stratum {
  rows: number[]
  cols: number[]
  nRows: number
  nCols: number
}

function chiSquare(s: Stratum, cols: number[]): number {
  const n = s.rows.length
  const table = new Array<number>(s.nRows * s.nCols).fill(0)
  const rowT = new Array<number>(s.nRows).fill(0)
  const colT = new Array<number>(s.nCols).fill(0)
  for (let i = 0; i < n; i++) {
    table[s.rows[i]! * s.nCols + cols[i]!]!++
    rowT[s.rows[i]!]!++
    colT[cols[i]!]!++
  }
  let x2 = 0
  for (let r = 0; r < s.nRows; r++) {
    for (let c = 0; c < s.nCols; c++) {
      const e = (rowT[r]! * colT[c]!) / n
      if (e > 0) {
        const d = table[r * s.nCols + c]! - e
        x2 += (d * d) / e
      }
    }
  }
  return x2
}

/**
 * Stratified permutation test of independence between subnet and answer set:
 * statistic = sum over strata (servers) of Pearson's chi-square of the subnet × answer-set
 * table; answer sets are shuffled among the replies of each server (margins fixed).
 * Returns p = (1 + #{permuted >= observed}) / (1 + permutations), or 1 when no stratum
 * has two subnets and two answer sets.
 */
function dependenceTest(strata: Stratum[], permutations: number, seed: number): number {
  const informative = strata.filter((s) => s.nRows > 1 && s.nCols > 1)
  if (informative.length === 0) return 1
  const observed = informative.reduce((sum, s) => sum + chiSquare(s, s.cols), 0)
  if (observed <= 1e-9) return 1
  const rand = mulberry32(seed)
  let atLeast = 0
  const work = informative.map((s) => [...s.cols])
  for (let p = 0; p < permutations; p++) {
    let stat = 0
    for (let k = 0; k < informative.length; k++) {
      const cols = work[k]!
      for (let i = cols.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1))
        const t = cols[i]!
        cols[i] = cols[j]!
        cols[j] = t
      }
      stat += chiSquare(informative[k]!, cols)
    }
    if (stat >= observed - 1e-9) atLeast++
  }
  return (1 + atLeast) / (1 + permutations)
}

function buildStratum(rows: Row[]): Stratum {
  const subnetIdx = new Map<string, number>()
  const keyIdx = new Map<string, number>()
  const r: number[] = []
  const c: number[] = []
  for (const row of rows) {
    if (!subnetIdx.has(row.label)) subnetIdx.set(row.label, subnetIdx.size)
    if (!keyIdx.has(row.key)) keyIdx.set(row.key, keyIdx.size)
    r.push(subnetIdx.get(row.label)!)
    c.push(keyIdx.get(row.key)!)
  }
  return {rows: r, cols: c, nRows: subnetIdx.size, nCols: keyIdx.size}
}

function groupBy<T, K>(items: readonly T[], key: (t: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>()
  for (const it of items) {
    const k = key(it)
    const list = m.get(k)
    if (list) list.push(it)
    else m.set(k, [it])
  }
  return m
}

function shares(rows: Row[]): WeightEstimate[] {
  const counts = new Map<string, number>()
  for (const r of rows) counts.set(r.key, (counts.get(r.key) ?? 0) + 1)
  const n = rows.length
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([key, count]) => {
      const {rcode, answers} = unkey(key)
      return {answers, rcode, count, share: count / n, ci95: wilson(count, n)}
    })
}

/** Structure of a set of distinct answer sets: do they overlap, and is their union larger than each? */
function answerSetStructure(keys: string[]): {overlap: boolean; union: string[]; maxSize: number} {
  const sets = keys.map((k) => new Set(unkey(k).answers))
  const union = new Set<string>()
  let maxSize = 0
  let overlap = false
  for (let i = 0; i < sets.length; i++) {
    maxSize = Math.max(maxSize, sets[i]!.size)
    for (const a of sets[i]!) union.add(a)
    for (let j = i + 1; j < sets.length && !overlap; j++) {
      for (const a of sets[i]!) {
        if (sets[j]!.has(a)) {
          overlap = true
          break
        }
      }
    }
  }
  return {overlap, union: sortAnswers([...union]), maxSize}
}

function fmtShare(x: number): string {
  return x.toFixed(3)
}

function describeSet(answers: string[], rcode: string): string {
  if (answers.length === 0) return rcode === 'NOERROR' ? '(no data)' : rcode
  return answers.length <= 3 ? `{${answers.join(', ')}}` : `{${answers.slice(0, 3).join(', ')}, … +${answers.length - 3}}`
}

interface PolicyCore {
  kind: PolicyKind
  answerSets: number
  answerSetsPerServer: number
  repeatedCells: number
  varyingCells: number
  varyingRows: Row[]
  p: number | null
  multivalue: {union: string[]; maxSize: number} | null
}

/** Policy decision on a set of rows (one server or all); servers are strata. */
function decidePolicy(rows: Row[], opts: Required<AnalyseOptions>): PolicyCore {
  const allKeys = new Set(rows.map((r) => r.key))
  const byServer = groupBy(rows, (r) => r.r.server)
  let perServer = 0
  for (const list of byServer.values()) perServer = Math.max(perServer, new Set(list.map((r) => r.key)).size)
  const cells = groupBy(rows, (r) => `${r.r.server}\u0000${r.label}`)
  let repeatedCells = 0
  let varyingCells = 0
  const varyingRows: Row[] = []
  for (const list of cells.values()) {
    if (list.length >= 2) repeatedCells++
    if (new Set(list.map((r) => r.key)).size > 1) {
      varyingCells++
      varyingRows.push(...list)
    }
  }
  const base = {answerSets: allKeys.size, answerSetsPerServer: perServer, repeatedCells, varyingCells, varyingRows}
  if (rows.length === 0) return {kind: 'inconclusive', ...base, p: null, multivalue: null}
  if (perServer <= 1) return {kind: 'uniform', ...base, p: null, multivalue: null}
  if (varyingCells === 0) return {kind: 'subnet-dependent', ...base, p: null, multivalue: null}
  const p = dependenceTest([...byServer.values()].map(buildStratum), opts.permutations, opts.seed)
  if (p < opts.alpha) return {kind: 'mixed', ...base, p, multivalue: null}
  const structure = answerSetStructure([...allKeys])
  if (structure.overlap && structure.union.length > structure.maxSize) {
    return {kind: 'multivalue', ...base, p, multivalue: {union: structure.union, maxSize: structure.maxSize}}
  }
  return {kind: 'weighted', ...base, p, multivalue: null}
}

function serverBehaviour(rows: Row[], opts: Required<AnalyseOptions>): Omit<ServerSummary, 'server' | 'serverName' | 'results' | 'failures'> {
  const withEcs = rows.filter((r) => r.r.subnet !== null)
  const echoed = withEcs.filter((r) => r.r.ecs === 'echoed')
  const absent = withEcs.filter((r) => r.r.ecs === 'absent').length
  const mismatched = withEcs.filter((r) => r.r.ecs === 'mismatch').length
  const scopes = [...new Set(echoed.map((r) => r.r.scope).filter((s): s is number => typeof s === 'number'))].sort((a, b) => a - b)
  const maxScope = scopes.length > 0 ? scopes[scopes.length - 1]! : 0
  const core = decidePolicy(rows, opts)
  const answerSets = new Set(rows.map((r) => r.key)).size
  const variesWithinSubnet = core.varyingCells > 0
  const subnetsSeen = new Set(rows.map((r) => r.label)).size
  const differsBySubnet =
    subnetsSeen > 1 && answerSets > 1 && (variesWithinSubnet ? core.p !== null && core.p < opts.alpha : true)

  let behaviour: ServerBehaviour
  let explanation: string
  const scopeText = scopes.length > 0 ? `scope ${scopes.map((s) => `/${s}`).join(', ')}` : 'no scope'
  if (withEcs.length === 0) {
    behaviour = 'inconclusive'
    explanation = 'no usable reply to a query carrying ECS'
  } else if (mismatched > 0) {
    behaviour = 'echo-mismatch'
    explanation = `${mismatched} of ${count(withEcs.length, 'reply')} echoed an ECS option that differs from the one sent (RFC 7871 §7.2.1: resolvers must drop them)`
  } else if (echoed.length === 0) {
    if (differsBySubnet) {
      behaviour = 'tailored'
      explanation = `answers differ by subnet (${answerSets} answer sets) although no reply echoed ECS; the option may be stripped on the way back`
    } else {
      behaviour = 'ecs-unaware'
      explanation = `none of ${count(withEcs.length, 'reply')} echoed ECS and answers do not depend on the subnet`
    }
  } else if (maxScope > 0) {
    behaviour = 'tailored'
    explanation = `echoes ECS with ${scopeText}; ${answerSets} answer set${answerSets === 1 ? '' : 's'} over ${subnetsSeen} subnet${subnetsSeen === 1 ? '' : 's'}`
  } else if (differsBySubnet) {
    behaviour = 'scope0-but-differs'
    explanation = `echoes ECS with scope /0 (answer valid for everyone) yet returns ${answerSets} answer sets depending on the subnet; caches will spread one subnet's answer to all clients`
  } else {
    behaviour = 'echo-only'
    explanation = `echoes ECS with scope /0 and answers do not depend on the subnet`
  }
  if (absent > 0 && echoed.length > 0) explanation += `; ${absent} of ${withEcs.length} ECS replies had no echo`
  return {
    behaviour,
    policy: core.kind,
    replies: rows.length,
    echoed: echoed.length,
    absent,
    mismatched,
    scopes,
    answerSets,
    variesWithinSubnet,
    differsBySubnet,
    explanation,
  }
}

const BEHAVIOUR_TEXT: Record<ServerBehaviour, string> = {
  'ecs-unaware': 'ignores ECS',
  'echo-only': 'echoes ECS without tailoring',
  tailored: 'tailors answers to the client subnet',
  'scope0-but-differs': 'tailors answers but claims scope /0',
  'echo-mismatch': 'echoes a different ECS option',
  inconclusive: 'gave no usable ECS reply',
}

function disjoint(a: Set<string>, b: Set<string>): boolean {
  for (const x of a) if (b.has(x)) return false
  return true
}

function findDisagreements(rows: Row[], servers: ServerSummary[], policy: PolicyKind): ServerDisagreement[] {
  const out: ServerDisagreement[] = []
  const byServer = new Map(servers.map((s) => [s.server, s]))
  const known = servers.filter((s) => s.behaviour !== 'inconclusive')
  const behaviours = new Set(known.map((s) => s.behaviour))
  const keysOf = (list: Row[]) => [...new Set(list.map((r) => r.key))].sort()
  const setsOf = (keys: string[]) => keys.map((k) => unkey(k).answers)

  if (behaviours.size > 1) {
    const rowsByServer = groupBy(rows, (r) => r.r.server)
    out.push({
      kind: 'behaviour',
      subnet: null,
      servers: known.map((s) => ({
        server: s.server,
        ...(s.serverName === undefined ? {} : {serverName: s.serverName}),
        behaviour: s.behaviour,
        answers: setsOf(keysOf(rowsByServer.get(s.server) ?? [])),
      })),
      explanation: known.map((s) => `${s.serverName ?? s.server} ${BEHAVIOUR_TEXT[s.behaviour]}`).join('; '),
    })
  }

  const pairDisjoint = (entries: Array<[string, Row[]]>): boolean => {
    const sets = entries.map(([, list]) => new Set(list.map((r) => r.key)))
    for (let i = 0; i < sets.length; i++) for (let j = i + 1; j < sets.length; j++) if (disjoint(sets[i]!, sets[j]!)) return true
    return false
  }
  const entryFor = (server: string, list: Row[]) => {
    const s = byServer.get(server)!
    return {
      server,
      ...(s.serverName === undefined ? {} : {serverName: s.serverName}),
      behaviour: s.behaviour,
      answers: setsOf(keysOf(list)),
    }
  }

  if (policy === 'weighted' || policy === 'multivalue') {
    // Random answers: compare what each server returns overall, not per subnet.
    const entries = [...groupBy(rows, (r) => r.r.server).entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))
    if (entries.length > 1 && pairDisjoint(entries)) {
      out.push({
        kind: 'answers',
        subnet: null,
        servers: entries.map(([server, list]) => entryFor(server, list)),
        explanation: 'servers return answer sets that never coincide',
      })
    }
    return out
  }

  const byLabel = groupBy(rows, (r) => r.label)
  const labels = [...byLabel.keys()].sort(compareLabels)
  for (const label of labels) {
    const entries = [...groupBy(byLabel.get(label)!, (r) => r.r.server).entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))
    if (entries.length < 2 || !pairDisjoint(entries)) continue
    out.push({
      kind: 'answers',
      subnet: label,
      servers: entries.map(([server, list]) => entryFor(server, list)),
      explanation: `for ${label}: ${entries
        .map(([server, list]) => `${byServer.get(server)!.serverName ?? server} → ${keysOf(list).map((k) => describeSet(unkey(k).answers, unkey(k).rcode)).join(' | ')}`)
        .join('; ')}`,
    })
  }
  return out
}

function explain(core: PolicyCore, rows: Row[], weights: WeightEstimate[]): {explanation: string; caveats: string[]} {
  const caveats: string[] = []
  const subnets = new Set(rows.map((r) => r.label)).size
  const pText = core.p === null ? '' : ` (permutation test p = ${core.p.toFixed(3)})`
  let explanation: string
  switch (core.kind) {
    case 'inconclusive': {
      explanation = 'no usable reply (NOERROR or NXDOMAIN) to analyse'
      break
    }
    case 'uniform': {
      explanation =
        core.answerSets === 1
          ? `every reply (${rows.length}, ${subnets} subnet${subnets === 1 ? '' : 's'}) returned the same answer set`
          : `each server returns a single answer set for every subnet, but the servers do not agree (${core.answerSets} answer sets in total)`
      if (core.answerSets > 1) caveats.push('servers of the zone return different answers; see disagreements')
      break
    }
    case 'subnet-dependent': {
      explanation = `${count(core.answerSets, 'answer set')} across ${count(subnets, 'subnet')}; every subnet got the same answer on each repeat${core.repeatedCells === 0 ? ' (no repeats)' : ''}`
      if (core.repeatedCells === 0) caveats.push('each subnet was queried once per server: repeat queries to tell subnet-dependent answers from random weighting')
      break
    }
    case 'mixed': {
      explanation = `answers vary between repeats in ${core.varyingCells} (server, subnet) cell${core.varyingCells === 1 ? '' : 's'} and also depend on the subnet${pText}`
      break
    }
    case 'weighted': {
      explanation = `answers vary between repeats in ${core.varyingCells} of ${core.repeatedCells} repeated cells, independently of the subnet${pText}, drawn from ${core.answerSets} disjoint answer sets: ${weights
        .map((w) => `${describeSet(w.answers, w.rcode)} ${fmtShare(w.share)} [${fmtShare(w.ci95[0])}, ${fmtShare(w.ci95[1])}]`)
        .join(', ')}`
      break
    }
    case 'multivalue': {
      const mv = core.multivalue!
      explanation = `answers are changing subsets (up to ${count(mv.maxSize, 'record')}) of a pool of ${count(mv.union.length, 'record')}, independently of the subnet${pText}`
      break
    }
  }
  if (core.kind !== 'inconclusive' && core.repeatedCells > 0 && core.repeatedCells < 3 && (core.kind === 'weighted' || core.kind === 'multivalue' || core.kind === 'mixed')) {
    caveats.push('few repeated measurements: shares and the subnet-dependence test are rough')
  }
  return {explanation, caveats}
}

/**
 * Analyses the results of one question asked with several client subnets.
 *
 * Only replies with rcode NOERROR or NXDOMAIN are used ("usable"); anything else is counted
 * as a failure. An answer set is the rcode plus the sorted, de-duplicated record data.
 * A cell is one (server, subnet) pair; repeats of the same query fall in the same cell.
 *
 * Policy decision rules, evaluated in order on the usable replies:
 * 1. `inconclusive`: no usable reply.
 * 2. `uniform`: no server returned more than one answer set. (If servers returned
 *    different sets from each other, that is reported as a caveat and in `disagreements`.)
 * 3. `subnet-dependent`: no cell varies across repeats (cells with one reply count as
 *    not varying; a caveat is added when no cell was repeated at all).
 * 4. Some cell varies. A stratified permutation test (strata = servers, statistic =
 *    summed Pearson chi-square of the subnet × answer-set table, `permutations` shuffles,
 *    seeded) asks whether the answer set still depends on the subnet. p < `alpha`
 *    (default 0.01) → `mixed`: random variation plus subnet dependence.
 * 5. Otherwise the variation is random and independent of the subnet:
 *    `multivalue` when at least two distinct answer sets share a record and the union of
 *    all sets is larger than the largest set (random subsets of a pool, as Route 53
 *    multivalue answers return up to 8 of the healthy records); `weighted` otherwise
 *    (disjoint or nested sets, as Route 53 weighted records).
 *
 * Shares in `weights` use the 95% Wilson score interval ({@link wilson}).
 */
export function analyseEcsResults(results: readonly EcsResult[], options: AnalyseOptions = {}): EcsAnalysis {
  const opts: Required<AnalyseOptions> = {
    alpha: options.alpha ?? 0.01,
    permutations: options.permutations ?? 999,
    seed: options.seed ?? 0x5eed,
  }
  const rows: Row[] = []
  const failuresByServer = new Map<string, Record<string, number>>()
  const resultsByServer = new Map<string, number>()
  const names = new Map<string, string>()
  for (const r of results) {
    resultsByServer.set(r.server, (resultsByServer.get(r.server) ?? 0) + 1)
    if (r.serverName !== undefined && !names.has(r.server)) names.set(r.server, r.serverName)
    const rcode = String(r.rcode).toUpperCase()
    if (!USABLE_RCODES.has(rcode)) {
      const f = failuresByServer.get(r.server) ?? {}
      f[rcode] = (f[rcode] ?? 0) + 1
      failuresByServer.set(r.server, f)
      continue
    }
    const answers = sortAnswers(r.answers)
    rows.push({r, label: labelOf(r.subnet), rcode, answers, key: keyOf(rcode, answers)})
  }

  // Groups of identical answer sets.
  const groups: AnswerGroup[] = [...groupBy(rows, (r) => r.key).entries()]
    .map(([key, list]) => {
      const {rcode, answers} = unkey(key)
      return {
        answers,
        rcode,
        subnets: [...new Set(list.map((r) => r.label))].sort(compareLabels),
        servers: [...new Set(list.map((r) => r.r.server))].sort(),
        count: list.length,
      }
    })
    .sort((a, b) => b.count - a.count || compareLabels(a.subnets[0]!, b.subnets[0]!) || (keyOf(a.rcode, a.answers) < keyOf(b.rcode, b.answers) ? -1 : 1))

  // Per-server summaries.
  const rowsByServer = groupBy(rows, (r) => r.r.server)
  const servers: ServerSummary[] = [...resultsByServer.keys()].sort().map((server) => {
    const name = names.get(server)
    const b = serverBehaviour(rowsByServer.get(server) ?? [], opts)
    return {
      server,
      ...(name === undefined ? {} : {serverName: name}),
      ...b,
      results: resultsByServer.get(server)!,
      failures: failuresByServer.get(server) ?? {},
    }
  })

  // Overall policy.
  const core = decidePolicy(rows, opts)
  let weights: WeightEstimate[] = []
  let records: RecordShare[] = []
  let pool: string[] = []
  if (core.kind === 'uniform' || core.kind === 'weighted' || core.kind === 'multivalue') weights = shares(rows)
  else if (core.kind === 'mixed') weights = shares(core.varyingRows)
  if (core.kind === 'multivalue' && core.multivalue) {
    pool = core.multivalue.union
    const n = rows.length
    records = pool
      .map((record) => {
        const count = rows.filter((r) => r.answers.includes(record)).length
        return {record, count, share: count / n, ci95: wilson(count, n)}
      })
      .sort((a, b) => b.count - a.count || compareAnswer(a.record, b.record))
  }
  const {explanation, caveats} = explain(core, rows, weights)
  const policy: PolicyInference = {
    kind: core.kind,
    weights,
    records,
    pool,
    explanation,
    caveats,
    evidence: {
      replies: rows.length,
      answerSets: core.answerSets,
      answerSetsPerServer: core.answerSetsPerServer,
      repeatedCells: core.repeatedCells,
      varyingCells: core.varyingCells,
      dependenceP: core.p,
    },
  }

  const disagreements = findDisagreements(rows, servers, core.kind)
  return {groups, servers, policy, disagreements, usable: rows.length, failed: results.length - rows.length}
}
