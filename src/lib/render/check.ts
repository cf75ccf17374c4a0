/** Human output of `dnsx check`: a results table and a summary line. */
import chalk from 'chalk'
import {formatMs} from '../clock.js'
import {BORDERLESS, loadTable} from './table.js'
import type {CheckResult, Summary} from '../check/run.js'

const OUTCOME: Record<CheckResult['outcome'], (s: string) => string> = {
  pass: (s) => chalk.green(s),
  fail: (s) => chalk.red.bold(s),
  error: (s) => chalk.magenta.bold(s),
}

/** The failed expectations of a check, short (their names), or why it could not run. */
export function details(r: CheckResult): string {
  if (r.outcome === 'error') return `could not run: ${r.error?.message ?? 'unknown'}`
  if (r.outcome === 'fail') {
    const names = r.expectations.filter((e) => !e.ok).map((e) => `${e.expectation} (got ${e.actual})`)
    return names.length ? names.join('; ') : r.failures.map((f) => f.replace(/^FAIL /, '')).join('; ')
  }
  return ''
}

export function summaryLine(s: Summary): string {
  const parts = [`${s.passed} passed`, `${s.failed} failed`, `${s.errors} could not run`]
  const colour = s.errors ? chalk.magenta.bold : s.failed ? chalk.red.bold : chalk.green.bold
  return colour(`${s.total} check${s.total === 1 ? '' : 's'}: ${parts.join(', ')}`) + chalk.dim(` (${formatMs(s.durationMs)})`)
}

export async function renderResults(results: readonly CheckResult[], summary: Summary, width = process.stdout.columns || 120): Promise<string> {
  const Table = await loadTable()
  const rows = results.map((r) => [r.name, r.command, OUTCOME[r.outcome](r.outcome.toUpperCase()), formatMs(r.durationMs), details(r)])
  // The details column takes what is left of the terminal, and wraps.
  const fixed = [0, 1, 2, 3].map((i) => Math.max(...[['check', 'command', 'outcome', 'time'][i], ...rows.map((row) => row[i])].map((s) => stripAnsi(s).length)))
  const left = Math.max(30, width - fixed.reduce((a, b) => a + b, 0) - 2 * 4)
  const t = new Table({
    head: ['check', 'command', 'outcome', 'time', 'failed expectations / error'].map((h) => chalk.bold(h)),
    colWidths: [...fixed, left].map((w) => w),
    wordWrap: true,
    ...BORDERLESS,
  } as any)
  t.push(...rows)
  const table = t
    .toString()
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')
  return `${table}\n\n${summaryLine(summary)}\n`
}

function stripAnsi(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\u001b\[[0-9;]*m/g, '')
}
