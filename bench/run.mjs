// `npm run bench`: runs every bench script (each prints one JSON line), prints a summary table and
// writes bench/results.json. Every figure is a ratio to a peer measured in the same run, interleaved,
// because the machine is shared and noisy: medians, with the p25–p75 spread of the paired ratios.
//
// Scripts: startup.mjs (dnsx --version/--help vs node -e 0), query.mjs (dnsx query vs dig),
// trace.mjs (one trace vs dig +trace, drill -T and the physical floor; bulk names per second),
// bulk.mjs (trace --file against Unbound + dnsperf in a namespace), race.mjs (race's exit lag),
// race-accuracy.mjs when it exists. BENCH_RUNS / BENCH_TRACE_RUNS / BENCH_BULK_NAMES /
// BENCH_BULK_RUNS shorten runs; `node bench/run.mjs startup query` runs only those.
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {NODE, ROOT} from './lib.mjs'

const BENCHES = ['startup', 'query', 'trace', 'bulk', 'race', 'race-accuracy']
const only = process.argv.slice(2)

function runScript(file) {
  return new Promise((resolve) => {
    const child = spawn(NODE, [file], {cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit']})
    let stdout = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.on('close', (code) => {
      const last = stdout.trim().split('\n').pop() ?? ''
      try {
        resolve({code, result: JSON.parse(last)})
      } catch {
        resolve({code, result: {error: `exited ${code} without a JSON line`, output: stdout.slice(-500)}})
      }
    })
  })
}

const results = {}
const notes = []
const loadBefore = os.loadavg()[0]
for (const name of BENCHES) {
  if (only.length > 0 && !only.includes(name)) continue
  const file = path.join(ROOT, 'bench', `${name}.mjs`)
  if (!fs.existsSync(file)) {
    notes.push(`${name}: skipped (bench/${name}.mjs does not exist yet)`)
    continue
  }

  process.stderr.write(`== ${name}\n`)
  const t0 = performance.now()
  const {code, result} = await runScript(file)
  results[name] = {...result, benchSeconds: Math.round((performance.now() - t0) / 100) / 10}
  if (code !== 0) notes.push(`${name}: exited ${code}`)
}

// ---- summary table -----------------------------------------------------------------------------

const fmt = (x, unit = '') => (x === null || x === undefined || Number.isNaN(x) ? '-' : `${x}${unit}`)
const ms = (s) => (s ? `${fmt(s.median)} ms` : '-')
const spread = (r) => (r ? `${fmt(r.pairedMedian)} [${fmt(r.p25)}–${fmt(r.p75)}]` : '-')
const rows = [['bench', 'measure', 'median', 'peer (median)', 'ratio', 'paired [p25–p75]', 'goal']]
const s = results.startup
if (s?.ms) {
  rows.push(['startup', 'dnsx --version', ms(s.ms.version), `node -e 0 (${ms(s.ms.node)})`, fmt(s.ratio.version.median), spread(s.ratio.version), `≤ 1.1 ${s.goal.met ? 'met' : 'NOT met'}`])
  rows.push(['startup', 'dnsx --help', ms(s.ms.help), `node -e 0 (${ms(s.ms.node)})`, fmt(s.ratio.help.median), spread(s.ratio.help), `≤ 1.5 ${s.goal.helpMet ? 'met' : 'NOT met'}`])
}

const q = results.query
if (q?.ms) {
  rows.push(['query', 'dnsx query @127.0.0.1', ms(q.ms.dnsx), `dig (${ms(q.ms.dig)})`, fmt(q.ratio.dig.median), spread(q.ratio.dig), ''])
  rows.push(['query', 'dnsx query @127.0.0.1', ms(q.ms.dnsx), `node -e 0 (${ms(q.ms.node)})`, fmt(q.ratio.node.median), spread(q.ratio.node), `≤ 1.5 ${q.goal?.met ? 'met' : 'NOT met'}`])
  if (q.lab) rows.push(['query', 'dnsx query @192.0.2.20 --lab', ms(q.lab.ms), `the same, no lab (${ms(q.ms.dnsx)})`, `+${q.lab.addsMs} ms`, `less ${q.lab.serverLatencyMs} ms latency`, `≤ +${q.lab.goalMs} ms ${q.lab.addsMs <= q.lab.goalMs ? 'met' : 'NOT met'}`])
}

const t = results.trace
if (t?.single?.ms) {
  const x = t.single
  rows.push(['trace', `dnsx trace ${x.name}`, ms(x.ms.dnsx), `dig +trace (${ms(x.ms.dig)})`, fmt(x.ratio.dig.median), spread(x.ratio.dig), ''])
  rows.push(['trace', `dnsx trace ${x.name}`, ms(x.ms.dnsx), `drill -T (${ms(x.ms.drill)})`, fmt(x.ratio.drill.median), spread(x.ratio.drill), ''])
  rows.push(['trace', `dnsx trace ${x.name}`, ms(x.ms.dnsx), `1.6 × node -e 0 + engine (${x.budget.ms} ms)`, fmt(x.budget.ratio), '', `≤ 1.0 ${x.goals.withinStartBudget ? 'met' : 'NOT met'}`])
  rows.push(['trace', `dnsx trace ${x.name}`, ms(x.ms.dnsx), `floor ${x.floor.networkMs} + ${x.floor.processStartMs} ms`, fmt(x.floor.ratio), '', ''])
  rows.push(['trace', 'dnsx trace engine only', `${fmt(x.dnsx.engineMs.median)} ms`, `network floor (${x.floor.networkMs} ms)`, fmt(Math.round((x.dnsx.engineMs.median / x.floor.networkMs) * 100) / 100), '', `${x.dnsx.queries} queries`])
} else if (t?.single) {
  notes.push(`trace (single): skipped: ${t.single.skipped}`)
}

if (t?.bulk?.namesPerSecond) {
  rows.push(['trace', `bulk ${t.bulk.names} names, -c 64 --lab`, `${fmt(t.bulk.wallMs.median)} ms`, '', `${t.bulk.namesPerSecond} names/s`, '', `${t.bulk.queriesPerName} queries/name`])
} else if (t?.bulk) {
  notes.push(`trace (bulk): skipped: ${t.bulk.skipped}`)
}

const b = results.bulk
if (b?.runs) {
  for (const x of b.runs) {
    rows.push(['bulk', `dnsx trace --file, ${x.names} names, -c ${x.concurrency}`, `${x.dnsx.namesPerSecond} names/s`, `Unbound -q ${x.concurrency} (${x.unbound.namesPerSecond} names/s)`, fmt(x.ratio), '', `≥ 0.5 ${x.ratio >= 0.5 ? 'met' : 'NOT met'}`])
    rows.push(['bulk', `dnsx peak RSS, -c ${x.concurrency}`, `${fmt(x.dnsx.peakRssMiB)} MiB`, '', '', '', `≤ 120 MiB ${x.dnsx.peakRssMiB !== null && x.dnsx.peakRssMiB <= 120 ? 'met' : 'NOT met'}`])
  }
} else if (b) notes.push(`bulk: skipped: ${b.skipped ?? b.error}`)

const rc = results.race
if (rc?.exitLagMs) {
  rows.push(['race', 'dnsx race https://dual.race.test/ --lab', ms(rc.wallMs), `its own race (${ms(rc.raceMs)})`, '', '', `exit ${rc.exitLagMs.median} ms after the output`])
}

const r = results['race-accuracy']
if (r && !r.error) {
  // Its format is the race helper's: show its top-level scalars, the rest is in results.json.
  if (typeof r.medianMs === 'number') {
    rows.push([
      'race-accuracy', `attempt lateness, ${fmt(r.samples)} attempts`, `${r.medianMs} ms`, `p90 ${fmt(r.p90Ms)} ms, max ${fmt(r.maxMs)} ms`, '', '',
      r.goalMedianMs === undefined ? '' : `≤ ${r.goalMedianMs} ms ${r.pass ? 'met' : 'NOT met'}`,
    ])
  } else {
    const scalars = Object.entries(r).filter(([k, v]) => v !== null && typeof v !== 'object' && k !== 'bench' && k !== 'benchSeconds')
    rows.push(['race-accuracy', scalars.slice(0, 4).map(([k, v]) => `${k}=${v}`).join(', ') || 'see results.json', '', '', '', '', ''])
  }
}
else if (r?.error) notes.push(`race-accuracy: ${r.error}`)

const widths = rows[0].map((_, i) => Math.max(...rows.map((row) => String(row[i]).length)))
const line = (row) => row.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd()
process.stdout.write(`\n${line(rows[0])}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${rows.slice(1).map(line).join('\n')}\n`)
process.stdout.write('ratio: of the medians; paired: median and p25–p75 of the per-round ratios (runs interleaved, order alternating each round); a ratio goal is judged on the paired median\n')
process.stdout.write(`load average (1 min) before / after: ${loadBefore.toFixed(2)} / ${os.loadavg()[0].toFixed(2)} on ${os.cpus().length} CPUs\n`)
for (const n of notes) process.stdout.write(`note: ${n}\n`)

const out = {
  date: new Date().toISOString(),
  node: process.version,
  platform: `${os.platform()} ${os.release()}`,
  cpus: os.cpus().length,
  loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  results,
  notes,
}
// A partial run (`node bench/run.mjs startup`) must not replace the full results.
const target = only.length > 0 ? 'results.partial.json' : 'results.json'
fs.writeFileSync(path.join(ROOT, 'bench', target), `${JSON.stringify(out, null, 2)}\n`)
process.stdout.write(`wrote bench/${target}\n`)
