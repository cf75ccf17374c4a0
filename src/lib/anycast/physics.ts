/**
 * Speed-of-light arithmetic for anycast probing: great-circle distances, the
 * farthest a server can be for a given round-trip time, plausibility of a
 * claimed site, and intersection of "the client is within r of site X" discs.
 */
import {UsageError} from '../errors.js'
import {lookupSite} from './catalogue.js'

/** A point on the Earth, decimal degrees. */
export interface LatLon {
  lat: number
  lon: number
}

/** Mean Earth radius (IUGG), km. */
export const EARTH_RADIUS_KM = 6371.0088

/** Speed of light in vacuum, km/s. */
export const SPEED_OF_LIGHT_KM_S = 299_792.458

/** Refractive index used for light in optical fibre. */
export const FIBER_REFRACTIVE_INDEX = 1.52

/**
 * Farthest one-way distance per millisecond of round-trip time:
 * (1 ms / 2) x c / 1.52, about 98.6 km.
 */
export const KM_PER_MS_RTT = SPEED_OF_LIGHT_KM_S / FIBER_REFRACTIVE_INDEX / 1000 / 2

const RAD = Math.PI / 180
const HALF_CIRCUMFERENCE_KM = Math.PI * EARTH_RADIUS_KM

function checkPoint(p: LatLon, what: string): void {
  if (!Number.isFinite(p.lat) || !Number.isFinite(p.lon) || Math.abs(p.lat) > 90 || Math.abs(p.lon) > 180) {
    throw new RangeError(`${what}: invalid coordinates (${p.lat}, ${p.lon})`)
  }
}

/** Great-circle distance in km by the haversine formula (sphere of radius {@link EARTH_RADIUS_KM}). */
export function greatCircleKm(a: LatLon, b: LatLon): number {
  const dLat = (b.lat - a.lat) * RAD
  const dLon = (b.lon - a.lon) * RAD
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)))
}

/**
 * Farthest a server can be from the client given the smallest RTT seen:
 * rttMin/2 x c/1.52. Real paths are longer than great circles, so the true
 * distance is usually much smaller; this is only an upper bound.
 * Throws a RangeError for a negative or non-finite RTT.
 */
export function maxDistanceKm(rttMinMs: number): number {
  if (!Number.isFinite(rttMinMs) || rttMinMs < 0) throw new RangeError(`invalid RTT: ${rttMinMs} ms`)
  return rttMinMs * KM_PER_MS_RTT
}

/** Verdict of {@link plausibility}. */
export interface Plausibility {
  /** consistent: the site is within reach; impossible: it is farther than light can go; unverifiable: a position is missing. */
  verdict: 'consistent' | 'impossible' | 'unverifiable'
  /** Client-to-site great-circle distance, when both positions are known. */
  distanceKm?: number
  /** Upper bound from the RTT ({@link maxDistanceKm}). */
  maxKm: number
}

/**
 * Can a server at `site` have answered `client` with this minimum RTT?
 * `impossible` when the great-circle distance exceeds maxDistanceKm(rttMin) +
 * `marginKm`. Site coordinates in sites.json are airports or city centres, tens
 * of km from the actual data centre, so callers may pass a margin (default 0).
 */
export function plausibility(
  rttMinMs: number,
  client: LatLon | null,
  site: LatLon | null,
  opts: {marginKm?: number} = {},
): Plausibility {
  const maxKm = maxDistanceKm(rttMinMs)
  if (!client || !site) return {verdict: 'unverifiable', maxKm}
  checkPoint(client, 'client')
  checkPoint(site, 'site')
  const distanceKm = greatCircleKm(client, site)
  const verdict = distanceKm > maxKm + (opts.marginKm ?? 0) ? 'impossible' : 'consistent'
  return {verdict, distanceKm, maxKm}
}

/** "The client is within radiusKm of (lat, lon)", from a site claim and an RTT. */
export interface Disc extends LatLon {
  radiusKm: number
  label: string
}

/** Result of {@link intersectDiscs}. */
export interface DiscIntersection {
  consistent: boolean
  /** When consistent: a point inside every disc and a radius around it that bounds the common area (approximate). */
  region?: {lat: number; lon: number; radiusKm: number}
  /** When not consistent: the two claims that contradict each other. */
  conflicting?: [string, string]
}

type Vec = [number, number, number]

function toVec(p: LatLon): Vec {
  const la = p.lat * RAD
  const lo = p.lon * RAD
  return [Math.cos(la) * Math.cos(lo), Math.cos(la) * Math.sin(lo), Math.sin(la)]
}

function toLatLon(v: Vec): LatLon {
  const n = Math.hypot(v[0], v[1], v[2])
  return {lat: Math.asin(Math.max(-1, Math.min(1, v[2] / n))) / RAD, lon: Math.atan2(v[1], v[0]) / RAD}
}

/** Point at great-circle distance `km` from `from`, on the way to `towards` (any direction if antipodal or equal). */
function along(from: Vec, towards: Vec, km: number): Vec {
  const dot = from[0] * towards[0] + from[1] * towards[1] + from[2] * towards[2]
  let u: Vec = [towards[0] - dot * from[0], towards[1] - dot * from[1], towards[2] - dot * from[2]]
  let n = Math.hypot(u[0], u[1], u[2])
  if (n < 1e-12) {
    // pick any direction perpendicular to `from`
    u = Math.abs(from[2]) < 0.9 ? [-from[1], from[0], 0] : [0, -from[2], from[1]]
    n = Math.hypot(u[0], u[1], u[2])
  }
  const t = km / EARTH_RADIUS_KM
  return [
    Math.cos(t) * from[0] + (Math.sin(t) * u[0]) / n,
    Math.cos(t) * from[1] + (Math.sin(t) * u[1]) / n,
    Math.cos(t) * from[2] + (Math.sin(t) * u[2]) / n,
  ]
}

/** Point at distance `km` and bearing `bearingRad` from `p` (spherical destination formula). */
function destination(p: LatLon, km: number, bearingRad: number): LatLon {
  const d = km / EARTH_RADIUS_KM
  const la1 = p.lat * RAD
  const lo1 = p.lon * RAD
  const la2 = Math.asin(Math.sin(la1) * Math.cos(d) + Math.cos(la1) * Math.sin(d) * Math.cos(bearingRad))
  const lo2 = lo1 + Math.atan2(Math.sin(bearingRad) * Math.sin(d) * Math.cos(la1), Math.cos(d) - Math.sin(la1) * Math.sin(la2))
  return {lat: la2 / RAD, lon: ((((lo2 / RAD) + 540) % 360) - 180)}
}

const EPS_KM = 1e-6

/**
 * Intersect the discs "client within radiusKm of site" of every probed site, to
 * say where the client must be without knowing its position, or which two
 * claims cannot both be true.
 *
 * Method (simple and robust rather than exact):
 * 1. Pairwise test: two discs whose centres are farther apart than r1 + r2
 *    cannot both hold; the pair with the largest excess is reported as
 *    `conflicting`. Radii are capped at half the Earth's circumference.
 * 2. Otherwise the smallest disc is sampled on a polar grid (its centre plus 30
 *    rings of up to 120 points) and every sample inside all discs is kept;
 *    alternating projection onto the discs (move the point along the great
 *    circle to the nearest disc edge, up to 200 rounds) adds a feasible point
 *    when the common area is smaller than the grid.
 * 3. The region is the centroid of the feasible points and the largest distance
 *    from it to one of them, plus the grid spacing: an approximate bound of the
 *    area where the client can be.
 * If discs overlap pairwise but no point lies in all of them, the result is not
 * consistent and `conflicting` names the pair with the smallest overlap.
 */
export function intersectDiscs(discs: Disc[]): DiscIntersection {
  for (const d of discs) {
    checkPoint(d, `disc ${d.label}`)
    if (!Number.isFinite(d.radiusKm) || d.radiusKm < 0) throw new RangeError(`disc ${d.label}: invalid radius ${d.radiusKm}`)
  }
  if (discs.length === 0) return {consistent: true}
  const r = discs.map((d) => Math.min(d.radiusKm, HALF_CIRCUMFERENCE_KM))
  // 1. pairwise contradictions
  let worst: {excess: number; pair: [number, number]} | null = null
  let tightest: {slack: number; pair: [number, number]} | null = null
  for (let i = 0; i < discs.length; i++) {
    for (let j = i + 1; j < discs.length; j++) {
      const gap = greatCircleKm(discs[i]!, discs[j]!) - r[i]! - r[j]!
      if (gap > EPS_KM && (!worst || gap > worst.excess)) worst = {excess: gap, pair: [i, j]}
      if (!tightest || -gap < tightest.slack) tightest = {slack: -gap, pair: [i, j]}
    }
  }
  if (worst) return {consistent: false, conflicting: [discs[worst.pair[0]]!.label, discs[worst.pair[1]]!.label]}
  const inside = (p: LatLon) => discs.every((d, i) => greatCircleKm(p, d) <= r[i]! + EPS_KM)
  // 2. sample the smallest disc
  let s = 0
  for (let i = 1; i < discs.length; i++) if (r[i]! < r[s]!) s = i
  const small = discs[s]!
  const rs = r[s]!
  const RINGS = 30
  const OUTER = 120
  const feasible: LatLon[] = []
  if (inside(small)) feasible.push({lat: small.lat, lon: small.lon})
  if (rs > 0) {
    for (let k = 1; k <= RINGS; k++) {
      const m = Math.max(8, Math.round((OUTER * k) / RINGS))
      for (let q = 0; q < m; q++) {
        const p = destination(small, (rs * k) / RINGS, (2 * Math.PI * q) / m)
        if (inside(p)) feasible.push(p)
      }
    }
  }
  // alternating projection from the smallest disc's centre
  let v = toVec(small)
  const centres = discs.map(toVec)
  for (let round = 0; round < 200; round++) {
    let moved = false
    for (let i = 0; i < discs.length; i++) {
      const p = toLatLon(v)
      const dist = greatCircleKm(p, discs[i]!)
      if (dist > r[i]! + EPS_KM) {
        // the point at distance r*(1 - 1e-9) from the centre, on the way to p
        v = along(centres[i]!, v, r[i]! * (1 - 1e-9))
        moved = true
      }
    }
    if (!moved) break
  }
  const projected = toLatLon(v)
  if (inside(projected)) feasible.push(projected)
  if (feasible.length === 0) {
    const pair = tightest!.pair
    return {consistent: false, conflicting: [discs[pair[0]]!.label, discs[pair[1]]!.label]}
  }
  // 3. centroid and bound
  const sum: Vec = [0, 0, 0]
  for (const p of feasible) {
    const w = toVec(p)
    sum[0] += w[0]
    sum[1] += w[1]
    sum[2] += w[2]
  }
  let centre = Math.hypot(sum[0], sum[1], sum[2]) > 1e-9 ? toLatLon(sum) : feasible[0]!
  if (!inside(centre)) centre = inside(projected) ? projected : feasible[0]!
  const spacing = rs === 0 ? 0 : Math.max(rs / RINGS, (2 * Math.PI * rs) / OUTER)
  let far = 0
  for (const p of feasible) far = Math.max(far, greatCircleKm(centre, p))
  const radiusKm = Math.min(far + spacing, rs + greatCircleKm(centre, small))
  return {consistent: true, region: {lat: round(centre.lat, 4), lon: round(centre.lon, 4), radiusKm: round(radiusKm, 1)}}
}

function round(x: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(x * f) / f
}

/** Parsed `--from` value. */
export interface FromPoint extends LatLon {
  label: string
}

/**
 * Parse a `--from` value: an IATA airport or metro code ("AMS", "lon") looked up
 * in sites.json, or "LAT,LON" in decimal degrees ("52.37,4.90", "-33.87, 151.21").
 * Throws an Error with a one-line message on bad input.
 */
export function parseFrom(s: string): FromPoint {
  const text = s.trim()
  const coords = /^([-+]?\d+(?:\.\d+)?)\s*,\s*([-+]?\d+(?:\.\d+)?)$/.exec(text)
  if (coords) {
    const lat = Number(coords[1])
    const lon = Number(coords[2])
    if (Math.abs(lat) > 90) throw new UsageError(`--from: latitude ${coords[1]} is out of range (-90..90)`, 'bad-from')
    if (Math.abs(lon) > 180) throw new UsageError(`--from: longitude ${coords[2]} is out of range (-180..180)`, 'bad-from')
    return {lat, lon, label: `${lat},${lon}`}
  }
  if (/^[A-Za-z]{3}$/.test(text)) {
    const site = lookupSite(text, 'iata')
    if (!site) throw new UsageError(`--from: unknown IATA code "${text.toUpperCase()}"; give LAT,LON instead (e.g. 52.37,4.90)`, 'bad-from')
    return {lat: site.lat, lon: site.lon, label: `${site.code} (${site.name}, ${site.country})`}
  }
  throw new UsageError(`--from: expected an IATA airport/city code (e.g. AMS) or LAT,LON in decimal degrees (e.g. 52.37,4.90), got "${s}"`, 'bad-from')
}
