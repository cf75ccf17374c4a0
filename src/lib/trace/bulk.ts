/**
 * Bulk traces (--file): many names through one shared delegation cache, with
 * bounded concurrency. Each finished trace is handed to `onResult` as it completes;
 * printing, progress and the summary line are the command's.
 */
import {printable, validateName} from '../dns/names.js'
import {parseType} from '../dns/message.js'
import {UsageError} from '../errors.js'
import {FILE_LIMITS, readLines, type InputFile} from '../files.js'
import type {ExpectationResult} from '../expect.js'
import {DelegationCache} from './engine.js'
import {traceExpectations, type TraceExpectOptions} from './expect.js'
import type {TraceJson} from './json.js'
import {prepareTrace, runTraceJob, type TraceJobOptions} from './run.js'

export interface BulkOptions {
  /** The names file (`NAME [TYPE]` per line), or `-` for stdin. */
  file: string
  concurrency: number
  expect: TraceExpectOptions
  /** Called once per name, in completion order, with its unmet expectations. */
  /** `total` is null when the names come from stdin (not known until the end). */
  onResult: (j: TraceJson, failed: ExpectationResult[], done: number, total: number | null) => void
}

export interface BulkSummary {
  total: number
  answered: number
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
  const summary: BulkSummary = {total: 0, answered: 0, errors: 0, failedExpectations: 0, queries: 0, elapsedMs: 0}
  const start = performance.now()
  const source = names(file)
  let done = 0
  const worker = async () => {
    for (;;) {
      const it = await source.next()
      if (it.done) return
      summary.total++
      const {name, type} = it.value
      const j = await runTraceJob({...job, cache, compareRecursive: undefined}, name, type, prepared)
      const ex = traceExpectations(j, opts.expect)
      if (ex.length) j.expectations = ex
      summary.queries += j.stats.queries
      if (j.answer && j.kind !== 'error') summary.answered++
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
