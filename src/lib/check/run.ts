/**
 * Runs checks: each one is the dnsx CLI itself (process.execPath + the package's bin/run.js)
 * with --json and the check's expectations as --expect-* flags, at most `concurrency` at once.
 * The outcome comes from the exit code: 0 pass, 1 fail (expectations unmet), anything else,
 * or output that is not one JSON document, error (the check could not run).
 */
import {spawn} from 'node:child_process'
import {failLine, type ExpectationResult} from '../expect.js'
import {checkArgv, type ArgvOverrides, type CheckDefinition, type CommandCatalogue} from './load.js'

export type Outcome = 'pass' | 'fail' | 'error'

export interface CheckResult {
  name: string
  command: string
  args: string[]
  /** The whole command line after `dnsx`, as run. */
  argv: string[]
  outcome: Outcome
  /** The command's exit code; null when it was killed or could not start. */
  exit: number | null
  durationMs: number
  /** The command's `expectations` array (empty when it printed none). */
  expectations: ExpectationResult[]
  /** One `FAIL <expectation>: expected <...>, got <...>` line per unmet expectation. */
  failures: string[]
  /** Why the check could not run (outcome error only). */
  error?: {code: string, message: string}
  /** The command's stderr, trimmed (kept for JUnit's system-err). */
  stderr: string
}

export interface Summary {
  total: number
  passed: number
  failed: number
  errors: number
  durationMs: number
}

/** What one run of the command produced. */
export interface RawRun {
  exit: number | null
  stdout: string
  stderr: string
  durationMs: number
  timedOut?: boolean
  /** The process could not be started. */
  spawnError?: string
  /** The limit it was killed at, with timedOut. */
  maxDurationMs?: number
}

const EXIT_MEANING: Record<number, string> = {
  2: 'usage error or bad input',
  3: 'the DNS/network work could not be completed',
  4: 'internal error in dnsx',
}

/** The last meaningful stderr line that is not a FAIL or note line. */
function stderrReason(stderr: string): string | undefined {
  const lines = stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('FAIL ') && !/^note:/i.test(l) && !/^warning:/i.test(l))
  const last = lines[lines.length - 1]
  return last?.replace(/^error:\s*/, '')
}

/** Turn one finished command into a check result (pure: the unit tests feed it raw runs). */
export function classify(check: Pick<CheckDefinition, 'name' | 'command' | 'args'>, argv: string[], run: RawRun): CheckResult {
  const base = {name: check.name, command: check.command, args: check.args, argv, exit: run.exit, durationMs: Math.round(run.durationMs), stderr: run.stderr.trim()}
  if (run.spawnError !== undefined) {
    return {...base, outcome: 'error', expectations: [], failures: [], error: {code: 'spawn', message: `could not start dnsx: ${run.spawnError}`}}
  }
  if (run.timedOut) {
    return {...base, outcome: 'error', expectations: [], failures: [], error: {code: 'max-duration', message: `killed after ${run.maxDurationMs ?? Math.round(run.durationMs)} ms (maxDuration)`}}
  }
  let json: any
  let parsed = false
  try {
    json = JSON.parse(run.stdout)
    parsed = json !== null && typeof json === 'object' && !Array.isArray(json)
  } catch {}
  const expectations: ExpectationResult[] = parsed && Array.isArray(json.expectations) ? json.expectations.filter(isExpectation) : []
  const fromJson = expectations.filter((e) => !e.ok).map(failLine)
  const fromStderr = run.stderr.split(/\r?\n/).filter((l) => l.startsWith('FAIL '))
  const failures = fromJson.length ? fromJson : fromStderr
  if (parsed && json.error && typeof json.error === 'object' && Object.keys(json).length === 1) {
    const e = json.error
    return {...base, outcome: 'error', expectations, failures, error: {code: String(e.code ?? 'error'), message: String(e.message ?? `exit ${run.exit}`)}}
  }
  if (run.exit !== 0 && run.exit !== 1) {
    const meaning = run.exit === null ? 'killed by a signal' : EXIT_MEANING[run.exit] ?? 'unexpected exit code'
    const reason = stderrReason(run.stderr)
    return {...base, outcome: 'error', expectations, failures, error: {code: run.exit === null ? 'signal' : `exit-${run.exit}`, message: `exit ${run.exit ?? 'by signal'} (${meaning})${reason ? `: ${reason}` : ''}`}}
  }
  if (!parsed) {
    const first = run.stdout.trim().split('\n')[0]?.slice(0, 120)
    return {...base, outcome: 'error', expectations, failures, error: {code: 'bad-output', message: `exit ${run.exit} but the output is not one JSON document${first ? ` (starts "${first}")` : ' (empty)'}`}}
  }
  if (run.exit === 1) {
    return {...base, outcome: 'fail', expectations, failures: failures.length ? failures : ['FAIL (unknown): exit 1 without a FAIL line']}
  }
  // Exit 0 with an unmet expectation in the JSON would be a bug in the command: trust the JSON.
  if (fromJson.length > 0) return {...base, outcome: 'fail', expectations, failures: fromJson}
  return {...base, outcome: 'pass', expectations, failures: []}
}

function isExpectation(e: unknown): e is ExpectationResult {
  const x = e as ExpectationResult
  return x !== null && typeof x === 'object' && typeof x.expectation === 'string' && typeof x.ok === 'boolean'
}

/** 3 when any check could not run, else 1 when any failed, else 0 (3 wins over 1). */
export function exitCodeFor(results: readonly Pick<CheckResult, 'outcome'>[]): 0 | 1 | 3 {
  if (results.some((r) => r.outcome === 'error')) return 3
  if (results.some((r) => r.outcome === 'fail')) return 1
  return 0
}

export function summarize(results: readonly CheckResult[], durationMs: number): Summary {
  return {
    total: results.length,
    passed: results.filter((r) => r.outcome === 'pass').length,
    failed: results.filter((r) => r.outcome === 'fail').length,
    errors: results.filter((r) => r.outcome === 'error').length,
    durationMs: Math.round(durationMs),
  }
}

/** Run `process.execPath bin argv...`, bounded by maxDurationMs. */
export function spawnDnsx(bin: string, argv: string[], opts: {maxDurationMs: number, cwd?: string, env?: NodeJS.ProcessEnv, node?: string}): Promise<RawRun> {
  const started = performance.now()
  return new Promise((resolve) => {
    let stdout = ''
    let stderr = ''
    let timedOut = false
    let settled = false
    const done = (r: Omit<RawRun, 'durationMs' | 'stdout' | 'stderr'>) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      resolve({...r, stdout, stderr, durationMs: performance.now() - started})
    }
    const child = spawn(opts.node ?? process.execPath, [bin, ...argv], {
      cwd: opts.cwd,
      env: {...(opts.env ?? process.env), NO_COLOR: '1', FORCE_COLOR: '0'},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => {
      timedOut = true
      child.kill('SIGKILL')
    }, opts.maxDurationMs)
    child.on('error', (err) => done({exit: null, spawnError: err.message}))
    child.on('close', (code) => done({exit: timedOut ? null : code, timedOut, maxDurationMs: opts.maxDurationMs}))
  })
}

export interface RunChecksOptions {
  /** Path of the package's bin/run.js. */
  bin: string
  /** Checks at once (default 4). */
  concurrency?: number
  overrides?: ArgvOverrides
  catalogue?: CommandCatalogue
  /** Kill limit (ms) for checks that set none, over the file's defaults (default 60000). */
  maxDurationMs?: number
  cwd?: string
  env?: NodeJS.ProcessEnv
  /** Called as each check finishes (for progress). */
  onResult?: (r: CheckResult, done: number, total: number) => void
  /** Replaces spawnDnsx (tests). */
  exec?: (argv: string[], maxDurationMs: number) => Promise<RawRun>
}

export const DEFAULT_CONCURRENCY = 4
export const DEFAULT_MAX_DURATION_MS = 60_000

/** Run every check with a concurrency limit; results in file order. */
export async function runChecks(checks: readonly CheckDefinition[], opts: RunChecksOptions): Promise<CheckResult[]> {
  const limit = Math.max(1, opts.concurrency ?? DEFAULT_CONCURRENCY)
  const exec = opts.exec ?? ((argv: string[], maxDurationMs: number) => spawnDnsx(opts.bin, argv, {maxDurationMs, cwd: opts.cwd, env: opts.env}))
  const results: CheckResult[] = new Array(checks.length)
  let next = 0
  let done = 0
  const worker = async () => {
    while (next < checks.length) {
      const i = next++
      const c = checks[i]
      const argv = checkArgv(c, opts.overrides, opts.catalogue)
      const maxDurationMs = c.maxDuration ?? opts.maxDurationMs ?? c.defaults.maxDuration ?? DEFAULT_MAX_DURATION_MS
      const raw = await exec(argv, maxDurationMs)
      results[i] = classify(c, argv, raw)
      done++
      opts.onResult?.(results[i], done, checks.length)
    }
  }
  await Promise.all(Array.from({length: Math.min(limit, checks.length)}, worker))
  return results
}

/** A command line a shell would run: `dnsx trace www.example.test --lab --json`. */
export function commandLine(argv: readonly string[], bin = 'dnsx'): string {
  const quote = (w: string) => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`)
  return [bin, ...argv].map(quote).join(' ')
}
