/**
 * The `dnsx anycast-probe --json` document (schemas/anycast-probe.json) and
 * the command's expectations, built from a ProbeRun. Pure.
 */
import {expectation, listOrNone, type ExpectationResult} from '../expect.js'
import {lookupSite, normaliseCode, type SiteLookup} from './catalogue.js'
import {SAME_SITE_KM} from './decode.js'
import {greatCircleKm, type FromPoint} from './physics.js'
import type {ClientRegionJson, ProbeEvent, ProbeRun, TargetResult} from './model.js'

export interface AnycastReport {
  settings: {
    count: number | null
    intervalMs: number
    timeoutMs: number
    transport: 'udp' | 'tcp'
    chaos: boolean
    deadlineMs: number | null
    watch: boolean
  }
  /** --from, when given. */
  from: {label: string; lat: number; lon: number} | null
  /** Margin added to every speed-of-light bound (site coordinates are airports or city centres). */
  marginKm: number
  targets: TargetResult[]
  client: ClientRegionJson
  summary: {
    targets: number
    /** Targets that answered anything. */
    answered: number
    consistent: number
    impossible: number
    unverifiable: number
    /** Targets whose identity changed between probes. */
    flipping: number
    /** Targets with at least one interception hint. */
    hinted: number
  }
  notes: string[]
  stopped: ProbeRun['stopped']
  elapsedMs: number
  expectations?: ExpectationResult[]
}

export interface ReportMeta {
  count: number
  intervalMs: number
  timeoutMs: number
  tcp: boolean
  chaos: boolean
  deadlineMs?: number
  watch?: boolean
  from?: FromPoint | null
  notes?: string[]
}

export function buildReport(run: ProbeRun, meta: ReportMeta): AnycastReport {
  const t = run.targets
  return {
    settings: {
      count: Number.isFinite(meta.count) ? meta.count : null,
      intervalMs: meta.intervalMs,
      timeoutMs: meta.timeoutMs,
      transport: meta.tcp ? 'tcp' : 'udp',
      chaos: meta.chaos,
      deadlineMs: meta.deadlineMs ?? null,
      watch: Boolean(meta.watch),
    },
    from: meta.from ? {label: meta.from.label, lat: meta.from.lat, lon: meta.from.lon} : null,
    marginKm: run.marginKm,
    targets: t,
    client: run.client,
    summary: {
      targets: t.length,
      answered: t.filter((x) => x.error === null).length,
      consistent: t.filter((x) => x.plausibility.verdict === 'consistent').length,
      impossible: t.filter((x) => x.plausibility.verdict === 'impossible').length,
      unverifiable: t.filter((x) => x.plausibility.verdict === 'unverifiable').length,
      flipping: t.filter((x) => x.flips.count > 0).length,
      hinted: t.filter((x) => x.hints.length > 0).length,
    },
    notes: meta.notes ?? [],
    stopped: run.stopped,
    elapsedMs: run.elapsedMs,
  }
}

/** True when no target answered anything (exit 3). */
export function nothingAnswered(report: AnycastReport): boolean {
  return report.targets.length > 0 && report.targets.every((t) => t.error !== null)
}

function label(t: TargetResult): string {
  return t.target === t.address ? t.address : `${t.target} ${t.address}`
}

function place(code: string, t: TargetResult): string {
  const s = t.sites.find((x) => x.code === code)
  return s ? `${code} (${s.name}, ${s.country})` : code
}

/** An --expect-site value: its code(s) and, when the table knows it, the place. */
export interface ExpectedSite {
  input: string
  code: string
  site: SiteLookup | null
}

/** Read an --expect-site value: IATA airport or metro code (AMS, LON), UN/LOCODE (NL AMS, nl-ams), or an operator code. */
export function parseExpectedSite(input: string): ExpectedSite {
  const text = input.trim()
  if (/^[A-Za-z]{2}[\s\-_.]?[A-Za-z0-9]{3}$/.test(text) && !/^[A-Za-z]{3,}$/.test(text)) {
    const code = normaliseCode(text, 'unlocode')
    return {input, code, site: lookupSite(code, 'unlocode')}
  }
  const code = normaliseCode(text)
  return {input, code, site: /^[A-Z]{3}$/.test(code) ? lookupSite(code, 'iata') : null}
}

function siteMatches(code: string, t: TargetResult, want: ExpectedSite[]): boolean {
  const seen = t.sites.find((x) => x.code === code)
  return want.some((w) => {
    if (normaliseCode(code) === w.code) return true
    if (w.site && seen) return greatCircleKm(w.site, seen) <= SAME_SITE_KM
    return false
  })
}

export interface ExpectOptions {
  /** --expect-site (any of them). */
  sites?: string[]
  /** --expect-max-rtt: median RTT bound, ms. */
  maxRttMs?: number
  plausible?: boolean
  noInterception?: boolean
}

/**
 * The expectations, one result per target (and, for --expect-plausible
 * without --from, one for the client region):
 * - site: every identity of the preferred source decodes to a site that is
 *   one of CODEs, or within SAME_SITE_KM of one (LON accepts LHR);
 * - max-rtt: the median RTT is at most MS;
 * - plausible: no claim is farther than light allows (unverifiable claims
 *   pass; without --from, the claims must also agree with each other);
 * - no-interception: no interception hint.
 * A target that answered nothing fails every expectation.
 */
export function anycastExpectations(report: AnycastReport, opts: ExpectOptions): ExpectationResult[] {
  const out: ExpectationResult[] = []
  const targets = report.targets
  if (opts.sites?.length) {
    const want = opts.sites.map(parseExpectedSite)
    const expected = want.map((w) => (w.site ? `${w.code} (${w.site.name}, ${w.site.country}) or within ${SAME_SITE_KM} km` : w.code)).join(' or ')
    for (const t of targets) {
      const name = `site=${opts.sites.join(',')} (${label(t)})`
      if (t.error) {
        out.push(expectation(name, false, expected, 'no answer'))
        continue
      }
      const distinct = t.flips.distinct
      if (distinct.length === 0) {
        out.push(expectation(name, false, expected, 'no identity (no NSID and no CHAOS answer)'))
        continue
      }
      const parts = distinct.map((d) => (d.siteCode ? place(d.siteCode, t) : `unknown "${d.identity}"`) + (distinct.length > 1 ? ` x${d.count}` : ''))
      const ok = distinct.every((d) => d.siteCode !== null && siteMatches(d.siteCode, t, want))
      out.push(expectation(name, ok, expected, [...new Set(parts)].join(', ')))
    }
  }
  if (opts.maxRttMs !== undefined) {
    for (const t of targets) {
      const name = `max-rtt=${opts.maxRttMs}ms (${label(t)})`
      const median = t.rttMs.median
      if (median === null) out.push(expectation(name, false, `median RTT <= ${opts.maxRttMs} ms`, 'no answer'))
      else out.push(expectation(name, median <= opts.maxRttMs, `median RTT <= ${opts.maxRttMs} ms`, `${median} ms (min ${t.rttMs.min}, max ${t.rttMs.max})`))
    }
  }
  if (opts.plausible) {
    for (const t of targets) {
      const name = `plausible (${label(t)})`
      if (t.error) {
        out.push(expectation(name, false, 'a physically possible site', 'no answer'))
        continue
      }
      const p = t.plausibility
      out.push(expectation(name, p.verdict !== 'impossible', 'a physically possible site', `${p.verdict}: ${p.reason}`))
    }
    if (!report.from) {
      const c = report.client
      out.push(
        expectation(
          'plausible (client region)',
          c.consistent,
          'site claims that agree on where this client is',
          c.consistent ? (c.region ? `within ${Math.round(c.region.radiusKm)} km of ${c.region.lat},${c.region.lon}` : 'no located claim') : `${c.conflicting?.[0]} contradicts ${c.conflicting?.[1]}`,
        ),
      )
    }
  }
  if (opts.noInterception) {
    for (const t of targets) {
      out.push(expectation(`no-interception (${label(t)})`, t.hints.length === 0 && !t.error, 'no interception hint', t.error ? 'no answer' : listOrNone(t.hints.map((h) => h.code))))
    }
  }
  return out
}

/** One --watch event as a JSON line. */
export function watchEventJson(e: ProbeEvent, wallClock: Date): Record<string, unknown> | null {
  const base = {time: wallClock.toISOString()}
  switch (e.type) {
    case 'change':
      return {...base, event: e.from ? 'change' : 'first', target: e.target.target, address: e.target.address, atMs: Math.round(e.atMs), probe: e.index, from: e.from, to: e.to, siteChanged: e.siteChanged, rttMs: e.rttMs}
    case 'silent':
    case 'back':
      return {...base, event: e.type, target: e.target.target, address: e.target.address, atMs: Math.round(e.atMs), probe: e.index}
    default:
      return null
  }
}
