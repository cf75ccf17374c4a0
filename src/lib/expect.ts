/**
 * Expectations, the same for every command: each is checked against a
 * result, listed in the JSON `expectations` array, and an unmet one prints
 * `FAIL <expectation>: expected <...>, got <...>` on stderr; any failure
 * makes the exit code 1 (the command layer prints and exits: DnsxCommand.reportExpectations).
 * An expected value that cannot ever match is a usage error (exit 2), found before anything is sent.
 */
import {rcodeName, rcodeValue} from './dns/types.js'
import {UsageError} from './errors.js'

export interface ExpectationResult {
  /** The expectation as the user wrote it, e.g. "answer=192.0.2.1". */
  expectation: string
  ok: boolean
  expected: string
  actual: string
}

export function expectation(expectation: string, ok: boolean, expected: string, actual: string): ExpectationResult {
  return {expectation, ok, expected, actual}
}

/** The one-line failure message for an unmet expectation. */
export function failLine(e: ExpectationResult): string {
  return `FAIL ${e.expectation}: expected ${e.expected}, got ${e.actual}`
}

/** Render a list for an expectation message ("none" when empty). */
export function listOrNone(values: string[]): string {
  return values.length ? values.join(', ') : 'none'
}

/**
 * An expected rcode, by name (any case), as RCODEn, or as a number (0-4095), in its canonical
 * name ("nxdomain", "RCODE3" and "3" are all NXDOMAIN). Anything else is exit 2.
 */
export function parseExpectedRcode(value: string, flag = '--expect-rcode'): string {
  const v = value.trim()
  const n = /^\d{1,4}$/.test(v) ? Number(v) : rcodeValue(v)
  if (n === undefined || n > 4095) {
    throw new UsageError(`${flag}: unknown rcode "${value}" (a name such as NOERROR, NXDOMAIN, SERVFAIL, REFUSED; RCODEn; or 0-4095)`, 'bad-expectation')
  }
  return rcodeName(n)
}
