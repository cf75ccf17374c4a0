import {describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

describe('trace --dnssec expectations and problems; one exit-code rule (3 wins over 1)', () => {
  it('a bogus answer fails as a validating resolver fails it (exit 3, over the unmet --expect-dnssec secure)', async () => {
    const r = await runCli(['trace', 'www.bogus.test', '--dnssec', '--lab', '--json', '--expect-dnssec', 'secure'])
    expect(r.code).toBe(3)
    const lines = r.stderr.trim().split('\n')
    expect(lines[0]).toBe('FAIL dnssec=secure: expected secure, got bogus')
    expect(lines[1]).toMatch(/^error: DNSSEC: www\.bogus\.test\. A is bogus \(.+\); a validating resolver answers SERVFAIL \(--expect-dnssec bogus to expect it\)$/)
    const j = JSON.parse(r.stdout)
    expect(j.dnssec.status).toBe('bogus')
    expect(j.problems.map((p: any) => p.code)).toContain('dnssec-bogus')
  })

  it('a bogus answer that --expect-dnssec bogus expects passes (exit 0); without --dnssec nothing is validated', async () => {
    const expected = await runCli(['trace', 'www.bogus.test', '--dnssec', '--lab', '--expect-dnssec', 'bogus'])
    expect(expected.stderr).toBe('')
    expect(expected.code).toBe(0)
    const plain = await runCli(['trace', 'www.bogus.test', '--lab'])
    expect(plain.code).toBe(0)
  })

  it('could not complete wins over an unmet expectation: exit 3 with the FAIL line', async () => {
    const r = await runCli(['trace', 'www.dead.test', '--lab', '--timeout', '200', '--expect-rcode', 'NOERROR'])
    expect(r.stderr.trim()).toBe('FAIL rcode=NOERROR: expected NOERROR, got no answer')
    expect(r.code).toBe(3)
  })

  it('an expected rcode that no reply can have is exit 2 before anything is sent; names, RCODEn and numbers are one rcode', async () => {
    for (const cmd of [['trace', 'www.example.test', '--lab'], ['query', 'www.example.test', '--lab']]) {
      const bad = await runCli([...cmd, '--expect-rcode', 'NOPE'])
      expect(bad.code).toBe(2)
      expect(bad.stderr.trim()).toMatch(/^error: --expect-rcode: unknown rcode "NOPE" \(a name such as NOERROR/)
      for (const same of ['noerror', 'RCODE0', '0']) {
        const ok = await runCli([...cmd, '--json', '--expect-rcode', same])
        expect(ok.code).toBe(0)
        expect(JSON.parse(ok.stdout).expectations).toEqual([{expectation: 'rcode=NOERROR', ok: true, expected: 'NOERROR', actual: 'NOERROR'}])
      }
    }
  })

  it('a secure answer meets --expect-dnssec secure and --expect-no-problems', async () => {
    const r = await runCli(['trace', 'www.secure.test', '--dnssec', '--lab', '--expect-dnssec', 'secure', '--expect-no-problems'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
  })

  it('--expect-dnssec without --dnssec is a usage error', async () => {
    const r = await runCli(['trace', 'www.secure.test', '--lab', '--expect-dnssec', 'secure'])
    expect(r.code).toBe(2)
  })

  it('a CNAME loop cannot complete: exit 3', async () => {
    const r = await runCli(['trace', 'loop1.example.test', '--lab', '--json'])
    expect(JSON.parse(r.stdout).problems.map((p: any) => p.code)).toContain('cname-loop')
    expect(r.code).toBe(3)
  })
})
