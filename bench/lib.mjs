// Shared helpers for the benchmarks: timing child processes, interleaving peers, statistics.
// Plain JavaScript against the built dist/ (npm run bench builds first).
import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'

export const ROOT = fileURLToPath(new URL('../', import.meta.url))
export const BIN = fileURLToPath(new URL('../bin/run.js', import.meta.url))
export const NODE = process.execPath

/** Environment for measured commands: no colour, nothing that changes output between runs. */
export const ENV = {...process.env, NO_COLOR: '1', FORCE_COLOR: undefined}
delete ENV.FORCE_COLOR

/** An integer from the environment (to shorten runs while developing), else the default. */
export function envInt(name, fallback) {
  const v = Number(process.env[name])
  return Number.isInteger(v) && v > 0 ? v : fallback
}

/** Runs argv, resolving with its wall time (spawn → close, ms), exit code and output. */
export function timed(argv, {timeoutMs = 60_000, env = ENV, cwd = ROOT} = {}) {
  return new Promise((resolve) => {
    const t0 = performance.now()
    const child = spawn(argv[0], argv.slice(1), {cwd, env, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      resolve({ms: performance.now() - t0, code: null, stdout, stderr: stderr + String(error)})
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({ms: performance.now() - t0, code, stdout, stderr})
    })
  })
}

export function quantile(xs, q) {
  const s = [...xs].sort((a, b) => a - b)
  if (s.length === 0) return NaN
  const pos = (s.length - 1) * q
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return s[lo] + (s[hi] - s[lo]) * (pos - lo)
}

export const round = (x, digits = 2) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null)

/** median, p25, p75, min, max (ms, rounded). */
export function summary(xs) {
  return {
    n: xs.length,
    median: round(quantile(xs, 0.5)),
    p25: round(quantile(xs, 0.25)),
    p75: round(quantile(xs, 0.75)),
    min: round(Math.min(...xs)),
    max: round(Math.max(...xs)),
  }
}

/**
 * Runs every peer `runs` times, interleaved (the order reverses every round, so neither peer always
 * runs first on a noisy machine), after `warmup` unrecorded rounds. Each peer's `check(result)` may
 * throw to reject a wrong output. Returns the wall times per peer, in round order (paired).
 */
export async function interleave(peers, {runs, warmup = 2, onRound} = {}) {
  const times = Object.fromEntries(Object.keys(peers).map((k) => [k, []]))
  const extra = Object.fromEntries(Object.keys(peers).map((k) => [k, []]))
  const names = Object.keys(peers)
  for (let round = -warmup; round < runs; round++) {
    const order = round % 2 === 0 ? names : [...names].reverse()
    for (const name of order) {
      const peer = peers[name]
      const r = await timed(peer.argv, peer.options)
      if (r.code !== (peer.expectCode ?? 0)) throw new Error(`${name}: ${peer.argv.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`)
      const info = peer.check ? peer.check(r) : undefined
      if (round >= 0) {
        times[name].push(r.ms)
        if (info !== undefined) extra[name].push(info)
      }
    }

    if (round >= 0) onRound?.(round)
  }

  return {times, extra}
}

/** The ratio of medians, and the spread (p25–p75) of the per-round ratios a[i]/b[i]. */
export function ratio(a, b) {
  const paired = a.map((x, i) => x / b[i])
  return {
    median: round(quantile(a, 0.5) / quantile(b, 0.5)),
    pairedMedian: round(quantile(paired, 0.5)),
    p25: round(quantile(paired, 0.25)),
    p75: round(quantile(paired, 0.75)),
  }
}

/** Prints the one JSON line a bench script reports. */
export function report(obj) {
  process.stdout.write(`${JSON.stringify(obj)}\n`)
}

export function progress(message) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${message}\n`)
}

/** Starts `dnsx lab serve` with args; resolves with the child and its first JSON line. */
export function labServe(args) {
  const child = spawn(NODE, [BIN, 'lab', 'serve', '--json', ...args], {cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe']})
  let out = ''
  let err = ''
  child.stderr.on('data', (d) => (err += d))
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d
      const nl = out.indexOf('\n')
      if (nl >= 0) resolve({child, info: JSON.parse(out.slice(0, nl))})
    })
    child.on('close', (code) => reject(new Error(`lab serve exited ${code}: ${err.trim()}`)))
  })
}
