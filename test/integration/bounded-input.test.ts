/**
 * Hostile and broken user input through the real CLI (issue 18): each ends in one line of error
 * and exit 2, never a hang, a crash, a stack trace or raw bytes on the terminal.
 */
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {runCli, type CliResult} from '../helpers/cli.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnsx-input-'))
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))
const file = (name: string, data: string | Buffer) => {
  const p = path.join(dir, name)
  fs.writeFileSync(p, data)
  return p
}

/** Exit 2 with exactly one line on stderr matching `re`, and no control bytes in it. */
function usage(r: CliResult, re: RegExp): void {
  expect(r.code, r.stderr).toBe(2)
  const lines = r.stderr.trimEnd().split('\n')
  expect(lines, r.stderr).toHaveLength(1)
  expect(lines[0]).toMatch(re)
  expect(r.stderr.trimEnd()).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/)
}

describe('files', () => {
  it('--root-hints /dev/zero is refused before a byte is read', async () => {
    usage(await runCli(['trace', '--lab', '--root-hints', '/dev/zero', 'www.example.test']), /^error: cannot read root hints \/dev\/zero: it is a device, not a regular file$/)
  })

  it('a root hints file over 1 MiB is refused at once', async () => {
    usage(await runCli(['trace', '--lab', '--root-hints', file('big.hints', '; x\n'.repeat(700_000)), 'www.example.test']), /is larger than 1 MiB$/)
  })

  it('a binary names file gives one line, without echoing its bytes', async () => {
    const bin = Buffer.concat([Buffer.from('\u007fELF\u001b[2J\u001b]0;pwned\u0007'), Buffer.alloc(8), Buffer.from('\n')])
    usage(await runCli(['trace', '--lab', '--file', file('bin.names', bin)]), /^error: names file .*bin\.names line 1 is not text \(a NUL octet at offset \d+\): is it a binary file\?$/)
  })

  it('an empty names file is exit 2', async () => {
    usage(await runCli(['trace', '--lab', '--file', file('empty.names', '# nothing\n\n')]), /has no names/)
  })

  it('a NUL byte inside a name in a names file is refused before any query', async () => {
    const r = await runCli(['trace', '--lab', '--file', file('nul.names', 'www.example.test\na\u0000b.example.test\n')])
    usage(r, /line 2 is not text/)
    expect(r.stdout).toBe('')
  })

  it('a names line with escapes in it is shown escaped', async () => {
    usage(await runCli(['trace', '--lab', '--file', file('ctl.names', 'a\u001b[31mb.test A extra\n')]), /^error: names file line 1: expected "NAME \[TYPE\]", got "a\\027\[31mb\.test A extra"$/)
  })

  it('a trust anchor with an entity for its key tag is exit 2', async () => {
    const xml = '<TrustAnchor><Zone>.</Zone><KeyDigest id="K"><KeyTag>&lol9;</KeyTag><Algorithm>8</Algorithm><DigestType>2</DigestType><Digest>00</Digest></KeyDigest></TrustAnchor>'
    usage(await runCli(['trace', '--lab', '--dnssec', '--trust-anchor', file('ta.xml', xml), 'www.example.test']), /KeyTag "&lol9;" is not a number/)
  })

  it('a YAML alias bomb in a check file is exit 2, not an internal error', async () => {
    const levels = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for (let i = 1; i < 9; i++) levels.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill('*' + String.fromCharCode(96 + i)).join(',')}]`)
    usage(await runCli(['check', file('bomb.yaml', levels.join('\n') + '\nchecks: []\n')]), /bomb\.yaml:1: invalid YAML: .*aliases may expand to at most 1000 nodes/)
  })

  it('a check file nested 100,000 deep is refused at once', async () => {
    usage(await runCli(['check', file('deep.yaml', 'checks: ' + '['.repeat(100_000) + ']'.repeat(100_000) + '\n')]), /deep\.yaml:1: nested more than 64 levels deep/)
  })
})

describe('addresses', () => {
  it('@999.1.1.1 is an invalid IP literal, not a host name', async () => {
    usage(await runCli(['query', 'example.test', '@999.1.1.1']), /^error: server "999\.1\.1\.1" is not a valid IP address$/)
  })

  it('anycast-probe 999.999.1.1 likewise', async () => {
    usage(await runCli(['anycast-probe', '999.999.1.1']), /^error: target "999\.999\.1\.1" is not a valid IP address$/)
  })

  it('dig\'s order works too: query @SERVER NAME TYPE', async () => {
    const r = await runCli(['query', '@192.0.2.53', 'www.example.test', 'A', '--lab', '--json'])
    expect(r.code, r.stderr).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({query: {name: 'www.example.test.', server: {address: '192.0.2.53'}}})
  })
})

describe('no error echoes raw control bytes', () => {
  for (const args of [['query', 'x.test', 'A\u001b[31m', '--lab'], ['race', 'http://x\u001b]0;t\u0007.test/'], ['trace', 'x\u001b[2J.test', '--lab']]) {
    it(args.join(' ').replace(/[\u0000-\u001f]/g, '?'), async () => {
      const r = await runCli(args)
      usage(r, /^error: .*\\027/)
    })
  }
})
