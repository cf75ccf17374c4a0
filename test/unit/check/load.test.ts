import {existsSync, readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {CheckFileError, checkArgv, formatPath, loadCheckFile, parseCheckFile, type CommandCatalogue} from '../../../src/lib/check/load.js'

/** The flags of the commands as dnsx check sees them (a subset of the real ones). */
const CATALOGUE: CommandCatalogue = {
  query: {
    flags: {
      lab: {type: 'boolean'},
      timeout: {type: 'option'},
      json: {type: 'boolean'},
      ipv4: {type: 'boolean'},
      norecurse: {type: 'boolean'},
      edns: {type: 'boolean', allowNo: true},
      subnet: {type: 'option'},
      'expect-answer': {type: 'option', multiple: true},
      'expect-rcode': {type: 'option'},
      'expect-authoritative': {type: 'boolean'},
      'expect-nsid': {type: 'option'},
      'expect-scope': {type: 'option'},
    },
  },
  trace: {
    flags: {
      lab: {type: 'boolean'},
      timeout: {type: 'option'},
      json: {type: 'boolean'},
      server: {type: 'option', multiple: true},
      all: {type: 'boolean'},
      file: {type: 'option'},
      'expect-answer': {type: 'option', multiple: true},
      'expect-rcode': {type: 'option'},
      'expect-authoritative': {type: 'boolean'},
      'expect-no-problems': {type: 'boolean'},
    },
  },
  race: {
    flags: {
      lab: {type: 'boolean'},
      port: {type: 'option'},
      'expect-family': {type: 'option', options: ['ipv4', 'ipv6']},
      'expect-max-connect': {type: 'option'},
    },
  },
}

const GOOD = `# a comment
version: 1
defaults: {timeout: 1500, lab: true}
checks:
  - name: www resolves authoritatively
    command: trace
    args: [www.example.test, A]
    expect: {answer: [192.0.2.80], authoritative: true, rcode: NOERROR}

  - name: resolver
    command: query
    args: [www.example.test, 53]
    lab: false
    timeout: 900
    maxDuration: 5000
    flags: {norecurse: true, edns: false, subnet: 198.51.100.0/24}
    expect:
      answer: 192.0.2.80
      scope: 24
`

/** Parse, expecting a CheckFileError; returns its message. */
async function problem(text: string, catalogue: CommandCatalogue | undefined = CATALOGUE): Promise<CheckFileError> {
  try {
    await parseCheckFile(text, 'checks.yaml', catalogue)
  } catch (err) {
    expect(err).toBeInstanceOf(CheckFileError)
    const e = err as CheckFileError
    expect(e.exit).toBe(2)
    expect(e.message).not.toContain('\n')
    return e
  }
  throw new Error('expected the file to be rejected')
}

describe('check file loader', () => {
  it('loads a good file, applying defaults', async () => {
    const f = await parseCheckFile(GOOD, 'checks.yaml', CATALOGUE)
    expect(f.version).toBe(1)
    expect(f.checks).toHaveLength(2)
    const [a, b] = f.checks
    expect(a).toMatchObject({index: 0, line: 5, name: 'www resolves authoritatively', command: 'trace', args: ['www.example.test', 'A'], lab: true, defaults: {timeout: 1500}})
    expect(a.expect).toEqual({answer: ['192.0.2.80'], authoritative: true, rcode: 'NOERROR'})
    expect(a.timeout).toBeUndefined()
    expect(a.maxDuration).toBeUndefined()
    expect(b).toMatchObject({index: 1, line: 10, args: ['www.example.test', '53'], lab: false, timeout: 900, maxDuration: 5000})
  })

  it('turns a check into argv: args, flags, --lab, --timeout, repeated and bare --expect-* flags, --json', async () => {
    const f = await parseCheckFile(GOOD, 'checks.yaml', CATALOGUE)
    expect(checkArgv(f.checks[0], {}, CATALOGUE)).toEqual([
      'trace', 'www.example.test', 'A', '--lab', '--timeout=1500',
      '--expect-answer=192.0.2.80', '--expect-authoritative', '--expect-rcode=NOERROR', '--json',
    ])
    // false: --no-edns where the flag has that form; the command line's --lab wins over lab: false.
    expect(checkArgv(f.checks[1], {lab: true, family: 4}, CATALOGUE)).toEqual([
      'query', 'www.example.test', '53', '--norecurse', '--no-edns', '--subnet=198.51.100.0/24', '--lab', '--timeout=900', '--ipv4',
      '--expect-answer=192.0.2.80', '--expect-scope=24', '--json',
    ])
  })

  it('puts arguments that look like flags after --', async () => {
    const f = await parseCheckFile('checks:\n  - {name: x, command: query, args: [-weird.example]}\n', 'c.yaml', CATALOGUE)
    expect(checkArgv(f.checks[0])).toEqual(['query', '--json', '--', '-weird.example'])
  })

  it('timeout: the check\'s own, else --timeout on the command line, else the file\'s defaults', async () => {
    const f = await parseCheckFile('defaults: {timeout: 50}\nchecks:\n  - {name: a, command: query, args: [x]}\n  - {name: b, command: query, args: [x], timeout: 10}\n', 'c.yaml', CATALOGUE)
    expect(checkArgv(f.checks[0], {timeout: 300})).toContain('--timeout=300')
    expect(checkArgv(f.checks[0], {})).toContain('--timeout=50')
    expect(checkArgv(f.checks[1], {timeout: 300})).toContain('--timeout=10')
    const none = await parseCheckFile('checks:\n  - {name: a, command: query, args: [x]}\n', 'c.yaml', CATALOGUE)
    expect(checkArgv(none.checks[0]).some((w) => w.startsWith('--timeout'))).toBe(false)
  })

  it('malformed YAML: the line of the syntax error', async () => {
    const e = await problem('checks:\n  - name: a\n    command: query\n    args: [x, y\n  - name: b\n')
    expect(e.message).toMatch(/^checks\.yaml:\d+: invalid YAML: /)
    expect(e.line).toBeGreaterThanOrEqual(4)
    const e2 = await problem('checks:\n  - name: dual: stack\n    command: race\n')
    expect(e2.message).toMatch(/^checks\.yaml:2: invalid YAML: /)
    const dup = await problem('checks:\n  - name: a\n    command: query\n    name: b\n')
    expect(dup.message).toMatch(/^checks\.yaml:4: invalid YAML: .*unique/i)
  })

  it('wrong field types: the exact line and field', async () => {
    const text = [
      'defaults: {lab: true}', //                       1
      'checks:', //                                     2
      '  - name: one', //                               3
      '    command: trace', //                          4
      '    args: [www.example.test]', //                5
      '  - name: two', //                               6
      '    command: trace', //                          7
      '    args: [www.example.test]', //                8
      '    expect:', //                                 9
      '      answer: [192.0.2.80]', //                  10
      '      rcode: [NOERROR, NXDOMAIN]', //            11
      '', //                                            12
    ].join('\n')
    const e = await problem(text)
    expect(e.message).toBe('checks.yaml:11: checks[1].expect.rcode: expected a string, got a list')
    expect(e.field).toBe('checks[1].expect.rcode')
    expect(e.line).toBe(11)
  })

  it('the brief\'s example: checks[3].expect.rcode on its own line', async () => {
    const checks = ['a', 'b', 'c'].map((n) => `  - {name: ${n}, command: query, args: [x]}`)
    const text = ['checks:', ...checks, '  - name: d', '    command: query', '    args: [x]', '    expect: {rcode: 3}', '  - name: e', '    command: query', '    expect: {rcode: {a: 1}}'].join('\n')
    // rcode: 3 is a number, not a string; the first problem by line is reported, with a count.
    const e = await problem(text)
    expect(e.message).toBe('checks.yaml:8: checks[3].expect.rcode: expected a string, got the number 3 (and 1 more problem)')
  })

  it('booleans, lists, enums, unknown and missing fields', async () => {
    const base = (lines: string[]) => ['checks:', '  - name: x', ...lines].join('\n') + '\n'
    expect((await problem(base(['    command: trace', '    expect: {authoritative: yes}']))).message).toBe(
      'checks.yaml:4: checks[0].expect.authoritative: expected true or false, got "yes"',
    )
    expect((await problem(base(['    command: trce']))).message).toBe(
      'checks.yaml:3: checks[0].command: expected one of: query, trace, anycast-probe, ecs, race; got "trce"',
    )
    expect((await problem(base(['    command: trace', '    expct: {rcode: NOERROR}']))).message).toBe('checks.yaml:4: checks[0].expct: unknown field (did you mean "expect"?)')
    expect((await problem(base(['    command: trace', '    wanted: {rcode: NOERROR}']))).message).toBe(
      'checks.yaml:4: checks[0].wanted: unknown field (expected one of: name, command, args, flags, expect, lab, timeout, maxDuration)',
    )
    expect((await problem(base(['    args: [x]']))).message).toBe('checks.yaml:2: checks[0].command: missing (required)')
    // A typo: the unknown field is reported (with a suggestion), not the missing one.
    expect((await problem(base(['    comand: trace']))).message).toBe('checks.yaml:3: checks[0].comand: unknown field (did you mean "command"?) (and 1 more problem)')
    expect((await problem('chekcs:\n  - {name: a, command: query}\n')).message).toBe('checks.yaml:1: chekcs: unknown field (did you mean "checks"?) (and 1 more problem)')
    expect((await problem(base(['    command: race', '    expect: {family: ipv5}']))).message).toBe(
      'checks.yaml:4: checks[0].expect.family: expected one of: ipv4, ipv6; got "ipv5"',
    )
    expect((await problem(base(['    command: trace', '    timeout: -5']))).message).toBe('checks.yaml:4: checks[0].timeout: expected a number >= 1, got the number -5')
    expect((await problem('checks: []\n')).message).toBe('checks.yaml:1: checks: expected at least one item')
    expect((await problem('checks:\n  - name: x\n    command: trace\n    args: www.example.test\n')).message).toBe(
      'checks.yaml:4: checks[0].args: expected a list, got "www.example.test"',
    )
    expect((await problem('')).message).toBe('checks.yaml:1: the file is empty; expected a mapping with a `checks:` list')
    expect((await problem('- a\n- b\n')).message).toBe('checks.yaml:1: expected a mapping, got a list')
  })

  it('an empty value points at its key', async () => {
    const e = await problem('checks:\n  - name: x\n    command: trace\n    expect:\n      rcode:\n      answer: [a]\n')
    expect(e.message).toBe('checks.yaml:5: checks[0].expect.rcode: expected a string, got nothing')
  })

  it('checks expectations and flags against the installed command', async () => {
    const base = (lines: string[]) => ['checks:', '  - name: x', ...lines].join('\n') + '\n'
    expect((await problem(base(['    command: trace', '    expect: {site: AMS}']))).message).toBe(
      'checks.yaml:4: checks[0].expect.site: trace has no --expect-site (its expectations: answer, authoritative, no-problems, rcode)',
    )
    expect((await problem(base(['    command: trace', '    flags:', '      srever: 192.0.2.1']))).message).toBe('checks.yaml:5: checks[0].flags.srever: trace has no --srever flag (did you mean server?)')
    expect((await problem(base(['    command: trace', '    flags: {frobnicate: 1}']))).message).toBe('checks.yaml:4: checks[0].flags.frobnicate: trace has no --frobnicate flag')
    expect((await problem(base(['    command: trace', '    expect: {authoritive: true}']))).message).toBe(
      'checks.yaml:4: checks[0].expect.authoritive: trace has no --expect-authoritive (did you mean authoritative? its expectations: answer, authoritative, no-problems, rcode)',
    )
    expect((await problem(base(['    command: trace', '    flags: {all: 3}']))).message).toBe('checks.yaml:4: checks[0].flags.all: expected true or false, got the number 3')
    expect((await problem(base(['    command: query', '    flags: {subnet: [a, b]}']))).message).toBe(
      'checks.yaml:4: checks[0].flags.subnet: expected one value, not a list (this flag cannot be repeated)',
    )
    expect((await problem(base(['    command: trace', '    flags: {file: names.txt}']))).message).toMatch(/^checks\.yaml:4: checks\[0\]\.flags\.file: --file cannot be set here/)
    expect((await problem(base(['    command: trace', '    flags: {json: true}']))).message).toMatch(/flags\.json: --json cannot be set here/)
    expect((await problem(base(['    command: trace', '    flags: {expect-rcode: NOERROR}']))).message).toMatch(/flags\.expect-rcode: put expectations under expect:/)
    expect((await problem(base(['    command: ecs']))).message).toBe('checks.yaml:3: checks[0].command: this dnsx has no "ecs" command (it has: query, race, trace)')
  })

  it('rejects duplicate names, pointing at the second', async () => {
    const e = await problem('checks:\n  - {name: a, command: query}\n  - {name: a, command: trace}\n')
    expect(e.message).toBe('checks.yaml:3: checks[1].name: duplicate name "a" (also checks[0])')
  })

  it('without a catalogue, only the schema is checked', async () => {
    const f = await parseCheckFile('checks:\n  - {name: a, command: ecs, expect: {whatever: 1}}\n', 'c.yaml')
    expect(f.checks[0].expect).toEqual({whatever: 1})
  })

  it('reads a file, stdin, and says when a file is missing', async () => {
    await expect(loadCheckFile('/nonexistent/checks.yaml')).rejects.toThrow(/^cannot read check file \/nonexistent\/checks\.yaml: no such file$/)
    const f = await loadCheckFile('-', {readStdin: async () => 'checks:\n  - {name: a, command: query, args: [x]}\n'})
    expect(f.source).toBe('<stdin>')
    await expect(loadCheckFile('-', {readStdin: async () => 'checks: 3\n'})).rejects.toThrow('<stdin>:1: checks: expected a list, got the number 3')
  })

  it('a YAML alias bomb ("billion laughs") is a one-line usage error, not an internal one', async () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill('*' + String.fromCharCode(96 + i)).join(',')}]`)
    const e = await parseCheckFile(levels.join('\n') + '\nchecks: []\n', 'bomb.yaml').catch((x) => x)
    expect(e).toBeInstanceOf(CheckFileError)
    expect(e.exit).toBe(2)
    expect(e.message).toMatch(/^bomb\.yaml:1: invalid YAML: .*aliases may expand to at most 1000 nodes/)
  })

  it('YAML nested 100,000 deep is refused at once, before the parser recurses', async () => {
    const t0 = performance.now()
    const flow = await parseCheckFile('checks: ' + '['.repeat(100_000) + ']'.repeat(100_000) + '\n', 'deep.yaml').catch((x) => x)
    expect(flow.message).toBe('deep.yaml:1: nested more than 64 levels deep; a check file needs a few')
    const block = await parseCheckFile('checks:\n' + Array.from({length: 2000}, (_, i) => ' '.repeat(i) + '- ').join('\n') + 'x\n', 'deep.yaml').catch((x) => x)
    expect(block.message).toMatch(/^deep\.yaml:\d+: nested more than 64 levels deep/)
    const compact = await parseCheckFile('checks:\n' + '- '.repeat(100_000) + 'x\n', 'deep.yaml').catch((x) => x)
    expect(compact.message).toMatch(/^deep\.yaml:2: nested more than 64 levels deep/)
    expect(performance.now() - t0).toBeLessThan(2000)
    // Quotes and comments do not count, nor apostrophes inside plain scalars.
    await expect(parseCheckFile(`checks:\n  - {name: "it's [[[[ fine", command: query, args: ['[[[[']} # {{{{\n  - {name: don't, command: query}\n`, 'ok.yaml')).resolves.toBeTruthy()
  })

  it('the number of checks is bounded before any is validated', async () => {
    const text = 'checks:\n' + Array.from({length: 12}, (_, i) => `  - {name: c${i}, command: query, args: [x]}`).join('\n') + '\n'
    await expect(parseCheckFile(text, 'many.yaml', undefined, {maxChecks: 10})).rejects.toThrow('many.yaml:12: checks[10]: more than 10 checks (raise the bound with --max-checks)')
    await expect(parseCheckFile(text, 'many.yaml', undefined, {maxChecks: 12})).resolves.toBeTruthy()
  })

  it('the file size is bounded, for a file and for stdin', async () => {
    const os = await import('node:os')
    const fs = await import('node:fs')
    const p = `${os.tmpdir()}/dnsx-big-${process.pid}.yaml`
    fs.writeFileSync(p, 'checks: []\n' + '#'.repeat(2000) + '\n')
    try {
      await expect(loadCheckFile(p, {limits: {maxBytes: 1000}})).rejects.toThrow(`check file ${p} is larger than 1000 bytes (raise the bound with --max-file-size)`)
    } finally {
      fs.rmSync(p)
    }
    await expect(loadCheckFile('-', {readStdin: async () => 'x'.repeat(2000), limits: {maxBytes: 1000}})).rejects.toThrow('check file <stdin> is larger than 1000 bytes')
    await expect(loadCheckFile('/dev/zero')).rejects.toThrow('cannot read check file /dev/zero: it is a device, not a regular file (use - for stdin)')
  })

  it('formats paths as in messages', () => {
    expect(formatPath(['checks', 3, 'expect', 'rcode'])).toBe('checks[3].expect.rcode')
    expect(formatPath(['checks', 0, 'expect', 'no-problems'])).toBe('checks[0].expect.no-problems')
    expect(formatPath(['checks', 0, 'flags', 'a b'])).toBe('checks[0].flags["a b"]')
  })

  it('the shipped lab suite is valid against the installed commands', async () => {
    const manifestPath = new URL('../../../oclif.manifest.json', import.meta.url)
    let catalogue: CommandCatalogue | undefined
    if (existsSync(manifestPath)) {
      const {catalogueFrom} = await import('../../../src/lib/check/catalogue.js')
      const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
      catalogue = catalogueFrom(Object.entries(manifest.commands).map(([id, c]) => ({...(c as object), id})) as any)
    }
    const f = await loadCheckFile(new URL('../../../data/checks/lab.yaml', import.meta.url).pathname, {catalogue})
    expect(f.checks.length).toBeGreaterThanOrEqual(8)
    expect(f.checks.every((c) => c.lab)).toBe(true)
    expect(new Set(f.checks.map((c) => c.command))).toContain('trace')
  })
})
