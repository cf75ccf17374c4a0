/**
 * The one error family of dnsx. Every failure the CLI prints, and every error
 * a library function throws on purpose, is a DnsxError: a stable machine code
 * from the union below, a one-line message, and the process exit code.
 *
 * - UsageError (exit 2): bad input from the user (a flag, an argument, a file).
 * - NetworkError (exit 3): the DNS/network work could not be completed.
 * - DataError (exit 3 when it reaches the CLI): data from the network or a
 *   file that is not what its format says (a malformed DNS message, an RDATA
 *   that does not parse). Library code catches these where a careful resolver
 *   would carry on.
 * - InternalError (exit 4): a bug in dnsx.
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
  /** Internal error: a bug in dnsx. */
  INTERNAL: 4,
} as const

export type ExitCode = (typeof EXIT)[keyof typeof EXIT]

/** Codes of bad input (exit 2). */
export type UsageCode =
  | 'usage' | 'bad-flag' | 'bad-argument' | 'bad-name' | 'bad-type' | 'bad-class' | 'bad-port' | 'bad-server'
  | 'bad-address' | 'bad-subnet' | 'bad-target' | 'bad-resolve' | 'bad-cacert' | 'bad-header' | 'bad-duration'
  | 'bad-expectation' | 'bad-file' | 'bad-root-hints' | 'bad-trust-anchor' | 'bad-zone-file' | 'bad-check-file'
  | 'bad-junit' | 'bad-site' | 'bad-from' | 'bad-lab-site' | 'bad-latency-scale' | 'bad-time' | 'bad-option'
  | 'bad-route53' | 'bad-atlas' | 'bad-shell'
  | 'ecs-limits' | 'ecs-no-server' | 'ecs-no-subnet' | 'ecs-country' | 'ecs-preset' | 'ecs-family'
  | 'ecs-expect' | 'ecs-too-many-queries'
  | 'no-target' | 'no-resolver' | 'not-isolated' | 'configure-lo' | 'virtual-addresses' | 'write-hints'
  | 'file-too-large' | 'limit-input' | 'no-zone'

/** Codes of work that could not be completed (exit 3). */
export type NetworkCode =
  | 'network' | 'no-reply' | 'unmapped' | 'server-unresolved' | 'zone-unresolved' | 'no-zone' | 'nxdomain'
  | 'ecs-no-servers' | 'lab-start' | 'connect' | 'tls' | 'http' | 'atlas' | 'error'

/** Codes of data that is not what its format says (malformed messages, records, files). */
export type DataCode = 'malformed' | 'bad-rdata' | 'bad-dnssec-data' | 'unsupported' | 'empty-label'

/** Codes of bugs. */
export type InternalCode = 'internal'

export type ErrorCode = UsageCode | NetworkCode | DataCode | InternalCode

export class DnsxError extends Error {
  readonly code: ErrorCode
  readonly exit: ExitCode

  constructor(code: ErrorCode, message: string, exit: ExitCode) {
    super(message)
    this.name = 'DnsxError'
    this.code = code
    this.exit = exit
  }
}

/** Bad input from the user: exit 2. */
export class UsageError extends DnsxError {
  constructor(message: string, code: ErrorCode = 'usage') {
    super(code, message, EXIT.USAGE)
    this.name = 'UsageError'
  }
}

/** The network work could not be completed: exit 3. */
export class NetworkError extends DnsxError {
  constructor(message: string, code: ErrorCode = 'network') {
    super(code, message, EXIT.NETWORK)
    this.name = 'NetworkError'
  }
}

/** Data (from a server, or inside a file) that is not what its format says. */
export class DataError extends DnsxError {
  constructor(message: string, code: ErrorCode = 'malformed') {
    super(code, message, EXIT.NETWORK)
    this.name = 'DataError'
  }
}

/** A bug in dnsx: an invariant that does not hold. */
export class InternalError extends DnsxError {
  constructor(message: string) {
    super('internal', message, EXIT.INTERNAL)
    this.name = 'InternalError'
  }
}

/** First line of a message, trimmed: errors are always printed on one line. */
export function oneLine(message: string): string {
  const first = message.split(/\r?\n/).find((l) => l.trim() !== '') ?? message
  return escapeControls(first.trim())
}

/**
 * Control characters shown, not sent to the terminal: C0 and DEL as `\DDD` (the names module's
 * presentation escape), C1 as `\u{..}`. No input can put an escape sequence on the user's screen.
 */
export function escapeControls(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => {
    const c = ch.codePointAt(0)!
    return c < 0x20 || c === 0x7f ? `\\${String(c).padStart(3, '0')}` : `\\u{${c.toString(16)}}`
  })
}
