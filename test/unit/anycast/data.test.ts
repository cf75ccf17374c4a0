import fs from 'node:fs'
import {describe, expect, it} from 'vitest'
import {
  type ExampleSpec,
  type OperatorSpec,
  type SiteRecord,
  type SoftwareSpec,
  allSites,
  decodeIdentity,
  lookupSite,
  matchSoftware,
  operatorCatalogue,
  operatorsForAddress,
} from '../../../src/lib/anycast/index.js'

const read = (name: string) => JSON.parse(fs.readFileSync(new URL(`../../../data/anycast/${name}`, import.meta.url), 'utf8'))
const operatorsDoc = read('operators.json') as {operators: OperatorSpec[]; software: SoftwareSpec[]; _source: string}
const sitesDoc = read('sites.json') as {sites: SiteRecord[]; _source: Record<string, string>}

const examples: Array<[string, ExampleSpec]> = operatorsDoc.operators.flatMap((op) => op.examples.map((ex): [string, ExampleSpec] => [op.id, ex]))

describe('operators.json examples', () => {
  it('has examples for every entry', () => {
    for (const op of operatorsDoc.operators) expect(op.examples.length, op.id).toBeGreaterThan(0)
    expect(examples.length).toBeGreaterThan(50)
  })

  it.each(examples)('%s: %j decodes to its expected site', (id, ex) => {
    const op = operatorsDoc.operators.find((o) => o.id === id)!
    // decode with the example's address, or the entry's first exact address
    const address = ex.address ?? op.addresses.find((a) => !a.includes('/'))
    const d = decodeIdentity(ex.identity, {source: ex.source, address})
    expect(d.format).toBe(id)
    expect(d.operator).toBe(op.operator)
    expect(d.siteCode).toBe(ex.site)
    if (address !== undefined) expect(d.fitsOperator).toBe(true)
    if (ex.site === null) {
      expect(d.site).toBeNull()
    } else {
      expect(d.site?.code).toBe(ex.site)
      expect(d.confidence).not.toBe('unknown')
    }
  })

  it.each(examples)('%s: %j refers to a site that exists in sites.json', (_id, ex) => {
    if (ex.site === null) return
    const op = operatorsDoc.operators.find((o) => o.id === _id)!
    const d = decodeIdentity(ex.identity, {source: ex.source, address: ex.address ?? op.addresses.find((a) => !a.includes('/'))})
    const site = lookupSite(ex.site, d.codeSystem!)
    expect(site).not.toBeNull()
    // a real row, not a lookup-time derivation
    expect(site!.derived).toBeUndefined()
  })

  it('marks illustrative examples only where they are labelled as such', () => {
    for (const [, ex] of examples) expect(ex.illustrative === true || typeof ex.seen === 'string', ex.identity).toBe(true)
  })

  it('gives a verified operator a verified decode for its observed examples', () => {
    for (const [id, ex] of examples) {
      const op = operatorsDoc.operators.find((o) => o.id === id)!
      if (ex.illustrative || !op.verified) continue
      const d = decodeIdentity(ex.identity, {source: ex.source, address: ex.address ?? op.addresses.find((a) => !a.includes('/'))})
      const pattern = op.patterns.find((p) => new RegExp(p.regex, p.flags).test(ex.identity))!
      if (pattern.verified === false) expect(d.confidence, ex.identity).toBe('unverified')
      else expect(d.confidence, ex.identity).toBe('known')
    }
  })

  it('recognises every software signature example', () => {
    for (const sig of operatorsDoc.software) {
      for (const ex of sig.examples ?? []) expect(matchSoftware(ex)?.id, ex).toBe(sig.id)
    }
  })
})

describe('operators.json structure', () => {
  it('credits its sources', () => {
    expect(operatorsDoc._source).toMatch(/RIPE Atlas/)
  })

  it('covers the thirteen root letters, IPv4 and IPv6', () => {
    const roots: Record<string, [string, string]> = {
      a: ['198.41.0.4', '2001:503:ba3e::2:30'],
      b: ['170.247.170.2', '2801:1b8:10::b'],
      c: ['192.33.4.12', '2001:500:2::c'],
      d: ['199.7.91.13', '2001:500:2d::d'],
      e: ['192.203.230.10', '2001:500:a8::e'],
      f: ['192.5.5.241', '2001:500:2f::f'],
      g: ['192.112.36.4', '2001:500:12::d0d'],
      h: ['198.97.190.53', '2001:500:1::53'],
      i: ['192.36.148.17', '2001:7fe::53'],
      j: ['192.58.128.30', '2001:503:c27::2:30'],
      k: ['193.0.14.129', '2001:7fd::1'],
      l: ['199.7.83.42', '2001:500:9f::42'],
      m: ['202.12.27.33', '2001:dc3::35'],
    }
    for (const [letter, addrs] of Object.entries(roots)) {
      for (const a of addrs) {
        const ops = operatorsForAddress(a)
        expect(ops.length, `${letter}: ${a}`).toBe(1)
        expect(ops[0]!.operator, `${letter}: ${a}`).toContain(`${letter.toUpperCase()}-root`)
      }
    }
  })

  it('binds the public resolvers to their addresses', () => {
    const cases: Record<string, string> = {
      '1.1.1.1': 'cloudflare-resolver',
      '1.0.0.1': 'cloudflare-resolver',
      '2606:4700:4700::1111': 'cloudflare-resolver',
      '8.8.8.8': 'google-public-dns',
      '8.8.4.4': 'google-public-dns',
      '2001:4860:4860::8888': 'google-public-dns',
      '9.9.9.9': 'quad9',
      '149.112.112.112': 'quad9',
      '2620:fe::fe': 'quad9',
      '208.67.222.222': 'opendns',
      '208.67.220.220': 'opendns',
    }
    for (const [addr, id] of Object.entries(cases)) expect(operatorsForAddress(addr).map((o) => o.id), addr).toEqual([id])
    // The lab's roots (documentation addresses) have their own entry; other documentation addresses none.
    expect(operatorsForAddress('192.0.2.1').map((o) => o.id)).toEqual(['dnsx-lab'])
    expect(operatorsForAddress('192.0.2.99')).toEqual([])
  })

  it('compiles every pattern, each with named groups it refers to', () => {
    for (const op of operatorCatalogue()) {
      for (const p of op.patterns) {
        expect(p.re).toBeInstanceOf(RegExp)
        if (p.siteGroup) expect(p.regex).toContain(`(?<${p.siteGroup}>`)
      }
    }
  })
})

describe('sites.json', () => {
  const countryName = new Intl.DisplayNames(['en'], {type: 'region'})

  it('credits its sources for every kind', () => {
    expect(Object.keys(sitesDoc._source).sort()).toEqual(['iata', 'iata-metro', 'private', 'unlocode'])
    expect(sitesDoc._source.iata).toMatch(/OpenFlights/)
  })

  it('has a few hundred sites', () => {
    expect(sitesDoc.sites.length).toBeGreaterThan(500)
    expect(allSites().length).toBe(sitesDoc.sites.length)
  })

  it('has valid coordinates, ISO country codes and code shapes everywhere', () => {
    for (const s of sitesDoc.sites) {
      expect(s.lat, s.code).toBeGreaterThanOrEqual(-90)
      expect(s.lat, s.code).toBeLessThanOrEqual(90)
      expect(s.lon, s.code).toBeGreaterThanOrEqual(-180)
      expect(s.lon, s.code).toBeLessThanOrEqual(180)
      expect(Number.isFinite(s.lat) && Number.isFinite(s.lon), s.code).toBe(true)
      expect(s.country, s.code).toMatch(/^[A-Z]{2}$/)
      // a code ICU knows as a region (unknown codes come back unchanged)
      expect(countryName.of(s.country), `${s.code} ${s.country}`).not.toBe(s.country)
      expect(s.name.length, s.code).toBeGreaterThan(1)
      if (s.kind === 'iata' || s.kind === 'iata-metro') expect(s.code).toMatch(/^[A-Z]{3}$/)
      if (s.kind === 'unlocode') expect(s.code).toMatch(/^[A-Z]{2} [A-Z0-9]{3}$/)
      if (s.kind === 'private') expect(s.table, s.code).toMatch(/^[a-z]+$/)
    }
  })

  it('has no duplicate codes within a code system', () => {
    const keys = sitesDoc.sites.map((s) => `${s.kind === 'iata-metro' ? 'iata' : s.kind}:${s.table ?? ''}:${s.code}`)
    expect(new Set(keys).size).toBe(keys.length)
  })

  it('maps each UN/LOCODE to an IATA code of the same country, and copies its place', () => {
    for (const s of sitesDoc.sites.filter((x) => x.kind === 'unlocode')) {
      const from = lookupSite(s.derivedFrom!, 'iata')
      expect(from, s.code).not.toBeNull()
      expect(from!.country, s.code).toBe(s.code.slice(0, 2))
      expect([from!.lat, from!.lon], s.code).toEqual([s.lat, s.lon])
    }
  })

  it('includes the large hubs of every continent and the metro codes operators use', () => {
    for (const c of ['LHR', 'FRA', 'AMS', 'CDG', 'JFK', 'LAX', 'ORD', 'GRU', 'EZE', 'SCL', 'JNB', 'LOS', 'NBO', 'CAI', 'DXB', 'SIN', 'HKG', 'NRT', 'ICN', 'BOM', 'SYD', 'AKL']) {
      expect(lookupSite(c, 'iata'), c).not.toBeNull()
    }
    for (const c of ['LON', 'NYC', 'TYO', 'PAR', 'MIL', 'STO', 'CHI', 'WAS', 'OSA', 'SEL', 'ROM', 'MOW', 'BUE', 'SAO', 'RIO', 'YTO', 'YMQ', 'BJS', 'SHA', 'JKT']) {
      const s = lookupSite(c, 'iata-metro')
      expect(s, c).not.toBeNull()
    }
  })

  it('places well-known airports where they are', () => {
    expect(lookupSite('AMS')).toMatchObject({name: 'Amsterdam', country: 'NL', kind: 'iata'})
    expect(lookupSite('AMS')!.lat).toBeCloseTo(52.31, 1)
    expect(lookupSite('AMS')!.lon).toBeCloseTo(4.76, 1)
    expect(lookupSite('SYD')).toMatchObject({country: 'AU'})
    expect(lookupSite('SYD')!.lat).toBeCloseTo(-33.95, 1)
    expect(lookupSite('GRU')).toMatchObject({country: 'BR'})
    expect(lookupSite('LON')).toMatchObject({name: 'London', country: 'GB', kind: 'iata-metro'})
  })
})
