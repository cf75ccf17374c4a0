/**
 * Bulk traces (--file): many names through one shared delegation cache, with
 * bounded concurrency; one JSON document per line under --json, one summary
 * line per name otherwise, and a progress bar on stderr when it is a TTY.
 */
import {readFileSync} from 'node:fs'
import {validateName} from '../dns/names.js'
import {parseType} from '../dns/message.js'
import {UsageError} from '../errors.js'
import {failLine} from '../expect.js'
import {DelegationCache} from './engine.js'
import {traceExpectations, type TraceExpectOptions} from './expect.js'
import {prepareTrace, runTraceJob, type TraceJobOptions} from './run.js'

export interface BulkOptions {
  file: string
  concurrency: number
  json: boolean
  expect: TraceExpectOptions
  write: (s: string) => void
  progress: boolean
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
  const draw = () => {
    if (!opts.progress) return
    const width = 30
    const filled = Math.round((done / Math.max(1, names.length)) * width)
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${names.length}`)
  }
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
      for (const f of failed) process.stderr.write(`${opts.progress ? '\r' : ''}${j.name} ${j.type}: ${failLine(f)}\n`)
      if (opts.json) opts.write(JSON.stringify(j) + '\n')
      else {
        const data = j.answer?.records.filter((r) => r.type === j.type).map((r) => r.data).join(' ') ?? ''
        const auth = j.answer ? (j.answer.authoritative ? 'AA' : 'non-AA') : '-'
        opts.write(`${j.name}\t${j.type}\t${j.answer?.rcode ?? 'ERROR'}\t${auth}\t${data}${j.problems.length ? `\t(${j.problems.length} problems)` : ''}\n`)
      }
      done++
      draw()
    }
  }
  await Promise.all(Array.from({length: Math.min(opts.concurrency, Math.max(1, names.length))}, worker))
  if (opts.progress) process.stderr.write('\n')
  summary.elapsedMs = Math.round(performance.now() - start)
  if (!opts.json) process.stderr.write(`;; ${summary.total} names, ${summary.answered} answered, ${summary.errors} failed, ${summary.queries} queries (${(summary.queries / Math.max(1, summary.total)).toFixed(2)} per name), ${summary.elapsedMs} ms\n`)
  return summary
}
