import {describe, expect, it} from 'vitest'
import {classify, commandLine, exitCodeFor, runChecks, summarize, type RawRun} from '../../../src/lib/check/run.js'
import type {CheckDefinition} from '../../../src/lib/check/load.js'

const check = {name: 'c', command: 'trace', args: ['www.example.test']}
const argv = ['trace', 'www.example.test', '--json']
const run = (r: Partial<RawRun>): RawRun => ({exit: 0, stdout: '', stderr: '', durationMs: 12.4, ...r})
const ok = {expectation: 'authoritative', ok: true, expected: 'AA', actual: 'authoritative'}
const bad = {expectation: 'answer=1.2.3.4', ok: false, expected: '1.2.3.4 in the answer', actual: '192.0.2.80'}

describe('check outcomes', () => {
  it('exit 0 with JSON: pass, with the expectations', () => {
    const r = classify(check, argv, run({stdout: JSON.stringify({name: 'x', expectations: [ok]})}))
    expect(r).toMatchObject({outcome: 'pass', exit: 0, durationMs: 12, expectations: [ok], failures: []})
    expect(r.error).toBeUndefined()
  })

  it('exit 0 and no expectations array: pass with none', () => {
    expect(classify(check, argv, run({stdout: '{"a":1}'}))).toMatchObject({outcome: 'pass', expectations: []})
  })

  it('exit 1: fail, with one FAIL line per unmet expectation', () => {
    const r = classify(check, argv, run({exit: 1, stdout: JSON.stringify({expectations: [ok, bad]}), stderr: 'FAIL answer=1.2.3.4: expected 1.2.3.4 in the answer, got 192.0.2.80\n'}))
    expect(r.outcome).toBe('fail')
    expect(r.failures).toEqual(['FAIL answer=1.2.3.4: expected 1.2.3.4 in the answer, got 192.0.2.80'])
  })

  it('exit 1 without expectations in the JSON: the FAIL lines of stderr', () => {
    const r = classify(check, argv, run({exit: 1, stdout: '{}', stderr: 'note: x\nFAIL site=AMS: expected AMS, got FRA\n'}))
    expect(r).toMatchObject({outcome: 'fail', failures: ['FAIL site=AMS: expected AMS, got FRA']})
  })

  it('exit 2, 3, 4: error, with the command\'s error', () => {
    const e2 = classify(check, argv, run({exit: 2, stdout: JSON.stringify({error: {code: 'bad-name', message: 'bad name "a..b"', exit: 2}})}))
    expect(e2).toMatchObject({outcome: 'error', exit: 2, error: {code: 'bad-name', message: 'bad name "a..b"'}})
    const e3 = classify(check, argv, run({exit: 3, stdout: JSON.stringify({kind: 'error', expectations: [ok]}), stderr: 'warning: x\n'}))
    expect(e3).toMatchObject({outcome: 'error', error: {code: 'exit-3', message: 'exit 3 (the DNS/network work could not be completed)'}, expectations: [ok]})
    const e4 = classify(check, argv, run({exit: 4, stdout: '', stderr: 'error: internal error: boom (set DNSX_DEBUG=1 for a stack trace)\n'}))
    expect(e4).toMatchObject({outcome: 'error', error: {code: 'exit-4', message: 'exit 4 (internal error in dnsx): internal error: boom (set DNSX_DEBUG=1 for a stack trace)'}})
  })

  it('output that is not one JSON document: error, even with exit 0 or 1', () => {
    expect(classify(check, argv, run({stdout: 'www.example.test. 300 IN A 192.0.2.80\n'}))).toMatchObject({outcome: 'error', error: {code: 'bad-output'}})
    expect(classify(check, argv, run({exit: 1, stdout: '{"a":1}\n{"a":2}\n'}))).toMatchObject({outcome: 'error', error: {code: 'bad-output'}})
    expect(classify(check, argv, run({stdout: ''}))).toMatchObject({outcome: 'error', error: {code: 'bad-output', message: 'exit 0 but the output is not one JSON document (empty)'}})
  })

  it('killed after maxDuration, or not started: error', () => {
    expect(classify(check, argv, run({exit: null, timedOut: true, maxDurationMs: 500}))).toMatchObject({outcome: 'error', exit: null, error: {code: 'max-duration', message: 'killed after 500 ms (maxDuration)'}})
    expect(classify(check, argv, run({exit: null, spawnError: 'ENOENT'}))).toMatchObject({outcome: 'error', error: {code: 'spawn'}})
  })

  it('exit 0 but an unmet expectation in the JSON is a fail (trust the JSON)', () => {
    expect(classify(check, argv, run({stdout: JSON.stringify({expectations: [bad]})}))).toMatchObject({outcome: 'fail'})
  })
})

describe('exit code precedence', () => {
  const o = (...outcomes: ('pass' | 'fail' | 'error')[]) => outcomes.map((outcome) => ({outcome}))
  it('0 when all pass (or nothing ran), 1 when any failed, 3 when any could not run, 3 over 1', () => {
    expect(exitCodeFor(o())).toBe(0)
    expect(exitCodeFor(o('pass', 'pass'))).toBe(0)
    expect(exitCodeFor(o('pass', 'fail'))).toBe(1)
    expect(exitCodeFor(o('pass', 'error'))).toBe(3)
    expect(exitCodeFor(o('fail', 'error', 'pass'))).toBe(3)
    expect(exitCodeFor(o('error', 'fail'))).toBe(3)
  })

  it('summarizes', () => {
    const rs = ['pass', 'fail', 'error', 'pass'].map((outcome) => classify(check, argv, run(outcome === 'pass' ? {stdout: '{}'} : outcome === 'fail' ? {exit: 1, stdout: '{}'} : {exit: 3})))
    expect(summarize(rs, 1234.5)).toEqual({total: 4, passed: 2, failed: 1, errors: 1, durationMs: 1235})
  })
})

describe('runner', () => {
  const defs: CheckDefinition[] = Array.from({length: 9}, (_, i) => ({
    index: i, line: i + 2, name: `c${i}`, command: 'query', args: [`n${i}.test`], flags: {}, expect: {rcode: 'NOERROR'}, lab: true, maxDuration: i === 4 ? 777 : undefined,
    defaults: {maxDuration: 1234},
  }))

  it('runs at most `concurrency` checks at once, keeps file order, passes the kill limit', async () => {
    let running = 0
    let peak = 0
    const limits: number[] = []
    const seen: string[][] = []
    const done: string[] = []
    const results = await runChecks(defs, {
      bin: 'unused',
      concurrency: 3,
      maxDurationMs: 9999,
      exec: async (a, maxDurationMs) => {
        running++
        peak = Math.max(peak, running)
        seen.push(a)
        limits.push(maxDurationMs)
        // Later checks finish first.
        await new Promise((r) => setTimeout(r, 30 - Number(a[1].slice(1, 2)) * 3))
        running--
        return {exit: a[1] === 'n2.test' ? 1 : 0, stdout: '{}', stderr: '', durationMs: 5}
      },
      onResult: (r) => done.push(r.name),
    })
    expect(peak).toBe(3)
    expect(results.map((r) => r.name)).toEqual(defs.map((d) => d.name))
    expect(results.map((r) => r.outcome)).toEqual(['pass', 'pass', 'fail', 'pass', 'pass', 'pass', 'pass', 'pass', 'pass'])
    expect(done).toHaveLength(9)
    expect(seen[0]).toEqual(['query', 'n0.test', '--lab', '--expect-rcode=NOERROR', '--json'])
    expect(limits.sort()).toContain(777)
    expect(limits.filter((l) => l === 9999)).toHaveLength(8)
  })

  it('maxDuration: the check\'s own, else --max-duration, else the file\'s defaults, else 60 s', async () => {
    const limits: number[] = []
    const exec = async (_a: string[], ms: number) => {
      limits.push(ms)
      return {exit: 0, stdout: '{}', stderr: '', durationMs: 1}
    }
    await runChecks([defs[4], defs[0]], {bin: 'unused', concurrency: 1, exec})
    await runChecks([{...defs[0], defaults: {}}], {bin: 'unused', exec})
    expect(limits).toEqual([777, 1234, 60_000])
  })

  it('concurrency 1 runs one at a time', async () => {
    let running = 0
    let peak = 0
    await runChecks(defs.slice(0, 4), {
      bin: 'unused', concurrency: 1,
      exec: async () => {
        peak = Math.max(peak, ++running)
        await new Promise((r) => setTimeout(r, 5))
        running--
        return {exit: 0, stdout: '{}', stderr: '', durationMs: 5}
      },
    })
    expect(peak).toBe(1)
  })

  it('spawns the real CLI entry point and kills it at maxDuration', async () => {
    const {spawnDnsx} = await import('../../../src/lib/check/run.js')
    const {writeFileSync, mkdtempSync} = await import('node:fs')
    const {join} = await import('node:path')
    const dir = mkdtempSync(join((await import('node:os')).tmpdir(), 'dnsx-check-'))
    const slow = join(dir, 'slow.mjs')
    writeFileSync(slow, 'process.stdout.write(JSON.stringify({argv: process.argv.slice(2), color: process.env.NO_COLOR})); if (process.argv.includes("--hang")) setInterval(() => {}, 1000)\n')
    const r = await spawnDnsx(slow, ['query', 'x', '--json'], {maxDurationMs: 5000})
    expect(r.exit).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({argv: ['query', 'x', '--json'], color: '1'})
    const hung = await spawnDnsx(slow, ['--hang'], {maxDurationMs: 300})
    expect(hung).toMatchObject({exit: null, timedOut: true})
    expect(hung.durationMs).toBeLessThan(3000)
  })

  it('shows command lines a shell can run', () => {
    expect(commandLine(['query', 'www.example.test', '@192.0.2.1', '--expect-answer=192.0.2.80', '--json'])).toBe('dnsx query www.example.test @192.0.2.1 --expect-answer=192.0.2.80 --json')
    expect(commandLine(['trace', 'a b', "it's"])).toBe("dnsx trace 'a b' 'it'\\''s'")
  })
})
