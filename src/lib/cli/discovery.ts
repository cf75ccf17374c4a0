/**
 * Finding your way in: `dnsx help [COMMAND...]`, and "did you mean" for a mistyped command or
 * flag. Pure functions over argv and the known command ids and flag names; src/entry/main.ts
 * and DnsxCommand.catch use them.
 */
import {closest} from '../words.js'

/**
 * `help`, as git and oclif's help plugin take it: `dnsx help` is `dnsx --help`, `dnsx help trace`
 * is `dnsx trace --help`, `dnsx help lab serve` is `dnsx lab serve --help`. Anything else is
 * unchanged.
 */
export function helpArgv(argv: readonly string[]): string[] {
  if (argv[0] !== 'help') return [...argv]
  const words = argv.slice(1).filter((a) => a !== '--help' && a !== '-h')
  return [...words, '--help']
}

/**
 * The one-line error for a command that does not exist, with the nearest command if one is close:
 * `unknown command "qeury"; did you mean "query"? (see dnsx --help)`. `ids` are oclif's
 * (`lab:serve`); the words tried are the leading arguments that are not flags.
 */
export function unknownCommandMessage(argv: readonly string[], ids: readonly string[], bin = 'dnsx'): string {
  const words: string[] = []
  for (const a of argv) {
    if (a.startsWith('-')) break
    words.push(a)
  }
  const commands = ids.map((id) => id.split(':'))
  const topics = new Set(commands.filter((c) => c.length > 1).map((c) => c[0]!))
  // "lab foo" is a topic and a word; anything else is one word.
  const tried = words.slice(0, words.length > 1 && topics.has(words[0]!) ? 2 : 1)
  const candidates = commands.filter((c) => c.length === tried.length).map((c) => c.join(' '))
  const near = closest(tried.join(' '), candidates)
  return `unknown command "${tried.join(' ')}"${near ? `; did you mean "${near}"?` : ''} (see ${bin} --help)`
}

/** A flag as a command declares it (enough of oclif's definition to name its spellings). */
export interface FlagSpelling {
  name: string
  char?: string
  allowNo?: boolean
}

/** Every way to write a command's flags: `--name`, `--no-name` where allowed, `-c`. */
export function flagSpellings(flags: readonly FlagSpelling[]): string[] {
  return flags.flatMap((f) => [`--${f.name}`, ...(f.allowNo ? [`--no-${f.name}`] : []), ...(f.char ? [`-${f.char}`] : [])])
}

/**
 * The nearest spelling to an unknown flag ("--norecurs" → "--norecurse"), compared without
 * their dashes; undefined when none is close or two are as close.
 */
export function nearestFlag(flag: string, spellings: readonly string[]): string | undefined {
  const bare = (s: string) => s.replace(/^-+/, '').replace(/=.*$/, '')
  const long = spellings.filter((s) => s.startsWith('--'))
  const near = closest(bare(flag), long.map(bare))
  return near === undefined ? undefined : `--${near}`
}
