/**
 * The `dnsx check` file: YAML, validated against the shipped schemas/check-file.json and then
 * against the installed commands' own flags. A malformed file gives ONE line that points at the
 * file, the line and the field, e.g.
 *
 *   checks.yaml:12: checks[3].expect.rcode: expected a string, got a list
 *
 * The format (version 1):
 *
 *   version: 1                      # optional
 *   defaults:                       # optional: for every check that does not set its own
 *     lab: true                     #   --lab
 *     timeout: 2000                 #   --timeout (ms)
 *     maxDuration: 60000            #   kill the check after this long (ms): could not run
 *   checks:
 *     - name: www resolves authoritatively      # unique; the JUnit testcase name
 *       command: trace                          # query | trace | anycast-probe | ecs | race
 *       args: [www.example.test, A]             # positional arguments
 *       flags: {server: 192.0.2.1}              # other flags: --server=192.0.2.1
 *       expect: {answer: [192.0.2.80], authoritative: true, rcode: NOERROR}
 *
 * `expect` keys are the command's --expect-<key> flags and `flags` keys its other flags: a list
 * repeats the flag, true gives the bare flag, false omits it (or gives --no-<key> when the flag
 * has that form), a string or number gives --<key>=VALUE.
 */
import {readFileSync} from 'node:fs'
import {FILE_LIMITS, readTextInput} from '../files.js'
import {UsageError} from '../errors.js'
import {parseExpectedRcode} from '../expect.js'
import {closest} from '../words.js'
import {shippedFile} from '../paths.js'
import {commonjs} from '../modules.js'

/** What dnsx check needs to know of one flag of a command (from oclif's manifest). */
export interface FlagInfo {
  type: 'boolean' | 'option'
  multiple?: boolean
  options?: readonly string[]
  allowNo?: boolean
}

/** The installed commands and their flags; the loader checks `expect` and `flags` against it. */
export type CommandCatalogue = Record<string, {flags: Record<string, FlagInfo>}>

export type FlagValue = string | number | boolean | (string | number)[]

export interface CheckDefinition {
  /** Position in the file's `checks` list (0-based). */
  index: number
  /** Line of the check in the file (1-based). */
  line: number
  name: string
  command: string
  args: string[]
  flags: Record<string, FlagValue>
  expect: Record<string, FlagValue>
  lab: boolean
  /** The check's own `timeout` (the command's --timeout, ms): wins over everything. */
  timeout?: number
  /** The check's own `maxDuration` (kill after, ms): wins over everything. */
  maxDuration?: number
  /** The file's `defaults`: used when neither the check nor the command line sets a value. */
  defaults: {timeout?: number, maxDuration?: number}
}

export interface CheckFile {
  /** As shown in messages: the path as given, or "<stdin>". */
  source: string
  version: 1
  checks: CheckDefinition[]
}

/** A malformed check file (exit 2): one line, `FILE:LINE: FIELD: problem`. */
export class CheckFileError extends UsageError {
  readonly source: string
  readonly line: number
  readonly field: string
  readonly problem: string

  constructor(source: string, line: number, field: string, problem: string) {
    super(`${source}:${line}: ${field ? `${field}: ` : ''}${problem}`, 'bad-check-file')
    this.source = source
    this.line = line
    this.field = field
    this.problem = problem
  }
}

/** Flags a check may not set in `flags`: dnsx check sets them, or they change the output's shape. */
const RESERVED_FLAGS: Record<string, string> = {
  json: 'dnsx check always runs commands with --json',
  help: 'not a check',
  version: 'not a check',
  lab: 'use the check\'s `lab:` field',
  timeout: 'use the check\'s `timeout:` field',
  'no-color': 'output is never coloured under --json',
}

/** Per command: flags that turn one result into a stream or another format. */
const STREAM_FLAGS: Record<string, Record<string, string>> = {
  trace: {file: 'a check traces one name (one check per name)', format: 'dnsx check reads the JSON', concurrency: 'only for --file'},
  'anycast-probe': {watch: 'a check must end', 'watch-duration': 'a check must end'},
}

export type PathSegment = string | number

/** `checks[3].expect.rcode` from ['checks', 3, 'expect', 'rcode']. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else if (/^[A-Za-z_][\w-]*$/.test(seg)) out += out === '' ? seg : `.${seg}`
    else out += `[${JSON.stringify(seg)}]`
  }
  return out
}

type YamlModule = typeof import('yaml')
type YamlDoc = ReturnType<YamlModule['parseDocument']>

/** Finds the line of a JSON path in a parsed YAML document. */
class Locator {
  constructor(
    private readonly yaml: YamlModule,
    private readonly doc: YamlDoc,
    private readonly lineOf: (offset: number) => number,
  ) {}

  /**
   * The line of the value at `path`; of its key when `atKey` or when the value is empty; of the
   * nearest existing ancestor when the path does not exist (a missing field).
   */
  line(path: readonly PathSegment[], atKey = false): number {
    const {isMap, isSeq, isScalar} = this.yaml
    let node: unknown = this.doc.contents
    let line = this.nodeLine(node) ?? 1
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]
      let next: unknown
      let keyLine: number | undefined
      if (isMap(node)) {
        const pair = node.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === seg || String(isScalar(p.key) ? p.key.value : p.key) === String(seg))
        if (!pair) return line
        keyLine = this.nodeLine(pair.key)
        next = pair.value
      } else if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg]
        if (next === undefined) return line
      } else return line
      const valueLine = this.nodeLine(next)
      const last = i === path.length - 1
      if (last && atKey && keyLine !== undefined) return keyLine
      const empty = next === null || next === undefined || (isScalar(next) && next.value === null)
      line = (empty ? keyLine : valueLine ?? keyLine) ?? line
      node = next
    }
    return line
  }

  private nodeLine(node: unknown): number | undefined {
    const range = (node as {range?: [number, number, number] | null} | null)?.range
    return range ? this.lineOf(range[0]) : undefined
  }
}

type AjvErrorLike = {keyword: string, instancePath: string, params: Record<string, any>, message?: string, parentSchema?: any}

let validatorPromise: Promise<(data: unknown) => AjvErrorLike[]> | undefined

/** The ajv validator for schemas/check-file.json (compiled once). */
export function checkFileValidator(): Promise<(data: unknown) => AjvErrorLike[]> {
  validatorPromise ??= (async () => {
    const Ajv = commonjs<new (opts: object) => any>(await import('ajv'))
    const ajv = new Ajv({allErrors: true, strict: false, verbose: true})
    const schema = JSON.parse(readFileSync(shippedFile('schemas/check-file.json'), 'utf8'))
    const validate = ajv.compile(schema)
    return (data: unknown) => (validate(data) ? [] : [...(validate.errors ?? [])])
  })()
  return validatorPromise
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  integer: 'an integer',
  boolean: 'true or false',
  array: 'a list',
  object: 'a mapping',
  null: 'nothing',
}

function orList(words: string[]): string {
  if (words.length <= 1) return words.join('')
  return `${words.slice(0, -1).join(', ')} or ${words[words.length - 1]}`
}

/** What a YAML value is, for "expected X, got Y". */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return 'nothing'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'boolean') return String(v)
  if (typeof v === 'number') return `the number ${v}`
  if (typeof v === 'string') return `"${v.length > 40 ? v.slice(0, 37) + '...' : v}"`
  if (typeof v === 'object') return 'a mapping'
  return typeof v
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let v: any = data
  for (const seg of path) v = v?.[seg as any]
  return v
}

function parsePointer(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return []
  const out: PathSegment[] = []
  let v: any = data
  for (const raw of pointer.slice(1).split('/')) {
    const seg = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    const key: PathSegment = Array.isArray(v) && /^\d+$/.test(seg) ? Number(seg) : seg
    out.push(key)
    v = v?.[key as any]
  }
  return out
}

interface Problem {
  path: PathSegment[]
  atKey: boolean
  message: string
  /** For two problems at one field, the lower wins (a narrower type list is more specific). */
  rank?: number
  kind?: 'missing' | 'unknown'
}

/** One ajv error as a problem at a path, in words; null for errors that only repeat others. */
export function describeAjvError(e: AjvErrorLike, data: unknown): Problem | null {
  const path = parsePointer(e.instancePath, data)
  const value = valueAt(data, path)
  switch (e.keyword) {
    case 'if':
    case 'anyOf':
    case 'oneOf':
    case 'allOf':
      return null
    case 'required':
      return {path: [...path, e.params.missingProperty], atKey: false, kind: 'missing', message: 'missing (required)'}
    case 'additionalProperties': {
      const known = Object.keys(e.parentSchema?.properties ?? {})
      const field = String(e.params.additionalProperty)
      const near = closest(field, known)
      return {
        path: [...path, field],
        atKey: true,
        kind: 'unknown',
        message: near ? `unknown field (did you mean "${near}"?)` : `unknown field${known.length ? ` (expected one of: ${known.join(', ')})` : ''}`,
      }
    }
    case 'type': {
      const types = ([] as string[]).concat(e.params.type)
      return {path, atKey: false, rank: types.length, message: `expected ${orList(types.map((t) => TYPE_WORDS[t] ?? t))}, got ${describeValue(value)}`}
    }
    case 'enum':
      return {path, atKey: false, message: `expected one of: ${(e.params.allowedValues as unknown[]).join(', ')}; got ${describeValue(value)}`}
    case 'const':
      return {path, atKey: false, message: `expected ${JSON.stringify(e.params.allowedValue)}, got ${describeValue(value)}`}
    case 'minItems':
      return {path, atKey: false, message: e.params.limit === 1 ? 'expected at least one item' : `expected at least ${e.params.limit} items`}
    case 'minLength':
      return {path, atKey: false, message: 'expected a non-empty string'}
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return {path, atKey: false, message: `expected a number ${e.params.comparison} ${e.params.limit}, got ${describeValue(value)}`}
    default:
      return {path, atKey: false, message: (e.message ?? e.keyword).replace(/^must /, 'expected to ')}
  }
}

/** The semantic checks the schema cannot make: the installed commands' flags, unique names. */
function semanticProblems(data: any, catalogue: CommandCatalogue | undefined): Problem[] {
  const problems: Problem[] = []
  const seen = new Map<string, number>()
  const checks: any[] = data.checks
  checks.forEach((c, i) => {
    const at = (...p: PathSegment[]): PathSegment[] => ['checks', i, ...p]
    const first = seen.get(c.name)
    if (first !== undefined) problems.push({path: at('name'), atKey: false, message: `duplicate name "${c.name}" (also checks[${first}])`})
    else seen.set(c.name, i)
    if (!catalogue) return
    const cmd = catalogue[c.command]
    if (!cmd) {
      problems.push({path: at('command'), atKey: false, message: `this dnsx has no "${c.command}" command (it has: ${Object.keys(catalogue).sort().join(', ')})`})
      return
    }
    const expectKeys = Object.keys(cmd.flags).filter((f) => f.startsWith('expect-')).map((f) => f.slice('expect-'.length)).sort()
    for (const [key, value] of Object.entries(c.expect ?? {})) {
      const info = cmd.flags[`expect-${key}`]
      if (!info) {
        const near = closest(key, expectKeys)
        problems.push({path: at('expect', key), atKey: true, message: `${c.command} has no --expect-${key} (${near ? `did you mean ${near}? ` : ''}its expectations: ${expectKeys.join(', ') || 'none'})`})
        continue
      }
      const p = valueProblem(info, value as FlagValue) ?? (key === 'rcode' ? rcodeProblem(value) : null)
      if (p) problems.push({path: at('expect', key), atKey: false, message: p})
    }
    const stream = STREAM_FLAGS[c.command] ?? {}
    for (const [key, value] of Object.entries(c.flags ?? {})) {
      const why = RESERVED_FLAGS[key] ?? stream[key]
      if (why) {
        problems.push({path: at('flags', key), atKey: true, message: `--${key} cannot be set here: ${why}`})
        continue
      }
      if (key.startsWith('expect-')) {
        problems.push({path: at('flags', key), atKey: true, message: `put expectations under expect: (as ${key.slice('expect-'.length)})`})
        continue
      }
      const info = cmd.flags[key]
      if (!info) {
        const near = closest(key, Object.keys(cmd.flags).filter((f) => !f.startsWith('expect-') && !RESERVED_FLAGS[f]))
        problems.push({path: at('flags', key), atKey: true, message: `${c.command} has no --${key} flag${near ? ` (did you mean ${near}?)` : ''}`})
        continue
      }
      const p = valueProblem(info, value as FlagValue)
      if (p) problems.push({path: at('flags', key), atKey: false, message: p})
    }
  })
  return problems
}

/** Whether a value fits a flag: booleans for boolean flags, lists only for repeatable ones, options. */
export function valueProblem(info: FlagInfo, value: FlagValue): string | null {
  if (info.type === 'boolean') return typeof value === 'boolean' ? null : `expected true or false, got ${describeValue(value)}`
  if (typeof value === 'boolean') return `expected a value (a string or a number), got ${value}`
  if (Array.isArray(value) && !info.multiple) return 'expected one value, not a list (this flag cannot be repeated)'
  const values = Array.isArray(value) ? value : [value]
  if (Array.isArray(value) && value.length === 0) return 'expected at least one value'
  if (info.options?.length) {
    const bad = values.find((v) => !info.options!.includes(String(v)))
    if (bad !== undefined) return `expected one of: ${info.options.join(', ')}; got ${describeValue(bad)}`
  }
  return null
}

/** An expected rcode the command would refuse (the same rule as --expect-rcode), in words. */
function rcodeProblem(value: unknown): string | null {
  try {
    parseExpectedRcode(String(value))
    return null
  } catch (err) {
    return (err as Error).message.replace(/^--expect-rcode: /, '')
  }
}

/** The first line of a YAML parser message, without the position yaml appends. */
function yamlMessage(message: string): string {
  const first = message.split('\n')[0] ?? message
  return first.replace(/ at line \d+, column \d+:?$/, '').trim()
}

/** Bounds on a check file (README's limits table). */
export interface CheckFileLimits {
  /** Octets in the file (default FILE_LIMITS.checkFile). */
  maxBytes?: number
  /** Checks in the file (default DEFAULT_MAX_CHECKS). */
  maxChecks?: number
}
export const DEFAULT_MAX_CHECKS = 10_000
/** Nodes that aliases may expand to (yaml's maxAliasCount). */
export const MAX_ALIAS_COUNT = 1000
/** Nesting of collections; a check file needs about six. */
export const MAX_YAML_DEPTH = 64

/**
 * The first line at which the text nests more than `max` collections deep (flow brackets, or
 * block indentation and compact `- - -` sequences), or 0. Linear, and run before the YAML parser,
 * whose recursion a file nested 100,000 deep would exhaust.
 */
export function tooDeep(text: string, max: number): number {
  let flow = 0
  let line = 1
  let quote: string | null = null
  let atLineStart = true
  let indent = 0
  /** The last significant character: a quote opens a scalar only where a value may begin. */
  let prev = '\n'
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!
    if (c === '\n') {
      prev = c
      line++
      // Inside a quoted scalar a new line's indentation is not nesting.
      atLineStart = quote === null
      indent = 0
      continue
    }
    if (quote) {
      if (c === '\\' && quote === '"') i++
      else if (c === quote) quote = null
      continue
    }
    if (atLineStart) {
      if (c === ' ' || c === '-' || c === '?' || c === ':') {
        // Indentation and compact block entries ("- - - x") each open a level; two columns a level.
        indent++
        if (indent > 2 * max) return line
        continue
      }
      atLineStart = false
      prev = '\n'
    }
    if (c === ' ' || c === '\t') continue
    const opens = prev === '\n' || prev === ':' || prev === '[' || prev === '{' || prev === ',' || prev === '-' || prev === '?'
    prev = c
    if (c === '#') {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++
    } else if ((c === '"' || c === "'") && opens) quote = c
    else if (c === '[' || c === '{') {
      if (++flow > max) return line
    } else if (c === ']' || c === '}') flow = Math.max(0, flow - 1)
  }
  return 0
}

/**
 * Parse and validate a check file. Throws CheckFileError (exit 2) with one line pointing at the
 * file, line and field of the first problem (by line), saying how many more there are.
 */
export async function parseCheckFile(text: string, source: string, catalogue?: CommandCatalogue, limits: CheckFileLimits = {}): Promise<CheckFile> {
  const maxChecks = limits.maxChecks ?? DEFAULT_MAX_CHECKS
  const deep = tooDeep(text, MAX_YAML_DEPTH)
  if (deep) throw new CheckFileError(source, deep, '', `nested more than ${MAX_YAML_DEPTH} levels deep; a check file needs a few`)
  const yaml = commonjs<YamlModule>(await import('yaml'))
  const lineCounter = new yaml.LineCounter()
  const doc = yaml.parseDocument(text, {lineCounter, prettyErrors: true, uniqueKeys: true})
  const lineOf = (offset: number) => lineCounter.linePos(offset).line
  if (doc.errors.length > 0) {
    const e = doc.errors[0]
    const line = e.linePos?.[0]?.line ?? lineOf(e.pos[0])
    const more = doc.errors.length > 1 ? ` (and ${doc.errors.length - 1} more YAML error${doc.errors.length > 2 ? 's' : ''})` : ''
    throw new CheckFileError(source, line, '', `invalid YAML: ${yamlMessage(e.message)}${more}`)
  }
  let data: unknown
  try {
    // Aliases may not expand a file beyond MAX_ALIAS_COUNT nodes (a "billion laughs" bomb).
    data = doc.toJS({maxAliasCount: MAX_ALIAS_COUNT}) as unknown
  } catch (err) {
    if (err instanceof RangeError && /call stack/.test(err.message)) throw new CheckFileError(source, 1, '', 'nested too deeply')
    throw new CheckFileError(source, 1, '', `invalid YAML: ${yamlMessage((err as Error).message)} (aliases may expand to at most ${MAX_ALIAS_COUNT} nodes)`)
  }
  if (data === null || data === undefined) throw new CheckFileError(source, 1, '', 'the file is empty; expected a mapping with a `checks:` list')
  const locate = new Locator(yaml, doc, lineOf)
  const checks = (data as {checks?: unknown}).checks
  if (Array.isArray(checks) && checks.length > maxChecks) {
    throw new CheckFileError(source, locate.line(['checks', maxChecks]), `checks[${maxChecks}]`, `more than ${maxChecks} checks (raise the bound with --max-checks)`)
  }
  const validate = await checkFileValidator()
  let problems = validate(data).map((e) => describeAjvError(e, data)).filter((p): p is Problem => p !== null)
  if (problems.length === 0) problems = semanticProblems(data, catalogue)
  if (problems.length > 0) {
    // One problem per field (the generic value schema and the command's own both judge an
    // `expect` value: the narrower one wins), then the first by line.
    const unique = new Map<string, Problem & {line: number}>()
    for (const p of problems) {
      const key = formatPath(p.path)
      const seen = unique.get(key)
      if (!seen || (p.rank ?? 0) < (seen.rank ?? 0)) unique.set(key, {...p, line: locate.line(p.path, p.atKey)})
    }
    // A missing field next to an unknown one is most likely a typo of it: report the typo.
    const parentKey = (p: Problem) => formatPath(p.path.slice(0, -1))
    const typoParents = new Set([...unique.values()].filter((p) => p.kind === 'unknown').map(parentKey))
    const shadowed = (p: Problem) => (p.kind === 'missing' && typoParents.has(parentKey(p)) ? 1 : 0)
    const sorted = [...unique.values()].sort((a, b) => shadowed(a) - shadowed(b) || a.line - b.line || b.path.length - a.path.length)
    const p = sorted[0]
    const more = sorted.length > 1 ? ` (and ${sorted.length - 1} more problem${sorted.length > 2 ? 's' : ''})` : ''
    throw new CheckFileError(source, p.line, formatPath(p.path), p.message + more)
  }
  const file = data as {version?: 1, defaults?: {lab?: boolean, timeout?: number, maxDuration?: number}, checks: any[]}
  const d = file.defaults ?? {}
  return {
    source,
    version: 1,
    checks: file.checks.map((c, index) => ({
      index,
      line: locate.line(['checks', index]),
      name: c.name,
      command: c.command,
      args: (c.args ?? []).map(String),
      flags: c.flags ?? {},
      expect: c.expect ?? {},
      lab: c.lab ?? d.lab ?? false,
      timeout: c.timeout,
      maxDuration: c.maxDuration,
      defaults: {timeout: d.timeout, maxDuration: d.maxDuration},
    })),
  }
}

export interface LoadOptions {
  catalogue?: CommandCatalogue
  /** The file's name in messages (default: the path as given; "<stdin>" for "-"). */
  display?: string
  readStdin?: () => Promise<string>
  limits?: CheckFileLimits
}

/** Read a check file from a path, or "-" for stdin. A missing file is a usage error (exit 2). */
export async function loadCheckFile(path: string, opts: LoadOptions = {}): Promise<CheckFile> {
  const {catalogue} = opts
  const maxBytes = opts.limits?.maxBytes ?? FILE_LIMITS.checkFile
  const input = {path, what: 'check file', maxBytes, code: 'bad-check-file' as const, flag: '--max-file-size'}
  // The stdin hook (tests) goes through the same bounds and text check as stdin itself.
  const hook = opts.readStdin
  const text = await readTextInput(input, hook ? (async function* () { yield await hook() })() : process.stdin)
  return parseCheckFile(text, opts.display ?? (path === '-' ? '<stdin>' : path), catalogue, opts.limits)
}

export interface ArgvOverrides {
  /** --lab on the dnsx check command line: every check runs in the lab. */
  lab?: boolean
  /** --timeout on the command line: for checks that set none, over the file's defaults. */
  timeout?: number
  /** -4 / -6 on the command line. */
  family?: 4 | 6
}

/** A flag and its value as argv words (`--key=VALUE`, so values may start with "-"). */
export function flagWords(key: string, value: FlagValue, info?: FlagInfo): string[] {
  if (value === true) return [`--${key}`]
  if (value === false) return info?.allowNo ? [`--no-${key}`] : []
  const values = Array.isArray(value) ? value : [value]
  return values.map((v) => `--${key}=${v}`)
}

/** The argv (after `dnsx`) that runs one check: command, args, flags, expectations, --json. */
export function checkArgv(c: CheckDefinition, overrides: ArgvOverrides = {}, catalogue?: CommandCatalogue): string[] {
  const flags = catalogue?.[c.command]?.flags ?? {}
  const words: string[] = []
  for (const [k, v] of Object.entries(c.flags)) words.push(...flagWords(k, v, flags[k]))
  if (c.lab || overrides.lab) words.push('--lab')
  const timeout = c.timeout ?? overrides.timeout ?? c.defaults.timeout
  if (timeout !== undefined) words.push(`--timeout=${timeout}`)
  if (overrides.family && c.flags.ipv4 === undefined && c.flags.ipv6 === undefined) words.push(overrides.family === 4 ? '--ipv4' : '--ipv6')
  for (const [k, v] of Object.entries(c.expect)) words.push(...flagWords(`expect-${k}`, v, flags[`expect-${k}`]))
  words.push('--json')
  // An argument that looks like a flag goes after "--".
  return c.args.some((a) => a.startsWith('-')) ? [c.command, ...words, '--', ...c.args] : [c.command, ...c.args, ...words]
}
