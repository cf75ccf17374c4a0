#!/usr/bin/env node
// Scheduling accuracy of `dnsx race` on real sockets (issue 6, "Performance").
//
// Re-runs itself inside a private user + network namespace (`unshare -rn`): lo, plus a veth pair
// with a route and a permanent neighbour entry (a MAC nobody owns) for every address, so every
// SYN vanishes and each race staggers through all its addresses on the Connection Attempt Delay.
// Races are driven by the built driver (dist/lib/race/run.js) with real timers and net.connect.
// For every attempt started by the stagger, the lateness is the time the socket connect was
// actually issued minus the time the schedule planned for it (the previous start + the delay).
// One warm-up race is discarded. `firstAttemptMedianMs` is how long the first connect took to be
// issued after the race began (pinned addresses: source lookups and sorting); `loadAverage` is
// there because a busy machine makes timers late.
//
// Prints one JSON line:
//   {"bench":"race-accuracy","unit":"ms","samples":N,"medianMs":..,"p90Ms":..,"p99Ms":..,"maxMs":..,
//    "goalMedianMs":5,"pass":true,...}
// Exit status 0 whether or not the goal is met (the line says); {"skipped": why} when this machine
// cannot run it (no build, no unprivileged namespaces); 2 on an error.
//
// Options: --races N (15), --addresses N (8, half IPv6), --attempt-delay MS (100); or the
// environment: BENCH_RACE_RACES, BENCH_RACE_ADDRESSES, BENCH_RACE_ATTEMPT_DELAY.
// Needs `npm run build` first, `unshare` and `ip`.

import {spawnSync} from 'node:child_process'
import {existsSync} from 'node:fs'
import {fileURLToPath, pathToFileURL} from 'node:url'

const SELF = fileURLToPath(import.meta.url)
const DIST = fileURLToPath(new URL('../dist/lib/race/', import.meta.url))
const args = process.argv.slice(2)

function option(name, fallback) {
  const i = args.indexOf(`--${name}`)
  if (i < 0) {
    const env = Number(process.env[`BENCH_RACE_${name.toUpperCase().replace(/-/g, '_')}`])
    return Number.isFinite(env) && env > 0 ? env : fallback
  }
  const v = Number(args[i + 1])
  if (!Number.isFinite(v) || v <= 0) fail(`--${name} needs a positive number`)
  return v
}

function fail(message) {
  process.stdout.write(JSON.stringify({bench: 'race-accuracy', error: message}) + '\n')
  process.exit(2)
}

/** This machine cannot run it (no build, no namespaces): say so, do not fail the bench run. */
function skip(reason) {
  process.stdout.write(JSON.stringify({bench: 'race-accuracy', skipped: reason}) + '\n')
  process.exit(0)
}

if (!args.includes('--inside')) {
  if (!existsSync(`${DIST}run.js`)) skip('dist/ not built: run `npm run build` first')
  const r = spawnSync('unshare', ['-rn', process.execPath, SELF, '--inside', ...args], {stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8'})
  if (r.error) skip(`unshare: ${r.error.message}`)
  if (!r.stdout.trim()) skip(`unshare -rn failed (exit ${r.status}): no unprivileged network namespaces here?`)
  process.stdout.write(r.stdout)
  process.exit(r.status ?? 2)
}

// ---- inside the namespace --------------------------------------------------------------------
const races = option('races', 15)
const count = option('addresses', 8)
const attemptDelayMs = option('attempt-delay', 100)

const addresses = []
for (let i = 0; i < count; i++) addresses.push(i % 2 === 0 ? `2001:db8:be::${i + 1}` : `203.0.113.${100 + i}`)
const cmds = ['link set lo up', 'link add bh0 type veth peer name bh1', 'link set bh0 up', 'link set bh1 up']
// A source address of each family, so RFC 6724 sees both as usable.
cmds.push('addr add 198.51.100.7/32 dev lo', 'addr add 2001:db8:ff::7/128 dev lo nodad')
cmds.push('route add 0.0.0.0/0 dev bh0 src 198.51.100.7', 'route add ::/0 dev bh0 src 2001:db8:ff::7')
for (const a of addresses) cmds.push(`neigh add ${a} lladdr 02:00:5e:00:53:ff dev bh0 nud permanent`)
const ip = spawnSync('ip', ['-batch', '-'], {input: cmds.join('\n') + '\n', encoding: 'utf8'})
if (ip.status !== 0) skip(`cannot build the namespace network: ${(ip.stderr || ip.error?.message || '').trim()}`)

const {runRace} = await import(pathToFileURL(`${DIST}run.js`).href)
const {tcpConnector, osSourceFor} = await import(pathToFileURL(`${DIST}connect.js`).href)

const lateness = []
const firstStart = []
let incomplete = 0
for (let r = 0; r <= races; r++) {
  const run = await runRace(
    {
      host: 'bench.race.test',
      port: 80,
      families: [6, 4],
      pinned: addresses,
      policy: 'rfc6724',
      attemptDelayMs,
      resolutionDelayMs: 50,
      firstAddressFamilyCount: 1,
      timeoutMs: (count - 1) * attemptDelayMs + attemptDelayMs / 2,
      probeTimeoutMs: 0,
      tls: false,
    },
    {dns: null, connector: tcpConnector(), probeConnector: null, sourceFor: osSourceFor, sources: {origin: 'os', note: 'bench'}},
  )
  if (r === 0) continue // warm-up
  for (const a of run.raw.attempts) {
    if (a.trigger === 'first') firstStart.push(a.issuedMs)
    else if (a.trigger === 'attempt-delay') lateness.push(a.issuedMs - a.plannedStartMs)
  }
  // On a loaded machine the timeout can come before the last start; the starts made still count.
  if (run.raw.attempts.length !== count) incomplete++
}

const sorted = [...lateness].sort((a, b) => a - b)
const pct = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]
const round = (x) => Math.round(x * 1000) / 1000
const median = sorted.length % 2 ? sorted[(sorted.length - 1) / 2] : (sorted[sorted.length / 2 - 1] + sorted[sorted.length / 2]) / 2
const result = {
  bench: 'race-accuracy',
  unit: 'ms',
  races,
  addresses: count,
  attemptDelayMs,
  samples: sorted.length,
  medianMs: round(median),
  p90Ms: round(pct(90)),
  p99Ms: round(pct(99)),
  maxMs: round(sorted[sorted.length - 1]),
  minMs: round(sorted[0]),
  firstAttemptMedianMs: round([...firstStart].sort((a, b) => a - b)[Math.floor(firstStart.length / 2)]),
  incompleteRaces: incomplete,
  loadAverage: (await import('node:os')).loadavg()[0],
  goalMedianMs: 5,
  pass: median <= 5,
}
process.stdout.write(JSON.stringify(result) + '\n')
