import {describe, expect, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

describe('trace --dnssec expectations and problems', () => {
  it('a bogus answer is a problem, and --expect-dnssec secure fails with one FAIL line (exit 1)', async () => {
    const r = await runCli(['trace', 'www.bogus.test', '--dnssec', '--lab', '--json', '--expect-dnssec', 'secure'])
    expect(r.code).toBe(1)
    expect(r.stderr.trim()).toBe('FAIL dnssec=secure: expected secure, got bogus')
    const j = JSON.parse(r.stdout)
    expect(j.dnssec.status).toBe('bogus')
    expect(j.problems.map((p: any) => p.code)).toContain('dnssec-bogus')
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
