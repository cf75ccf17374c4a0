/**
 * The stable JSON shape of `dnsx trace --json` (README, schemas/trace.json): a TraceResult as
 * plain data. Its renderings live in render/trace.ts.
 */
import {fqdn} from '../dns/names.js'
import {recordJson, type RecordJson} from '../query.js'
import {UsageError} from '../errors.js'
import type {ExpectationResult} from '../expect.js'
import type {Problem, ServerRef, TraceResult, TraceStep} from './engine.js'
import type {RecursiveComparison} from './compare.js'
import type {DnssecReport} from './dnssec.js'

/** A step as JSON: the engine's TraceStep with its records in the JSON record shape. */
export interface TraceStepJson extends Omit<TraceStep, 'records' | 'soa'> {
  records?: RecordJson[]
  soa?: RecordJson
}

export interface TraceJson {
  name: string
  type: string
  kind: TraceResult['kind']
  steps: TraceStepJson[]
  answer: {rcode: string, authoritative: boolean, zone: string | null, server: {name: string | null, address: string} | null, records: (RecordJson & {aa: boolean | null, server: {name: string | null, address: string} | null})[]} | null
  problems: Problem[]
  stats: TraceResult['stats']
  servers: {address: string, name: string | null, zone: string | null, queries: number, rttMs: {min: number | null, median: number | null, max: number | null}, outcomes: Record<string, number>}[]
  dnssec?: DnssecReport
  recursive?: RecursiveComparison
  expectations?: ExpectationResult[]
  /** Bulk runs: the answer came from the run's answer cache (no query was sent for this line). */
  cached?: boolean
}

const serverJson = (s: ServerRef) => ({name: s.name && s.name !== s.address ? fqdn(s.name) : null, address: s.address})

function median(xs: number[]): number | null {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : Math.round(((s[m - 1] + s[m]) / 2) * 100) / 100
}

/** One step as the JSON shape has it (also what a terminal is shown as each step completes). */
export function stepJson(s: TraceStep): TraceStepJson {
  return {
    index: s.index,
    depth: s.depth,
    purpose: s.purpose,
    ...(s.for ? {for: fqdn(s.for)} : {}),
    zone: s.zone === null ? null : fqdn(s.zone),
    qname: fqdn(s.qname),
    qtype: s.qtype,
    server: serverJson(s.server),
    transport: s.transport,
    transportReason: s.transportReason,
    rttMs: s.rttMs,
    ...(s.retries ? {retries: s.retries} : {}),
    ...(s.spentMs !== undefined ? {spentMs: s.spentMs} : {}),
    ...(s.ednsFallback ? {ednsFallback: true} : {}),
    ...(s.ignored ? {ignored: s.ignored} : {}),
    rcode: s.rcode,
    aa: s.aa,
    kind: s.kind,
    detail: s.detail,
    ...(s.referral ? {referral: s.referral} : {}),
    ...(s.records ? {records: s.records.map(recordJson)} : {}),
    ...(s.soa ? {soa: recordJson(s.soa)} : {}),
  }
}

export function traceToJson(r: TraceResult): TraceJson {
  return {
    name: r.name,
    type: r.type,
    kind: r.kind,
    steps: r.steps.map(stepJson),
    answer: r.answer
      ? {rcode: r.answer.rcode, authoritative: r.answer.authoritative, zone: r.answer.zone, server: r.answer.server ? serverJson(r.answer.server) : null, records: r.answer.records.map((rr, i) => {
          // Every RRset says whether the reply that carried it was authoritative, and who sent it.
          const src = r.answer!.sources?.[i]
          return {...recordJson(rr), aa: src ? src.aa : null, server: src ? serverJson(src.server) : null}
        })}
      : null,
    problems: r.problems,
    stats: r.stats,
    servers: r.servers.map((s) => ({
      address: s.address,
      name: s.name && s.name !== s.address ? fqdn(s.name) : null,
      zone: s.zone,
      queries: s.queries,
      rttMs: {min: s.rttMs.length ? Math.min(...s.rttMs) : null, median: median(s.rttMs), max: s.rttMs.length ? Math.max(...s.rttMs) : null},
      outcomes: s.outcomes,
    })),
  }
}

/**
 * The fields of a compact trace line (`--fields`), each computed from the full JSON shape: one
 * short line per name for bulk runs and pipelines (`jq`, `cut`), where the full shape is large.
 */
export const TRACE_FIELDS = {
  name: (j: TraceJson) => j.name,
  type: (j: TraceJson) => j.type,
  kind: (j: TraceJson) => j.kind,
  rcode: (j: TraceJson) => j.answer?.rcode ?? null,
  authoritative: (j: TraceJson) => j.answer?.authoritative ?? null,
  /** The answer's data: records of the asked type as presentation data, others as `TYPE data`. */
  answer: (j: TraceJson) => (j.answer?.records ?? []).map((r) => (r.type === j.type ? r.data : `${r.type} ${r.data}`)),
  ttl: (j: TraceJson) => (j.answer && j.answer.records.length > 0 ? Math.min(...j.answer.records.map((r) => r.ttl)) : null),
  zone: (j: TraceJson) => j.answer?.zone ?? null,
  server: (j: TraceJson) => j.answer?.server?.address ?? null,
  queries: (j: TraceJson) => j.stats.queries,
  ms: (j: TraceJson) => j.stats.elapsedMs,
  problems: (j: TraceJson) => j.problems.map((p) => p.code),
  cached: (j: TraceJson) => j.cached ?? false,
} as const

export type TraceField = keyof typeof TRACE_FIELDS

/** Parses a `--fields` list (comma-separated); unknown names are a usage error. */
export function parseTraceFields(text: string): TraceField[] {
  const fields = text.split(',').map((f) => f.trim()).filter(Boolean)
  const known = Object.keys(TRACE_FIELDS)
  const bad = fields.filter((f) => !known.includes(f))
  if (fields.length === 0 || bad.length > 0) {
    throw new UsageError(`--fields: ${bad.length > 0 ? `unknown field${bad.length > 1 ? 's' : ''} ${bad.map((b) => JSON.stringify(b)).join(', ')}` : 'no field given'} (fields: ${known.join(', ')})`, 'bad-flag')
  }
  return [...new Set(fields)] as TraceField[]
}

/** One trace as a compact object of the chosen fields, in their order. */
export function projectTrace(j: TraceJson, fields: readonly TraceField[]): Record<string, unknown> {
  return Object.fromEntries(fields.map((f) => [f, TRACE_FIELDS[f](j)]))
}
