/**
 * The built `dnsx race` binary against the lab, as a user (or a CI pipeline) runs it: exit codes,
 * one JSON document on stdout, one error line on stderr. The command's behaviour in detail is in
 * test/unit/race/command-lab.test.ts. Set DNSX_BIN to use another build.
 */
import {spawn} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import type {RaceJson} from '../../src/lib/race/report.js'
import {BIN, ROOT, schemaValidator} from '../helpers/cli.js'

const CLI = process.env.DNSX_BIN ?? BIN
const validate = schemaValidator('race')

function dnsx(args: string[]): Promise<{code: number | null, stdout: string, stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {cwd: ROOT, env: {...process.env, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
  })
}

describe('dnsx race --lab (built CLI)', () => {
  it('v6-blackhole: exit 0, one schema-valid JSON document, IPv4 wins, IPv6 black-holed', async () => {
    const r = await dnsx(['race', 'http://v6-blackhole.race.test/', '--lab', '--probe-timeout', '400', '--json'])
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    const j = JSON.parse(r.stdout) as RaceJson
    expect(validate(j)).toEqual([])
    expect(j.winner).toMatchObject({address: '203.0.113.11', family: 'ipv4'})
    expect(j.verdicts[0]).toMatchObject({family: 'ipv6', status: 'black-holed', hiddenByFallback: true})
    expect(j.http).toMatchObject({status: 200})
  })

  it('refused.race.test port 80: exit 3, the report on stdout and one error line on stderr', async () => {
    const r = await dnsx(['race', 'refused.race.test', '--port', '80', '--lab', '--json'])
    expect(r.code).toBe(3)
    const j = JSON.parse(r.stdout) as RaceJson
    expect(validate(j)).toEqual([])
    expect(j.result).toBe('all-failed')
    expect(r.stderr).toBe('error: no connection to refused.race.test port 80: every attempt failed\n')
  })

  it('multi: a family verdict says how many of its addresses were tried', async () => {
    const r = await dnsx(['race', 'http://multi.race.test/', '--lab', '--probe-timeout', '400', '--json'])
    const j = JSON.parse(r.stdout) as RaceJson
    expect(validate(j)).toEqual([])
    const v4 = j.verdicts.find((v) => v.family === 'ipv4')!
    expect(v4).toMatchObject({status: 'black-holed', triedAddresses: 1, addresses: ['203.0.113.20', '203.0.113.21', '203.0.113.22']})
    expect(v4.message).toMatch(/^IPv4: 1 of 3 addresses tried: black-holed.*not tried: 203\.0\.113\.21, 203\.0\.113\.22$/)
    expect(j.verdicts.find((v) => v.family === 'ipv6')!.message).not.toMatch(/addresses tried/)
  })

  it('a usage error: exit 2, one line', async () => {
    const r = await dnsx(['race', 'ftp://x.test/'])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toEqual(['error: unsupported URL scheme "ftp" (use http or https)'])
  })
})
