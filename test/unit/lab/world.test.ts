import {describe, expect, it} from 'vitest'

import {parseZoneFile} from '../../../src/lib/dns/zonefile.js'
import {checkWorld, isDocumentationAddress} from '../../../src/lib/lab/check.js'
import {DEFAULT_WORLD, type World} from '../../../src/lib/lab/world.js'

const W = DEFAULT_WORLD

function clone(world: World): World {
  return structuredClone(world)
}

describe('the default world', () => {
  it('has no structural errors', () => {
    expect(checkWorld(W).errors).toEqual([])
  })

  it('every delegation works except exactly the ones listed as broken', () => {
    const {findings} = checkWorld(W)
    const broken = new Set(W.broken.map((b) => b.zone))
    const found = new Set(findings.map((f) => f.zone))
    expect([...found].sort()).toEqual([...broken].sort())
  })

  it.each([
    ['noglue.test', /no address/],
    ['lame.test', /does not serve lame\.test/],
    ['dead.test', /silent/],
    ['partial.test', /ns1\.partial\.test .*silent/],
    ['deep.loop.test', /does not serve deep\.loop\.test/],
    ['mismatch.test', /parent NS \{ns1\.mismatch\.test, ns2\.mismatch\.test\} differ from child NS \{ns1\.mismatch\.test, ns3\.mismatch\.test\}/],
    ['glue.test', /glue for ns1\.glue\.test \(192\.0\.2\.57\) differs .*192\.0\.2\.58/],
    ['disagree.test', /different versions/],
    ['up.test', /upward referrals/],
    ['bailiwick.test', /out-of-bailiwick/],
  ])('%s is broken for the stated reason', (zone, pattern) => {
    const problems = checkWorld(W).findings.filter((f) => f.zone === zone).map((f) => f.problem)
    expect(problems.some((p) => pattern.test(p)), problems.join('\n')).toBe(true)
  })

  it('uses only documentation addresses, the test. TLD and the reverse zones of documentation ranges', () => {
    // RFC 5737 and RFC 3849 ranges: their reverse names shadow nothing real either.
    const documentationReverse = /(^|\.)(2\.0\.192|100\.51\.198|113\.0\.203)\.in-addr\.arpa$|(^|\.)8\.b\.d\.0\.1\.0\.0\.2\.ip6\.arpa$/
    const addresses = [
      ...W.servers.flatMap((s) => s.addresses), ...W.anycast.flatMap((a) => a.addresses), ...W.resolvers.flatMap((r) => r.addresses),
      ...W.connect.map((c) => c.address), ...W.rootHints.map((h) => h.address),
    ]
    expect(addresses.filter((a) => !isDocumentationAddress(a))).toEqual([])
    for (const zone of W.zones) {
      const rrs = parseZoneFile(zone.text, {origin: zone.origin, defaultTtl: 3600})
      for (const rr of rrs) {
        expect(rr.name === '.' || rr.name.endsWith('test') || documentationReverse.test(rr.name), `${zone.id}: ${rr.name}`).toBe(true)
        if (rr.type === 'A' || rr.type === 'AAAA') expect(isDocumentationAddress(rr.data), `${rr.name} ${rr.data}`).toBe(true)
      }
    }
  })

  it('the root hints are the root zone NS set and its glue', () => {
    const root = parseZoneFile(W.zones.find((z) => z.origin === '.')!.text, {origin: '.'})
    const ns = root.filter((rr) => rr.name === '.' && rr.type === 'NS').map((rr) => rr.data).sort()
    expect([...new Set(W.rootHints.map((h) => h.name))].sort()).toEqual(ns)
    for (const hint of W.rootHints) {
      expect(root.some((rr) => rr.name === hint.name && rr.data === hint.address), `${hint.name} ${hint.address}`).toBe(true)
    }
  })

  it('has the demonstrations the brief asks for', () => {
    const zones = new Set(W.zones.map((z) => z.origin))
    for (const z of ['.', 'test', 'example.test', 'glueless.test', 'other.test', 'geo.test', 'race.test', 'anycast.test', 'secure.test', 'insecure.test', 'bogus.test']) {
      expect(zones, z).toContain(z)
    }

    expect(W.zones.filter((z) => z.dnssec).map((z) => [z.origin, z.dnssec])).toEqual([['secure.test', 'secure'], ['insecure.test', 'insecure'], ['bogus.test', 'bogus']])
    const example = W.zones.find((z) => z.id === 'example.test')!.text
    expect(example).toMatch(/big TXT/)
    const kinds = new Set(W.zones.flatMap((z) => z.policies ?? []).map((p) => p.kind))
    expect([...kinds].sort()).toEqual(['failover', 'multivalue', 'subnet', 'weighted'])
    expect(W.anycast.some((a) => a.routing === 'alternate')).toBe(true)
    expect(W.anycast.flatMap((a) => a.instances).map((i) => i.nsid)).toEqual(expect.arrayContaining(['ns1.nl-ams.k.ripe.net', 'aa.de-ham.l.root', 'ams01', 'syd01']))
    expect(W.resolvers.some((r) => r.version === 'dnsmasq-2.90')).toBe(true)
    expect(new Set(W.connect.map((c) => c.kind))).toEqual(new Set(['http', 'blackhole', 'refused', 'unreachable']))
    expect(W.connect.find((c) => c.address === '2001:db8:ee::12')?.delayMs).toBeGreaterThan(250)
  })
})

describe('the check can fail', () => {
  it('reports a server address outside the documentation ranges, a reused address and an unknown zone', () => {
    const w = clone(W)
    w.servers[0].addresses.push('8.8.8.8')
    w.servers[1].addresses.push(w.servers[2].addresses[0])
    w.servers[3].zones.push('nope.test')
    const {errors} = checkWorld(w)
    expect(errors.some((e) => e.includes('8.8.8.8 is not a documentation address'))).toBe(true)
    expect(errors.some((e) => e.includes('is used by'))).toBe(true)
    expect(errors.some((e) => e.includes('unknown zone nope.test'))).toBe(true)
  })

  it('reports a delegation whose server stopped serving the zone', () => {
    const w = clone(W)
    w.servers.find((s) => s.id === 'example-ns2')!.zones = ['glueless.test']
    const problems = checkWorld(w).findings.filter((f) => f.zone === 'example.test').map((f) => f.problem)
    expect(problems).toEqual(['NS ns2.example.test (192.0.2.21) does not serve example.test', 'NS ns2.example.test (2001:db8::21) does not serve example.test'])
  })

  it('reports bad zone text with its line', () => {
    const w = clone(W)
    w.zones[2] = {...w.zones[2], text: `${w.zones[2].text}bad A 999.1.1.1\n`}
    expect(checkWorld(w).errors.join()).toMatch(/zone example\.test:\d+: A: bad IPv4 address/)
  })
})
