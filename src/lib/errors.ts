/**
 * Errors that dnsx reports to users. Every failure the CLI prints is one of
 * these: a stable machine code, a one-line message, and the process exit code.
 */

/** Exit codes, the same for every command (documented in README and `--help`). */
export const EXIT = {
  OK: 0,
  /** An expectation (`--expect-*`, a check) failed. */
  EXPECTATION: 1,
  /** Usage error or bad input. */
  USAGE: 2,
  /** The DNS/network work could not be completed (e.g. every server timed out). */
  NETWORK: 3,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

export class DnsxError extends Error {
  readonly code: string
  readonly exit: ExitCode

  constructor(code: string, message: string, exit: ExitCode) {
    super(message)
    this.name = 'DnsxError'
    this.code = code
    this.exit = exit
  }
}

/** Bad input from the user: exit 2. */
export class UsageError extends DnsxError {
  constructor(message: string, code = 'usage') {
    super(code, message, EXIT.USAGE)
  }
}

/** The network work could not be completed: exit 3. */
export class NetworkError extends DnsxError {
  constructor(message: string, code = 'network') {
    super(code, message, EXIT.NETWORK)
  }
}

/** First line of a message, trimmed: errors are always printed on one line. */
export function oneLine(message: string): string {
  const first = message.split(/\r?\n/).find((l) => l.trim() !== '') ?? message
  return first.trim()
}
