// `dnsx query` against a local server as a ratio to `dig` on the same server and to `node -e 0`,
// interleaved. The server is the lab's ns1.example.test, started in-process (latency 0) on a
// 127.0.0.1 ephemeral port. Also `dnsx query @192.0.2.20 --lab` (the same server inside an
// in-process lab): what --lab adds, less the latency the lab gives that server.
import {BIN, NODE, ROOT, envInt, interleave, progress, ratio, report, summary} from './lib.mjs'

const runs = envInt('BENCH_RUNS', 30)
const {startLab} = await import(new URL('dist/lib/lab/index.js', `file://${ROOT}`).href)
const lab = await startLab({latencyScale: 0})
try {
  const server = lab.describe().servers.find((s) => s.id === 'example-ns1')
  const port = String(server.listener.port)
  progress(`query: ${runs} interleaved rounds against ${server.name} on 127.0.0.1:${port}`)
  const answer = /www\.example\.test\.\s+3600\s+IN\s+A\s+192\.0\.2\.80/
  const {times} = await interleave({
    dnsx: {argv: [NODE, BIN, 'query', 'www.example.test', '@127.0.0.1', '-p', port, '--norecurse'], check: (r) => {
      if (!answer.test(r.stdout)) throw new Error(`dnsx query: no answer in ${r.stdout}`)
    }},
    dig: {argv: ['dig', '@127.0.0.1', '-p', port, 'www.example.test', '+norecurse'], check: (r) => {
      if (!answer.test(r.stdout)) throw new Error(`dig: no answer in ${r.stdout}`)
    }},
    lab: {argv: [NODE, BIN, 'query', 'www.example.test', '@192.0.2.20', '--lab', '--norecurse'], check: (r) => {
      if (!answer.test(r.stdout)) throw new Error(`dnsx query --lab: no answer in ${r.stdout}`)
    }},
    node: {argv: [NODE, '-e', '0']},
  }, {runs})
  const median = (xs) => summary(xs).median
  report({
    bench: 'query',
    runs,
    server: `${server.name} (lab, 127.0.0.1:${port}, latency 0)`,
    ms: {dnsx: summary(times.dnsx), dig: summary(times.dig), node: summary(times.node)},
    ratio: {dig: ratio(times.dnsx, times.dig), node: ratio(times.dnsx, times.node)},
    lab: {ms: summary(times.lab), serverLatencyMs: server.latencyMs, addsMs: Math.round((median(times.lab) - median(times.dnsx) - server.latencyMs) * 10) / 10, goalMs: 50},
    goal: {node: 1.5, met: ratio(times.dnsx, times.node).pairedMedian <= 1.5},
  })
} finally {
  await lab.stop()
}
