/**
 * `dnsx trace` against the lab (src/lib/lab/world.ts), as a user runs it: the built CLI, real
 * exit codes and streams, real packets on loopback. One scenario of the world per test; every
 * JSON document is validated against schemas/trace.json on the way (see `trace()`).
 *
 * Issue 3 "Tests": every classification, each limit, referral and CNAME loops, an upward
 * referral, out-of-bailiwick glue that must be ignored, a glueless delegation, a lame and a
 * dead delegation, a truncated answer that needs TCP, DNSSEC secure/insecure/bogus, and
 * hostile servers that must neither crash, hang nor mislead dnsx.
 *
 * Timing: only generous upper bounds. Dead servers are asked with --timeout 600 (each dead
 * address costs two tries), so the whole file stays fast; the lab's latencies are 5-150 ms.
 */
import {spawnSync} from 'node:child_process'
import {rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, it} from 'vitest'
import {available, BIN, runCli, schemaValidator} from '../helpers/cli.js'

const validateTrace = schemaValidator('trace')

interface Rec {name: string, type: string, class: string, ttl: number, data: string}
interface Step {
  index: number, depth: number, purpose: string, for?: string, zone: string | null, qname: string, qtype: string,
  server: {name: string | null, address: string}, transport: string, transportReason: string, rttMs: number | null,
  retries?: number, ednsFallback?: boolean, ignored?: {count: number, reasons: string[]},
  rcode: string | null, aa: boolean | null, kind: string, detail: string,
  referral?: {zone: string, ns: {name: string, label: string, glue: string[]}[]}, records?: Rec[], soa?: Rec
}
interface Problem {code: string, zone: string | null, server: string | null, message: string}
interface TraceJson {
  name: string, type: string, kind: string, steps: Step[],
  answer: {rcode: string, authoritative: boolean, zone: string | null, server: {name: string | null, address: string} | null, records: Rec[]} | null
  problems: Problem[]
  stats: {queries: number, nsLookups: number, referrals: number, cnames: number, elapsedMs: number, limitHit: string | null}
  servers: {address: string, name: string | null, zone: string | null, queries: number, rttMs: {min: number | null, median: number | null, max: number | null}, outcomes: Record<string, number>}[]
  dnssec?: any
  recursive?: any
  expectations?: {expectation: string, ok: boolean, expected: string, actual: string}[]
}

/** Parse and validate one trace document: a schema violation fails the test that made it. */
function parseTrace(text: string, what: string): TraceJson {
  let j: TraceJson
  try {
    j = JSON.parse(text)
  } catch (err) {
    throw new Error(`${what}: stdout is not one JSON document (${(err as Error).message}):\n${text.slice(0, 2000)}`)
  }
  const errors = validateTrace(j)
  if (errors.length) throw new Error(`${what}: JSON does not validate against schemas/trace.json:\n${errors.join('\n')}`)
  return j
}

/** `dnsx trace ARGS --lab --json`: exit code, the validated document, stderr. */
async function trace(...args: string[]): Promise<{code: number | null, j: TraceJson, stderr: string}> {
  const r = await runCli(['trace', ...args, '--lab', '--json'])
  if (r.stderr.includes('internal error') || /\n\s+at /.test(r.stderr)) throw new Error(`dnsx crashed:\n${r.stderr}`)
  return {code: r.code, j: parseTrace(r.stdout, `trace ${args.join(' ')}`), stderr: r.stderr}
}

/** Human output (NO_COLOR is set by runCli). */
async function traceText(...args: string[]) {
  return runCli(['trace', ...args, '--lab'])
}

const codes = (j: TraceJson) => j.problems.map((p) => p.code)
const records = (j: TraceJson) => (j.answer?.records ?? []).map((r) => `${r.name} ${r.type} ${r.data}`)
const main = (j: TraceJson) => j.steps.filter((s) => s.purpose === 'main')
const walk = (j: TraceJson) => main(j).map((s) => `${s.zone ?? '(start)'} ${s.kind}${s.aa ? ' AA' : ''}`)
const DEAD = ['--timeout', '600']

describe.concurrent('trace --lab: answers, CNAME/DNAME chains, negative answers', () => {
  it('follows referrals with glue to an authoritative answer, AA marked at every step', async ({expect}) => {
    const {code, j} = await trace('www.example.test')
    expect(code).toBe(0)
    expect(j).toMatchObject({name: 'www.example.test.', type: 'A', kind: 'answer', problems: []})
    expect(j.answer).toMatchObject({rcode: 'NOERROR', authoritative: true, zone: 'example.test.', server: {name: 'ns1.example.test.', address: '192.0.2.20'}})
    // Every record says whether it came in an authoritative reply, and from whom.
    expect(j.answer!.records).toEqual([{name: 'www.example.test.', type: 'A', class: 'IN', ttl: 3600, data: '192.0.2.80', aa: true, server: {name: 'ns1.example.test.', address: '192.0.2.20'}}])
    // Priming (RFC 9609): NS . from a root letter, authoritative.
    expect(j.steps[0]).toMatchObject({purpose: 'prime', zone: '.', qname: '.', qtype: 'NS', kind: 'answer', aa: true, rcode: 'NOERROR', transport: 'udp', transportReason: 'udp'})
    expect(walk(j)).toEqual(['. referral', 'test. referral', 'example.test. answer AA'])
    for (const s of j.steps) expect(s.rttMs).toBeGreaterThan(0)
    expect(main(j)[1].referral).toEqual({
      zone: 'example.test.',
      ns: [{name: 'ns1.example.test.', label: 'in-domain', glue: ['192.0.2.20', '2001:db8::20']}, {name: 'ns2.example.test.', label: 'in-domain', glue: ['192.0.2.21', '2001:db8::21']}],
    })
    expect(j.stats).toMatchObject({queries: 4, referrals: 2, nsLookups: 0, cnames: 0, limitHit: null})
    expect(j.servers.map((s) => s.address)).toEqual(['192.0.2.1', '192.0.2.10', '192.0.2.20'])
  })

  it('follows a CNAME into another zone from the closest known cut (shop → cdn.other.test)', async ({expect}) => {
    const {code, j} = await trace('shop.example.test')
    expect(code).toBe(0)
    expect(records(j)).toEqual(['shop.example.test. CNAME cdn.other.test.', 'cdn.other.test. A 192.0.2.86'])
    expect(j.answer).toMatchObject({authoritative: true, zone: 'other.test.', server: {name: 'ns1.other.test.', address: '192.0.2.30'}})
    // After the CNAME the walk restarts at test. (already known), not at the root.
    expect(walk(j)).toEqual(['. referral', 'test. referral', 'example.test. cname AA', 'test. referral', 'other.test. answer AA'])
    expect(main(j)[2].records).toEqual([expect.objectContaining({type: 'CNAME', data: 'cdn.other.test.'})])
    expect(j.stats.cnames).toBe(1)
  })

  it('shows the CNAME-crossing trace in text: AA per step and an authoritative final line', async ({expect}) => {
    const r = await traceText('shop.example.test')
    expect(r.code).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).toMatch(/^;; dnsx trace shop\.example\.test\. A$/m)
    expect(r.stdout).toMatch(/example\.test\. shop\.example\.test\. A @ ns1\.example\.test\. \(192\.0\.2\.20\)\n\s+udp [\d.]+ ms NOERROR AA → cname: CNAME to cdn\.other\.test\./)
    expect(r.stdout).toMatch(/NOERROR no-AA → referral: referral to other\.test\.: ns1\.other\.test\. \[in-domain, glue 192\.0\.2\.30 2001:db8::30\]/)
    expect(r.stdout).toContain(';; ANSWER NOERROR, authoritative from ns1.other.test. (192.0.2.30), zone other.test.')
    expect(r.stdout).toContain('shop.example.test.\t3600\tIN\tCNAME\tcdn.other.test.\ncdn.other.test.\t3600\tIN\tA\t192.0.2.86')
  })

  it('takes an in-zone CNAME target from the same reply (alias → host)', async ({expect}) => {
    const {j} = await trace('alias.example.test')
    expect(records(j)).toEqual(['alias.example.test. CNAME host.example.test.', 'host.example.test. A 192.0.2.82'])
    expect(j.answer!.authoritative).toBe(true)
    expect(j.stats.queries).toBe(4)
  })

  it('follows a chain of three CNAMEs: the whole chain, then the target', async ({expect}) => {
    const {j} = await trace('chain.example.test')
    expect(records(j)).toEqual([
      'chain.example.test. CNAME chain2.example.test.',
      'chain2.example.test. CNAME chain3.example.test.',
      'chain3.example.test. CNAME www.example.test.',
      'www.example.test. A 192.0.2.80',
    ])
    expect(j.stats.cnames).toBe(3)
    expect(j.answer!.authoritative).toBe(true)
  })

  it('follows a DNAME, keeping the DNAME and its synthesized CNAME in the chain', async ({expect}) => {
    const {j} = await trace('www.legacy.example.test')
    expect(j.kind).toBe('answer')
    expect(records(j)).toEqual(['legacy.example.test. DNAME example.test.', 'www.legacy.example.test. CNAME www.example.test.', 'www.example.test. A 192.0.2.80'])
    expect(main(j).at(-1)).toMatchObject({kind: 'dname', aa: true})
  })

  it('answers from a wildcard with the name asked', async ({expect}) => {
    const {j} = await trace('anything.wild.example.test')
    expect(records(j)).toEqual(['anything.wild.example.test. A 192.0.2.84'])
    expect(j.answer!.authoritative).toBe(true)
  })

  it('gives NODATA (NOERROR, no records) authoritatively', async ({expect}) => {
    const {code, j} = await trace('a-only.example.test', 'AAAA')
    expect(code).toBe(0)
    expect(j.kind).toBe('nodata')
    expect(j.answer).toMatchObject({rcode: 'NOERROR', authoritative: true, records: []})
    expect(main(j).at(-1)).toMatchObject({kind: 'nodata', aa: true, rcode: 'NOERROR', soa: {name: 'example.test.', type: 'SOA', ttl: 300}})
    expect(main(j).at(-1)!.soa!.data).toMatch(/ 300$/)
  })

  it('gives NXDOMAIN authoritatively', async ({expect}) => {
    const {code, j} = await trace('nxdomain.example.test')
    expect(code).toBe(0)
    expect(j.kind).toBe('nxdomain')
    expect(j.answer).toMatchObject({rcode: 'NXDOMAIN', authoritative: true, records: [], server: {address: '192.0.2.20'}})
    expect(main(j).at(-1)).toMatchObject({kind: 'nxdomain', aa: true, rcode: 'NXDOMAIN', soa: {name: 'example.test.', type: 'SOA'}})
  })

  it('detects a CNAME loop and stops', async ({expect}) => {
    const {j} = await trace('loop1.example.test')
    expect(j.kind).toBe('error')
    expect(codes(j)).toEqual(['cname-loop'])
    expect(j.problems[0].message).toContain('loop1.example.test. → loop2.example.test. → loop1.example.test.')
    expect(records(j)).toEqual(['loop1.example.test. CNAME loop2.example.test.', 'loop2.example.test. CNAME loop1.example.test.'])
    expect(j.answer!.authoritative).toBe(false)
    expect(j.stats.queries).toBeLessThan(10)
  })
})

describe.concurrent('trace --lab: transport', () => {
  it('retries over TCP when the answer is truncated (big TXT)', async ({expect}) => {
    const {j} = await trace('big.example.test', 'TXT')
    const last = main(j).at(-1)!
    expect(last).toMatchObject({transport: 'tcp', transportReason: 'tcp after TC', kind: 'answer', aa: true})
    expect(j.answer!.records).toHaveLength(1)
    const strings = j.answer!.records[0].data.match(/"[^"]*"/g)!
    expect(strings.map((s) => s.length - 2)).toEqual([250, 250, 250, 250, 250, 250])
    // Referrals stayed on UDP.
    expect(main(j).slice(0, -1).every((s) => s.transport === 'udp')).toBe(true)
  })

  it('uses TCP with a server that always truncates (tc.test)', async ({expect}) => {
    const {j} = await trace('www.tc.test')
    expect(main(j).at(-1)).toMatchObject({transport: 'tcp', transportReason: 'tcp after TC'})
    // A switch to TCP after TC is not a retry.
    expect(main(j).at(-1)!.retries ?? 0).toBe(0)
    expect(records(j)).toEqual(['www.tc.test. A 192.0.2.124'])
    expect(j.answer!.authoritative).toBe(true)
  })

  it('-4 and -6 use only that family, the final answer included', async ({expect}) => {
    const [v4, v6] = await Promise.all([trace('www.example.test', 'AAAA', '-4'), trace('www.example.test', 'AAAA', '-6')])
    expect(v4.j.steps.every((s) => !s.server.address.includes(':'))).toBe(true)
    expect(v6.j.steps.every((s) => s.server.address.includes(':'))).toBe(true)
    expect(v6.j.answer).toMatchObject({authoritative: true, server: {address: '2001:db8::20'}})
    expect(records(v4.j)).toEqual(['www.example.test. AAAA 2001:db8:a::80'])
    expect(records(v6.j)).toEqual(records(v4.j))
  })

  it('-6 says so when a zone has only IPv4 servers', async ({expect}) => {
    const {code, j} = await trace('www.lame.test', '-6')
    expect(code).toBe(3)
    expect(codes(j)).toEqual(['no-servers', 'zone-unreachable'])
    expect(j.problems[0].message).toMatch(/lame\.test\. over IPv6/)
  })
})

describe.concurrent('trace --lab: delegations and glue', () => {
  it('resolves a glueless NS in a nested sub-trace, and ignores out-of-bailiwick glue', async ({expect}) => {
    const {code, j} = await trace('www.child.bailiwick.test')
    expect(code).toBe(0)
    expect(records(j)).toEqual(['www.child.bailiwick.test. A 192.0.2.96'])
    expect(j.answer).toMatchObject({authoritative: true, zone: 'child.bailiwick.test.', server: {name: 'ns1.other.test.', address: '192.0.2.30'}})
    const referral = main(j).find((s) => s.referral?.zone === 'child.bailiwick.test.')!
    expect(referral.referral!.ns).toEqual([{name: 'ns1.other.test.', label: 'glueless', glue: []}, {name: 'ns2.other.test.', label: 'glueless', glue: []}])
    // The sub-trace: depth 1, shown and counted.
    const nested = j.steps.filter((s) => s.purpose === 'ns-address')
    expect(nested.map((s) => `${s.depth} ${s.for} ${s.zone} ${s.kind}${s.aa ? ' AA' : ''}`)).toEqual(['1 ns1.other.test. test. referral', '1 ns1.other.test. other.test. answer AA'])
    expect(j.stats.nsLookups).toBe(1)
    // The referral's bait (www.example.test A 203.0.113.66) is reported and never used.
    expect(j.problems).toEqual([expect.objectContaining({code: 'out-of-bailiwick-glue', zone: 'child.bailiwick.test.', server: '192.0.2.50', message: expect.stringContaining('203.0.113.66')})])
    expect(JSON.stringify(j.answer)).not.toContain('203.0.113.66')
    expect(j.steps.some((s) => s.server.address === '203.0.113.66')).toBe(false)
  })

  it('shows the nested sub-trace in text, indented and labelled', async ({expect}) => {
    const r = await traceText('www.child.bailiwick.test')
    expect(r.stdout).toMatch(/^ {4}\s*\d+ test\. ns1\.other\.test\. A @ ns1\.nic\.test\. \(192\.0\.2\.10\) \[resolving NS ns1\.other\.test\.\]$/m)
    expect(r.stdout).toMatch(/⚠ \[out-of-bailiwick-glue\] ignored out-of-bailiwick record www\.example\.test\. A 203\.0\.113\.66/)
  })

  it('resolves a glueless delegation (glueless.test) with a nested sub-trace for its NS name', async ({expect}) => {
    const {j} = await trace('www.glueless.test')
    expect(records(j)).toEqual(['www.glueless.test. A 192.0.2.90'])
    expect(j.answer).toMatchObject({authoritative: true, zone: 'glueless.test.'})
    const referral = main(j).find((s) => s.referral?.zone === 'glueless.test.')!
    expect(referral.referral!.ns.map((n) => `${n.name} ${n.label}`)).toEqual(['dns1.example.test. glueless', 'dns2.example.test. glueless'])
    const nested = j.steps.filter((s) => s.purpose === 'ns-address')
    expect(nested.length).toBeGreaterThan(0)
    expect(nested.every((s) => s.depth === 1 && s.for === 'dns1.example.test.')).toBe(true)
    expect(j.stats.nsLookups).toBe(1)
  })

  it('calls an in-domain NS without glue a dead end, asking nobody', async ({expect}) => {
    const {code, j} = await trace('www.noglue.test')
    expect(code).toBe(3)
    expect(j.kind).toBe('error')
    expect(j.answer).toBeNull()
    expect(j.problems.map((p) => `${p.code} ${p.zone} ${p.server}`)).toEqual(['in-domain-ns-without-glue noglue.test. ns1.noglue.test', 'zone-unreachable noglue.test. null'])
    expect(j.steps.some((s) => s.zone === 'noglue.test.')).toBe(false)
  })

  it('starts below the root with --server (no priming, zone unknown)', async ({expect}) => {
    const {j} = await trace('www.example.test', '--server', '192.0.2.10')
    expect(j.steps[0]).toMatchObject({purpose: 'main', zone: null, server: {name: null, address: '192.0.2.10'}, kind: 'referral'})
    expect(j.steps.some((s) => s.purpose === 'prime')).toBe(false)
    expect(j.answer).toMatchObject({authoritative: true, server: {address: '192.0.2.20'}})
    expect(records(j)).toEqual(['www.example.test. A 192.0.2.80'])
    expect(j.stats.queries).toBe(2)
  })

  it('--qmin reveals one label per cut (QTYPE A), also in nested sub-traces, with the same answer', async ({expect}) => {
    const [plain, q, nested] = await Promise.all([trace('shop.example.test', 'AAAA'), trace('shop.example.test', 'AAAA', '--qmin'), trace('www.child.bailiwick.test', '--qmin')])
    expect(main(q.j).map((s) => `${s.zone} ${s.qname} ${s.qtype}`)).toEqual([
      '. test. A',
      'test. example.test. A',
      'example.test. shop.example.test. AAAA',
      'test. other.test. A',
      'other.test. cdn.other.test. AAAA',
    ])
    expect(q.j.answer!.records).toEqual(plain.j.answer!.records)
    expect(q.j.problems).toEqual([])
    expect(nested.j.steps.filter((s) => s.purpose === 'ns-address').map((s) => `${s.qname} ${s.qtype}`)).toEqual(['other.test. A', 'ns1.other.test. A'])
    expect(records(nested.j)).toEqual(['www.child.bailiwick.test. A 192.0.2.96'])
  })
})

describe.concurrent('trace --lab: lame, dead and pathological servers', () => {
  it('names a lame delegation (REFUSED): exit 3, no answer', async ({expect}) => {
    const {code, j} = await trace('www.lame.test')
    expect(code).toBe(3)
    expect(j.kind).toBe('error')
    expect(j.answer).toBeNull()
    expect(main(j).at(-1)).toMatchObject({zone: 'lame.test.', server: {name: 'ns1.lame.test.', address: '192.0.2.40'}, rcode: 'REFUSED', aa: false, kind: 'lame'})
    expect(j.problems.map((p) => `${p.code} ${p.zone} ${p.server}`)).toEqual(['lame-refused lame.test. 192.0.2.40', 'zone-unreachable lame.test. null'])
  })

  it('shows the lame delegation in text as a warning and a failed final line', async ({expect}) => {
    const r = await traceText('www.lame.test')
    expect(r.code).toBe(3)
    expect(r.stdout).toMatch(/udp [\d.]+ ms REFUSED no-AA → lame: answered REFUSED/)
    expect(r.stdout).toContain('⚠ [lame-refused] ns1.lame.test. (192.0.2.40) is lame for lame.test.: answered REFUSED')
    expect(r.stdout).toContain(';; no answer: no server of lame.test. gave a usable answer for www.lame.test. A')
  })

  it('keeps a non-authoritative answer from a no-AA server, marked as such', async ({expect}) => {
    const {code, j} = await trace('www.noaa.test')
    expect(code).toBe(0)
    expect(j.answer).toMatchObject({authoritative: false, server: {address: '192.0.2.41'}})
    expect(records(j)).toEqual(['www.noaa.test. A 192.0.2.91'])
    expect(main(j).at(-1)).toMatchObject({kind: 'lame', aa: false, rcode: 'NOERROR'})
    expect(codes(j)).toEqual(['lame-no-aa', 'non-authoritative-answer'])
  })

  it('names a dead delegation: every server times out, exit 3, no hang', async ({expect}) => {
    const {code, j} = await trace('www.dead.test', ...DEAD)
    expect(code).toBe(3)
    expect(j.answer).toBeNull()
    const dead = main(j).filter((s) => s.zone === 'dead.test.')
    expect(dead.map((s) => `${s.server.address} ${s.kind} ${s.rttMs} ${s.rcode} ${s.aa}`)).toEqual(['192.0.2.42 timeout null null null', '192.0.2.43 timeout null null null'])
    expect(j.problems.map((p) => `${p.code} ${p.server}`)).toEqual(['server-timeout 192.0.2.42', 'server-timeout 192.0.2.43', 'zone-unreachable null'])
    expect(j.stats.elapsedMs).toBeLessThan(10_000)
  })

  it('moves on from a dead server to a live one of the same zone (partial.test)', async ({expect}) => {
    const {code, j} = await trace('www.partial.test', ...DEAD)
    expect(code).toBe(0)
    expect(j.answer).toMatchObject({authoritative: true, server: {name: 'ns2.partial.test.', address: '192.0.2.45'}})
    expect(records(j)).toEqual(['www.partial.test. A 192.0.2.93'])
    expect(j.problems.map((p) => `${p.code} ${p.server}`)).toEqual(['server-timeout 192.0.2.44'])
  })

  it('detects a referral loop (deep.loop.test between a.loop and b.loop)', async ({expect}) => {
    const {code, j} = await trace('www.deep.loop.test')
    expect(code).toBe(3)
    expect(walk(j)).toEqual(['. referral', 'test. referral', 'loop.test. referral', 'deep.loop.test. lame'])
    expect(j.problems.map((p) => `${p.code} ${p.server}`)).toEqual(['referral-loop 192.0.2.47', 'zone-unreachable null'])
    expect(j.stats.queries).toBeLessThan(10)
  })

  it('rejects an upward referral (back to the root)', async ({expect}) => {
    const {code, j} = await trace('www.up.test')
    expect(code).toBe(3)
    expect(main(j).at(-1)).toMatchObject({zone: 'up.test.', kind: 'lame', aa: false})
    expect(j.problems.map((p) => `${p.code} ${p.server}`)).toEqual(['upward-referral 192.0.2.48', 'zone-unreachable null'])
    expect(j.problems[0].message).toContain('upward referral to . from up.test')
  })

  it('follows a referral with the AA flag set, and reports it as a warning', async ({expect}) => {
    const {code, j} = await trace('www.sub.aaref.test')
    expect(code).toBe(0)
    expect(main(j).find((s) => s.zone === 'aaref.test.')).toMatchObject({kind: 'referral', aa: true})
    expect(j.answer).toMatchObject({authoritative: true, zone: 'sub.aaref.test.'})
    expect(j.problems.map((p) => `${p.code} ${p.server}`)).toEqual(['aa-on-referral 192.0.2.49'])
  })
})

describe.concurrent('trace --lab: hostile servers neither crash, hang nor mislead', () => {
  it('garbage: malformed replies are ignored and counted, never an answer', async ({expect}) => {
    const {code, j} = await trace('www.garbage.test', ...DEAD)
    expect(code).toBe(3)
    expect(j.answer).toBeNull()
    const step = main(j).at(-1)!
    expect(step).toMatchObject({server: {address: '192.0.2.61'}, kind: 'timeout'})
    expect(step.ignored!.count).toBeGreaterThanOrEqual(1)
    expect(step.ignored!.reasons.join(' ')).toMatch(/malformed/)
    expect(j.problems.map((p) => `${p.code} ${p.server}`)).toEqual(['server-timeout 192.0.2.61', 'zone-unreachable null'])
    expect(j.problems[0].message).toMatch(/no acceptable reply from 192\.0\.2\.61 port 53 in \d+ ms \(\d+ malformed ignored\)$/)
  })

  it('spoof: the wrong-ID reply that comes first is ignored; the real answer wins', async ({expect}) => {
    const {code, j} = await trace('www.spoof.test')
    expect(code).toBe(0)
    expect(records(j)).toEqual(['www.spoof.test. A 192.0.2.121'])
    expect(JSON.stringify(j.answer)).not.toContain('203.0.113.66')
    expect(main(j).at(-1)!.ignored).toEqual({count: 1, reasons: [expect.stringMatching(/^wrong ID/)]})
  })

  it('formerr: FORMERR to EDNS, then the answer without EDNS', async ({expect}) => {
    const {code, j} = await trace('www.formerr.test')
    expect(code).toBe(0)
    expect(records(j)).toEqual(['www.formerr.test. A 192.0.2.122'])
    expect(main(j).at(-1)).toMatchObject({ednsFallback: true, aa: true, kind: 'answer'})
    expect(main(j).at(-1)!.retries ?? 0).toBe(0)
    expect(j.problems).toEqual([])
  })

  it('lossy: lost queries are retried; a name is answered right or reported unreachable, never wrong', async ({expect}) => {
    // One lab, one shared cache, one name at a time: the seeded loss hits some queries twice
    // in a row (unreachable after the retry) and some once (answered on the retry).
    const file = path.join(tmpdir(), `dnsx-lossy-${process.pid}.txt`)
    writeFileSync(file, 'www.lossy.test\nlossy.test SOA\nwww.lossy.test\nlossy.test NS\nwww.lossy.test A\n')
    const r = await runCli(['trace', '--file', file, '--lab', '--json', '--concurrency', '1', '--timeout', '1000'])
    rmSync(file, {force: true})
    const docs = r.stdout.trim().split('\n').map((l, i) => parseTrace(l, `lossy line ${i + 1}`))
    expect(docs).toHaveLength(5)
    for (const d of docs) {
      if (d.kind === 'error') {
        expect(d.answer).toBeNull()
        expect(codes(d).every((c) => c === 'server-timeout' || c === 'zone-unreachable')).toBe(true)
      } else {
        expect(d.answer!.authoritative).toBe(true)
        if (d.type === 'A') expect(records(d)).toEqual(['www.lossy.test. A 192.0.2.123'])
        if (d.type === 'NS') expect(records(d)).toEqual(['lossy.test. NS ns1.lossy.test.'])
      }
    }
    const lossySteps = docs.flatMap((d) => main(d).filter((s) => s.zone === 'lossy.test.'))
    expect(lossySteps.some((s) => s.kind === 'answer' && (s.retries ?? 0) >= 1)).toBe(true)
    expect(docs.filter((d) => d.kind !== 'error').length).toBeGreaterThanOrEqual(3)
  })
})

describe.concurrent('trace --lab --all: every server of every cut', () => {
  it('finds nothing wrong with a healthy delegation, and times every server', async ({expect}) => {
    const {code, j} = await trace('www.example.test', '--all')
    expect(code).toBe(0)
    expect(j.problems).toEqual([])
    expect(records(j)).toEqual(['www.example.test. A 192.0.2.80'])
    // Every root letter, TLD and example.test address was asked (both families).
    const asked = new Set(j.steps.map((s) => s.server.address))
    for (const a of ['192.0.2.1', '2001:db8::1', '192.0.2.2', '2001:db8::2', '192.0.2.3', '2001:db8::3', '192.0.2.10', '2001:db8::11', '192.0.2.20', '2001:db8::21']) expect(asked.has(a)).toBe(true)
    for (const s of j.servers) {
      expect(s.rttMs.min).toBeGreaterThan(0)
      expect(s.rttMs.min!).toBeLessThanOrEqual(s.rttMs.median!)
      expect(s.rttMs.median!).toBeLessThanOrEqual(s.rttMs.max!)
    }
    expect(j.steps.filter((s) => s.purpose === 'child-ns').every((s) => s.aa === true)).toBe(true)
  })

  it('shows the per-server RTT table in text', async ({expect}) => {
    const r = await traceText('www.example.test', '--all')
    expect(r.stdout).toMatch(/;; \d+ servers:/)
    expect(r.stdout).toMatch(/^ {3}zone\s+server\s+queries\s+RTT ms min \/ median \/ max\s+outcomes$/m)
    expect(r.stdout).toMatch(/^ {3}example\.test\.\s+ns2\.example\.test\. 2001:db8::21\s+\d+\s+[\d.]+ \/ [\d.]+ \/ [\d.]+\s+\S/m)
  })

  it('reports a parent/child NS mismatch', async ({expect}) => {
    const {j} = await trace('mismatch.test', 'NS', '--all')
    expect(records(j)).toEqual(['mismatch.test. NS ns1.mismatch.test.', 'mismatch.test. NS ns3.mismatch.test.'])
    const mm = j.problems.filter((p) => p.code === 'ns-mismatch')
    expect(mm.map((p) => p.server)).toEqual(['192.0.2.54', '192.0.2.55'])
    expect(mm[0].message).toBe('parent lists NS {ns1.mismatch.test., ns2.mismatch.test.} but ns1.mismatch.test. (192.0.2.54) lists {ns1.mismatch.test., ns3.mismatch.test.}')
    expect(codes(j)).toEqual(['ns-mismatch', 'ns-mismatch'])
  })

  it('reports glue that differs from the authoritative address', async ({expect}) => {
    const {j} = await trace('www.glue.test', '--all')
    expect(codes(j)).toEqual(['glue-mismatch'])
    expect(j.problems[0]).toMatchObject({zone: 'glue.test.', message: 'glue for ns1.glue.test. is 192.0.2.57 but ns1.glue.test. (192.0.2.57) says 192.0.2.58'})
    expect(records(j)).toEqual(['www.glue.test. A 192.0.2.98'])
  })

  it('reports servers of one zone that disagree', async ({expect}) => {
    const {j} = await trace('www.disagree.test', '--all')
    expect(codes(j)).toEqual(['servers-disagree'])
    expect(j.problems[0].message).toMatch(/192\.0\.2\.59\) → answer A "192\.0\.2\.88".*192\.0\.2\.60\) → answer A "192\.0\.2\.89"/)
    expect(j.servers.filter((s) => s.zone === 'disagree.test.').map((s) => s.address).sort()).toEqual(['192.0.2.59', '192.0.2.60'])
  })

  it('names lame servers at a cut the same way as without --all', async ({expect}) => {
    const [lame, noaa, partial] = await Promise.all([trace('www.lame.test', '--all'), trace('www.noaa.test', '--all'), trace('www.partial.test', '--all', ...DEAD)])
    expect(codes(lame.j)).toEqual(['lame-refused', 'zone-unreachable'])
    expect(noaa.j.answer).toMatchObject({authoritative: false, records: [expect.objectContaining({data: '192.0.2.91'})]})
    expect(codes(noaa.j)).toEqual(['lame-no-aa', 'lame-no-aa', 'non-authoritative-answer'])
    expect(partial.j.answer).toMatchObject({authoritative: true, server: {address: '192.0.2.45'}})
    expect(codes(partial.j)).toEqual(['server-timeout'])
    // The glue check went to the live server, not the dead one.
    expect(partial.j.steps.filter((s) => s.purpose === 'child-address' && s.zone === 'partial.test.').every((s) => s.server.address === '192.0.2.45')).toBe(true)
  })
})

describe.concurrent('trace --lab: limits are reported, never a hang', () => {
  it('--max-queries', async ({expect}) => {
    const {code, j} = await trace('www.example.test', '--max-queries', '3')
    expect(code).toBe(3)
    expect(j).toMatchObject({kind: 'error', answer: null, stats: {queries: 3, limitHit: 'queries'}})
    expect(j.steps).toHaveLength(3)
    expect(j.problems).toEqual([{code: 'limit-queries', zone: null, server: null, message: 'stopped after 3 queries (limit 3)'}])
  })

  it('--max-referrals', async ({expect}) => {
    const {code, j} = await trace('www.example.test', '--max-referrals', '1')
    expect(code).toBe(3)
    expect(j.stats.limitHit).toBe('referrals')
    expect(codes(j)).toEqual(['limit-referrals'])
  })

  it('--max-cnames', async ({expect}) => {
    const [short, zero] = await Promise.all([trace('chain.example.test', '--max-cnames', '2'), trace('shop.example.test', '--max-cnames', '0')])
    expect(short.code).toBe(3)
    expect(short.j.stats).toMatchObject({limitHit: 'cnames', cnames: 3})
    expect(codes(short.j)).toEqual(['limit-cnames'])
    expect(zero.j.stats.limitHit).toBe('cnames')
    expect(main(zero.j).at(-1)!.kind).toBe('cname')
  })

  it('--deadline stops a query in flight, not only the next one', async ({expect}) => {
    // Each dead server would cost 2 × 5000 ms; the 1500 ms deadline must cut the first short.
    const {code, j} = await trace('www.dead.test', '--deadline', '1500', '--timeout', '5000')
    expect(code).toBe(3)
    expect(j.answer).toBeNull()
    expect(j.stats.limitHit).toBe('deadline')
    expect(codes(j)).toContain('limit-deadline')
    expect(main(j).filter((s) => s.zone === 'dead.test.').length).toBeLessThanOrEqual(1)
    expect(j.stats.elapsedMs).toBeLessThan(5000)
  })
})

describe.concurrent('trace --lab --dnssec: the chain of trust from the lab root key', () => {
  it('secure: every zone on the path and the answer validate', async ({expect}) => {
    const {code, j} = await trace('www.secure.test', '--dnssec')
    expect(code).toBe(0)
    expect(records(j)).toEqual(['www.secure.test. A 192.0.2.190'])
    expect(j.dnssec).toMatchObject({status: 'secure', anchor: 'the lab root key'})
    expect(j.dnssec.zones.map((z: any) => `${z.zone} ${z.status}`)).toEqual(['. secure', 'test. secure', 'secure.test. secure'])
    for (const z of j.dnssec.zones) {
      expect(z.ds.length).toBeGreaterThan(0)
      expect(z.server.name).toMatch(/\.test\.$/)
      expect(z.keys.some((k: any) => k.keyTag === z.signingKeyTag && (k.flags & 1) === 1)).toBe(true)
    }
    expect(j.dnssec.answers).toEqual([expect.objectContaining({qname: 'www.secure.test.', qtype: 'A', status: 'secure'})])
  })

  it('insecure: the parent proves there is no DS', async ({expect}) => {
    const {j} = await trace('www.insecure.test', '--dnssec')
    expect(j.dnssec.status).toBe('insecure')
    expect(j.dnssec.zones.map((z: any) => `${z.zone} ${z.status}`)).toEqual(['. secure', 'test. secure', 'insecure.test. insecure'])
    expect(j.dnssec.zones[2].reason).toMatch(/no DS for insecure\.test.*proven/)
  })

  it('bogus: a broken signature, with the reason', async ({expect}) => {
    const {j} = await trace('www.bogus.test', '--dnssec')
    expect(j.dnssec.status).toBe('bogus')
    expect(j.dnssec.answers[0]).toMatchObject({qname: 'www.bogus.test.', status: 'bogus', reason: expect.stringMatching(/signature does not verify/)})
  })

  it('shows the verdicts in text', async ({expect}) => {
    const r = await traceText('www.bogus.test', '--dnssec')
    expect(r.stdout).toMatch(/;; DNSSEC \(trust anchor: the lab root key; as of \d{4}-\d\d-\d\dT[\d:]+Z\): BOGUS/)
    expect(r.stdout).toMatch(/^ {3}bogus\.test\.\s+secure/m)
    expect(r.stdout).toMatch(/answer www\.bogus\.test\. A \(zone bogus\.test\.\): bogus/)
  })

  it('--format mermaid draws the chain of trust, coloured by status', async ({expect}) => {
    const r = await traceText('www.bogus.test', '--dnssec', '--format', 'mermaid')
    expect(r.stdout).toMatch(/^flowchart TD\n/)
    expect(r.stdout).toMatch(/subgraph z\d+ \["bogus\.test\. secure"\]/)
    expect(r.stdout).toMatch(/a0\["www\.bogus\.test\. A bogus"\]\n  style a0 fill:#fde3e3/)
    expect(r.stdout).toMatch(/-->\|signs DS\| z\d+_ds/)
  })

  it('--dnssec-time validates as of another instant; a failed trace is indeterminate, never insecure', async ({expect}) => {
    // The lab's signatures come from the build's snapshot, valid for five years (lab/snapshot.ts).
    const later = await trace('www.secure.test', '--dnssec', '--dnssec-time', String(Math.floor(Date.now() / 1000) + 6 * 365 * 86400))
    expect(later.j.dnssec).toMatchObject({status: 'bogus'})
    const soon = await trace('www.secure.test', '--dnssec', '--warn-expiry', '2200d')
    expect(soon.j.problems.map((p: {code: string}) => p.code)).toContain('dnssec-expiring')
    const failed = await trace('www.lame.test', '--dnssec')
    expect(failed.j.dnssec).toMatchObject({status: 'indeterminate', reason: 'the resolution failed: there is no answer to validate'})
    // A non-AA answer from an unsigned zone whose parent proves it has no DS: insecure, proven.
    const noaa = await trace('www.noaa.test', '--dnssec')
    expect(noaa.j.dnssec).toMatchObject({status: 'insecure'})
  })
})

describe.concurrent('trace --lab: recursive comparison, Mermaid', () => {
  it('--compare-recursive default asks the lab resolver and compares data and TTLs', async ({expect}) => {
    const {code, j} = await trace('shop.example.test', '--compare-recursive', 'default')
    expect(code).toBe(0)
    expect(j.recursive).toMatchObject({resolver: {address: '192.0.2.53', port: 53}, rcode: 'NOERROR', authoritative: false, sameData: true, error: null})
    expect(j.recursive.records.map((r: Rec) => `${r.name} ${r.type} ${r.data}`)).toEqual(records(j))
    expect(j.recursive.ttl).toHaveLength(2)
    for (const t of j.recursive.ttl) {
      expect(t.resolverTtl).toBeLessThanOrEqual(t.authoritativeTtl)
      expect(t.cachedForS).toBe(t.authoritativeTtl - t.resolverTtl)
    }
  })

  it('--compare-recursive takes a name too, looked up as query\'s @SERVER is', async ({expect}) => {
    const {j} = await trace('www.example.test', '--compare-recursive', 'ns1.example.test')
    expect(j.recursive).toMatchObject({resolver: {address: '192.0.2.20'}, sameData: true, error: null})
  })

  it('--format mermaid draws a sequence diagram: one participant per server, one exchange per step', async ({expect}) => {
    const [m, dead] = await Promise.all([traceText('shop.example.test', '--format', 'mermaid'), traceText('www.dead.test', '--format', 'mermaid', ...DEAD)])
    expect(m.code).toBe(0)
    const lines = m.stdout.trimEnd().split('\n')
    expect(lines[0]).toBe('sequenceDiagram')
    expect(lines[1]).toBe('    participant C as dnsx')
    expect(lines.filter((l) => /^ {4}participant S\d+ as /.test(l))).toEqual([
      '    participant S1 as a.root.test. 192.0.2.1',
      '    participant S2 as ns1.nic.test. 192.0.2.10',
      '    participant S3 as ns1.example.test. 192.0.2.20',
      '    participant S4 as ns1.other.test. 192.0.2.30',
    ])
    expect(lines.filter((l) => l.includes('C->>S'))).toHaveLength(6)
    expect(lines.filter((l) => /S\d+-->>C: /.test(l))).toHaveLength(6)
    expect(m.stdout).toMatch(/S3-->>C: cname AA: CNAME to cdn\.other\.test\. \([\d.]+ ms\)/)
    expect(lines.at(-1)).toBe('    Note over C: NOERROR authoritative: cdn.other.test., 192.0.2.86')
    expect(m.stdout).not.toMatch(/;/)
    expect(dead.stdout).toMatch(/S\d+--xC: timeout: no reply/)
  })
})

describe.concurrent('trace --lab --file: bulk traces through one shared cache', () => {
  const names = 'www.example.test\n# a comment\n\nmail.example.test\nexample.test MX\nnxdomain.example.test\nshop.example.test A\n'

  it('writes one valid JSON document per line; the shared cache lowers queries per name', async ({expect}) => {
    const file = path.join(tmpdir(), `dnsx-bulk-${process.pid}.txt`)
    writeFileSync(file, `${names}www.secure.test\nsecure.test DS\n`)
    const r = await runCli(['trace', '--file', file, '--lab', '--json', '--concurrency', '1'])
    rmSync(file, {force: true})
    expect(r.code).toBe(0)
    const docs = r.stdout.trim().split('\n').map((l, i) => parseTrace(l, `bulk line ${i + 1}`))
    expect(docs.map((d) => `${d.name} ${d.type} ${d.kind}`)).toEqual([
      'www.example.test. A answer',
      'mail.example.test. A answer',
      'example.test. MX answer',
      'nxdomain.example.test. A nxdomain',
      'shop.example.test. A answer',
      'www.secure.test. A answer',
      'secure.test. DS answer',
    ])
    // The first name pays for priming and the referrals; the next ones start at the deepest
    // cut known (example.test, or test. for other.test and secure.test).
    expect(docs.map((d) => d.stats.queries)).toEqual([4, 1, 1, 1, 3, 2, 1])
    expect(docs.every((d) => d.kind === 'nxdomain' || d.answer!.authoritative)).toBe(true)
    // DS is the parent's data: asked of test. even with secure.test's own servers in the cache.
    expect(docs[6].answer).toMatchObject({zone: 'test.', server: {address: '192.0.2.10'}, records: [expect.objectContaining({type: 'DS'})]})
  })

  it('a name asked again within its TTL comes from the answer cache (negative answers too); --no-answer-cache asks again; --fields prints compact lines', async ({expect}) => {
    const file = path.join(tmpdir(), `dnsx-bulk-cache-${process.pid}.txt`)
    writeFileSync(file, 'www.example.test\nnope.example.test\nwww.example.test\nnope.example.test\nWWW.Example.Test\n')
    const fields = ['--fields', 'name,rcode,answer,cached,queries']
    const r = await runCli(['trace', '--file', file, '--lab', ...fields, '--concurrency', '4'])
    const off = await runCli(['trace', '--file', file, '--lab', ...fields, '--concurrency', '1', '--no-answer-cache'])
    const text = await runCli(['trace', '--file', file, '--lab', '--concurrency', '1'])
    rmSync(file, {force: true})
    expect(r.code).toBe(0)
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.filter((l) => l.cached).length).toBe(3)
    expect(lines.filter((l) => l.cached).every((l) => l.queries === 0)).toBe(true)
    expect(lines.find((l) => l.cached && l.rcode === 'NXDOMAIN')).toMatchObject({answer: []})
    expect(Object.keys(lines[0])).toEqual(['name', 'rcode', 'answer', 'cached', 'queries'])
    expect(off.stdout.trim().split('\n').map((l) => JSON.parse(l).cached)).toEqual([false, false, false, false, false])
    expect(text.stderr).toMatch(/;; 5 names, 5 answered, 0 failed, 3 from the answer cache, \d+ queries/)
  })

  it('reads the names from stdin with --file -', async ({expect}) => {
    // Fails (about half the time) until src/commands/trace.ts gives its optional NAME and TYPE
    // args `ignoreStdin: true`: oclif otherwise reads piped stdin (10 ms timeout) as the missing
    // NAME ("give either NAME or --file") or swallows it ("0 names").
    const r = await runCli(['trace', '--file', '-', '--lab', '--concurrency', '1'], {input: names})
    expect(r.stderr).toMatch(/;; 5 names, 5 answered, 0 failed/)
    expect(r.code).toBe(0)
    expect(r.stdout.trim().split('\n').map((l) => l.split('\t').slice(0, 5).join(' '))).toEqual([
      'www.example.test. A NOERROR AA 192.0.2.80',
      'mail.example.test. A NOERROR AA 192.0.2.81',
      'example.test. MX NOERROR AA 10 mail.example.test.',
      'nxdomain.example.test. A NXDOMAIN AA ',
      'shop.example.test. A NOERROR AA 192.0.2.86',
    ])
  })

  it('checks expectations per name: one FAIL line each, exit 1', async ({expect}) => {
    const file = path.join(tmpdir(), `dnsx-bulk-expect-${process.pid}.txt`)
    writeFileSync(file, 'www.example.test\nwww.noaa.test\n')
    const r = await runCli(['trace', '--file', file, '--lab', '--json', '--expect-authoritative'])
    rmSync(file, {force: true})
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toEqual(['www.noaa.test. A: FAIL authoritative: expected an authoritative answer (AA), got non-authoritative'])
    const docs = r.stdout.trim().split('\n').map((l, i) => parseTrace(l, `bulk line ${i + 1}`))
    expect(docs.map((d) => d.expectations![0].ok).sort()).toEqual([false, true])
  })

  it('exits 3 when any name could not be resolved, even with every other name answered and an unmet expectation', async ({expect}) => {
    const file = path.join(tmpdir(), `dnsx-bulk-fail-${process.pid}.txt`)
    writeFileSync(file, 'www.example.test\nwww.lame.test\nwww.noaa.test\nnxdomain.example.test\n')
    const plain = await runCli(['trace', '--file', file, '--lab', '--concurrency', '2'])
    const expecting = await runCli(['trace', '--file', file, '--lab', '--fields', 'name,rcode', '--expect-authoritative'])
    rmSync(file, {force: true})
    expect(plain.stderr).toMatch(/^;; 4 names, 3 answered, 1 failed, /m)
    expect(plain.code).toBe(3)
    expect(expecting.stderr).toMatch(/^www\.noaa\.test\. A: FAIL authoritative/m)
    expect(expecting.code).toBe(3)
  })

  it('with --dnssec a bogus name fails the run (exit 3) unless --expect-dnssec bogus', async ({expect}) => {
    const file = path.join(tmpdir(), `dnsx-bulk-bogus-${process.pid}.txt`)
    writeFileSync(file, 'www.secure.test\nwww.bogus.test\n')
    const r = await runCli(['trace', '--file', file, '--lab', '--dnssec', '--concurrency', '1'])
    rmSync(file, {force: true})
    expect(r.stderr).toMatch(/^error: DNSSEC: www\.bogus\.test\. A is bogus /m)
    expect(r.stderr).toMatch(/^;; 2 names, 1 answered, 1 failed, /m)
    expect(r.code).toBe(3)
  })
})

describe.concurrent('trace --lab: expectations', () => {
  it('all met: exit 0, nothing on stderr, listed in the JSON', async ({expect}) => {
    const {code, j, stderr} = await trace('shop.example.test', '--expect-answer', '192.0.2.86', '--expect-answer', 'cdn.other.test', '--expect-rcode', 'noerror', '--expect-authoritative', '--expect-no-problems')
    expect(code).toBe(0)
    expect(stderr).toBe('')
    expect(j.expectations!.map((e) => `${e.expectation} ${e.ok}`)).toEqual(['answer=192.0.2.86 true', 'answer=cdn.other.test true', 'rcode=NOERROR true', 'authoritative true', 'no-problems true'])
  })

  it('each unmet expectation is one FAIL line saying what was expected and what came; exit 1', async ({expect}) => {
    const r = await runCli(['trace', 'www.noaa.test', '--lab', '--expect-answer', '192.0.2.91', '--expect-answer', '192.0.2.99', '--expect-rcode', 'NXDOMAIN', '--expect-authoritative', '--expect-no-problems'])
    expect(r.code).toBe(1)
    expect(r.stderr.trim().split('\n')).toEqual([
      'FAIL answer=192.0.2.99: expected 192.0.2.99 in the answer, got 192.0.2.91',
      'FAIL rcode=NXDOMAIN: expected NXDOMAIN, got NOERROR',
      'FAIL authoritative: expected an authoritative answer (AA), got non-authoritative',
      'FAIL no-problems: expected no problems, got 2: lame-no-aa, non-authoritative-answer',
    ])
    expect(r.stdout).toContain(';; ANSWER NOERROR, NOT authoritative from ns1.noaa.test. (192.0.2.41)')
  })

  it('an unmet expectation on a failed trace says there was no answer, and exits 3: could not complete wins over 1', async ({expect}) => {
    const {code, j, stderr} = await trace('www.lame.test', '--expect-rcode', 'NOERROR', '--expect-answer', '192.0.2.1')
    expect(code).toBe(3)
    expect(stderr.trim().split('\n')).toEqual(['FAIL answer=192.0.2.1: expected 192.0.2.1 in the answer, got none', 'FAIL rcode=NOERROR: expected NOERROR, got no answer'])
    expect(j.expectations!.every((e) => !e.ok)).toBe(true)
  })
})

describe('trace on a terminal prints each step as it completes', () => {
  it('the same lines as when piped, the steps first (script(1) gives the command a terminal)', async ({expect}) => {
    if (!available(spawnSync('sh', ['-c', 'command -v script'], {stdio: 'ignore'}).status === 0, 'script (util-linux) is not installed')) return
    const args = ['trace', 'www.partial.test', '--lab', '--timeout', '300', '--no-color']
    const tty = spawnSync('script', ['-qec', [process.execPath, BIN, ...args].join(' '), '/dev/null'], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}})
    const piped = await runCli(args)
    // Durations differ between runs, and so do the widths of columns holding them.
    const norm = (t: string) => t.replace(/\r/g, '').replace(/\d+(\.\d+)?/g, '#').replace(/ +/g, ' ').trim().split('\n')
    expect(tty.status).toBe(0)
    expect(norm(tty.stdout)).toEqual(norm(piped.stdout))
    expect(norm(tty.stdout)[1]).toBe(' # . . NS @ a.root.test. (#.#) [priming]')
  })
})
