/**
 * `dnsx anycast-probe` end to end against fake anycast instances on 127.0.0.1:
 * the command class run in-process (AnycastProbe.run) and, when the build is
 * present, the built CLI spawned as a user would (node bin/run.js). Checks the
 * JSON contract against schemas/anycast-probe.json, the text table, exit codes
 * of expectations and of silence.
 */
import fs from 'node:fs'
import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'
import AjvModule from 'ajv'
import AnycastProbe from '../../../src/commands/anycast-probe.js'
import {answerFor, startFakeServer, type Action, type FakeServer} from '../../helpers/fake-server.js'
import {BIN, ROOT, built, runCli} from '../../helpers/cli.js'

const K_AMS = 'ns1.nl-ams.k.ripe.net'
const K_TYO = 'ns2.jp-tyo.k.ripe.net'

interface Instance {
  nsid?: string
  hostname?: string
  version?: string
}

function reply(query: any, inst: Instance): Action {
  const q = query.questions[0]
  if (q.class === 'CH') {
    const name = String(q.name).toLowerCase()
    const value = name.startsWith('version.') ? inst.version : inst.hostname
    if (value === undefined) return {kind: 'reply', packet: answerFor(query, {rcode: 'REFUSED', flags: 0})}
    return {kind: 'reply', packet: answerFor(query, {answers: [{name: q.name, type: 'TXT', class: 'CH', ttl: 0, data: [value]}]})}
  }
  const opt = {type: 'OPT', name: '.', udpPayloadSize: 1232, flags: 0, options: inst.nsid === undefined ? [] : [{code: 3, data: Buffer.from(inst.nsid)}]}
  return {kind: 'reply', packet: answerFor(query, {additionals: [opt]})}
}

function validator(): (data: unknown) => string[] {
  const Ajv = AjvModule.default
  const ajv = new Ajv({allErrors: true, strict: false})
  const load = (n: string) => JSON.parse(fs.readFileSync(new URL(`../../../schemas/${n}.json`, import.meta.url), 'utf8'))
  ajv.addSchema(load('common'), 'common.json')
  const validate = ajv.compile(load('anycast-probe'))
  return (data) => (validate(data) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`))
}

/** Run the command in-process; capture stdout/stderr and the exit code it set. */
async function runInProcess(args: string[]): Promise<{result: any; stdout: string; stderr: string; code: number}> {
  const out: string[] = []
  const err: string[] = []
  const ow = process.stdout.write.bind(process.stdout)
  const ew = process.stderr.write.bind(process.stderr)
  process.exitCode = undefined
  ;(process.stdout as any).write = (c: any) => (out.push(String(c)), true)
  ;(process.stderr as any).write = (c: any) => (err.push(String(c)), true)
  let result: any
  try {
    result = await AnycastProbe.run(args, ROOT)
  } finally {
    process.stdout.write = ow
    process.stderr.write = ew
  }
  const code = Number(process.exitCode ?? 0)
  process.exitCode = undefined
  return {result, stdout: out.join(''), stderr: err.join(''), code}
}

describe('anycast-probe command (fake instances on loopback)', () => {
  let ams: FakeServer
  let flip: FakeServer
  let silent: FakeServer
  let router: FakeServer
  const validate = validator()
  beforeAll(async () => {
    ams = await startFakeServer((q) => reply(q, {nsid: K_AMS, hostname: K_AMS, version: 'NSD 4.10.0'}))
    let n = 0
    flip = await startFakeServer((q) => {
      if (q.questions[0].class !== 'CH') n++
      const id = n % 2 === 0 ? K_TYO : K_AMS
      return reply(q, {nsid: id, hostname: id})
    })
    silent = await startFakeServer(() => ({kind: 'silent'}))
    router = await startFakeServer((q) => reply(q, {hostname: 'OpenWrt', version: 'dnsmasq-2.90'}))
  })
  afterAll(async () => {
    for (const s of [ams, flip, silent, router]) await s?.close()
  })
  afterEach(() => {
    process.exitCode = undefined
  })

  it('--json: the contract fields, valid against the schema', async () => {
    const r = await runInProcess([`127.0.0.1#${ams.port}`, `127.0.0.1#${flip.port}`, '--count', '4', '--interval', '0', '--json', '--from', 'AMS'])
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout)
    expect(validate(doc)).toEqual([])
    expect(doc.targets).toHaveLength(2)
    const [a, f] = doc.targets
    for (const t of doc.targets) {
      for (const k of ['target', 'address', 'family', 'probes', 'rttMs', 'identities', 'site', 'plausibility', 'flips']) expect(t).toHaveProperty(k)
      for (const k of ['min', 'median', 'p95', 'max']) expect(typeof t.rttMs[k]).toBe('number')
      for (const k of ['nsid', 'hostname.bind', 'id.server', 'version.bind']) expect(Array.isArray(t.identities[k])).toBe(true)
    }
    expect(a).toMatchObject({address: '127.0.0.1', port: ams.port, family: 4, probes: 4, answered: 4})
    expect(a.identities).toMatchObject({nsid: [K_AMS], 'hostname.bind': [K_AMS], 'id.server': [K_AMS], 'version.bind': ['NSD 4.10.0']})
    expect(a.site).toMatchObject({code: 'NL AMS', name: 'Amsterdam', country: 'NL'})
    expect(a.plausibility.verdict).toBe('consistent')
    expect(f.flips.count).toBe(3)
    expect(f.flips.distinct.map((d: any) => d.count)).toEqual([2, 2])
    // loopback RTTs allow a few km (+100 km margin): Tokyo is impossible from Amsterdam
    expect(f.plausibility.verdict).toBe('impossible')
    expect(doc.summary).toMatchObject({targets: 2, answered: 2, flipping: 1, impossible: 1})
  })

  it('prints the table, identities under --verbose, and the client region', async () => {
    const r = await runInProcess([`127.0.0.1#${ams.port}`, '--count', '2', '--interval', '0', '--verbose', '--no-color'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/TARGET\s+ADDRESS\s+SITE\s+PLACE\s+MIN\s+MEDIAN\s+ANSWERED\s+PLAUSIBILITY\s+FLIPS/)
    expect(r.stdout).toMatch(new RegExp(`127\\.0\\.0\\.1#${ams.port}\\s+NL AMS\\s+Amsterdam, NL`))
    expect(r.stdout).toContain(`nsid            "${K_AMS}" -> RIPE NCC (K-root), NL AMS Amsterdam, NL [known] x2`)
    expect(r.stdout).toContain('version.bind    "NSD 4.10.0"')
    expect(r.stdout).toMatch(/Where this client is: the 1 site claim and their RTTs put it within \d+ km of .* \(near /)
  })

  it('exits 3 when nothing answered, and still prints the JSON document', async () => {
    const r = await runInProcess([`127.0.0.1#${silent.port}`, '--count', '1', '--timeout', '100', '--json'])
    expect(r.code).toBe(3)
    const doc = JSON.parse(r.stdout)
    expect(validate(doc)).toEqual([])
    expect(doc.targets[0].error.code).toBe('timeout')
    expect(doc.targets[0].site).toBeNull()
    expect(r.stderr).toContain('error: no target answered')
  })

  it('one silent target among answering ones is not a failure', async () => {
    const r = await runInProcess([`127.0.0.1#${silent.port}`, `127.0.0.1#${ams.port}`, '--count', '1', '--timeout', '100', '--json'])
    expect(r.code).toBe(0)
  })

  it('expectations: met -> 0; unmet -> FAIL lines and exit 1', async () => {
    const ok = await runInProcess([`127.0.0.1#${ams.port}`, '--count', '2', '--interval', '0', '--from', 'AMS', '--expect-site', 'AMS', '--expect-max-rtt', '1000', '--expect-plausible', '--json'])
    expect(ok.code).toBe(0)
    const doc = JSON.parse(ok.stdout)
    expect(doc.expectations.map((e: any) => e.ok)).toEqual([true, true, true])
    expect(validate(doc)).toEqual([])

    const bad = await runInProcess([`127.0.0.1#${flip.port}`, '--count', '2', '--interval', '0', '--from', 'AMS', '--expect-site', 'AMS', '--expect-plausible'])
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/^FAIL site=AMS \(127\.0\.0\.1\): expected AMS \(Amsterdam, NL\) or within 100 km, got .*JP TYO/m)
    expect(bad.stderr).toMatch(/^FAIL plausible \(127\.0\.0\.1\): expected a physically possible site, got impossible: /m)

    const rtt = await runInProcess([`127.0.0.1#${ams.port}`, '--count', '1', '--expect-max-rtt', '0.000001'])
    expect(rtt.code).toBe(1)
    expect(rtt.stderr).toMatch(/FAIL max-rtt=0\.000001ms \(127\.0\.0\.1\): expected median RTT <= 0\.000001 ms, got /)
  })

  it('--expect-no-interception catches a home router; the text shows the warnings', async () => {
    const r = await runInProcess([`127.0.0.1#${router.port}`, '--count', '1', '--expect-no-interception', '--no-color'])
    // 127.0.0.1 belongs to no operator: no hint, expectation met
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('unknown ("OpenWrt")')
  })

  it('--watch prints a line per site change and a summary; --watch --json is one JSON object per line', async () => {
    const text = await runInProcess([`127.0.0.1#${flip.port}`, '--watch', '--watch-duration', '600ms', '--interval', '50', '--no-chaos', '--no-color'])
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^;; watching 1 address every 50 ms/m)
    expect(text.stdout).toMatch(/127\.0\.0\.1  (NL AMS|JP TYO) "ns\d\.(nl-ams|jp-tyo)\.k\.ripe\.net" \(via nsid/)
    expect(text.stdout).toMatch(/site changed: (NL AMS|JP TYO) ".*" -> (NL AMS|JP TYO) "/)
    expect(text.stdout).toMatch(/TARGET\s+ADDRESS/)

    const json = await runInProcess([`127.0.0.1#${flip.port}`, '--watch', '--watch-duration', '600ms', '--interval', '50', '--no-chaos', '--json'])
    expect(json.code).toBe(0)
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(lines[0].event).toBe('first')
    expect(lines.some((l) => l.event === 'change' && l.siteChanged)).toBe(true)
    const summary = lines[lines.length - 1]
    expect(summary.event).toBe('summary')
    expect(validate(summary)).toEqual([])
    expect(summary.settings).toMatchObject({watch: true, count: null})
    expect(summary.targets[0].flips.count).toBeGreaterThan(0)
    expect(summary.targets[0].lost).toBe(0) // the probe cut short by the end of the watch is not counted
  })

  it('usage errors exit 2', async () => {
    for (const args of [[], ['--from', 'XXQ', '127.0.0.1'], ['--from', '91,0', '127.0.0.1'], ['not a name!'], ['127.0.0.1', '--expect-max-rtt', 'abc'], ['::1', '-4'], ['127.0.0.1', '--lab-site', 'AMS'], ['127.0.0.1', '--watch', '--watch-duration', 'soon']]) {
      const r = await runInProcess(args)
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr.trim().split('\n')).toHaveLength(1)
    }
  })
})

describe.skipIf(!built('commands/anycast-probe.js'))('the built CLI (node bin/run.js anycast-probe)', () => {
  let ams: FakeServer
  let silent: FakeServer
  beforeAll(async () => {
    ams = await startFakeServer((q) => reply(q, {nsid: K_AMS, hostname: K_AMS}))
    silent = await startFakeServer(() => ({kind: 'silent'}))
  })
  afterAll(async () => {
    await ams?.close()
    await silent?.close()
  })

  it('--json output validates and exit codes hold', async () => {
    void BIN
    const validate = validator()
    const ok = await runCli(['anycast-probe', `127.0.0.1#${ams.port}`, '--count', '3', '--interval', '10', '--json', '--from', 'AMS', '--expect-site', 'NL AMS'])
    expect(ok.code, ok.stderr).toBe(0)
    const doc = JSON.parse(ok.stdout)
    expect(validate(doc)).toEqual([])
    expect(doc.targets[0].site.code).toBe('NL AMS')
    const dead = await runCli(['anycast-probe', `127.0.0.1#${silent.port}`, '--count', '1', '--timeout', '100', '--json'])
    expect(dead.code, dead.stderr + dead.stdout).toBe(3)
    expect(validate(JSON.parse(dead.stdout))).toEqual([])
    const usage = await runCli(['anycast-probe', '--count', '0', '127.0.0.1'])
    expect(usage.code, usage.stderr).toBe(2)
    const fail = await runCli(['anycast-probe', `127.0.0.1#${ams.port}`, '--count', '1', '--expect-site', 'SYD'])
    expect(fail.code, fail.stderr).toBe(1)
    expect(fail.stderr).toContain('FAIL site=SYD')
  })
})
