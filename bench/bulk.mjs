// Bulk tracing against a cold-cache Unbound (issue "Fast"): the same names, the same hierarchy,
// the same network namespace. The lab is served on its virtual addresses (dnsx lab serve
// --bind-virtual, configured latencies) inside a user+network+mount namespace this script makes
// (unshare -rnm; loopback only). Peers, each from a cold start:
//   - Unbound (from Debian), iterator only, one thread, fed by dnsperf (Debian) with the names file;
//   - `dnsx trace --file names --root-hints HINTS --fields name,rcode,answer` at --concurrency N.
// Names: BENCH_BULK_NAMES (default 100,000), half under a wildcard (answers), half NXDOMAIN, every
// one distinct, plus a tenth repeated (the answer cache's share). Prints one JSON line: names per
// second of each, the ratio, and dnsx's peak RSS.
import {spawn, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {BIN, NODE, envInt, labServe as serve, progress, report, round, timed} from './lib.mjs'

const which = (name) => spawnSync('sh', ['-c', `command -v ${name} || test -x /usr/sbin/${name}`], {stdio: 'ignore'}).status === 0

function namesOf(count) {
  const names = Array.from({length: count}, (_, i) => (i % 2 === 0 ? `n${i}.wild.example.test` : `nx${i}.example.test`))
  // A tenth asked again later in the run: repeats a real workload has, and the answer cache's share.
  for (let i = 0; i < count / 10; i++) names.push(names[(i * 7919) % count])
  return names
}

async function inside() {
  const count = envInt('BENCH_BULK_NAMES', 100_000)
  // Both peers at the same number of queries in flight: 128 (latency-bound for Unbound) and 512.
  const levels = (process.env.BENCH_BULK_CONCURRENCY ?? '128,512').split(',').map(Number).filter((n) => n > 0)
  const runs = []
  for (const concurrency of levels) runs.push(await one(count, concurrency))
  return {runs}
}

async function one(count, concurrency) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnsx-bench-bulk-'))
  const hints = path.join(dir, 'lab.hints')
  const {child} = await serve(['--bind-virtual', '--configure-lo', '--write-hints', hints])
  try {
    const names = namesOf(count)
    fs.writeFileSync(path.join(dir, 'names.txt'), `${names.join('\n')}\n`)
    fs.writeFileSync(path.join(dir, 'dnsperf.txt'), `${names.map((n) => `${n} A`).join('\n')}\n`)
    const total = names.length

    // Unbound: cold cache, iterator only, one thread, on 127.0.0.54:53.
    fs.writeFileSync(path.join(dir, 'unbound.conf'), [
      'server:',
      '  interface: 127.0.0.54', '  port: 53', '  access-control: 127.0.0.0/8 allow',
      '  username: ""', '  chroot: ""', `  directory: "${dir}"`, `  pidfile: "${dir}/unbound.pid"`, '  use-syslog: no', '  logfile: ""',
      '  num-threads: 1', '  module-config: "iterator"', `  root-hints: "${hints}"`, '  do-not-query-localhost: no',
      '  local-zone: "test." nodefault', '  do-ip6: yes', '  num-queries-per-thread: 4096', '  outgoing-range: 8192',
      '  so-rcvbuf: 4m', '  so-sndbuf: 4m', '  harden-referral-path: no', '  target-fetch-policy: "0 0 0 0 0"',
      '',
    ].join('\n'))
    spawnSync('ip', ['addr', 'add', '127.0.0.54/8', 'dev', 'lo'])
    const unbound = spawn('unbound', ['-d', '-c', path.join(dir, 'unbound.conf')], {stdio: ['ignore', 'ignore', 'pipe']})
    let unboundErr = ''
    unbound.stderr.on('data', (d) => (unboundErr += d))
    await new Promise((r) => setTimeout(r, 700))
    progress(`bulk: dnsperf → Unbound, ${total} names (cold cache)`)
    const perf = await timed(['dnsperf', '-s', '127.0.0.54', '-d', path.join(dir, 'dnsperf.txt'), '-q', String(concurrency), '-t', '10'], {timeoutMs: 900_000})
    unbound.kill('SIGTERM')
    const qps = /Queries per second:\s+([\d.]+)/.exec(perf.stdout)
    const completed = /Queries completed:\s+(\d+)/.exec(perf.stdout)
    if (!qps) throw new Error(`dnsperf: ${perf.stdout.slice(-400)} ${perf.stderr.slice(-300)} ${unboundErr.slice(-300)}`)

    progress(`bulk: dnsx trace --file, ${total} names, --concurrency ${concurrency}`)
    const time = spawnSync('sh', ['-c', 'command -v /usr/bin/time'], {encoding: 'utf8'}).stdout.trim()
    const argv = [NODE, BIN, 'trace', '--file', path.join(dir, 'names.txt'), '--root-hints', hints, '--fields', 'name,rcode,answer', '--concurrency', String(concurrency)]
    const r = await timed(time ? [time, '-f', 'maxrss %M', ...argv] : argv, {timeoutMs: 900_000})
    const rss = /maxrss (\d+)/.exec(r.stderr)
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
    const answered = lines.filter((l) => l.rcode === 'NOERROR' && l.answer?.length > 0).length
    const nxdomain = lines.filter((l) => l.rcode === 'NXDOMAIN').length
    if (lines.length !== total || answered + nxdomain !== total) throw new Error(`dnsx: ${lines.length} lines, ${answered} answers, ${nxdomain} NXDOMAIN for ${total} names (exit ${r.code}): ${r.stderr.slice(-300)}`)
    const dnsxRate = total / (r.ms / 1000)
    const unboundRate = Number(qps[1])
    return {
      names: total,
      distinct: count,
      concurrency,
      unbound: {namesPerSecond: round(unboundRate, 0), completed: Number(completed?.[1] ?? 0), outstanding: concurrency},
      dnsx: {namesPerSecond: round(dnsxRate, 0), wallMs: round(r.ms, 0), peakRssMiB: rss ? round(Number(rss[1]) / 1024, 1) : null},
      ratio: round(dnsxRate / unboundRate),
      goal: {ratio: 0.5, rssMiB: 120, met: dnsxRate / unboundRate >= 0.5 && (!rss || Number(rss[1]) / 1024 <= 120)},
    }
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('close', resolve))
    fs.rmSync(dir, {recursive: true, force: true})
  }
}

if (process.argv[2] === '--inside') {
  try {
    report({ok: true, ...(await inside())})
  } catch (error) {
    report({ok: false, error: String(error?.message ?? error)})
  }
} else {
  const missing = ['unshare', 'ip', 'unbound', 'dnsperf'].filter((t) => !which(t))
  if (missing.length > 0) {
    report({bench: 'bulk', skipped: `missing: ${missing.join(', ')}`})
  } else {
    const r = await timed(['unshare', '-rnm', NODE, fileURLToPath(import.meta.url), '--inside'], {timeoutMs: 1_800_000})
    process.stderr.write(r.stderr)
    let inner
    try {
      inner = JSON.parse(r.stdout.trim().split('\n').pop() ?? '')
    } catch {
      inner = {ok: false, error: `unshare -rnm exited ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''}`}
    }
    report(inner.ok ? {bench: 'bulk', ...inner, ok: undefined} : {bench: 'bulk', skipped: inner.error})
  }
}
