/**
 * Curated client subnets per country (`data/ecs/prefixes.json`) for `dnsx ecs --country`
 * and `--preset`: one access-ISP /24 (IPv4) and /56 (IPv6) per country, taken from a
 * BGP-announced aggregate of that ISP. How the table was made is described in the file's
 * `source` and `method` fields.
 */
import fs from 'node:fs'
import {InternalError, UsageError} from '../errors.js'
import {type Family, parseSubnet, subnetContains} from '../net/cidr.js'
import {shippedFile} from '../paths.js'

/** One address family's entry of a country. */
export interface CountryPrefix {
  /** The /24 or /56 to send as client subnet. */
  cidr: string
  /** The ISP's announced aggregate the block was taken from. */
  within: string
}

/** One country of the table. */
export interface CountryPrefixes {
  /** ISO 3166-1 alpha-2 code, upper case. */
  code: string
  name: string
  /** One of {@link PrefixTable.regions}. */
  region: string
  isp: string
  asn: number
  ipv4: CountryPrefix
  ipv6: CountryPrefix
}

/** The whole table. */
export interface PrefixTable {
  version: number
  compiled: string
  source: string
  method: string
  regions: string[]
  countries: CountryPrefixes[]
}

/** A subnet chosen by a country code or preset, ready to query with. */
export interface PresetSubnet {
  /** ISO country code. */
  country: string
  countryName: string
  region: string
  isp: string
  asn: number
  family: Family
  cidr: string
  /** Short display label, e.g. `DE Deutsche Telekom AS3320`. */
  label: string
}

/** Which families to return. */
export type FamilySelection = 'ipv4' | 'ipv6' | 'both'

/** Options of {@link countrySubnets} and {@link presetSubnets}. */
export interface PresetOptions {
  /** Default `both` (IPv4 entry first, then IPv6). */
  family?: FamilySelection
}

/** Common names that are not ISO codes but that people type. */
const ALIASES: Record<string, string> = {UK: 'GB', EL: 'GR'}

let cache: PrefixTable | undefined

function badTable(why: string): never {
  throw new InternalError(`data/ecs/prefixes.json: ${why}`)
}

function compile(raw: unknown): PrefixTable {
  const doc = raw as {
    version?: number
    compiled?: string
    source?: string
    method?: string
    regions?: string[]
    countries?: Record<string, Omit<CountryPrefixes, 'code'>>
  }
  if (!doc || typeof doc !== 'object' || !doc.countries || typeof doc.countries !== 'object') badTable('no "countries" object')
  if (!Array.isArray(doc.regions)) badTable('no "regions" array')
  const regions = doc.regions
  const countries: CountryPrefixes[] = []
  for (const [code, c] of Object.entries(doc.countries)) {
    if (!/^[A-Z]{2}$/.test(code)) badTable(`country code ${JSON.stringify(code)} is not two upper-case letters`)
    if (!regions.includes(c.region)) badTable(`${code}: unknown region ${JSON.stringify(c.region)}`)
    for (const fam of ['ipv4', 'ipv6'] as const) {
      const e = c[fam]
      if (!e || typeof e.cidr !== 'string' || typeof e.within !== 'string') badTable(`${code}: missing ${fam} entry`)
      const s = parseSubnet(e.cidr, {requirePrefix: true})
      if (s.family !== (fam === 'ipv4' ? 1 : 2)) badTable(`${code}: ${fam} entry ${e.cidr} is of the other family`)
      if (s.hostBitsCleared) badTable(`${code}: ${e.cidr} has host bits set`)
      if (!subnetContains(e.within, e.cidr)) badTable(`${code}: ${e.cidr} is not inside ${e.within}`)
    }
    countries.push({code, ...c})
  }
  return {
    version: doc.version ?? 0,
    compiled: doc.compiled ?? '',
    source: doc.source ?? '',
    method: doc.method ?? '',
    regions,
    countries,
  }
}

/**
 * The prefix table, read from `data/ecs/prefixes.json` on first use and cached.
 * @throws Error when the file is missing or malformed.
 */
export function loadPrefixTable(): PrefixTable {
  if (!cache) {
    cache = compile(JSON.parse(fs.readFileSync(shippedFile('data/ecs/prefixes.json'), 'utf8')))
  }
  return cache
}

/** Every country of the table, in table order (grouped by region). */
export function listCountries(): CountryPrefixes[] {
  return loadPrefixTable().countries
}

/** Preset names: `world` (every country) and one per region (`europe`, `asia`, ...). */
export function listPresets(): string[] {
  return ['world', ...loadPrefixTable().regions]
}

function expand(c: CountryPrefixes, family: FamilySelection): PresetSubnet[] {
  const out: PresetSubnet[] = []
  const base = {country: c.code, countryName: c.name, region: c.region, isp: c.isp, asn: c.asn, label: `${c.code} ${c.isp} AS${c.asn}`}
  if (family !== 'ipv6') out.push({...base, family: 1, cidr: c.ipv4.cidr})
  if (family !== 'ipv4') out.push({...base, family: 2, cidr: c.ipv6.cidr})
  return out
}

function checkFamily(family: unknown): FamilySelection {
  if (family === undefined) return 'both'
  if (family === 'ipv4' || family === 'ipv6' || family === 'both') return family
  throw new UsageError(`unknown address family ${JSON.stringify(family)} (use ipv4, ipv6 or both)`, 'ecs-family')
}

/**
 * Subnets for the given ISO 3166-1 alpha-2 codes (case-insensitive; `UK` is accepted for
 * `GB`), in the order given, duplicates removed; IPv4 before IPv6 within a country.
 * @throws UsageError listing every unknown code and the known ones.
 */
export function countrySubnets(codes: readonly string[], options: PresetOptions = {}): PresetSubnet[] {
  const family = checkFamily(options.family)
  const table = loadPrefixTable()
  const byCode = new Map(table.countries.map((c) => [c.code, c]))
  const seen = new Set<string>()
  const unknown: string[] = []
  const chosen: CountryPrefixes[] = []
  for (const raw of codes) {
    const up = raw.trim().toUpperCase()
    const code = ALIASES[up] ?? up
    const c = byCode.get(code)
    if (!c) {
      unknown.push(raw.trim())
      continue
    }
    if (seen.has(code)) continue
    seen.add(code)
    chosen.push(c)
  }
  if (unknown.length > 0) {
    const known = [...byCode.keys()].sort().join(', ')
    throw new UsageError(
      `unknown country code${unknown.length > 1 ? 's' : ''} ${unknown.map((u) => JSON.stringify(u)).join(', ')} (known: ${known})`,
      'ecs-country',
    )
  }
  if (chosen.length === 0) throw new UsageError('no country code given', 'ecs-country')
  return chosen.flatMap((c) => expand(c, family))
}

/**
 * Subnets of a named preset: `world` (all countries) or a region name from
 * {@link listPresets} (case-insensitive), in table order.
 * @throws UsageError for an unknown preset, listing the known ones.
 */
export function presetSubnets(name: string, options: PresetOptions = {}): PresetSubnet[] {
  const family = checkFamily(options.family)
  const table = loadPrefixTable()
  const key = name.trim().toLowerCase()
  let countries: CountryPrefixes[]
  if (key === 'world') countries = table.countries
  else if (table.regions.includes(key)) countries = table.countries.filter((c) => c.region === key)
  else throw new UsageError(`unknown preset ${JSON.stringify(name)} (known: ${listPresets().join(', ')})`, 'ecs-preset')
  return countries.flatMap((c) => expand(c, family))
}
