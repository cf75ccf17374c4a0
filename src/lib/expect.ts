/**
 * Expectations, the same for every command: each is checked against a
 * result, listed in the JSON `expectations` array, and an unmet one prints
 * `FAIL <expectation>: expected <...>, got <...>` on stderr; any failure
 * makes the exit code 1 (the command layer prints and exits: DnsxCommand.reportExpectations).
 */
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
