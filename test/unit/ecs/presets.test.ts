import fs from 'node:fs'
import {describe, expect, it} from 'vitest'
import {UsageError} from '../../../src/lib/errors.js'
import {countrySubnets, listCountries, listPresets, loadPrefixTable, presetSubnets} from '../../../src/lib/ecs/presets.js'
import {parseSubnet, subnetContains} from '../../../src/lib/net/cidr.js'

const raw = JSON.parse(fs.readFileSync(new URL('../../../data/ecs/prefixes.json', import.meta.url), 'utf8')) as {
  source: string
  method: string
  regions: string[]
  countries: Record<string, {name: string; region: string; isp: string; asn: number; ipv4: {cidr: string; within: string}; ipv6: {cidr: string; within: string}}>
}

const REQUIRED = ['US', 'CA', 'MX', 'BR', 'AR', 'CL', 'CO', 'GB', 'DE', 'FR', 'NL', 'ES', 'IT', 'SE', 'PL', 'RU', 'TR', 'ZA', 'NG', 'EG', 'KE', 'IN', 'CN', 'JP', 'KR', 'SG', 'ID', 'AU', 'NZ']

describe('data/ecs/prefixes.json', () => {
  const entries = Object.entries(raw.countries)

  it('covers at least 40 countries including every required one', () => {
    expect(entries.length).toBeGreaterThanOrEqual(40)
    for (const code of REQUIRED) expect(raw.countries[code], code).toBeDefined()
  })

  it('credits its source and says how entries were chosen', () => {
    expect(raw.source).toMatch(/ipverse\/asn-ip/)
    expect(raw.source).toMatch(/BGP/)
    expect(raw.method).toMatch(/not measured/)
  })

  it('has a well-formed IPv4 /24 and IPv6 /56 per country, inside the announced aggregate', () => {
    for (const [code, c] of entries) {
      expect(code, code).toMatch(/^[A-Z]{2}$/)
      expect(c.name.length, code).toBeGreaterThan(1)
      expect(c.isp.length, code).toBeGreaterThan(1)
      expect(Number.isInteger(c.asn) && c.asn > 0, code).toBe(true)
      expect(raw.regions, code).toContain(c.region)

      const v4 = parseSubnet(c.ipv4.cidr, {requirePrefix: true})
      expect(v4.family, code).toBe(1)
      expect(v4.sourcePrefix, code).toBe(24)
      expect(v4.cidr, code).toBe(c.ipv4.cidr)
      expect(subnetContains(c.ipv4.within, c.ipv4.cidr), `${code} ${c.ipv4.cidr} in ${c.ipv4.within}`).toBe(true)
      expect(parseSubnet(c.ipv4.within).sourcePrefix, code).toBeLessThan(24)

      const v6 = parseSubnet(c.ipv6.cidr, {requirePrefix: true})
      expect(v6.family, code).toBe(2)
      expect(v6.sourcePrefix, code).toBe(56)
      expect(v6.cidr, code).toBe(c.ipv6.cidr)
      expect(subnetContains(c.ipv6.within, c.ipv6.cidr), `${code} ${c.ipv6.cidr} in ${c.ipv6.within}`).toBe(true)
    }
  })

  it('uses no special-purpose space', () => {
    for (const [code, c] of entries) {
      for (const bad of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24']) {
        expect(subnetContains(bad, c.ipv4.cidr), `${code} ${c.ipv4.cidr}`).toBe(false)
      }
      expect(subnetContains('2000::/3', c.ipv6.cidr), `${code} ${c.ipv6.cidr} is global unicast`).toBe(true)
      expect(subnetContains('2001:db8::/32', c.ipv6.cidr), code).toBe(false)
    }
  })

  it('has no two countries sharing a block', () => {
    const v4 = entries.map(([, c]) => c.ipv4.cidr)
    const v6 = entries.map(([, c]) => c.ipv6.cidr)
    expect(new Set(v4).size).toBe(v4.length)
    expect(new Set(v6).size).toBe(v6.length)
  })
})

describe('loadPrefixTable', () => {
  it('loads once and caches', () => {
    const a = loadPrefixTable()
    expect(loadPrefixTable()).toBe(a)
    expect(a.countries.length).toBe(Object.keys(raw.countries).length)
    expect(listCountries()[0]!.code).toBe(Object.keys(raw.countries)[0])
  })
})

describe('countrySubnets', () => {
  it('returns IPv4 then IPv6 per country, in the order given', () => {
    const s = countrySubnets(['de', 'US'])
    expect(s.map((x) => [x.country, x.family, x.cidr])).toEqual([
      ['DE', 1, raw.countries.DE!.ipv4.cidr],
      ['DE', 2, raw.countries.DE!.ipv6.cidr],
      ['US', 1, raw.countries.US!.ipv4.cidr],
      ['US', 2, raw.countries.US!.ipv6.cidr],
    ])
    expect(s[0]).toMatchObject({countryName: 'Germany', isp: 'Deutsche Telekom', asn: 3320, region: 'europe', label: 'DE Deutsche Telekom AS3320'})
  })

  it('filters by family, removes duplicates and accepts UK for GB', () => {
    expect(countrySubnets(['jp', 'JP', ' jp '], {family: 'ipv6'}).map((x) => x.cidr)).toEqual([raw.countries.JP!.ipv6.cidr])
    expect(countrySubnets(['uk'], {family: 'ipv4'}).map((x) => x.country)).toEqual(['GB'])
  })

  it('rejects unknown codes, listing all of them', () => {
    let err: unknown
    try {
      countrySubnets(['DE', 'XX', 'zz'])
    } catch (error) {
      err = error
    }
    expect(err).toBeInstanceOf(UsageError)
    expect((err as Error).message).toMatch(/^unknown country codes "XX", "zz" \(known: AR, AT, AU, /)
    expect(() => countrySubnets([])).toThrow(/no country code given/)
    expect(() => countrySubnets(['DE'], {family: 'ipv5' as never})).toThrow(/unknown address family "ipv5"/)
  })
})

describe('presetSubnets', () => {
  it('world has every country in both families', () => {
    const n = Object.keys(raw.countries).length
    const world = presetSubnets('world')
    expect(world.length).toBe(2 * n)
    expect(new Set(world.map((x) => x.country)).size).toBe(n)
    expect(presetSubnets('world', {family: 'ipv4'}).every((x) => x.family === 1)).toBe(true)
  })

  it('has one preset per region', () => {
    expect(listPresets()).toEqual(['world', ...raw.regions])
    const oceania = presetSubnets('Oceania', {family: 'ipv4'})
    expect(oceania.map((x) => x.country).sort()).toEqual(['AU', 'NZ'])
  })

  it('rejects unknown presets with the list of known ones', () => {
    expect(() => presetSubnets('moon')).toThrow(UsageError)
    expect(() => presetSubnets('moon')).toThrow(/^unknown preset "moon" \(known: world, north-america, south-america, europe, africa, middle-east, asia, oceania\)$/)
  })
})
