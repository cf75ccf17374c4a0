/** Expectations for `dnsx trace` (and `dnsx check`'s trace checks), and whether a trace failed. */
import {expectation, listOrNone, type ExpectationResult} from '../expect.js'
import type {TraceJson} from './json.js'

export interface TraceExpectOptions {
  answer?: string[]
  rcode?: string
  authoritative?: boolean
  noProblems?: boolean
  /** The DNSSEC status the answer must have (needs --dnssec). */
  dnssec?: string
}

/** Compare a data value loosely: case-insensitive, trailing dots ignored for names. */
export function sameData(a: string, b: string): boolean {
  const n = (s: string) => s.trim().toLowerCase().replace(/\.$/, '')
  return n(a) === n(b)
}

export function traceExpectations(j: TraceJson, e: TraceExpectOptions): ExpectationResult[] {
  const out: ExpectationResult[] = []
  const data = j.answer?.records.filter((r) => r.type === j.type || j.type === 'ANY').map((r) => r.data) ?? []
  const allData = j.answer?.records.map((r) => r.data) ?? []
  for (const v of e.answer ?? []) {
    const ok = allData.some((d) => sameData(d, v))
    out.push(expectation(`answer=${v}`, ok, `${v} in the answer`, listOrNone(data.length ? data : allData)))
  }
  if (e.rcode !== undefined) {
    const got = j.answer?.rcode ?? 'no answer'
    out.push(expectation(`rcode=${e.rcode.toUpperCase()}`, got.toUpperCase() === e.rcode.toUpperCase(), e.rcode.toUpperCase(), got))
  }
  if (e.authoritative) {
    const ok = j.answer?.authoritative === true
    out.push(expectation('authoritative', ok, 'an authoritative answer (AA)', j.answer ? (j.answer.authoritative ? 'authoritative' : 'non-authoritative') : 'no answer'))
  }
  if (e.dnssec !== undefined) {
    const got = j.dnssec?.status ?? 'not validated'
    out.push(expectation(`dnssec=${e.dnssec}`, got === e.dnssec, e.dnssec, got))
  }
  if (e.noProblems) {
    out.push(expectation('no-problems', j.problems.length === 0, 'no problems', j.problems.length ? `${j.problems.length}: ${j.problems.map((p) => p.code).join(', ')}` : 'none'))
  }
  return out
}

/**
 * Whether a trace failed to give a usable answer: 'error' when the resolution failed, 'bogus'
 * when (with --dnssec) the answer is bogus, which a validating resolver turns into SERVFAIL —
 * unless the run expects it (`--expect-dnssec bogus`). A failed trace exits 3, whatever its
 * expectations say (3 wins over 1).
 */
export function traceFailure(j: TraceJson, e: Pick<TraceExpectOptions, 'dnssec'>): 'error' | 'bogus' | null {
  if (j.kind === 'error') return 'error'
  if (j.dnssec?.status === 'bogus' && e.dnssec !== 'bogus') return 'bogus'
  return null
}

/** The stderr line for a bogus answer (see traceFailure). */
export function bogusLine(j: TraceJson): string {
  return `error: DNSSEC: ${j.name} ${j.type} is bogus (${j.dnssec?.reason ?? 'validation failed'}); a validating resolver answers SERVFAIL (--expect-dnssec bogus to expect it)`
}
