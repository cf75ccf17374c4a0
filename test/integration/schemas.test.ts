/**
 * Every command's --json output validates against its shipped schema (schemas/NAME.json): real
 * outputs, collected from the lab and from real servers (Knot, NSD, BIND, Unbound) in a network
 * namespace. Errors under --json validate against error.json; `dnsx check --json` against
 * check.json. A command (or its schema) that does not exist yet is skipped with the reason in
 * the test's name and on stderr.
 */
import {existsSync, mkdtempSync, writeFileSync} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {realDnsAvailable, startRealWorld, type RealWorld} from '../harness/realdns.js'
import {STANDARD_EXPECTATIONS as E, STANDARD_WORLD} from '../harness/worlds.js'
import {BIN, ROOT, runCli, schemaValidator} from '../helpers/cli.js'

/** Why a command cannot be validated here, or null when it can. */
/** Every command has a build and a schema: a missing one fails its tests (it is never a skip). */
function requireCommand(command: string): void {
  if (!existsSync(path.join(ROOT, 'dist', 'commands', `${command}.js`))) throw new Error(`dist/commands/${command}.js is missing (is the build stale?)`)
  if (!existsSync(path.join(ROOT, 'schemas', `${command}.json`))) throw new Error(`schemas/${command}.json is missing`)
}

interface Case {
  command: string
  /** Argument lists, each run with --json; every exit code but 2 gives the command's document. */
  runs: string[][]
}

/** Lab runs that cover each command's shapes: answers, errors, expectations met and unmet. */
const LAB: Case[] = [
  {
    command: 'query',
    runs: [
      ['www.example.test'],
      ['www.example.test', 'AAAA', '@192.0.2.20', '--norecurse', '--nsid', '--expect-authoritative', '--expect-answer', '2001:db8:a::80'],
      ['www.geo.test', '@192.0.2.70', '--norecurse', '--subnet', '198.51.100.0/24', '--expect-scope', '24', '--expect-nsid', 'nope'],
      ['big.example.test', 'TXT', '@192.0.2.20', '--norecurse'],
      ['nxdomain.example.test', '@192.0.2.20', '--expect-rcode', 'NOERROR'],
      ['www.example.test', '--no-edns', '--tcp', '--dnssec'],
    ],
  },
  {
    command: 'trace',
    runs: [
      ['www.example.test', '--expect-authoritative', '--expect-answer', '192.0.2.80'],
      ['shop.example.test', 'A'],
      ['www.glueless.test', '--all'],
      ['www.lame.test', '--expect-no-problems'],
      ['nxdomain.example.test'],
      ['www.partial.test', '--all', '--compare-recursive', 'default'],
    ],
  },
  {
    command: 'anycast-probe',
    runs: [
      ['192.0.2.201', '192.0.2.203', '--count', '2', '--interval', '20', '--expect-plausible'],
      ['192.0.2.203', '--count', '2', '--interval', '20', '--from', 'FRA', '--verbose', '--expect-site', 'AMS'],
      ['192.0.2.9', '--count', '1', '--expect-no-interception'],
    ],
  },
  {
    command: 'ecs',
    runs: [
      ['www.geo.test', '--subnet', '198.51.100.0/24', '--subnet', '203.0.113.0/24', '--expect-policy', 'subnet-dependent'],
      ['weighted.geo.test', '--subnet', '198.51.100.0/24', '--repeat', '10', '--qps', '500'],
      ['www.geo.test', '--explore', '198.51.100.0/23', '--server', '192.0.2.70'],
    ],
  },
  {
    command: 'race',
    runs: [
      ['dual.race.test', '--port', '80', '--expect-family', 'ipv6'],
      ['http://v6-blackhole.race.test/', '--probe-timeout', '200'],
      ['refused.race.test', '--port', '80', '--timeout', '500'],
    ],
  },
]

/** Validate one document; the message names the run and every schema error. */
function expectValid(schema: string, doc: unknown, what: string): void {
  const errors = schemaValidator(schema)(doc)
  expect(errors, `${what} against schemas/${schema}.json:\n${errors.join('\n')}`).toEqual([])
}

function parse(stdout: string, what: string): unknown {
  try {
    return JSON.parse(stdout)
  } catch {
    throw new Error(`${what}: stdout is not one JSON document: ${stdout.slice(0, 300)}`)
  }
}

describe('every command\'s --json validates against its schema (lab)', () => {
  for (const c of LAB) {
    it(`${c.command}: ${c.runs.length} real lab outputs`, async () => {
      requireCommand(c.command)
      const results = await Promise.all(c.runs.map((args) => runCli([c.command, ...args, '--lab', '--json'], {timeoutMs: 60_000})))
      results.forEach((r, i) => {
        const what = `dnsx ${c.command} ${c.runs[i].join(' ')} --lab --json (exit ${r.code})`
        expect([0, 1, 3], `${what}\n${r.stderr}`).toContain(r.code)
        expectValid(c.command, parse(r.stdout, what), what)
      })
    }, 120_000)

    it(`${c.command}: a usage error validates against error.json`, async () => {
      const r = await runCli([c.command, '--frobnicate', '--lab', '--json'])
      expect(r.code).toBe(2)
      expectValid('error', parse(r.stdout, `${c.command} --frobnicate`), `${c.command} usage error`)
    })
  }

  it('check: pass, fail and could-not-run outcomes validate against check.json; a bad file against error.json', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dnsx-schemas-'))
    const file = path.join(dir, 'checks.yaml')
    writeFileSync(
      file,
      [
        'defaults: {lab: true, timeout: 500}',
        'checks:',
        '  - {name: pass, command: query, args: [www.example.test], expect: {answer: 192.0.2.80}}',
        '  - {name: fail, command: query, args: [www.example.test], expect: {answer: 192.0.2.99}}',
        '  - {name: error, command: query, args: [www.dead.test, "@192.0.2.42"], flags: {retries: 0}}',
        '  - {name: usage, command: query, args: [a..b]}',
      ].join('\n') + '\n',
    )
    const r = await runCli(['check', file, '--json'], {timeoutMs: 60_000})
    expect(r.code).toBe(3)
    const doc = parse(r.stdout, 'check --json') as {checks: {outcome: string}[]}
    expect(doc.checks.map((x) => x.outcome)).toEqual(['pass', 'fail', 'error', 'error'])
    expectValid('check', doc, 'dnsx check --json')
    writeFileSync(file, 'checks:\n  - name: x\n    command: query\n    expect: {rcode: [a]}\n')
    const bad = await runCli(['check', file, '--json'])
    expect(bad.code).toBe(2)
    expectValid('error', parse(bad.stdout, 'check bad file'), 'dnsx check (bad file) --json')
  }, 90_000)

  it('the shipped check-file schema accepts the lab suite and rejects nonsense', async () => {
    const {parse: parseYaml} = await import('yaml')
    const {readFileSync} = await import('node:fs')
    const validate = schemaValidator('check-file')
    expect(validate(parseYaml(readFileSync(path.join(ROOT, 'data/checks/lab.yaml'), 'utf8')))).toEqual([])
    expect(validate({checks: [{name: 'x', command: 'dig'}]}).length).toBeGreaterThan(0)
  })
})

const avail = realDnsAvailable()
if (!avail.ok) process.stderr.write(`[schemas.test] skipping real-server outputs, missing: ${avail.missing.join(', ')}\n`)

/** Real-server runs, inside the namespace (its resolv.conf points at Unbound). */
const REAL: Case[] = [
  {
    command: 'query',
    runs: [
      [E.www.name],
      [E.host.name, 'AAAA', `@${E.example.servers[1].addresses[0]}`, '--norecurse', '--nsid', '--expect-nsid', E.example.servers[1].nsid],
      [E.ecs.name, `@${E.ecs.server}`, '--norecurse', '--subnet', E.ecs.rules[0].subnet, '--expect-scope', String(E.ecs.rules[0].scope)],
      [E.bigTxt.name, 'TXT', `@${E.example.servers[0].addresses[0]}`, '--norecurse'],
    ],
  },
  {
    command: 'trace',
    runs: [
      [E.www.name, '--root-hints', 'ROOT_HINTS', '--expect-authoritative'],
      [E.glueless.name, '--root-hints', 'ROOT_HINTS', '--all'],
      [`www.${E.lame.zone}`, '--root-hints', 'ROOT_HINTS', '--timeout', '500'],
      [E.nxdomain.name, '--root-hints', 'ROOT_HINTS'],
    ],
  },
  {command: 'anycast-probe', runs: [[E.roots[0].address, E.roots[1].address, E.tld.servers[1].addresses[1], '--count', '2', '--interval', '50']]},
  {command: 'ecs', runs: [[E.ecs.name, '--server', E.ecs.server, '--subnet', E.ecs.rules[0].subnet, '--subnet', E.ecs.rules[1].subnet]]},
  {command: 'race', runs: [[E.tld.servers[1].name, '--port', '53']]},
]

describe.skipIf(!avail.ok)('every command\'s --json validates against its schema (real servers in a namespace)', () => {
  let world: RealWorld
  let hints: string

  beforeAll(async () => {
    world = await startRealWorld(STANDARD_WORLD)
    const dir = mkdtempSync(path.join(os.tmpdir(), 'dnsx-schemas-real-'))
    hints = path.join(dir, 'root.hints')
    writeFileSync(hints, E.roots.map((r) => `.  3600000 NS ${r.name}.\n${r.name}. 3600000 A ${r.address}\n`).join(''))
  }, 120_000)
  afterAll(() => world?.stop())

  for (const c of REAL) {
    it(`${c.command}: ${c.runs.length} real-server outputs`, async () => {
      requireCommand(c.command)
      for (const args of c.runs) {
        const argv = args.map((a) => (a === 'ROOT_HINTS' ? hints : a))
        const r = await world.exec([process.execPath, BIN, c.command, ...argv, '--json'], {timeoutMs: 60_000})
        const what = `dnsx ${c.command} ${argv.join(' ')} --json (exit ${r.code}) in the namespace`
        expect([0, 1, 3], `${what}\n${r.stderr}`).toContain(r.code)
        expectValid(c.command, parse(r.stdout, what), what)
      }
    }, 180_000)
  }
})
