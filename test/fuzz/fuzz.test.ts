/**
 * The fuzz campaign (issue 11) and its regression corpus.
 *
 * `npm test` runs the corpus and a 30-second campaign; `npm run fuzz` runs 1,000,000 inputs.
 * Environment: FUZZ_INPUTS (a count; overrides the time budget), FUZZ_SECONDS (default 30),
 * FUZZ_SEED (default 20261204), FUZZ_CLIENT_EVERY (every n-th input also goes through the
 * whole client, default 50). A failure prints the seed, the input's index and its hex: put the
 * hex in test/fuzz/corpus/ so it stays a regression test.
 */
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import v8 from 'node:v8'
import vm from 'node:vm'
import {describe, expect, it} from 'vitest'
import {decodeMessage} from '../../src/lib/dns/message.js'
import {checkClient, checkDecode, targetOf, type Target} from './check.js'
import {inputs} from './mutate.js'
import {seedReplies} from './seeds.js'

const COUNT = Number(process.env.FUZZ_INPUTS ?? 0)
const SECONDS = COUNT > 0 ? Infinity : Number(process.env.FUZZ_SECONDS ?? 30)
const SEED = Number(process.env.FUZZ_SEED ?? 20261204)
const CLIENT_EVERY = Number(process.env.FUZZ_CLIENT_EVERY ?? 50)
/** No input may take longer than this (the bound), confirmed on three re-runs. */
const INPUT_MS = 100
/** Heap growth allowed between the first checkpoint and the end, after a full GC. */
const HEAP_GROWTH_MB = 48

const CORPUS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'corpus')
const seeds = seedReplies()
const targets: Target[] = seeds.map((s) => targetOf(s.wire))

function gc(): () => void {
  v8.setFlagsFromString('--expose-gc')
  return vm.runInNewContext('gc') as () => void
}

function timed(fn: () => void): number {
  const t0 = performance.now()
  fn()
  return performance.now() - t0
}

describe('fuzz seeds', () => {
  it('are well-formed, and each passes every check', async () => {
    for (const [i, s] of seeds.entries()) {
      expect(() => decodeMessage(s.wire), s.name).not.toThrow()
      expect(checkDecode(s.wire, targets[i]!), s.name).toBeNull()
      expect(await checkClient(s.wire, targets[i]!), s.name).toBeNull()
    }
  })
})

describe('fuzz regression corpus', () => {
  const files = fs.readdirSync(CORPUS).filter((f) => f.endsWith('.hex')).sort()
  it('is not empty', () => expect(files.length).toBeGreaterThan(10))
  for (const f of files) {
    it(f, async () => {
      const text = fs.readFileSync(path.join(CORPUS, f), 'utf8')
      const expectLine = /^# expect: (refused|accepted)/m.exec(text)?.[1]
      const wire = Buffer.from(text.split('\n').filter((l) => !l.startsWith('#')).join('').replace(/\s/g, ''), 'hex')
      // Against every seed's question: the same bytes must be safe whatever we asked.
      for (const target of targets) {
        const t = timed(() => expect(checkDecode(wire, target)).toBeNull())
        expect(t).toBeLessThan(INPUT_MS)
        expect(await checkClient(wire, target)).toBeNull()
      }
      let refused = false
      try {
        decodeMessage(wire)
      } catch {
        refused = true
      }
      expect(refused ? 'refused' : 'accepted').toBe(expectLine ?? 'refused')
    })
  }
})

describe('fuzz campaign', () => {
  const budget = COUNT > 0 ? `${COUNT} inputs` : `${SECONDS} s`
  it(`decoder, acceptor and client survive ${budget} of mutated replies (seed ${SEED})`, async () => {
    const collect = gc()
    const failures: string[] = []
    const start = performance.now()
    let n = 0
    let viaClient = 0
    let slowest = {ms: 0, index: -1}
    let heapAtCheckpoint = 0
    let heapEnd = 0
    const checkpoint = Math.min(50_000, COUNT || 50_000)
    for (const input of inputs(SEED, seeds)) {
      if (COUNT > 0 ? n >= COUNT : performance.now() - start > SECONDS * 1000) break
      const target = targets[input.seed]!
      let problem: string | null = null
      let ms = timed(() => void (problem = checkDecode(input.wire, target)))
      if (ms > INPUT_MS) {
        // A GC pause or a noisy neighbour is not the input's fault: it must be slow every time.
        ms = Math.min(...[0, 1, 2].map(() => timed(() => void checkDecode(input.wire, target))))
        if (ms > INPUT_MS) problem = `took ${ms.toFixed(1)} ms (over ${INPUT_MS} ms on three re-runs)`
      }
      if (ms > slowest.ms) slowest = {ms, index: n}
      if (!problem && n % CLIENT_EVERY === 0) {
        problem = await checkClient(input.wire, target)
        viaClient++
      }
      if (problem) {
        failures.push(`input #${n} (seed ${SEED}, from "${seeds[input.seed]!.name}" by ${input.how}): ${problem}\n  hex ${input.wire.toString('hex')}`)
        if (failures.length >= 10) break
      }
      n++
      if (n === checkpoint) {
        collect()
        heapAtCheckpoint = process.memoryUsage().heapUsed
      }
    }
    collect()
    heapEnd = process.memoryUsage().heapUsed
    const growthMb = heapAtCheckpoint ? (heapEnd - heapAtCheckpoint) / 1048576 : 0
    const secs = (performance.now() - start) / 1000
    const summary = `fuzz: ${n} inputs (${viaClient} also through the client) in ${secs.toFixed(1)} s, seed ${SEED}: ` +
      `${failures.length} failures, slowest ${slowest.ms.toFixed(2)} ms (input #${slowest.index}), heap ${growthMb >= 0 ? '+' : ''}${growthMb.toFixed(1)} MB after input #${checkpoint}`
    console.log(summary)
    if (process.env.FUZZ_REPORT) {
      fs.writeFileSync(process.env.FUZZ_REPORT, JSON.stringify({seed: SEED, inputs: n, viaClient, seconds: secs, failures, slowestMs: slowest.ms, heapGrowthMb: growthMb}, null, 2))
    }
    expect(failures, summary).toEqual([])
    expect(growthMb, summary).toBeLessThan(HEAP_GROWTH_MB)
    expect(n).toBeGreaterThan(COUNT > 0 ? COUNT - 1 : 1000)
  }, COUNT > 0 ? 6 * 3600_000 : (SECONDS + 60) * 1000)
})
