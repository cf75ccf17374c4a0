/**
 * The base of every dnsx command: common flags, colour policy, `--json`
 * discipline, and one error path that prints one line (or one line of JSON)
 * and sets the documented exit code.
 */
// Subpath imports: loading the whole of @oclif/core costs start-up time.
import {Command} from '@oclif/core/command'
import * as Flags from '@oclif/core/flags'
import chalk from 'chalk'
import {DnsxError, EXIT, oneLine} from '../errors.js'
import {EXIT_CODES_HELP} from './exit-codes.js'
import {failLine, type ExpectationResult} from '../expect.js'
import {flagSpellings, nearestFlag} from './discovery.js'

/** Flags shared by every command (documented once, meaning the same everywhere). */
export const commonFlags = {
  'no-color': Flags.boolean({description: 'Disable colour (also: NO_COLOR set, or stdout not a terminal).', helpGroup: 'GLOBAL'}),
  timeout: Flags.integer({description: 'Per-query timeout in milliseconds.', default: 2000, min: 1, max: 600_000, helpGroup: 'GLOBAL'}),
  ipv4: Flags.boolean({char: '4' as any, description: 'Use IPv4 only.', exclusive: ['ipv6'], helpGroup: 'GLOBAL'}),
  ipv6: Flags.boolean({char: '6' as any, description: 'Use IPv6 only.', exclusive: ['ipv4'], helpGroup: 'GLOBAL'}),
  lab: Flags.boolean({description: 'Run against the embedded lab (a simulated DNS internet on loopback).', helpGroup: 'GLOBAL'}),
}

/** Apply the colour policy: NO_COLOR, --no-color, FORCE_COLOR, TTY detection. */
export function applyColourPolicy(argv: string[], stdoutIsTty = Boolean(process.stdout.isTTY)): void {
  const env = process.env
  const force = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false'
  const noColour = argv.includes('--no-color') || (env.NO_COLOR !== undefined && env.NO_COLOR !== '') || env.TERM === 'dumb'
  if (noColour) chalk.level = 0
  else if (force) chalk.level = Math.max(chalk.level, 1) as 0 | 1 | 2 | 3
  else if (!stdoutIsTty) chalk.level = 0
}

export abstract class DnsxCommand extends Command {
  static override enableJsonFlag = true
  static override baseFlags = {...commonFlags}
  /** Shown in every command's --help. */
  static exitCodesHelp = EXIT_CODES_HELP

  override async init(): Promise<void> {
    applyColourPolicy(this.argv)
    await super.init()
  }

  /** An unknown-flag message with the nearest of this command's flags, if one is close. */
  private withFlagHint(message: string): string {
    const ctor = this.ctor as unknown as {flags?: Record<string, {char?: string, allowNo?: boolean}>, baseFlags?: Record<string, {char?: string, allowNo?: boolean}>}
    return flagHint(message, {...ctor.baseFlags, ...ctor.flags})
  }

  /** Write a diagnostic to stderr (never stdout, so --json stays one document). */
  protected note(message: string): void {
    process.stderr.write(message + '\n')
  }

  /**
   * Unmet expectations: one FAIL line each on stderr, and exit code 1 unless a code is already
   * set. Returns whether every expectation was met.
   */
  protected reportExpectations(results: readonly ExpectationResult[]): boolean {
    const failed = results.filter((r) => !r.ok)
    for (const f of failed) this.note(failLine(f))
    if (failed.length > 0 && (process.exitCode === undefined || process.exitCode === 0)) process.exitCode = 1
    return failed.length === 0
  }

  /** Human output to stdout; silent under --json. */
  protected out(text: string): void {
    if (!this.jsonEnabled()) process.stdout.write(text.endsWith('\n') ? text : text + '\n')
  }

  /**
   * One error path for every command: one line on stderr, or one line of JSON
   * on stdout under --json; the exit code is the error's (2 for usage errors,
   * 3 for network failures), never oclif's default.
   */
  override async catch(err: any): Promise<any> {
    const described = describeError(err)
    const {code, exit} = described
    const message = this.withFlagHint(described.message)
    process.exitCode = exit
    // A parse error leaves `parsed` false, and oclif would then warn (outside
    // production) that the command forgot to parse: not true, and not one line.
    ;(this as unknown as {parsed: boolean}).parsed = true
    if (this.argv.includes('--json') && !this.argv.slice(0, this.argv.indexOf('--json')).includes('--')) {
      process.stdout.write(JSON.stringify({error: {code, message, exit}}) + '\n')
    } else {
      process.stderr.write(`${chalk.red('error')}: ${message}\n`)
    }
    if (process.env.DNSX_DEBUG && err?.stack) process.stderr.write(String(err.stack) + '\n')
  }
}

/**
 * "unknown flag --norecurs (see --help)" → "unknown flag --norecurs; did you mean --norecurse?
 * (see --help)", from this command's flags.
 */
export function flagHint(message: string, flags: Record<string, {char?: string, allowNo?: boolean}>): string {
  const m = /^unknown flag (\S+)( \(see --help\))?$/.exec(message)
  if (!m) return message
  const spellings = flagSpellings([...Object.entries(flags).map(([name, f]) => ({name, char: f.char, allowNo: f.allowNo})), {name: 'json'}, {name: 'help'}])
  const near = nearestFlag(m[1]!, spellings)
  return near ? `unknown flag ${m[1]}; did you mean ${near}?${m[2] ?? ''}` : message
}

/** Map any thrown value to {code, message, exit}. */
export function describeError(err: any): {code: string, message: string, exit: number} {
  if (err instanceof DnsxError) return {code: err.code, message: oneLine(err.message), exit: err.exit}
  const oclifExit = err?.oclif?.exit
  // oclif parse errors (unknown flag, missing arg, bad value) carry exit 2.
  if (oclifExit === 2 || /^(Nonexistent flag|Unexpected argument|Missing|Expected|Parsing|--\S+ )/i.test(String(err?.message ?? ''))) {
    return {code: 'usage', message: cleanOclifMessage(String(err?.message ?? 'usage error')), exit: EXIT.USAGE}
  }
  if (typeof oclifExit === 'number') return {code: oclifExit === 0 ? 'ok' : 'error', message: oneLine(String(err.message ?? '')), exit: oclifExit}
  return {code: 'internal', message: `internal error: ${oneLine(String(err?.message ?? err))} (set DNSX_DEBUG=1 for a stack trace)`, exit: 4}
}

/** oclif's parse errors span several lines with hints; keep the first meaningful one. */
export function cleanOclifMessage(message: string): string {
  // Strip ANSI and oclif's "See more help with --help" tail.
  // eslint-disable-next-line no-control-regex
  const plain = message.replace(/\u001b\[[0-9;]*m/g, '')
  const lines = plain.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !/^See more help/i.test(l) && !/^The following errors? occurred:?$/i.test(l))
  // "Missing 1 required arg:" followed by "name  Description" → name the argument.
  if (/^Missing \d+ required arg/i.test(lines[0] ?? '') && lines[1]) return `missing required argument ${lines[1].split(/\s+/)[0].toUpperCase()}`
  // oclif's flag relations (dependsOn, exclusive), in dnsx's words.
  const rel = lines.map((l) => l
    .replace(/^All of the following must be provided when using (--\S+): (.+)$/, '$1 needs $2')
    .replace(/^(--\S+)=\S* cannot also be provided when using (--\S+)$/, '$1 cannot be used with $2')
    // "Parsing --timeout \n Expected an integer but received: abc" → "--timeout abc: expected an integer".
    .replace(/^Parsing (--\S+)\s*;?\s*Expected (an? .+?) but received: (.*)$/, (_m, flag: string, what: string, got: string) => `${flag} "${got}": expected ${what}`)
    .replace(/^Expected (--\S+)=(.*) to be one of: (.+)$/, (_m, flag: string, got: string, list: string) => `${flag} "${got}": expected one of ${list}`)
    .replace(/^Nonexistent flags?: (.+)$/, 'unknown flag $1 (see --help)')
    .replace(/^Unexpected arguments?: (.+)$/, 'unexpected argument $1'))
  // A "Parsing --flag" line followed by its "Expected ..." line: one sentence.
  const joined = rel.join('; ').replace(/\s+/g, ' ')
  return joined.replace(/^Parsing (--\S+); Expected (an? .+?) but received: (.*)$/, (_m, flag: string, what: string, got: string) => `${flag} "${got}": expected ${what}`)
}
