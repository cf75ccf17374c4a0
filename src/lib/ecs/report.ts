/**
 * The JSON document of `dnsx ecs --json` (schemas/ecs.json) and the command's expectations
 * (`--expect-answer SUBNET=VALUE`, `--expect-policy KIND`).
 */
import {fqdn} from '../dns/names.js'
import {UsageError} from '../errors.js'
import {expectation, listOrNone, type ExpectationResult} from '../expect.js'
import {BASELINE_LABEL, type PolicyInference, type PolicyKind, type ServerDisagreement, type ServerSummary} from './analysis.js'
import type {EcsFieldMismatch, EcsStatus, ScopeMeaning} from './compliance.js'
import type {ExplorerStats} from './explore.js'
import {countrySubnets, type FamilySelection} from './presets.js'
import type {EcsReply, EcsRunResult, EcsServerTarget, SubnetProbe} from './run.js'
import {compareSubnets, parseSubnet} from '../net/cidr.js'
import {count} from '../words.js'

/** Policy kinds `--expect-policy` accepts. */
export const POLICY_KINDS: readonly PolicyKind[] = ['uniform', 'subnet-dependent', 'weighted', 'multivalue', 'mixed', 'inconclusive']

export interface EcsResultJson {
  server: string
  serverName: string | null
  subnet: string | null
  attempt: number
  scope: number | null
  scopeMeaning: ScopeMeaning | null
  rcode: string
  answers: string[]
  ttl: number | null
  authoritative: boolean | null
  ecs: EcsStatus | null
  echo: EcsReply['echo']
  mismatches: EcsFieldMismatch[]
  problems: string[]
  rttMs: number | null
  error: string | null
}

export interface EcsGroupJson {
  /** Short id used in the text matrix: A, B, ... */
  id: string
  answers: string[]
  rcode: string
  subnets: string[]
  servers: string[]
  count: number
  /** Smallest TTL seen with this answer set. */
  ttl: number | null
}

export interface EcsJson {
  name: string
  type: string
  /** Zone whose servers were asked; null with --server. */
  zone: string | null
  servers: Array<{name: string | null; address: string}>
  subnets: Array<{subnet: string | null; label: string; kind: SubnetProbe['kind']; country?: string; description?: string}>
  repeat: number
  qps: number
  results: EcsResultJson[]
  groups: EcsGroupJson[]
  policy: PolicyInference
  behaviour: ServerSummary[]
  disagreements: ServerDisagreement[]
  explore: {
    range: string
    server: {name: string | null; address: string} | null
    trustScopeZero: boolean
    map: Array<{cidr: string; answers: string[]; group: string | null}>
    unexplored: string[]
    stats: ExplorerStats
    probes: Array<{subnet: string; rcode: string; scope: number | null; answers: string[]}>
    notes: string[]
  } | null
  stats: {queries: number; discoveryQueries: number; usable: number; failed: number; elapsedMs: number}
  notes: string[]
  expectations?: ExpectationResult[]
}

/** A, B, ..., Z, AA, AB, ... */
export function groupId(i: number): string {
  let s = ''
  let n = i
  do {
    s = String.fromCharCode(65 + (n % 26)) + s
    n = Math.floor(n / 26) - 1
  } while (n >= 0)
  return s
}

const keyOf = (rcode: string, answers: readonly string[]) => JSON.stringify([rcode, answers])

export interface BuildEcsJsonInput {
  name: string
  type: string
  zone: string | null
  servers: EcsServerTarget[]
  probes: SubnetProbe[]
  repeat: number
  qps: number
  run: EcsRunResult
  discoveryQueries?: number
  notes?: string[]
}

export function buildEcsJson(input: BuildEcsJsonInput): EcsJson {
  const {run} = input
  const a = run.analysis
  const ttlByKey = new Map<string, number>()
  for (const r of run.replies) {
    if (!r.usable || r.ttl === null) continue
    const k = keyOf(r.rcode, r.answers)
    ttlByKey.set(k, Math.min(ttlByKey.get(k) ?? Infinity, r.ttl))
  }
  const groups: EcsGroupJson[] = a.groups.map((g, i) => ({
    id: groupId(i),
    answers: g.answers,
    rcode: g.rcode,
    subnets: g.subnets,
    servers: g.servers,
    count: g.count,
    ttl: ttlByKey.get(keyOf(g.rcode, g.answers)) ?? null,
  }))
  const idByAnswers = new Map<string, string>()
  for (const g of groups) if (g.rcode === 'NOERROR' || !idByAnswers.has(JSON.stringify(g.answers))) idByAnswers.set(JSON.stringify(g.answers), g.id)

  const ex = run.explore
  return {
    name: fqdn(input.name),
    type: input.type,
    zone: input.zone,
    servers: input.servers.map((s) => ({name: s.name, address: s.address})),
    subnets: input.probes.map((p) => ({
      subnet: p.subnet,
      label: p.subnet ?? BASELINE_LABEL,
      kind: p.kind,
      ...(p.country ? {country: p.country} : {}),
      ...(p.label ? {description: p.label} : {}),
    })),
    repeat: input.repeat,
    qps: input.qps,
    results: run.replies.map((r) => ({
      server: r.server,
      serverName: r.serverName,
      subnet: r.subnet,
      attempt: r.attempt,
      scope: r.scope,
      scopeMeaning: r.scopeMeaning,
      rcode: r.rcode,
      answers: r.answers,
      ttl: r.ttl,
      authoritative: r.authoritative,
      ecs: r.ecs,
      echo: r.echo,
      mismatches: r.mismatches,
      problems: r.problems,
      rttMs: r.rttMs,
      error: r.error,
    })),
    groups,
    policy: a.policy,
    behaviour: a.servers,
    disagreements: a.disagreements,
    explore: ex
      ? {
          range: ex.range,
          server: ex.server ? {name: ex.server.name, address: ex.server.address} : null,
          trustScopeZero: ex.trustScopeZero,
          map: ex.map.map((m) => ({cidr: m.cidr, answers: m.answers, group: idByAnswers.get(JSON.stringify(m.answers)) ?? null})),
          unexplored: ex.unexplored,
          stats: ex.stats,
          probes: ex.probes,
          notes: ex.notes,
        }
      : null,
    stats: {queries: run.queries, discoveryQueries: input.discoveryQueries ?? 0, usable: a.usable, failed: a.failed, elapsedMs: run.elapsedMs},
    notes: input.notes ?? [],
  }
}

// ---------------------------------------------------------------------------------------------
// Expectations

export interface AnswerExpectation {
  /** As typed. */
  input: string
  /** The SUBNET part as typed. */
  target: string
  value: string
  /** Subnet labels whose replies are checked (CIDR, or `none` for the baseline). */
  labels: string[]
  /** Subnets to add to the plan so they are asked. */
  probes: SubnetProbe[]
}

/**
 * Parses `SUBNET=VALUE`. SUBNET is a CIDR, a bare address (/24 or /56, as `--subnet`), `none`
 * (the baseline without ECS) or a country code (every subnet of that country).
 * @throws UsageError for a malformed expectation.
 */
export function parseAnswerExpectation(text: string, family: FamilySelection = 'both'): AnswerExpectation {
  const eq = text.indexOf('=')
  if (eq <= 0 || eq === text.length - 1) throw new UsageError(`--expect-answer ${JSON.stringify(text)}: write SUBNET=VALUE, e.g. 198.51.100.0/24=192.0.2.101`, 'ecs-expect')
  const target = text.slice(0, eq).trim()
  const value = text.slice(eq + 1).trim()
  if (target.toLowerCase() === BASELINE_LABEL) return {input: text, target, value, labels: [BASELINE_LABEL], probes: []}
  if (/^[A-Za-z]{2}$/.test(target)) {
    const subs = countrySubnets([target], {family})
    return {
      input: text,
      target: target.toUpperCase(),
      value,
      labels: subs.map((s) => s.cidr),
      probes: subs.map((s) => ({subnet: s.cidr, kind: 'country' as const, label: s.label, country: s.country})),
    }
  }
  const s = parseSubnet(target)
  return {input: text, target, value, labels: [s.cidr], probes: [{subnet: s.cidr, kind: s.sourcePrefix === 0 ? 'opt-out' : 'subnet'}]}
}

/** Record data compared loosely: case-insensitive, trailing dots ignored. */
function sameData(a: string, b: string): boolean {
  const n = (s: string) => s.trim().toLowerCase().replace(/\.$/, '')
  return n(a) === n(b)
}

/**
 * `--expect-answer`: every usable reply (all servers, all repeats) for each subnet of SUBNET
 * contains VALUE. `--expect-policy`: the overall policy kind is KIND.
 */
export function ecsExpectations(j: EcsJson, e: {answers?: AnswerExpectation[]; policy?: string}): ExpectationResult[] {
  const out: ExpectationResult[] = []
  for (const x of e.answers ?? []) {
    const replies = j.results.filter((r) => r.error === null && x.labels.includes(r.subnet ?? BASELINE_LABEL))
    const bad = replies.filter((r) => !r.answers.some((d) => sameData(d, x.value)))
    const seen = [...new Set(replies.map((r) => (r.answers.length ? r.answers.join(' ') : r.rcode === 'NOERROR' ? '(no data)' : r.rcode)))]
    const ok = replies.length > 0 && bad.length === 0
    const actual = replies.length === 0 ? 'no usable reply' : ok ? listOrNone(seen) : `${listOrNone(seen)} (${bad.length} of ${count(replies.length, 'reply')} without it)`
    out.push(expectation(`answer[${x.target}]=${x.value}`, ok, `${x.value} in every reply for ${x.target}`, actual))
  }
  if (e.policy !== undefined) {
    const want = e.policy.toLowerCase()
    out.push(expectation(`policy=${want}`, j.policy.kind === want, want, j.policy.kind))
  }
  return out
}

/** Subnet rows in plan order, for renderers. */
export function subnetOrder(j: EcsJson): string[] {
  const labels = j.subnets.map((s) => s.label)
  const extra = [...new Set(j.results.map((r) => r.subnet ?? BASELINE_LABEL))].filter((l) => !labels.includes(l))
  return [...labels, ...extra.sort((a, b) => compareSubnets(a === BASELINE_LABEL ? null : a, b === BASELINE_LABEL ? null : b))]
}
