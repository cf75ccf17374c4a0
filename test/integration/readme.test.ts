/**
 * README's examples marked as real output are real (issue 16): every ```console block whose
 * command runs on the lab is run, and its output compared with the block. Numbers (RTTs, IDs,
 * times) may differ; words, names, addresses' shape and line structure may not. A block that
 * shows "..." is abridged: its lines must appear in the output, in order.
 */
import fs from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT, runCli} from '../helpers/cli.js'

const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8')

interface Run {command: string, output: string[], exit?: number}
interface Block {line: number, runs: Run[]}

/** The ```console blocks that start with a dnsx command, split at each "$ " line. */
function consoleBlocks(): Block[] {
  const out: Block[] = []
  const lines = README.split('\n')
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== '```console') continue
    const start = i + 1
    let j = start
    while (j < lines.length && lines[j] !== '```') j++
    const body = lines.slice(start, j)
    i = j
    if (!body[0]?.startsWith('$ dnsx ')) continue
    const runs: Run[] = []
    for (const l of body) {
      if (l === '$ echo $?') runs.push({command: 'echo', output: []})
      else if (l.startsWith('$ ')) runs.push({command: l.slice(2), output: []})
      else runs[runs.length - 1]!.output.push(l)
    }
    // "$ echo $?" and its line: the exit code of the command before it.
    const merged: Run[] = []
    for (const r of runs) {
      if (r.command === 'echo') merged[merged.length - 1]!.exit = Number(r.output.find((l) => l.trim() !== ''))
      else merged.push(r)
    }
    out.push({line: start + 1, runs: merged})
  }
  return out
}

/**
 * Numbers become "#" and a duration "#T" whatever its unit (4.4 s or 690 ms), a timeline bar
 * one "─" whatever its length (none at all before its end mark: an attempt of a few ms may or may
 * not fill a cell), runs of spaces one space (column widths follow the numbers').
 */
const norm = (l: string) => l.replace(/\d+(?:[.,]\d+)*/g, '#').replace(/# ?(?:ms|s)\b/g, '#T').replace(/─+/g, '─').replace(/├─?([●○])/g, '$1').replace(/\s+/g, ' ').trim()
  // race's DNS marks sit where the answers came: "*" (both at once) or their digits.
  .replace(/^(DNS \(# = AAAA, # = A\)) .*$/, '$1 ~')
const ABRIDGED = new Set(['...', '…'])

// Blocks that run on the lab by themselves (no real network, no files the README only describes).
const runnable = (b: Block) => b.runs.every((r) => /--lab\b/.test(r.command) || r.command === 'dnsx lab')

describe('README examples are real output', () => {
  const blocks = consoleBlocks().filter(runnable)
  it('finds the examples', () => expect(blocks.length).toBeGreaterThanOrEqual(8))
  for (const b of blocks) {
    it(`README.md:${b.line} ${b.runs.map((r) => r.command).join('; ')}`, async () => {
      for (const run of b.runs) {
        const r = await runCli(run.command.split(/\s+/).slice(1), {env: {COLUMNS: '200'}, timeoutMs: 60_000})
        if (run.exit !== undefined) expect(r.code, run.command).toBe(run.exit)
        // What a terminal shows: stdout and stderr together (their interleaving is not fixed).
        const got = [...r.stdout.split('\n'), ...r.stderr.split('\n')].map(norm).filter((l) => l !== '')
        const want = run.output.map(norm).filter((l) => l !== '')
        if (!want.some((l) => ABRIDGED.has(l))) {
          expect([...got].sort(), `README.md:${b.line}: ${run.command}`).toEqual([...want].sort())
          continue
        }
        // Abridged: every line shown is in the output.
        for (const w of want.filter((l) => !ABRIDGED.has(l))) expect(got, `README.md:${b.line}: not in the output of ${run.command}: ${w}`).toContain(w)
      }
    }, 120_000)
  }
})
