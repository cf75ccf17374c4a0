/**
 * The anycast-probe report: expectations (site matching by code or by
 * distance, RTT, plausibility, interception), the --watch event lines.
 */
import {describe, expect, it} from 'vitest'
import {anycastExpectations, buildReport, nothingAnswered, parseExpectedSite, watchEventJson} from '../../../src/lib/anycast/report.js'
import {clientRegion, summarizeTarget} from '../../../src/lib/anycast/summary.js'
import type {ProbeEvent, ProbeTarget, Sample} from '../../../src/lib/anycast/model.js'
import {renderWatchEvent} from '../../../src/lib/render/anycast.js'
import {parseFrom} from '../../../src/lib/anycast/physics.js'

const target = (address: string): ProbeTarget => ({target: address, address, port: 53, family: 4, via: 'address'})
const sample = (index: number, nsid: string | null, rttMs: number | null = 5): Sample => ({
  index,
  atMs: index * 200,
  rttMs,
  rcode: rttMs === null ? null : 'NOERROR',
  aa: rttMs === null ? null : true,
  transport: 'udp',
  localPort: 40000 + index,
  nsid,
  nsidHex: nsid === null ? null : Buffer.from(nsid).toString('hex'),
  error: rttMs === null ? {code: 'timeout', message: 'no reply'} : null,
  chaos: {},
})

function report(results: ReturnType<typeof summarizeTarget>[], from: string | null = null) {
  const f = from ? parseFrom(from) : null
  return buildReport(
    {targets: results, client: clientRegion(results, {from: f}), marginKm: 100, elapsedMs: 1, stopped: 'complete'},
    {count: 3, intervalMs: 200, timeoutMs: 2000, tcp: false, chaos: true, from: f},
  )
}

describe('parseExpectedSite', () => {
  it('reads IATA, metro and UN/LOCODE forms', () => {
    expect(parseExpectedSite('ams')).toMatchObject({code: 'AMS', site: {name: 'Amsterdam'}})
    expect(parseExpectedSite('LON')).toMatchObject({code: 'LON', site: {country: 'GB'}})
    expect(parseExpectedSite('nl-ams')).toMatchObject({code: 'NL AMS', site: {name: 'Amsterdam'}})
    expect(parseExpectedSite('NL AMS').code).toBe('NL AMS')
    expect(parseExpectedSite('BEI')).toMatchObject({code: 'BEI'})
  })
})

describe('anycastExpectations', () => {
  const lhr = summarizeTarget(target('1.1.1.1'), [sample(0, 'lhr01'), sample(1, 'lhr01')])
  const ams = summarizeTarget(target('193.0.14.129'), [sample(0, 'ns1.nl-ams.k.ripe.net')])
  const flip = summarizeTarget(target('8.8.8.8'), [sample(0, 'gpdns-ams'), sample(1, 'gpdns-fra'), sample(2, 'gpdns-ams')])
  const dead = summarizeTarget(target('192.0.2.1'), [sample(0, null, null)])

  it('site: the metro code accepts its airports, the UN/LOCODE its IATA twin; flips must all match', () => {
    const r = anycastExpectations(report([lhr, ams, flip, dead]), {sites: ['LON', 'AMS']})
    expect(r.map((e) => [e.expectation, e.ok])).toEqual([
      ['site=LON,AMS (1.1.1.1)', true],
      ['site=LON,AMS (193.0.14.129)', true],
      ['site=LON,AMS (8.8.8.8)', false],
      ['site=LON,AMS (192.0.2.1)', false],
    ])
    expect(r[2]!.actual).toBe('AMS (Amsterdam, NL) x2, FRA (Frankfurt, DE) x1')
    expect(r[3]!.actual).toBe('no answer')
  })

  it('max-rtt judges the median; plausible fails on impossible claims and contradicting ones', () => {
    const r = anycastExpectations(report([lhr, ams]), {maxRttMs: 5, plausible: true})
    expect(r.filter((e) => e.expectation.startsWith('max-rtt')).every((e) => e.ok)).toBe(true)
    // 5 ms: London and Amsterdam are 360 km apart, each disc ~593 km: they agree
    expect(r.find((e) => e.expectation === 'plausible (client region)')!.ok).toBe(true)
    const far = summarizeTarget(target('8.8.8.8'), [sample(0, 'gpdns-syd', 1)])
    const r2 = anycastExpectations(report([ams, far]), {plausible: true})
    expect(r2.find((e) => e.expectation === 'plausible (client region)')).toMatchObject({ok: false})
    // verdicts are made when the target is summarised, with the --from position
    const farFromAms = summarizeTarget(target('8.8.8.8'), [sample(0, 'gpdns-syd', 1)], {from: parseFrom('AMS')})
    const r3 = anycastExpectations(report([farFromAms], 'AMS'), {plausible: true})
    expect(r3).toHaveLength(1) // with --from there is no region check
    expect(r3[0]).toMatchObject({ok: false, expected: 'a physically possible site'})
    expect(r3[0]!.actual).toMatch(/^impossible: SYD \(Sydney, AU\) is \d+ km from AMS/)
  })

  it('nothingAnswered only when every target is silent', () => {
    expect(nothingAnswered(report([dead]))).toBe(true)
    expect(nothingAnswered(report([dead, ams]))).toBe(false)
  })
})

describe('--watch lines', () => {
  const t = target('192.0.2.204')
  const at = new Date('2025-01-01T12:00:00.123Z')
  it('prints the first identity and site changes; instance changes only with --verbose', () => {
    const first: ProbeEvent = {type: 'change', target: t, atMs: 0, index: 0, from: null, to: {source: 'nsid', identity: 'fra01', siteCode: 'FRA'}, siteChanged: true, rttMs: 12.5}
    const site: ProbeEvent = {type: 'change', target: t, atMs: 200, index: 1, from: {source: 'nsid', identity: 'fra01', siteCode: 'FRA'}, to: {source: 'nsid', identity: 'lhr01', siteCode: 'LHR'}, siteChanged: true, rttMs: 19}
    const inst: ProbeEvent = {type: 'change', target: t, atMs: 400, index: 2, from: {source: 'nsid', identity: 'fra01', siteCode: 'FRA'}, to: {source: 'nsid', identity: 'fra02', siteCode: 'FRA'}, siteChanged: false, rttMs: 12}
    expect(renderWatchEvent(first, at)).toBe('12:00:00.123  192.0.2.204  FRA "fra01" (via nsid, 12.5 ms)')
    expect(renderWatchEvent(site, at)).toBe('12:00:00.123  192.0.2.204  site changed: FRA "fra01" -> LHR "lhr01" (probe 2, 19 ms)')
    expect(renderWatchEvent(inst, at)).toBeNull()
    expect(renderWatchEvent(inst, at, {verbose: true})).toContain('instance changed')
    expect(watchEventJson(site, at)).toMatchObject({event: 'change', address: '192.0.2.204', siteChanged: true, to: {identity: 'lhr01'}})
    expect(watchEventJson(first, at)).toMatchObject({event: 'first'})
    expect(watchEventJson({type: 'silent', target: t, atMs: 1, index: 3}, at)).toMatchObject({event: 'silent', probe: 3})
  })
})
