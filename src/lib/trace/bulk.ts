/**
 * Bulk traces (--file): many names through one shared delegation cache, with
 * bounded concurrency. Each finished trace is handed to `onResult` as it completes;
 * printing, progress and the summary line are the command's.
 */
import {canonicalName, fqdn, printable, validateName} from '../dns/names.js'
import {parseType} from '../dns/message.js'
import {UsageError} from '../errors.js'
import {FILE_LIMITS, readLines, type InputFile} from '../files.js'
import type {ExpectationResult} from '../expect.js'
import {DelegationCache} from './engine.js'
import {traceExpectations, traceFailure, type TraceExpectOptions} from './expect.js'
import type {TraceJson} from './json.js'
import {prepareTrace, runTraceJob, type TraceJobOptions} from './run.js'

export interface BulkOptions {
  /** The names file (`NAME [TYPE]` per line), or `-` for stdin. */
  file: string
  concurrency: number
  /** Reuse a name's answer (or negative answer) within its TTL (default true). */
  answerCache?: boolean
  /** Wall clock, ms (default Date.now): the answer cache's TTLs. */
  now?: () => number
  expect: TraceExpectOptions
  /** Called once per name, in completion order, with its unmet expectations. */
  /** `total` is null when the names come from stdin (not known until the end). */
  onResult: (j: TraceJson, failed: ExpectationResult[], done: number, total: number | null) => void
}

export interface BulkSummary {
  total: number
  /** Names answered from the run's answer cache. */
  cached: number
  answered: number
  /** Names that failed: no answer, or (with --dnssec) a bogus one not expected (traceFailure). */
  errors: number
  failedExpectations: number
  queries: number
  elapsedMs: number
}

/**
 * One line of a names file: "NAME [TYPE]"; # comments and blank lines give null. Names are
 * validated as on the command line (escapes decoded, control characters refused).
 */
export function parseNamesLine(raw: string, line: number): {name: string, type: string, line: number} | null {
  const text = raw.replace(/#.*$/, '').trim()
  if (!text) return null
  const [n, t, ...rest] = text.split(/\s+/)
  if (rest.length) throw new UsageError(`names file line ${line}: expected "NAME [TYPE]", got "${printable(text)}"`, 'bad-file')
  try {
    return {name: validateName(n!), type: parseType(t ?? 'A'), line}
  } catch (err) {
    throw new UsageError(`names file line ${line}: ${(err as Error).message}`, 'bad-file')
  }
}

/** The names of a names file, streamed (bounded memory, whatever its length). */
async function* names(file: InputFile): AsyncGenerator<{name: string, type: string, line: number}> {
  for await (const {text, line} of readLines(file, FILE_LIMITS.namesLine)) {
    const n = parseNamesLine(text, line)
    if (n) yield n
  }
}

/** The longest a cached answer is kept, whatever its TTL (as Unbound's cache-max-ttl, 1 day). */
const MAX_CACHE_TTL_S = 86_400
/** Most names kept; the least recently used go first (as a resolver's cache is bounded in size). */
const MAX_CACHE_ENTRIES = 10_000

/**
 * The answers of a bulk run, by name and type, for their TTL: an answer's smallest record TTL; a
 * negative answer's (NXDOMAIN, NODATA) the SOA's TTL bounded by its MINIMUM (RFC 2308 §5). A
 * failed trace is not kept. A name asked again within the TTL is answered from here, its TTLs
 * counted down, without steps or queries (`cached: true`).
 */
export class AnswerCache {
  private readonly entries = new Map<string, {j: TraceJson, at: number, ttlS: number}>()

  constructor(private readonly now: () => number) {}

  get(name: string, type: string): TraceJson | undefined {
    const key = `${canonicalName(name)}|${type}`
    const e = this.entries.get(key)
    if (!e) return undefined
    const age = Math.floor((this.now() - e.at) / 1000)
    this.entries.delete(key)
    if (age >= e.ttlS) return undefined
    this.entries.set(key, e)
    const answer = e.j.answer && {...e.j.answer, records: e.j.answer.records.map((r) => ({...r, ttl: Math.max(0, r.ttl - age)}))}
    return {...e.j, name: fqdn(name), steps: [], answer, servers: [], cached: true,
      stats: {queries: 0, nsLookups: 0, referrals: 0, cnames: 0, elapsedMs: 0, limitHit: null}}
  }

  put(j: TraceJson): void {
    const ttlS = cacheTtl(j)
    if (ttlS === null || ttlS <= 0) return
    if (this.entries.size >= MAX_CACHE_ENTRIES) this.entries.delete(this.entries.keys().next().value!)
    // Kept without its steps and server table: a repeat is answered without them.
    this.entries.set(`${canonicalName(j.name)}|${j.type}`, {j: {...j, steps: [], servers: []}, at: this.now(), ttlS: Math.min(ttlS, MAX_CACHE_TTL_S)})
  }
}

/** How long a trace's result may be reused, seconds; null when it may not. */
function cacheTtl(j: TraceJson): number | null {
  if (j.kind === 'error' || !j.answer) return null
  if (j.answer.records.length > 0) return Math.min(...j.answer.records.map((r) => r.ttl))
  // Negative: the SOA of the final reply (RFC 2308 §5: min of its TTL and its MINIMUM field).
  const soa = [...j.steps].reverse().find((s) => s.soa)?.soa
  if (!soa) return null
  const minimum = Number(String(soa.data).trim().split(/\s+/).pop())
  return Number.isFinite(minimum) ? Math.min(soa.ttl, minimum) : soa.ttl
}

export async function runBulk(job: TraceJobOptions, opts: BulkOptions): Promise<BulkSummary> {
  const file: InputFile = {path: opts.file, what: 'names file', maxBytes: FILE_LIMITS.namesFile, code: 'bad-file'}
  // A file is read twice: once to validate every line and count the names before the first
  // query, then streamed to the tracers. Stdin is read once, validated as it comes.
  let total: number | null = null
  if (opts.file !== '-') {
    total = 0
    for await (const _ of names(file)) total++ // eslint-disable-line @typescript-eslint/no-unused-vars
    if (total === 0) throw new UsageError(`names file ${opts.file} has no names (one "NAME [TYPE]" per line)`, 'bad-file')
  }
  const prepared = await prepareTrace(job)
  const cache = new DelegationCache()
  const answers = opts.answerCache === false ? null : new AnswerCache(opts.now ?? Date.now)
  const inFlight = new Map<string, Promise<TraceJson>>()
  const summary: BulkSummary = {total: 0, cached: 0, answered: 0, errors: 0, failedExpectations: 0, queries: 0, elapsedMs: 0}
  const start = performance.now()
  const source = names(file)
  let done = 0
  const worker = async () => {
    for (;;) {
      const it = await source.next()
      if (it.done) return
      summary.total++
      const {name, type} = it.value
      let j = answers?.get(name, type)
      const key = `${canonicalName(name)}|${type}`
      const running = answers ? inFlight.get(key) : undefined
      if (j) summary.cached++
      else if (running) {
        // The same name is being traced by another worker: its answer serves both.
        await running
        j = answers!.get(name, type) ?? await runTraceJob({...job, cache, compareRecursive: undefined}, name, type, prepared)
        if (j.cached) summary.cached++
      } else {
        const p = runTraceJob({...job, cache, compareRecursive: undefined}, name, type, prepared)
        if (answers) inFlight.set(key, p)
        try {
          j = await p
        } finally {
          inFlight.delete(key)
        }
        answers?.put(j)
      }
      const ex = traceExpectations(j, opts.expect)
      if (ex.length) j.expectations = ex
      summary.queries += j.stats.queries
      if (j.answer && traceFailure(j, opts.expect) === null) summary.answered++
      else summary.errors++
      const failed = ex.filter((e) => !e.ok)
      if (failed.length) summary.failedExpectations++
      done++
      opts.onResult(j, failed, done, total)
    }
  }
  await Promise.all(Array.from({length: Math.min(opts.concurrency, Math.max(1, total ?? opts.concurrency))}, worker))
  if (summary.total === 0) throw new UsageError('no names on stdin (one "NAME [TYPE]" per line)', 'bad-file')
  summary.elapsedMs = Math.round(performance.now() - start)
  return summary
}
