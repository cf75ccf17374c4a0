/**
 * Bulk traces (--file): many names through one shared delegation cache, with
 * bounded concurrency. Each finished trace is handed to `onResult` as it completes;
 * printing, progress and the summary line are the command's.
 */
import {readFileSync} from 'node:fs'
import {validateName} from '../dns/names.js'
import {parseType} from '../dns/message.js'
import {UsageError} from '../errors.js'
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
  onResult: (j: TraceJson, failed: ExpectationResult[], done: number, total: number) => void
}

export interface BulkSummary {
  total: number
  answered: number
  errors: number
  failedExpectations: number
  queries: number
  elapsedMs: number
}

/** Parse a names file: "NAME [TYPE]" per line; # comments and blank lines skipped. */
export function parseNamesFile(text: string): {name: string, type: string, line: number}[] {
  const out: {name: string, type: string, line: number}[] = []
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim()
    if (!line) return
    const [n, t, ...rest] = line.split(/\s+/)
    if (rest.length) throw new UsageError(`names file line ${i + 1}: expected "NAME [TYPE]", got "${line}"`, 'bad-file')
    try {
      out.push({name: validateName(n), type: parseType(t ?? 'A'), line: i + 1})
    } catch (err) {
      throw new UsageError(`names file line ${i + 1}: ${(err as Error).message}`, 'bad-file')
    }
  })
  return out
}

export async function runBulk(job: TraceJobOptions, opts: BulkOptions): Promise<BulkSummary> {
  let text: string
  try {
    text = opts.file === '-' ? readFileSync(0, 'utf8') : readFileSync(opts.file, 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read ${opts.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'bad-file')
  }
  const names = parseNamesFile(text)
  const prepared = await prepareTrace(job)
  const cache = new DelegationCache()
  const summary: BulkSummary = {total: names.length, answered: 0, errors: 0, failedExpectations: 0, queries: 0, elapsedMs: 0}
  const start = performance.now()
  let next = 0
  let done = 0
  const worker = async () => {
    for (;;) {
      const i = next++
      if (i >= names.length) return
      const {name, type} = names[i]
      const j = await runTraceJob({...job, cache, compareRecursive: undefined}, name, type, prepared)
      const ex = traceExpectations(j, opts.expect)
      if (ex.length) j.expectations = ex
      summary.queries += j.stats.queries
      if (j.answer && j.kind !== 'error') summary.answered++
      else summary.errors++
      const failed = ex.filter((e) => !e.ok)
      if (failed.length) summary.failedExpectations++
      done++
      opts.onResult(j, failed, done, names.length)
    }
  }
  await Promise.all(Array.from({length: Math.min(opts.concurrency, Math.max(1, names.length))}, worker))
  summary.elapsedMs = Math.round(performance.now() - start)
  return summary
}
