/**
 * Human rendering of `dnsx race`: the DNS answers with their arrival times, the RFC 6724 order
 * with the reason for each position (and the OS's getaddrinfo order), the race as a timeline with
 * a text waterfall, the per-family verdicts, and the TLS and HTTP details.
 */
import chalk from 'chalk'
import {formatMs} from '../clock.js'
import {count} from '../words.js'
import type {AttemptJson, DnsJson, RaceJson} from '../race/report.js'

const FAMILY: Record<string, string> = {ipv4: 'IPv4', ipv6: 'IPv6'}

const OUTCOME_COLOUR: Record<string, (s: string) => string> = {
  connected: chalk.green,
  refused: chalk.red,
  unreachable: chalk.red,
  failed: chalk.red,
  'timed out': chalk.yellow,
  cancelled: chalk.dim,
}

const STATUS_COLOUR: Record<string, (s: string) => string> = {
  ok: chalk.green,
  slow: chalk.yellow,
  'black-holed': chalk.red,
  refused: chalk.red,
  unreachable: chalk.red,
  'tls-failed': chalk.red,
  'not-tried': chalk.dim,
  'no-addresses': chalk.dim,
}

/** Width of the waterfall, in characters. */
const BAR = 36

/** The whole report as text. */
export function renderRace(j: RaceJson): string {
  const out: string[] = []
  const what = j.url ?? `${j.target} port ${j.port}${j.options.tls ? ' (TLS)' : ''}`
  out.push(chalk.bold(`;; dnsx race ${what}${j.lab ? chalk.dim(' [lab]') : ''}`))
  for (const w of j.warnings) out.push(chalk.yellow(`   ⚠ ${w}`))

  // DNS
  out.push('')
  if (j.pinned) {
    out.push(chalk.bold('DNS') + chalk.dim(' skipped: addresses pinned (--resolve or an IP literal)'))
    out.push(`   ${j.pinned.join(', ')}`)
  } else {
    out.push(chalk.bold('DNS') + chalk.dim(` via ${j.resolver ? `${j.resolver.address} port ${j.resolver.port}` : '-'}, queries sent at 0 ms`))
    for (const type of ['AAAA', 'A'] as const) out.push(dnsLine(type, j.dns[type]))
    if (j.dns.HTTPS) {
      const h = j.dns.HTTPS
      const data = h.records.length > 0 ? h.records.map((r) => r.data).join(' | ') : dnsText(h)
      out.push(`   ${'HTTPS'.padEnd(6)}${formatMs(h.ms).padStart(9)}  ${data}${h.qname !== j.target ? chalk.dim(` (${h.qname})`) : ''}`)
      if (h.records.some((r) => r.alpn.includes('h3'))) out.push(chalk.dim('         h3 (QUIC) is advertised; dnsx races TCP only'))
    }
    const a = j.dns.A
    const aaaa = j.dns.AAAA
    if (a.ms !== null && aaaa.ms !== null && a.addresses.length > 0 && aaaa.ms > a.ms) {
      const gap = aaaa.ms - a.ms
      out.push(
        chalk.dim(
          `   AAAA came ${formatMs(gap)} after A: ${gap <= j.options.resolutionDelayMs ? `within the ${j.options.resolutionDelayMs} ms resolution delay` : `after the ${j.options.resolutionDelayMs} ms resolution delay (IPv4 went first)`}`,
        ),
      )
    }
  }

  // Order
  out.push('')
  out.push(chalk.bold(`RFC 6724 order`) + chalk.dim(` (policy ${j.options.policy}; ${j.sources.note})`))
  if (j.sorted.length === 0) out.push(chalk.dim('   no addresses'))
  const addrW = Math.max(7, ...j.sorted.map((s) => s.address.length), ...j.attempts.map((a) => a.address.length))
  const srcW = Math.max(6, ...j.sorted.map((s) => (s.source ?? 'no route').length), ...j.attempts.map((a) => (a.source ?? '-').length))
  j.sorted.forEach((s, i) => {
    const source = s.source === null ? chalk.red('no route'.padEnd(srcW)) : s.source.padEnd(srcW)
    out.push(`   ${String(i + 1).padStart(2)}  ${s.address.padEnd(addrW)}  ${FAMILY[s.family]}  from ${source}  ${s.rule ?? chalk.dim('first')}`)
  })
  if (j.sorted.length > 1) out.push(chalk.dim(`   attempt order (first address family count ${j.options.firstAddressFamilyCount}): ${j.attemptOrder.join(', ')}`))
  if (j.getaddrinfo) {
    const g = j.getaddrinfo
    if (g.error) out.push(`   getaddrinfo: ${chalk.yellow(g.error)}`)
    else {
      const verdict = g.sameOrder ? chalk.green('same order') : g.firstDifference ? chalk.yellow(`differs: ${g.firstDifference}`) : chalk.yellow('no common address')
      out.push(`   getaddrinfo: ${g.addresses.join(', ') || '-'}  ${verdict}`)
      if (g.onlyGetaddrinfo.length > 0) out.push(chalk.dim(`     only from getaddrinfo: ${g.onlyGetaddrinfo.join(', ')}`))
      if (g.onlyDns.length > 0) out.push(chalk.dim(`     not from getaddrinfo: ${g.onlyDns.join(', ')}`))
      if (!g.sameOrder && g.matchingPolicies.length > 0) out.push(chalk.dim(`     getaddrinfo's order matches --policy ${g.matchingPolicies.join(', ')}`))
      if (!g.sameOrder && g.firstDifference && g.matchingPolicies.length === 0) {
        out.push(chalk.dim('     no policy table reproduces it: glibc also applies rule 9 to all 128 bits and to IPv4, and /etc/gai.conf may change its table'))
      }
    }
  }

  // Timeline
  out.push('')
  const o = j.options
  out.push(chalk.bold('Race') + chalk.dim(` (attempt delay ${o.attemptDelayMs} ms, resolution delay ${o.resolutionDelayMs} ms, timeout ${o.timeoutMs} ms)`))
  if (j.attempts.length === 0) out.push(chalk.dim('   no attempt was started'))
  else out.push(...timeline(j, addrW, srcW))
  for (const p of j.probes) {
    const colour = OUTCOME_COLOUR[p.outcome] ?? ((x: string) => x)
    out.push(
      chalk.dim(`   probe ${p.address.padEnd(addrW)}  after the race: `) +
        colour(p.outcome === 'timed out' ? `no answer in ${formatMs(p.endMs - p.startMs)}` : `${p.outcome} in ${formatMs(p.endMs - p.startMs)}`) +
        (p.error && p.outcome !== 'refused' ? chalk.dim(` (${p.error})`) : ''),
    )
  }

  // Verdicts
  out.push('')
  out.push(chalk.bold('Verdict'))
  for (const v of j.verdicts) {
    const colour = STATUS_COLOUR[v.status] ?? ((x: string) => x)
    out.push(`   ${colour(v.message)}`)
  }

  // Winner, TLS, HTTP
  out.push('')
  if (j.winner) {
    const w = j.winner
    const split = w.tlsMs !== null && w.tcpMs !== null ? ` (TCP ${formatMs(w.tcpMs)} + TLS ${formatMs(w.tlsMs)})` : ''
    out.push(`${chalk.bold('Winner')}  ${chalk.green.bold(w.address)} (${FAMILY[w.family]}) connected at ${formatMs(w.atMs)}; the attempt took ${formatMs(w.connectMs)}${split}`)
  } else {
    out.push(`${chalk.bold('Winner')}  ${chalk.red.bold('none')}: ${noWinnerReason(j)}`)
  }
  if (j.tls) {
    const t = j.tls
    const cert = t.certificate ? `certificate "${t.certificate.subject ?? '?'}"${t.certificate.issuer && t.certificate.issuer !== t.certificate.subject ? ` from "${t.certificate.issuer}"` : ''}` : 'no certificate'
    const verified = t.verified ? chalk.green('verified') : chalk.yellow(`NOT verified (${t.verifyError}; accepted by --insecure)`)
    out.push(`${chalk.bold('TLS')}     ${t.version ?? '?'}, ALPN ${t.alpn ?? chalk.dim('none')}, ${t.cipher ?? '?'}, ${cert} ${verified}${t.servername ? chalk.dim(`, SNI ${t.servername}`) : ''}`)
  }
  if (j.http) {
    const h = j.http
    if (h.error) out.push(`${chalk.bold('HTTP')}    ${h.method} ${h.url}: ${chalk.red(h.error)}`)
    else {
      const type = h.headers['content-type'] ? `, ${h.headers['content-type']}` : ''
      const status = h.status !== null && h.status < 400 ? chalk.green(String(h.status)) : chalk.red(String(h.status))
      out.push(
        `${chalk.bold('HTTP')}    ${status} over HTTP/${h.httpVersion}, first byte ${formatMs(h.ttfbMs)} after the request, ` +
          `${h.bytes} bytes${h.truncated ? ' (truncated)' : ''} in ${formatMs(h.totalMs)}${type}`,
      )
      if (h.headers['alt-svc']) out.push(chalk.dim(`         alt-svc: ${h.headers['alt-svc']}`))
    }
  }
  out.push(chalk.dim(`;; ${count(j.attempts.length, 'attempt')}, ${count(j.probes.length, 'probe')}, ${formatMs(j.elapsedMs)} in all`))
  return out.join('\n') + '\n'
}

function dnsText(d: DnsJson): string {
  switch (d.status) {
    case 'answer':
      return d.addresses.join(', ')
    case 'nodata':
      return chalk.dim('no records (NODATA)')
    case 'nxdomain':
      return chalk.yellow('NXDOMAIN')
    case 'timeout':
      return chalk.red(`timeout${d.error ? ` (${d.error})` : ''}`)
    case 'error':
      return chalk.red(d.error ?? 'error')
    case 'not-asked':
      return chalk.dim('not asked (-4/-6)')
    case 'pending':
      return chalk.yellow('no answer before the race ended')
    case 'pinned':
      return d.addresses.join(', ')
  }
}

function dnsLine(type: 'AAAA' | 'A', d: DnsJson): string {
  const cname = d.cnames && d.cnames.length > 0 ? chalk.dim(` (via ${d.cnames.join(', ')})`) : ''
  return `   ${type.padEnd(6)}${formatMs(d.ms).padStart(9)}  ${dnsText(d)}${cname}`
}

const END_MARK: Record<string, string> = {
  connected: '●',
  refused: '✕',
  unreachable: '✕',
  failed: '✕',
  'timed out': '…',
  cancelled: '○',
}

function timeline(j: RaceJson, addrW: number, srcW: number): string[] {
  const dnsTimes = [j.dns.A.ms, j.dns.AAAA.ms].filter((x): x is number => x !== null)
  const span = Math.max(1, ...j.attempts.map((a) => a.endMs), ...dnsTimes)
  const col = (t: number) => Math.min(BAR - 1, Math.max(0, Math.round((t / span) * (BAR - 1))))
  const rows: string[] = []
  const head = `   ${'#'.padStart(2)}  ${'address'.padEnd(addrW)}  fam   ${'source'.padEnd(srcW)}  ${'start'.padStart(9)}  ${'end'.padStart(9)}  ${'outcome'.padEnd(11)}  `
  const axis = `0${' '.repeat(Math.max(1, BAR - 1 - formatMs(span).length))}${formatMs(span)}`
  rows.push(chalk.dim(head) + chalk.dim(axis))
  // DNS arrivals on the waterfall's scale.
  const marks = Array.from({length: BAR}, () => ' ')
  if (j.dns.AAAA.ms !== null && !j.pinned) marks[col(j.dns.AAAA.ms)] = '6'
  if (j.dns.A.ms !== null && !j.pinned) marks[col(j.dns.A.ms)] = marks[col(j.dns.A.ms)] === '6' ? '*' : '4'
  if (!j.pinned) {
    rows.push(chalk.dim(`   ${''.padStart(2)}  ${'DNS (6 = AAAA, 4 = A)'.padEnd(addrW + 2 + 4 + 2 + srcW + 2 + 9 + 2 + 9 + 2 + 11)}  `) + chalk.cyan(marks.join('')))
  }
  for (const a of j.attempts) rows.push(attemptRow(a, addrW, srcW, col))
  const tls = j.attempts.some((a) => a.tcpMs !== undefined) ? '  ═ TLS handshake' : ''
  rows.push(chalk.dim(`   ├─ connecting${tls}  ● connected  ✕ failed  ○ cancelled (another won)  … timed out`))
  return rows
}

function attemptRow(a: AttemptJson, addrW: number, srcW: number, col: (t: number) => number): string {
  const colour = OUTCOME_COLOUR[a.outcome] ?? ((x: string) => x)
  const bar = Array.from({length: BAR}, () => ' ')
  const s = col(a.startMs)
  const e = col(a.endMs)
  // TCP, then (with TLS) the handshake, on the same scale.
  const tlsFrom = a.tcpMs !== undefined ? col(a.startMs + a.tcpMs) : e
  for (let i = s; i < e; i++) bar[i] = i >= tlsFrom ? '═' : '─'
  bar[s] = s === e ? bar[s]! : '├'
  bar[e] = END_MARK[a.outcome] ?? '?'
  const fam = a.family === 'ipv6' ? 'v6' : 'v4'
  const outcome = a.outcome + (a.error && !['cancelled', 'timed out', 'connected'].includes(a.outcome) && !/^E(CONNREFUSED|HOSTUNREACH|NETUNREACH)$/.test(a.error) ? ` (${a.error})` : '')
  const tls = a.tcpMs !== undefined && a.tlsMs !== undefined ? chalk.dim(` tcp ${formatMs(a.tcpMs)} + tls ${formatMs(a.tlsMs)}`) : ''
  return (
    `   ${String(a.id).padStart(2)}  ${a.address.padEnd(addrW)}  ${fam}    ${(a.source ?? '-').padEnd(srcW)}  ` +
    `${formatMs(a.startMs).padStart(9)}  ${formatMs(a.endMs).padStart(9)}  ${colour(a.outcome.padEnd(11))}  ` +
    `${colour(bar.join(''))}${outcome !== a.outcome ? chalk.dim(` ${outcome.slice(a.outcome.length + 1)}`) : ''}${tls}`
  )
}

function noWinnerReason(j: RaceJson): string {
  switch (j.result) {
    case 'no-addresses':
      return 'DNS gave no address to connect to'
    case 'timeout':
      return `no attempt connected within the ${j.options.timeoutMs} ms timeout`
    case 'all-failed':
      return 'every attempt failed'
    default:
      return j.result
  }
}
