// `dnsx race URL --lab`: how long the process lives after its result is printed (issue "Fast": no
// idle handle may keep it alive), beside the race's own reported duration. Each run: wall time
// (spawn → exit), the race's "N ms in all", and the time from the last byte of output to exit.
import {spawn} from 'node:child_process'

import {BIN, ENV, NODE, ROOT, envInt, progress, report, summary} from './lib.mjs'

const runs = envInt('BENCH_RUNS', 30)
const target = 'https://dual.race.test/'

function once() {
  return new Promise((resolve, reject) => {
    const t0 = performance.now()
    const child = spawn(NODE, [BIN, 'race', target, '--lab'], {cwd: ROOT, env: ENV, stdio: ['ignore', 'pipe', 'pipe']})
    let out = ''
    let last = t0
    child.stdout.on('data', (d) => {
      out += d
      last = performance.now()
    })
    child.on('close', (code) => {
      const end = performance.now()
      const m = /;; .* ([\d.]+) (ms|s) in all/.exec(out)
      if (code !== 0 || !m) return reject(new Error(`race exited ${code}: ${out.slice(-300)}`))
      resolve({wallMs: end - t0, raceMs: Number(m[1]) * (m[2] === 's' ? 1000 : 1), exitLagMs: end - last})
    })
  })
}

progress(`race: ${runs} runs of dnsx race ${target} --lab`)
const rows = []
for (let i = 0; i < runs + 2; i++) {
  const r = await once()
  if (i >= 2) rows.push(r)
}
report({
  bench: 'race',
  target,
  runs,
  wallMs: summary(rows.map((r) => r.wallMs)),
  raceMs: summary(rows.map((r) => r.raceMs)),
  exitLagMs: summary(rows.map((r) => r.exitLagMs)),
})
