// `dnsx trace` performance (issue 3, "Performance"):
//
// 1. One trace against a hierarchy with per-server latency: the lab served on its virtual addresses
//    (dnsx lab serve --bind-virtual --configure-lo) inside a user+network+mount namespace this script
//    makes (unshare -rnm; loopback only), so that dig +trace and drill -T follow real addresses.
//    Peers, interleaved: `dnsx trace NAME --root-hints HINTS`, `dig +trace NAME` (NS addresses through
//    the lab resolver, via a private /etc/resolv.conf), `drill -T -r HINTS NAME`, and `node -e 0`.
//    The physical floor: the lab's configured latency of the fastest server of each zone of the chain
//    a trace cannot avoid (root → test. → example.test.), plus process start (node -e 0, same run).
// 2. Bulk: 10,000 names through the shared delegation cache, `dnsx trace --file names.txt --json
//    --concurrency 64 --lab`; half exist (a wildcard), half are NXDOMAIN. Names per second (wall time
//    of the whole command, start-up included) and queries per name.
//
// Prints one JSON line. With --inside it is the half that runs in the namespace.
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

import {BIN, NODE, envInt, interleave, labServe as serve, progress, quantile, ratio, report, round, summary, timed} from './lib.mjs'

const NAME = 'www.example.test'
const CHAIN = [{zone: '.', label: 'root'}, {zone: 'test', label: 'test.'}, {zone: 'example.test', label: 'example.test.'}]

function which(name) {
  return spawnSync('sh', ['-c', `command -v ${name} || test -x /usr/sbin/${name} || test -x /sbin/${name}`], {stdio: 'ignore'}).status === 0
}

async function inside() {
  const runs = envInt('BENCH_TRACE_RUNS', 15)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnsx-bench-trace-'))
  const hints = path.join(dir, 'lab.hints')
  const {child, info} = await serve(['--bind-virtual', '--configure-lo', '--write-hints', hints])
  try {
    const resolver = info.resolvers[0].addresses[0]
    fs.writeFileSync(path.join(dir, 'resolv.conf'), `nameserver ${resolver}\noptions timeout:2 attempts:1\n`)
    const mount = spawnSync('mount', ['--bind', path.join(dir, 'resolv.conf'), '/etc/resolv.conf'], {encoding: 'utf8'})
    if (mount.status !== 0) throw new Error(`mount --bind resolv.conf: ${mount.stderr}`)

    // The floor: the fastest server of each zone of the unavoidable chain, at its configured latency.
    const chain = CHAIN.map(({zone, label}) => {
      const servers = info.servers.filter((s) => s.zones.includes(zone) && (zone !== '.' || info.rootHints.some((h) => s.addresses.includes(h.address))))
      const best = servers.reduce((a, b) => (b.latencyMs < a.latencyMs ? b : a))
      return {zone: label, server: best.name, latencyMs: best.latencyMs}
    })
    const networkFloorMs = chain.reduce((sum, c) => sum + c.latencyMs, 0)
    const latencyOf = new Map(info.servers.flatMap((s) => s.addresses.map((a) => [a, s.latencyMs])))

    // Correctness first, and what dnsx actually asked.
    const j = await timed([NODE, BIN, 'trace', NAME, '--root-hints', hints, '--json'])
    const trace = JSON.parse(j.stdout)
    if (!trace.answer?.authoritative || !trace.answer.records.some((r) => r.data === '192.0.2.80')) throw new Error(`dnsx trace: wrong answer: ${j.stdout.slice(0, 300)}`)
    const dnsxSteps = trace.steps.map((s) => ({purpose: s.purpose, zone: s.zone, server: s.server.name, address: s.server.address, rttMs: s.rttMs, configuredMs: latencyOf.get(s.server.address) ?? null}))

    const answer = /www\.example\.test\.\s+3600\s+IN\s+A\s+192\.0\.2\.80/
    progress(`trace: ${runs} interleaved rounds of dnsx trace, dig +trace, drill -T, node -e 0 (lab on virtual addresses, latencies as configured)`)
    const {times, extra} = await interleave({
      dnsx: {argv: [NODE, BIN, 'trace', NAME, '--root-hints', hints], check: (r) => {
        if (!answer.test(r.stdout)) throw new Error(`dnsx trace: no answer: ${r.stdout.slice(-300)}`)
        const m = /;; (\d+) quer(?:y|ies),.* ([\d.]+) (ms|s)\b/.exec(r.stdout)
        return m ? Number(m[2]) * (m[3] === 's' ? 1000 : 1) : undefined
      }},
      dig: {argv: ['dig', '+trace', NAME], check: (r) => {
        if (!answer.test(r.stdout)) throw new Error(`dig +trace: no answer: ${r.stdout.slice(-300)}`)
      }},
      drill: {argv: ['drill', '-T', '-r', hints, NAME], check: (r) => {
        if (!answer.test(r.stdout)) throw new Error(`drill -T: no answer: ${r.stdout.slice(-300)}`)
      }},
      node: {argv: [NODE, '-e', '0']},
    }, {runs})

    const engineMs = extra.dnsx
    const startMs = quantile(times.node, 0.5)
    const floorMs = networkFloorMs + startMs
    const dnsxMedian = quantile(times.dnsx, 0.5)
    return {
      name: NAME,
      runs,
      ms: {dnsx: summary(times.dnsx), dig: summary(times.dig), drill: summary(times.drill), node: summary(times.node)},
      ratio: {dig: ratio(times.dnsx, times.dig), drill: ratio(times.dnsx, times.drill)},
      floor: {
        chain,
        networkMs: networkFloorMs,
        processStartMs: round(startMs),
        ms: round(floorMs),
        ratio: round(dnsxMedian / floorMs),
        digRatio: round(quantile(times.dig, 0.5) / floorMs),
      },
      dnsx: {
        queries: trace.stats.queries,
        steps: dnsxSteps,
        configuredMs: dnsxSteps.reduce((s, x) => s + (x.configuredMs ?? 0), 0),
        engineMs: summary(engineMs),
        /** Wall time that is neither the trace engine nor node's own start: loading dnsx. */
        overheadMs: round(dnsxMedian - quantile(engineMs, 0.5) - startMs),
      },
      // Issue #12's goal: the wall time is at most 1.6× node's own start plus the engine's time.
      budget: {ms: round(1.6 * startMs + quantile(engineMs, 0.5)), ratio: round(dnsxMedian / (1.6 * startMs + quantile(engineMs, 0.5)))},
      goals: {
        withinStartBudget: dnsxMedian <= 1.6 * startMs + quantile(engineMs, 0.5),
        noSlowerThanDig: dnsxMedian <= quantile(times.dig, 0.5),
      },
    }
  } finally {
    child.kill('SIGTERM')
    await new Promise((resolve) => child.once('close', resolve))
    fs.rmSync(dir, {recursive: true, force: true})
  }
}

async function bulk() {
  const count = envInt('BENCH_BULK_NAMES', 10_000)
  const runs = envInt('BENCH_BULK_RUNS', 2)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnsx-bench-bulk-'))
  try {
    const file = path.join(dir, 'names.txt')
    const names = Array.from({length: count}, (_, i) => (i % 2 === 0 ? `n${i}.wild.example.test` : `nx${i}.example.test`))
    fs.writeFileSync(file, `${names.join('\n')}\n`)
    const results = []
    for (let i = 0; i < runs; i++) {
      progress(`bulk: ${count} names, --concurrency 64 --lab (run ${i + 1}/${runs})`)
      const r = await timed([NODE, BIN, 'trace', '--file', file, '--json', '--concurrency', '64', '--lab'], {timeoutMs: 600_000})
      if (r.code !== 0) throw new Error(`bulk trace exited ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`)
      const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
      const queries = lines.reduce((s, l) => s + l.stats.queries, 0)
      const answered = lines.filter((l) => l.kind === 'answer' && l.answer?.records.some((x) => x.data === '192.0.2.84')).length
      const nxdomain = lines.filter((l) => l.kind === 'nxdomain' && l.answer?.authoritative).length
      if (lines.length !== count || answered + nxdomain !== count) throw new Error(`bulk: ${lines.length} lines, ${answered} answers, ${nxdomain} NXDOMAIN for ${count} names`)
      results.push({wallMs: r.ms, queries})
    }

    const wall = results.map((x) => x.wallMs)
    const best = quantile(wall, 0.5)
    return {
      names: count,
      runs,
      concurrency: 64,
      mix: 'half wildcard answers (nN.wild.example.test), half NXDOMAIN (nxN.example.test)',
      latency: 'the lab as --lab starts it: configured latencies (root a 12 ms, ns1.nic 15 ms, ns1.example 9 ms ...)',
      wallMs: summary(wall),
      namesPerSecond: round(count / (best / 1000), 0),
      queriesPerName: round(results[0].queries / count, 3),
    }
  } finally {
    fs.rmSync(dir, {recursive: true, force: true})
  }
}

if (process.argv[2] === '--inside') {
  try {
    report({ok: true, single: await inside()})
  } catch (error) {
    report({ok: false, error: String(error?.message ?? error)})
  }
} else {
  const out = {bench: 'trace'}
  const missing = ['unshare', 'mount', 'ip', 'dig', 'drill'].filter((t) => !which(t))
  if (missing.length > 0) {
    out.single = {skipped: `missing: ${missing.join(', ')}`}
  } else {
    const self = fileURLToPath(import.meta.url)
    const r = await timed(['unshare', '-rnm', NODE, self, '--inside'], {timeoutMs: 600_000})
    process.stderr.write(r.stderr)
    const last = r.stdout.trim().split('\n').pop() ?? ''
    let inner
    try {
      inner = JSON.parse(last)
    } catch {
      inner = {ok: false, error: `unshare -rnm exited ${r.code}: ${r.stderr.trim().split('\n').pop() ?? ''}`}
    }

    out.single = inner.ok ? inner.single : {skipped: inner.error}
  }

  try {
    out.bulk = await bulk()
  } catch (error) {
    out.bulk = {skipped: String(error?.message ?? error)}
  }

  report(out)
}
