// dnsx start-up: `dnsx --version` and `dnsx --help` wall time as a ratio to `node -e 0`, measured
// in the same run, interleaved (issue "Fast": --version <= 1.1 x, --help <= 1.5 x node -e 0).
import {BIN, NODE, envInt, interleave, progress, ratio, report, summary} from './lib.mjs'

const runs = envInt('BENCH_RUNS', 30)
progress(`startup: ${runs} interleaved rounds of node -e 0, dnsx --version, dnsx --help`)
const {times} = await interleave({
  node: {argv: [NODE, '-e', '0']},
  version: {argv: [NODE, BIN, '--version'], check: (r) => {
    if (!/^dnsx\/\d/.test(r.stdout)) throw new Error(`unexpected --version output: ${r.stdout}`)
  }},
  help: {argv: [NODE, BIN, '--help'], check: (r) => {
    if (!/USAGE/.test(r.stdout)) throw new Error('unexpected --help output')
  }},
}, {runs})

const versionRatio = ratio(times.version, times.node)
const helpRatio = ratio(times.help, times.node)
report({
  bench: 'startup',
  runs,
  ms: {node: summary(times.node), version: summary(times.version), help: summary(times.help)},
  ratio: {version: versionRatio, help: helpRatio},
  // Judged on the paired median (each round's ratio, the two runs side by side): on a shared
  // machine a ratio of two medians taken minutes apart mixes in the load's drift.
  goal: {version: 1.1, help: 1.5, met: versionRatio.pairedMedian <= 1.1, helpMet: helpRatio.pairedMedian <= 1.5},
})
