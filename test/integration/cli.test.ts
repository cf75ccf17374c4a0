/**
 * The CLI as a user meets it: the built bin, real exit codes and streams.
 */
import {describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

const long63 = 'a'.repeat(63)
const BAD_INPUTS: [string, string[], RegExp][] = [
  ['an empty name', ['query', ''], /name is empty/],
  ['a 64-character label', ['query', `${'b'.repeat(64)}.test`], /64-octet label/],
  ['a 256-character name', ['query', [long63, long63, long63, 'c'.repeat(62)].join('.')], /256 octets/],
  ['--subnet 300.1.1.1/24', ['query', 'x.test', '--subnet', '300.1.1.1/24'], /not an IPv4 \(dotted quad\) or IPv6 address/],
  ['--subnet 10.0.0.0/40', ['query', 'x.test', '--subnet', '10.0.0.0/40'], /prefix length 40 is out of range for IPv4/],
  // One CIDR module: query and ecs refuse the same integer-written address.
  ['query --subnet 3232235777/24', ['query', 'x.test', '--subnet', '3232235777/24'], /"3232235777" is not an IPv4 \(dotted quad\)/],
  ['ecs --subnet 3232235777/24', ['ecs', 'x.test', '--subnet', '3232235777/24'], /"3232235777" is not an IPv4 \(dotted quad\)/],
  ['--port 70000', ['query', 'x.test', '--port', '70000'], /not a port number/],
  ['an unknown flag', ['query', 'x.test', '--frobnicate'], /unknown flag --frobnicate \(see --help\)$/],
  // oclif's parse errors in dnsx's words: the flag, the value, what is expected.
  ['--timeout abc', ['query', 'x.test', '--timeout', 'abc'], /--timeout "abc": expected an integer$/],
  ['--timeout 0', ['query', 'x.test', '--timeout', '0'], /--timeout "0": expected an integer greater than or equal to 1$/],
  ['--format svg', ['trace', 'x.test', '--format', 'svg'], /--format "svg": expected one of text, mermaid, json$/],
  ['@300.1.1.1', ['query', 'x.test', '@300.1.1.1'], /server "300\.1\.1\.1" is not a valid IP address$/],
  ['an unknown type', ['query', 'x.test', 'BOGUSTYPE'], /unknown record type/],
  ['an unknown command', ['frobnicate'], /unknown command "frobnicate"/],
  ['a bad trace name', ['trace', 'a..b'], /empty label/],
]

describe('bad input: one line, exit 2', () => {
  for (const [what, args, message] of BAD_INPUTS) {
    it(`${what} → one line on stderr`, async () => {
      const r = await runCli([...args, '--lab'])
      expect(r.code).toBe(2)
      expect(r.stdout).toBe('')
      const lines = r.stderr.trimEnd().split('\n')
      expect(lines).toHaveLength(1)
      expect(lines[0]).toMatch(/^error: /)
      expect(lines[0]).toMatch(message)
      expect(r.stderr).not.toMatch(/\s+at .*\.js:\d+/)
    })

    it(`${what} → one line of JSON under --json`, async () => {
      const r = await runCli([...args, '--lab', '--json'])
      expect(r.code).toBe(2)
      const lines = r.stdout.trimEnd().split('\n')
      expect(lines).toHaveLength(1)
      const doc = JSON.parse(lines[0])
      expect(doc.error.exit).toBe(2)
      expect(doc.error.message).toMatch(message)
      expect(typeof doc.error.code).toBe('string')
      expect(r.stdout).not.toMatch(/"pjson"|"root":/)
    })
  }
})

describe('one CIDR module', () => {
  it('query --subnet with a bare address sends its /24, as ecs does (RFC 7871 §11.1), and says so', async () => {
    const r = await runCli(['query', 'www.geo.test', '--subnet', '198.51.100.77', '@192.0.2.70', '--lab', '--json'])
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout)
    expect(doc.query.subnet).toBe('198.51.100.0/24')
    expect(doc.edns.ecs).toMatchObject({family: 1, address: '198.51.100.0', sourcePrefix: 24})
    expect(r.stderr).toMatch(/--subnet 198\.51\.100\.77 has no prefix length; sending 198\.51\.100\.0\/24/)
  })
})

describe('startup and help', () => {
  it('--version is fast to load: no undici, cli-table3 or dns-packet', async () => {
    const r = await runCli(['--version'], {env: {NODE_DEBUG: 'module'}})
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^dnsx\/\d+\.\d+\.\d+/)
    for (const heavy of ['undici', 'cli-table3', 'dns-packet', 'ipaddr.js']) {
      expect(r.stderr.includes(`node_modules/${heavy}/`), heavy).toBe(false)
    }
  })

  it('--help shows the exit codes on every page', async () => {
    for (const args of [['--help'], ['query', '--help'], ['trace', '--help']]) {
      const r = await runCli(args)
      expect(r.code).toBe(0)
      expect(r.stdout).toMatch(/EXIT CODES[\s\S]*2 {2}usage error or bad input[\s\S]*3 {2}the DNS\/network work could not be completed/)
    }
  })

  it('colour is off when stdout is not a terminal, and FORCE_COLOR turns it on', async () => {
    const plain = await runCli(['query', 'www.example.test', '--lab'], {env: {NO_COLOR: undefined}})
    expect(plain.stdout).not.toMatch(/\u001b\[/)
    const forced = await runCli(['query', 'www.example.test', '--lab'], {env: {NO_COLOR: undefined, FORCE_COLOR: '1'}})
    expect(forced.stdout).toMatch(/\u001b\[/)
    const no = await runCli(['query', 'www.example.test', '--lab', '--no-color'], {env: {NO_COLOR: undefined, FORCE_COLOR: '1'}})
    expect(no.stdout).not.toMatch(/\u001b\[/)
  })
})

describe('help reads as written', () => {
  it('check --help: the example check file keeps its indentation and parses as a check file', async () => {
    const r = await runCli(['check', '--help'], {env: {COLUMNS: '80'}})
    const lines = r.stdout.split('\n')
    const start = lines.findIndex((l) => /schemas\/check-file\.json:$/.test(l)) + 2
    const end = lines.findIndex((l, i) => i >= start && l.trim() === '')
    const yamlText = lines.slice(start, end).join('\n') + '\n'
    expect(yamlText).toMatch(/^ {4}defaults:.*\n {4}checks:\n {6}- name: /)
    const {parseCheckFile} = await import('../../src/lib/check/load.js')
    const f = await parseCheckFile(yamlText, 'help.yaml')
    expect(f.checks[0]).toMatchObject({command: 'trace', args: ['www.example.test', 'A']})
  })

  it('descriptions are paragraphs wrapped to the terminal, not their source lines', async () => {
    const r = await runCli(['check', '--help'], {env: {COLUMNS: '80'}})
    const desc = r.stdout.slice(r.stdout.indexOf('DESCRIPTION'), r.stdout.indexOf('EXAMPLES'))
    // The source breaks after "its arguments, other flags and": the help must not.
    expect(desc).toMatch(/other flags and expectations;/)
    for (const l of desc.split('\n')) expect(l.length).toBeLessThanOrEqual(80)
  })
})
