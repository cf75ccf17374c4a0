/**
 * Trace verdicts and bounds against real servers (issues 11 and 18): Knot, NSD and BIND, in the
 * test's own namespace, serving delegations that are broken the ways the internet breaks them.
 * NSD serves the root; Knot serves the zones and victim.test (NXDOMAIN for every NS name asked);
 * BIND, configured for another zone only, answers REFUSED (a lame server).
 */
import fs from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {realDnsAvailable, startRealWorld, type RealWorld} from '../harness/realdns.js'
import {BIN, ROOT, schemaValidator} from '../helpers/cli.js'

const avail = realDnsAvailable()
const validateTrace = schemaValidator('trace')
const A = {root: '198.51.100.80', knot: '198.51.100.81', bindLame: '198.51.100.82'}

const rootZone = [
  '$ORIGIN .', '$TTL 86400', '. SOA a.root. h.root. 1 7200 3600 1209600 300', '. NS a.root.', `a.root. A ${A.root}`,
  'victim.test. NS ns.victim.test.', `ns.victim.test. A ${A.knot}`,
  // NXNS: one delegation to 12 glueless NS names, all inside victim.test (which has none of them).
  ...Array.from({length: 12}, (_, i) => `nxns.test. NS x${i}.victim.test.`),
  // Eight NS names sharing one lame address.
  ...Array.from({length: 8}, (_, i) => [`shared.test. NS ns${i}.shared.test.`, `ns${i}.shared.test. A ${A.bindLame}`]).flat(),
  // The first NS is lame (BIND, REFUSED); the second (Knot) serves the zone.
  'lamefirst.test. NS ns1.lamefirst.test.', `ns1.lamefirst.test. A ${A.bindLame}`, 'lamefirst.test. NS ns2.lamefirst.test.', `ns2.lamefirst.test. A ${A.knot}`,
  // An in-domain NS without glue: a dead end.
  'noglue.test. NS ns.noglue.test.',
  // Each zone's only NS is inside the other: resolving either needs itself.
  'loopa.test. NS ns.loopb.test.', 'loopb.test. NS ns.loopa.test.',
].join('\n') + '\n'

const zone = (origin: string, body: string[]) => ({origin, text: [`$ORIGIN ${origin}.`, '$TTL 300', `@ SOA ns h 1 7200 3600 1209600 300`, '@ NS ns', `ns A ${A.knot}`, ...body].join('\n') + '\n'})

describe.skipIf(!avail.ok)('trace verdicts against Knot, NSD and BIND', () => {
  let world: RealWorld
  let hints: string

  beforeAll(async () => {
    world = await startRealWorld({servers: [
      {id: 'root', software: 'nsd', addresses: [A.root], zones: [{origin: '.', text: rootZone}]},
      {id: 'zones', software: 'knot', addresses: [A.knot], zones: [zone('victim.test', []), zone('lamefirst.test', ['www A 192.0.2.80', 'ns1 A ' + A.bindLame, 'ns2 A ' + A.knot])]},
      {id: 'lame', software: 'bind', addresses: [A.bindLame], zones: [zone('elsewhere.test', [])]},
    ]})
    hints = path.join(world.dir, 'named.root')
    fs.writeFileSync(hints, `.\t3600000\tNS\ta.root.\na.root.\t3600000\tA\t${A.root}\n`)
  }, 120_000)

  afterAll(async () => {
    await world?.stop()
  })

  async function trace(...args: string[]) {
    const r = await world.exec([process.execPath, BIN, 'trace', ...args, '--root-hints', hints, '-4', '--timeout', '1000', '--json'], {cwd: ROOT, timeoutMs: 30_000})
    expect(r.timedOut).toBe(false)
    const j = JSON.parse(r.stdout)
    expect(validateTrace(j)).toEqual([])
    const codes: string[] = j.problems.map((p: {code: string}) => p.code)
    const sent = j.steps as {qname: string, qtype: string, server: {address: string}}[]
    return {code: r.code, j, codes, sent}
  }

  it('NXNS: a referral to 12 glueless NS names resolves 5 of them, not all, and says so', async () => {
    const {codes, sent, j} = await trace('www.nxns.test')
    const asked = new Set(sent.filter((s) => s.server.address === A.knot && /^x\d+\.victim\.test\.$/.test(s.qname)).map((s) => s.qname))
    expect(asked.size).toBe(5)
    expect(codes).toContain('limit-glueless')
    expect(codes).not.toContain('limit-queries')
    expect(j.stats.queries).toBeLessThan(20)
  })

  it('--max-glueless 12 resolves them all (each ns-unresolvable)', async () => {
    const {codes} = await trace('www.nxns.test', '--max-glueless', '12')
    expect(codes.filter((c) => c === 'ns-unresolvable')).toHaveLength(12)
    expect(codes).not.toContain('limit-glueless')
  })

  it('eight NS names sharing one REFUSED address cost one query to it; zone-unreachable lists it', async () => {
    const {code, codes, sent, j} = await trace('www.shared.test')
    expect(sent.filter((s) => s.server.address === A.bindLame)).toHaveLength(1)
    expect(codes).toEqual(expect.arrayContaining(['lame-refused', 'zone-unreachable']))
    const unreachable = j.problems.find((p: {code: string}) => p.code === 'zone-unreachable')
    expect(unreachable.passedOver).toEqual([expect.objectContaining({address: A.bindLame, reason: 'answered REFUSED'})])
    expect(code).toBe(3)
  })

  it('a lame first server (BIND, REFUSED) costs that server only: the answer comes from Knot', async () => {
    const {code, codes, j} = await trace('www.lamefirst.test')
    expect(code).toBe(0)
    expect(j.answer).toMatchObject({authoritative: true, server: {address: A.knot}})
    expect(codes).toEqual(['lame-refused'])
  })

  it('an in-domain NS without glue is a dead end, named', async () => {
    const {code, codes} = await trace('www.noglue.test')
    expect(codes).toContain('in-domain-ns-without-glue')
    expect(code).toBe(3)
  })

  it('two zones whose NS are in each other: ns-loop, bounded', async () => {
    const {code, codes, j} = await trace('www.loopa.test')
    expect(codes).toContain('ns-loop')
    expect(j.stats.queries).toBeLessThan(30)
    expect(code).toBe(3)
  })
})
