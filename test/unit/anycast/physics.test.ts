import {describe, expect, it} from 'vitest'
import {
  EARTH_RADIUS_KM,
  KM_PER_MS_RTT,
  SPEED_OF_LIGHT_KM_S,
  greatCircleKm,
  intersectDiscs,
  lookupSite,
  maxDistanceKm,
  parseFrom,
  plausibility,
} from '../../../src/lib/anycast/index.js'

const site = (code: string) => {
  const s = lookupSite(code)
  if (!s) throw new Error(`no site ${code}`)
  return s
}

describe('greatCircleKm', () => {
  it('uses the IUGG mean radius', () => {
    expect(EARTH_RADIUS_KM).toBe(6371.0088)
    // a quarter of a meridian
    expect(greatCircleKm({lat: 0, lon: 0}, {lat: 90, lon: 0})).toBeCloseTo((Math.PI / 2) * 6371.0088, 6)
    // antipodes
    expect(greatCircleKm({lat: 10, lon: 20}, {lat: -10, lon: -160})).toBeCloseTo(Math.PI * 6371.0088, 2) // haversine loses a little precision at the antipode
    expect(greatCircleKm({lat: 52.3, lon: 4.8}, {lat: 52.3, lon: 4.8})).toBe(0)
  })

  it('gives LHR-JFK about 5540 km (within 1%)', () => {
    const d = greatCircleKm(site('LHR'), site('JFK'))
    expect(d).toBeGreaterThan(5540 * 0.99)
    expect(d).toBeLessThan(5540 * 1.01)
  })

  it('gives AMS-NRT about 9320 km (within 1%), and is symmetric', () => {
    const d = greatCircleKm(site('AMS'), site('NRT'))
    expect(d).toBeGreaterThan(9320 * 0.99)
    expect(d).toBeLessThan(9320 * 1.01)
    expect(greatCircleKm(site('NRT'), site('AMS'))).toBeCloseTo(d, 9)
  })

  it('handles the date line', () => {
    // 1 degree of longitude on the equator, across 180
    expect(greatCircleKm({lat: 0, lon: 179.5}, {lat: 0, lon: -179.5})).toBeCloseTo((Math.PI / 180) * 6371.0088, 6)
  })
})

describe('maxDistanceKm', () => {
  it('is rtt/2 x c/1.52, about 98.6 km per ms', () => {
    expect(SPEED_OF_LIGHT_KM_S).toBe(299792.458)
    expect(KM_PER_MS_RTT).toBeCloseTo(98.616, 3)
    expect(maxDistanceKm(10)).toBeCloseTo(986.16, 2)
    expect(maxDistanceKm(0)).toBe(0)
  })

  it('rejects negative and non-finite RTTs', () => {
    expect(() => maxDistanceKm(-1)).toThrow(RangeError)
    expect(() => maxDistanceKm(Number.NaN)).toThrow(RangeError)
  })
})

describe('plausibility', () => {
  const ams = {lat: 52.37, lon: 4.9}

  it('calls a 2 ms answer from Sydney, seen from Amsterdam, impossible', () => {
    const p = plausibility(2, ams, site('SYD'))
    expect(p.verdict).toBe('impossible')
    expect(p.maxKm).toBeCloseTo(197.2, 1)
    expect(p.distanceKm!).toBeGreaterThan(16000)
  })

  it('accepts a nearby site and a far one with enough RTT', () => {
    expect(plausibility(2, ams, site('AMS')).verdict).toBe('consistent')
    expect(plausibility(180, ams, site('SYD')).verdict).toBe('consistent')
    // Frankfurt is ~360 km from Amsterdam: 3 ms (296 km) is too little, 8 ms enough
    expect(plausibility(3, ams, site('FRA')).verdict).toBe('impossible')
    expect(plausibility(8, ams, site('FRA')).verdict).toBe('consistent')
  })

  it('applies a margin when asked', () => {
    expect(plausibility(3, ams, site('FRA'), {marginKm: 100}).verdict).toBe('consistent')
  })

  it('is unverifiable without both positions, but still gives the bound', () => {
    expect(plausibility(10, null, site('SYD'))).toEqual({verdict: 'unverifiable', maxKm: maxDistanceKm(10)})
    expect(plausibility(10, ams, null).verdict).toBe('unverifiable')
  })
})

describe('intersectDiscs', () => {
  const disc = (code: string, radiusKm: number) => ({...site(code), radiusKm, label: code})

  it('finds where a client near Amsterdam must be from three European sites', () => {
    const r = intersectDiscs([disc('FRA', 500), disc('LHR', 450), disc('CDG', 500)])
    expect(r.consistent).toBe(true)
    expect(r.conflicting).toBeUndefined()
    const region = r.region!
    // the region's point lies in every disc
    for (const d of [disc('FRA', 500), disc('LHR', 450), disc('CDG', 500)]) expect(greatCircleKm(region, d)).toBeLessThanOrEqual(d.radiusKm)
    // and the bound contains Amsterdam, but is smaller than any single disc
    expect(greatCircleKm(region, {lat: 52.37, lon: 4.9})).toBeLessThanOrEqual(region.radiusKm)
    expect(region.radiusKm).toBeLessThan(450)
  })

  it('narrows down as discs tighten', () => {
    const wide = intersectDiscs([disc('FRA', 2000), disc('LHR', 2000)]).region!
    const tight = intersectDiscs([disc('FRA', 2000), disc('LHR', 2000), disc('AMS', 50)]).region!
    expect(tight.radiusKm).toBeLessThan(wide.radiusKm)
    expect(greatCircleKm(tight, site('AMS'))).toBeLessThan(50)
  })

  it('names the two claims that cannot both hold', () => {
    // 5 ms from Amsterdam and 5 ms from Sydney at once
    const r = intersectDiscs([disc('AMS', maxDistanceKm(5)), disc('FRA', 2000), disc('SYD', maxDistanceKm(5))])
    expect(r.consistent).toBe(false)
    expect(r.region).toBeUndefined()
    expect(r.conflicting).toEqual(['AMS', 'SYD'])
  })

  it('detects discs that overlap pairwise but have no common point', () => {
    const r = intersectDiscs([0, 120, -120].map((lon) => ({lat: 0, lon, radiusKm: 6700, label: `eq${lon}`})))
    expect(r.consistent).toBe(false)
    expect(r.conflicting).toHaveLength(2)
  })

  it('handles no disc, one disc, and a tiny common area', () => {
    expect(intersectDiscs([])).toEqual({consistent: true})
    const one = intersectDiscs([disc('NRT', 300)])
    expect(one.consistent).toBe(true)
    expect(greatCircleKm(one.region!, site('NRT'))).toBeLessThan(30)
    // two discs that just touch: the common area is a sliver near the midpoint
    const a = {lat: 0, lon: 0, radiusKm: 0, label: 'a'}
    const d = greatCircleKm({lat: 0, lon: 0}, {lat: 0, lon: 10})
    const touch = intersectDiscs([{lat: 0, lon: 0, radiusKm: d / 2 + 1, label: 'w'}, {lat: 0, lon: 10, radiusKm: d / 2 + 1, label: 'e'}])
    expect(touch.consistent).toBe(true)
    expect(Math.abs(touch.region!.lon - 5)).toBeLessThan(0.1)
    expect(intersectDiscs([a]).region).toMatchObject({lat: 0, lon: 0, radiusKm: 0})
  })

  it('rejects bad input', () => {
    expect(() => intersectDiscs([{lat: 95, lon: 0, radiusKm: 10, label: 'x'}])).toThrow(RangeError)
    expect(() => intersectDiscs([{lat: 0, lon: 0, radiusKm: -1, label: 'x'}])).toThrow(RangeError)
  })
})

describe('parseFrom', () => {
  it('reads IATA codes, case-insensitively', () => {
    const p = parseFrom('ams')
    expect(p).toMatchObject({label: 'AMS (Amsterdam, NL)'})
    expect(p.lat).toBeCloseTo(52.31, 2)
    expect(parseFrom(' LON ').label).toBe('LON (London, GB)')
  })

  it('reads LAT,LON', () => {
    expect(parseFrom('52.37,4.90')).toEqual({lat: 52.37, lon: 4.9, label: '52.37,4.9'})
    expect(parseFrom('-33.87, 151.21')).toEqual({lat: -33.87, lon: 151.21, label: '-33.87,151.21'})
    expect(parseFrom('+10,-20')).toMatchObject({lat: 10, lon: -20})
  })

  it('throws one-line errors for bad input', () => {
    const bad: Array<[string, RegExp]> = [
      ['QQQ', /unknown IATA code "QQQ"/],
      ['91,0', /latitude 91 is out of range/],
      ['0,181', /longitude 181 is out of range/],
      ['Amsterdam', /expected an IATA airport\/city code .* or LAT,LON/],
      ['', /expected an IATA/],
      ['52.3;4.9', /expected an IATA/],
    ]
    for (const [input, re] of bad) {
      let message = ''
      try {
        parseFrom(input)
      } catch (error) {
        message = (error as Error).message
      }
      expect(message, input).toMatch(re)
      expect(message, input).not.toContain('\n')
    }
  })
})
