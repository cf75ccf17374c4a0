/**
 * dig's own syntax for `dnsx query`: `+options` and `-t`/`-q`/`-x`, turned into dnsx's flags
 * before oclif parses them, so `dnsx query +norec +nsid -t SOA example.test @192.0.2.1` means
 * what it means to dig. An unknown `+option` is a usage error that lists the ones dnsx takes.
 */
import {UsageError} from '../errors.js'
import {closest} from '../words.js'

/** A dig `+option`: the dnsx flags it becomes, given its `=value` (undefined when none). */
interface DigOption {
  /** The option's names, as dig spells them (the first is the one shown in lists). */
  names: string[]
  /** Takes `=VALUE`: always (true), never (false), or either way ('optional'). */
  value: boolean | 'optional'
  flags(value: string | undefined): string[]
}

const positive = (what: string, v: string | undefined, max = Number.MAX_SAFE_INTEGER): number => {
  const n = Number(v)
  if (v === undefined || !/^\d+$/.test(v) || n > max) throw new UsageError(`+${what}=${v ?? ''}: expected a number${max < Number.MAX_SAFE_INTEGER ? ` up to ${max}` : ''}`, 'bad-option')
  return n
}

const OPTIONS: DigOption[] = [
  {names: ['tcp', 'vc'], value: false, flags: () => ['--tcp']},
  {names: ['notcp', 'novc'], value: false, flags: () => []},
  {names: ['norecurse', 'norec', 'norecur'], value: false, flags: () => ['--norecurse']},
  {names: ['recurse', 'rec'], value: false, flags: () => []},
  {names: ['nsid'], value: false, flags: () => ['--nsid']},
  {names: ['nonsid'], value: false, flags: () => []},
  {names: ['subnet', 'client'], value: true, flags: (v) => ['--subnet', v!]},
  {names: ['dnssec', 'do'], value: false, flags: () => ['--dnssec']},
  {names: ['nodnssec', 'nodo'], value: false, flags: () => []},
  {names: ['short'], value: false, flags: () => ['--short']},
  {names: ['noshort'], value: false, flags: () => []},
  {names: ['bufsize'], value: true, flags: (v) => ['--bufsize', String(positive('bufsize', v, 65535))]},
  {names: ['edns'], value: false, flags: () => []},
  {names: ['noedns'], value: false, flags: () => ['--no-edns']},
  {names: ['cookie'], value: false, flags: () => ['--cookie']},
  {names: ['nocookie'], value: false, flags: () => []},
  // +padding alone pads to blocks of 128 octets (RFC 8467 §4.1's choice for queries).
  {names: ['padding'], value: 'optional', flags: (v) => ['--padding', v === undefined ? '128' : String(positive('padding', v, 512))]},
  {names: ['nopadding'], value: false, flags: () => []},
  {names: ['ednsopt'], value: true, flags: (v) => ['--ednsopt', v!]},
  {names: ['ignore'], value: false, flags: () => ['--ignore-tc']},
  {names: ['noignore'], value: false, flags: () => []},
  // dig's +tries counts every try, +retry the tries after the first.
  {names: ['tries'], value: true, flags: (v) => ['--retries', String(Math.max(0, positive('tries', v) - 1))]},
  {names: ['retry'], value: true, flags: (v) => ['--retries', String(positive('retry', v))]},
  {names: ['time'], value: true, flags: (v) => ['--timeout', String(Math.max(1, positive('time', v)) * 1000)]},
]

const BY_NAME = new Map(OPTIONS.flatMap((o) => o.names.map((n) => [n, o] as const)))

/** The +options dnsx query takes, as its --help and error lines list them. */
export const DIG_OPTION_NAMES: readonly string[] = OPTIONS.map((o) => `+${o.names[0]}${o.value === true ? '=…' : o.value ? '[=…]' : ''}`)

/** dig's short options that take a value, and the dnsx flag each becomes. */
const DASH: Record<string, string> = {'-t': '--qtype', '-q': '--qname', '-x': '--reverse'}

/**
 * argv with dig's syntax turned into dnsx's: `+option[=value]` into flags, `-t TYPE`, `-q NAME`
 * and `-x ADDR` into --qtype, --qname and --reverse. Everything after `--` is left alone, and so
 * is the value of a flag in `valueFlags` (`--expect-answer +1` is the text "+1", not an option).
 */
export function fromDigArgs(argv: readonly string[], valueFlags: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (valueFlags.has(a) && i + 1 < argv.length) {
      out.push(a, argv[i + 1]!)
      i++
      continue
    }
    if (a === '--') {
      out.push(...argv.slice(i))
      break
    }
    if (a in DASH) {
      const value = argv[i + 1]
      if (value === undefined) throw new UsageError(`${a} needs a value`, 'bad-option')
      out.push(DASH[a]!, value)
      i++
      continue
    }
    if (!a.startsWith('+') || a.length === 1) {
      out.push(a)
      continue
    }
    const [name, ...rest] = a.slice(1).split('=')
    const value = rest.length > 0 ? rest.join('=') : undefined
    const option = BY_NAME.get(name!.toLowerCase())
    if (!option) {
      const near = closest(name!, [...BY_NAME.keys()])
      throw new UsageError(`unknown dig option ${a}${near ? `; did you mean +${near}?` : ''} (dnsx query takes ${DIG_OPTION_NAMES.join(' ')})`, 'bad-option')
    }
    if (option.value === true && value === undefined) throw new UsageError(`+${name} needs a value (+${name}=…)`, 'bad-option')
    if (!option.value && value !== undefined) throw new UsageError(`+${name} takes no value`, 'bad-option')
    out.push(...option.flags(value))
  }
  return out
}
