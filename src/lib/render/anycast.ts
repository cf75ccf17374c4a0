/**
 * Human rendering of `dnsx anycast-probe`: the table (target, address, site,
 * place, RTT, plausibility, flips), raw identities and per-probe lines under
 * --verbose, interception warnings, the verdict reasons and the sentence
 * about where the client must be; and the one-line --watch events.
 */
import chalk from 'chalk'
import {formatMs} from '../clock.js'
import {count} from '../words.js'
import {BORDERLESS, loadTable} from './table.js'
import {KM_PER_MS_RTT} from '../anycast/physics.js'
import type {AnycastReport} from '../anycast/report.js'
import type {ProbeEvent, ProbeIdentity, TargetResult} from '../anycast/model.js'

function fmtKm(x: number): string {
  return `${Math.round(x).toLocaleString('en-US')} km`
}

function fmtLatLon(lat: number, lon: number): string {
  return `${Math.abs(lat).toFixed(2)}°${lat >= 0 ? 'N' : 'S'} ${Math.abs(lon).toFixed(2)}°${lon >= 0 ? 'E' : 'W'}`
}

function verdictText(v: TargetResult['plausibility']['verdict']): string {
  if (v === 'consistent') return chalk.green(v)
  if (v === 'impossible') return chalk.red.bold(v)
  return chalk.dim(v)
}

function placeOf(t: TargetResult): {code: string; place: string} {
  if (t.error) return {code: '-', place: chalk.red(`no answer (${t.error.message})`)}
  if (t.site) return {code: t.site.code, place: `${t.site.name}, ${t.site.country}${t.site.confidence === 'known' ? '' : chalk.dim(' (unverified)')}`}
  if (t.siteCode) return {code: t.siteCode, place: chalk.dim('not in the site table')}
  const first = t.flips.distinct[0]?.identity ?? t.identities['version.bind'][0]
  return {code: '-', place: first === undefined ? chalk.dim('unknown (no identity)') : chalk.dim(`unknown ("${first}")`)}
}

function flipsText(t: TargetResult): string {
  const f = t.flips
  if (f.count === 0) return '0'
  const sites = new Set(f.distinct.map((d) => d.siteCode ?? `?${d.identity}`))
  return chalk.yellow(`${f.count} (${f.distinct.length} ids${sites.size > 1 ? `, ${sites.size} sites` : ''})`)
}


function heading(r: AnycastReport): string {
  const s = r.settings
  const n = r.targets.length
  const probes = s.count === null ? 'probing until stopped' : `${s.count} probe${s.count === 1 ? '' : 's'} each`
  const what = `NSID${s.chaos ? ' + CHAOS' : ''} over ${s.transport.toUpperCase()}`
  const from = r.from ? `, from ${r.from.label}` : ''
  return chalk.dim(`;; anycast-probe: ${count(n, 'address')}, ${probes} every ${formatMs(s.intervalMs)} (${what})${from}`)
}

function identityLines(t: TargetResult): string[] {
  const out: string[] = []
  const decodedBy = new Map(t.decoded.map((d) => [`${d.source}\u0000${d.raw}`, d]))
  for (const source of ['nsid', 'hostname.bind', 'id.server', 'version.bind', 'version.server'] as const) {
    const values = t.identities[source]
    if (values.length === 0) continue
    for (const v of values) {
      const d = decodedBy.get(`${source}\u0000${v}`)
      let meaning = ''
      if (d) {
        if (d.operator) {
          const where = d.site ? `${d.siteCode} ${d.site.name}, ${d.site.country}` : d.siteCode ? `${d.siteCode} (not in the site table)` : 'no site in this format'
          meaning = ` -> ${d.operator}, ${where} [${d.confidence}]`
        } else if (d.software) meaning = ` -> ${d.software.name}${d.software.version ? ` ${d.software.version}` : ''} [software]`
        else meaning = chalk.dim(' -> unknown format')
        if (d.fitsOperator === false) meaning += chalk.yellow(' (does not fit the address\'s operator)')
        meaning += ` x${d.count}`
      }
      out.push(`    ${source.padEnd(15)} "${v}"${meaning}`)
    }
  }
  if (out.length === 0) out.push(chalk.dim('    no identity: no NSID, no CHAOS answer'))
  return out
}

function sampleLines(t: TargetResult): string[] {
  return t.samples.map((s) => {
    const chaos = Object.entries(s.chaos)
      .map(([k, c]) => (c && c.values.length ? `${k}=${c.values.map((v) => `"${v}"`).join(',')}` : c?.rcode && c.rcode !== 'NOERROR' ? `${k}:${c.rcode}` : null))
      .filter(Boolean)
    const head = `    #${String(s.index + 1).padEnd(3)} ${s.rttMs === null ? chalk.red(`lost (${s.error ?? 'no reply'})`) : `${formatMs(s.rttMs).padStart(10)} ${s.rcode}`}`
    const port = s.localPort ? ` sport ${s.localPort}` : ''
    const nsid = s.nsid ? ` nsid="${s.nsid}"` : ''
    return `${head}${port}${nsid}${chaos.length ? ` ${chaos.join(' ')}` : ''}`
  })
}

/** The whole human report. cli-table3 is loaded here, lazily (startup time matters). */
export async function renderAnycast(r: AnycastReport, opts: {verbose?: boolean} = {}): Promise<string> {
  const Table = await loadTable()
  const lines: string[] = [heading(r), '']
  const table = new Table({head: ['TARGET', 'ADDRESS', 'SITE', 'PLACE', 'MIN', 'MEDIAN', 'ANSWERED', 'PLAUSIBILITY', 'FLIPS'].map((h) => chalk.bold(h)), ...BORDERLESS})
  for (const t of r.targets) {
    const {code, place} = placeOf(t)
    const addr = t.port === 53 ? t.address : `${t.address}#${t.port}`
    table.push([t.target === t.address ? '' : t.target, addr, code, place, formatMs(t.rttMs.min), formatMs(t.rttMs.median), `${t.answered}/${t.probes}`, verdictText(t.plausibility.verdict), flipsText(t)])
  }
  lines.push(table.toString().split('\n').map((l) => l.trimEnd()).join('\n'))

  if (opts.verbose) {
    for (const t of r.targets) {
      lines.push('')
      const rtt = t.rttMs.min === null ? 'no RTT' : `rtt min ${formatMs(t.rttMs.min)}, median ${formatMs(t.rttMs.median)}, p95 ${formatMs(t.rttMs.p95)}, max ${formatMs(t.rttMs.max)}, jitter ${formatMs(t.rttMs.jitter)}`
      lines.push(chalk.bold(`${t.target === t.address ? t.address : `${t.target} ${t.address}`}`) + chalk.dim(` (${t.query.name} ${t.query.type}; ${t.answered}/${t.probes} answered; ${rtt})`))
      lines.push(...identityLines(t))
      if (t.flips.count > 0) {
        lines.push(`    flips: ${t.flips.count} on ${t.flips.source} (${t.flips.distinct.map((d) => `"${d.identity}" x${d.count}`).join(', ')})`)
      }
      for (const s of t.sites) lines.push(chalk.dim(`    site ${s.code}: ${count(s.probes, 'probe')}, fastest claim ${formatMs(s.rttMinMs)}; ${s.plausibility.verdict}: ${s.plausibility.reason}`))
      lines.push(...sampleLines(t))
      if (t.samplesOmitted > 0) lines.push(chalk.dim(`    (${t.samplesOmitted} earlier probes not shown)`))
    }
  }

  const after: string[] = []
  for (const n of r.notes) after.push(chalk.dim(`note: ${n}`))
  for (const t of r.targets) for (const h of t.hints) after.push(chalk.yellow(`warning: ${h.message}`) + chalk.dim(` [${h.code}]`))
  for (const t of r.targets) {
    if (t.plausibility.verdict === 'impossible') after.push(chalk.red(`impossible: ${t.target === t.address ? t.address : `${t.target} (${t.address})`}: ${t.plausibility.reason}`))
  }
  if (r.stopped === 'deadline') after.push(chalk.yellow('note: stopped at the overall deadline; some probes were not sent'))
  if (after.length) lines.push('', ...after)

  lines.push('', clientSentence(r))
  return lines.join('\n') + '\n'
}

/** Where the client must be, or that the claims contradict each other (or the --from summary). */
export function clientSentence(r: AnycastReport): string {
  const c = r.client
  const s = r.summary
  if (r.from) {
    const parts = [`${s.consistent} consistent`, `${s.impossible} impossible`, `${s.unverifiable} unverifiable`]
    const head = `From ${r.from.label}: ${parts.join(', ')} (light in fibre: ${KM_PER_MS_RTT.toFixed(1)} km per ms of RTT, +${r.marginKm} km margin).`
    return s.impossible > 0 ? chalk.red(head) : head
  }
  if (c.discs === 0) return chalk.dim('No answer could be placed on the map, so nothing can be said about where this client is (give --from to check claims).')
  if (!c.consistent) {
    return chalk.red(`The site claims contradict each other: ${c.conflicting?.[0]} and ${c.conflicting?.[1]} cannot both be true for one client (at least one answer did not come from where it says).`)
  }
  const g = c.region!
  const near = g.near ? ` (near ${g.near.code}, ${g.near.name}, ${g.near.country})` : ''
  return `Where this client is: the ${c.discs} site claim${c.discs === 1 ? '' : 's'} and their RTTs put it within ${fmtKm(g.radiusKm)} of ${fmtLatLon(g.lat, g.lon)}${near}.`
}

function idText(id: ProbeIdentity | null): string {
  if (!id) return '(none)'
  return id.siteCode ? `${id.siteCode} "${id.identity}"` : `"${id.identity}"`
}

/** One --watch line, or null for events that do not deserve one. */
export function renderWatchEvent(e: ProbeEvent, wallClock: Date, opts: {verbose?: boolean} = {}): string | null {
  const time = chalk.dim(wallClock.toISOString().slice(11, 23))
  const who = (t: {target: string; address: string}) => (t.target === t.address ? t.address : `${t.target} ${t.address}`)
  switch (e.type) {
    case 'change':
      if (e.from === null) return `${time}  ${who(e.target)}  ${idText(e.to)} (via ${e.to.source}, ${formatMs(e.rttMs)})`
      if (!e.siteChanged && !opts.verbose) return null
      return `${time}  ${who(e.target)}  ${e.siteChanged ? chalk.yellow('site changed') : 'instance changed'}: ${idText(e.from)} -> ${idText(e.to)} (probe ${e.index + 1}, ${formatMs(e.rttMs)})`
    case 'silent':
      return `${time}  ${who(e.target)}  ${chalk.red('silent')}: no answer to the last probes`
    case 'back':
      return `${time}  ${who(e.target)}  ${chalk.green('answering again')}`
    default:
      return null
  }
}
