/**
 * Trace renderers: one TraceJson as the step list dig +trace users read, the per-server table,
 * the DNSSEC section, a Mermaid sequence diagram, the --compare-recursive block, and the
 * one-line-per-name output of bulk traces (--file).
 */
import chalk from 'chalk'
import {formatMs} from '../clock.js'
import {count} from '../words.js'
import {unicodeName} from '../dns/names.js'
import type {RecursiveComparison} from '../trace/compare.js'
import type {DnssecReport} from '../trace/dnssec.js'
import type {BulkSummary} from '../trace/bulk.js'
import type {TraceJson, TraceStepJson} from '../trace/json.js'

/** " (café.example.)" after a name sent as A-labels. */
const idn = (name: string): string => {
  const u = unicodeName(name)
  return u ? chalk.dim(` (${u})`) : ''
}

const KIND_COLOUR: Record<string, (s: string) => string> = {
  referral: chalk.blue,
  answer: chalk.green,
  cname: chalk.cyan,
  dname: chalk.cyan,
  nodata: chalk.yellow,
  nxdomain: chalk.yellow,
  lame: chalk.red,
  timeout: chalk.red,
  error: chalk.red,
}

function serverText(s: {name: string | null, address: string}): string {
  return s.name ? `${s.name} (${s.address})` : s.address
}

/** Human rendering: one block per step, problems as warnings, a final line. */
export function renderTrace(j: TraceJson, opts: {verbose?: boolean} = {}): string {
  return [renderTraceHead(j), ...j.steps.map((s) => renderStep(s, opts)), renderTraceTail(j, opts)].join('')
}

/** The first line of a trace ("dnsx trace NAME TYPE"), printed before any step. */
export function renderTraceHead(j: Pick<TraceJson, 'name' | 'type'>): string {
  return chalk.bold(`;; dnsx trace ${j.name} ${j.type}`) + idn(j.name) + '\n'
}

/** One step: the question and server, then what came back (and its records). */
export function renderStep(s: TraceStepJson, opts: {verbose?: boolean} = {}): string {
  const out: string[] = []
  const indent = '    '.repeat(s.depth)
  const colour = KIND_COLOUR[s.kind] ?? ((x: string) => x)
  const aa = s.aa === null ? '' : s.aa ? chalk.green.bold(' AA') : chalk.dim(' no-AA')
  // After retries the time they cost is this step's too: "2 retries, 4.02 s in all".
  const spent = s.retries ? chalk.yellow(` (${count(s.retries, 'retry', 'retries')}, ${formatMs(s.spentMs ?? null)} in all)`) : ''
  const rtt = (s.rttMs === null ? '' : ` ${formatMs(s.rttMs)}`) + spent
  const via = (s.transportReason === 'udp' ? 'udp' : `${s.transport} (${s.transportReason})`) +
    (s.ednsFallback ? ' without EDNS (the server rejected EDNS)' : '') +
    (s.ignored && s.kind !== 'timeout' ? chalk.yellow(` [ignored ${count(s.ignored.count, 'packet')}: ${s.ignored.reasons.join('; ')}]`) : '')
  const purpose = s.purpose === 'ns-address' ? chalk.magenta(` [resolving NS ${s.for}]`) : s.purpose === 'prime' ? chalk.magenta(' [priming]') : s.purpose.startsWith('child') ? chalk.magenta(' [--all check]') : ''
  out.push(`${indent}${chalk.dim(String(s.index).padStart(2))} ${chalk.bold(s.zone ?? '(start)')} ${s.qname} ${s.qtype} @ ${serverText(s.server)}${purpose}`)
  out.push(`${indent}   ${via}${rtt} ${s.rcode ?? '-'}${aa} → ${colour(s.kind)}: ${s.detail}`)
  if (s.records && (opts.verbose || s.kind !== 'referral')) {
    for (const r of s.records) out.push(`${indent}     ${chalk.dim(`${r.name} ${r.ttl} ${r.class} ${r.type} ${r.data}`)}`)
  }
  if (s.soa) out.push(`${indent}     ${chalk.dim(`${s.soa.name} ${s.soa.ttl} ${s.soa.class} SOA ${s.soa.data}`)}`)
  return out.join('\n') + '\n'
}

/** Everything after the steps: the server table, problems, DNSSEC, the answer and the totals. */
export function renderTraceTail(j: TraceJson, opts: {verbose?: boolean} = {}): string {
  const out: string[] = []
  if (opts.verbose || j.steps.some((s) => s.purpose === 'child-ns')) out.push('', ...renderServers(j))
  if (j.problems.length) {
    out.push('')
    out.push(chalk.yellow.bold(`;; ${count(j.problems.length, 'problem')}:`))
    for (const p of j.problems) out.push(chalk.yellow(`   ⚠ [${p.code}] ${p.message}`))
  }
  if (j.dnssec) out.push('', ...renderDnssec(j.dnssec))
  out.push('')
  if (j.answer) {
    const auth = j.answer.authoritative ? chalk.green.bold('authoritative') : chalk.red.bold('NOT authoritative')
    const from = j.answer.server ? ` from ${serverText(j.answer.server)}` : ''
    out.push(chalk.bold(`;; ${j.kind === 'answer' ? 'ANSWER' : j.kind.toUpperCase()} ${j.answer.rcode}, ${auth}${from}${j.answer.zone ? `, zone ${j.answer.zone}` : ''}`))
    for (const r of j.answer.records) out.push(`${r.name}\t${r.ttl}\t${r.class}\t${r.type}\t${r.data}${r.aa === false ? chalk.red('\t; NOT authoritative') : ''}`)
  } else {
    out.push(chalk.red.bold(`;; no answer: ${j.problems.at(-1)?.message ?? 'resolution failed'}`))
  }
  out.push(chalk.dim(`;; ${count(j.stats.queries, 'query')}, ${count(j.stats.referrals, 'referral')}, ${count(j.stats.nsLookups, 'NS lookup')}, ${j.stats.cnames} CNAME/DNAME, ${formatMs(j.stats.elapsedMs)}${j.stats.limitHit ? `; stopped by the ${j.stats.limitHit} limit` : ''}`))
  return out.join('\n') + '\n'
}

/** Per-server table (shown under --all and -v): queries, RTT min/median/max, outcomes. */
export function renderServers(j: TraceJson): string[] {
  const rows = j.servers.map((s) => [
    s.zone ?? '(start)',
    s.name ? `${s.name} ${s.address}` : s.address,
    String(s.queries),
    s.rttMs.min === null ? '-' : `${s.rttMs.min} / ${s.rttMs.median} / ${s.rttMs.max}`,
    Object.entries(s.outcomes).map(([k, n]) => `${k} ${n}`).join(', '),
  ])
  const head = ['zone', 'server', 'queries', 'RTT ms min / median / max', 'outcomes']
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)))
  const line = (r: string[]) => `   ${r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(width[i]))).join('  ')}`.trimEnd()
  return [chalk.bold(`;; ${count(j.servers.length, 'server')}:`), chalk.dim(line(head)), ...rows.map(line)]
}

/** The resolution as a Mermaid sequence diagram (client and each server). */
export function renderMermaid(j: TraceJson): string {
  const ids = new Map<string, string>()
  const lines = ['sequenceDiagram', '    participant C as dnsx']
  const pid = (s: {name: string | null, address: string}) => {
    const key = s.address
    let id = ids.get(key)
    if (!id) {
      id = `S${ids.size + 1}`
      ids.set(key, id)
      lines.push(`    participant ${id} as ${mermaidText(s.name ? `${s.name} ${s.address}` : s.address)}`)
    }
    return id
  }
  const body: string[] = []
  for (const s of j.steps) {
    const id = pid(s.server)
    body.push(`    C->>${id}: ${mermaidText(`${s.qname} ${s.qtype}`)}`)
    const arrow = s.kind === 'timeout' ? '--x' : '-->>'
    const rtt = s.rttMs === null ? '' : ` (${formatMs(s.rttMs)})`
    body.push(`    ${id}${arrow}C: ${mermaidText(`${s.kind}${s.aa ? ' AA' : ''}: ${s.detail}${rtt}`)}`)
  }
  if (j.answer) body.push(`    Note over C: ${mermaidText(`${j.answer.rcode} ${j.answer.authoritative ? 'authoritative' : 'non-authoritative'}: ${j.answer.records.map((r) => r.data).join(', ') || 'no records'}`)}`)
  return [...lines, ...body].join('\n') + '\n'
}

/** Mermaid message text: no semicolons, colons inside are fine, no line breaks. */
function mermaidText(s: string): string {
  return s.replace(/[;#]/g, ',').replace(/\s+/g, ' ').trim()
}

const STATUS_COLOUR: Record<string, (s: string) => string> = {secure: chalk.green.bold, insecure: chalk.yellow, indeterminate: chalk.magenta, bogus: chalk.red.bold}

/** DNSSEC section: one line per zone of the chain, then the answer's verdict. */
export function renderDnssec(d: DnssecReport): string[] {
  const out = [chalk.bold(`;; DNSSEC (trust anchor: ${d.anchor}; as of ${d.time}): ${STATUS_COLOUR[d.status]!(d.status.toUpperCase())}`)]
  out.push(chalk.dim(`   ${d.reason}`))
  const pad = Math.max(8, ...d.zones.map((z) => z.status.length))
  for (const z of d.zones) {
    const keys = z.keys.length ? ` keys ${z.keys.map((k) => `${k.keyTag}/alg${k.algorithm}${k.flags & 1 ? '/KSK' : ''}`).join(' ')}` : ''
    const ds = z.ds.length ? ` ${z.anchored ? 'anchor' : 'DS'} ${z.ds.map((x) => `${x.keyTag}/alg${x.algorithm}/d${x.digestType}`).join(' ')}` : ''
    out.push(`   ${z.zone.padEnd(20)} ${STATUS_COLOUR[z.status]!(z.status.padEnd(pad))}${ds}${keys}`)
    out.push(chalk.dim(`      ${z.reason}${z.expires ? `; signatures until ${z.expires.slice(0, 10)}` : ''}`))
  }
  for (const a of d.answers) {
    out.push(`   answer ${a.qname} ${a.qtype} (zone ${a.zone}): ${STATUS_COLOUR[a.status]!(a.status)}`)
    out.push(chalk.dim(`      ${a.reason}`))
  }
  for (const w of d.warnings) out.push(chalk.yellow(`   warning: ${w}`))
  return out
}

const MERMAID_STYLE: Record<string, string> = {
  secure: 'fill:#e3f6e3,stroke:#2e7d32', insecure: 'fill:#fff6d5,stroke:#b08900',
  indeterminate: 'fill:#f0e6f6,stroke:#7b1fa2', bogus: 'fill:#fde3e3,stroke:#c62828',
}

/**
 * The chain of trust as a Mermaid flowchart, as DNSViz draws it: per zone its DS (or trust
 * anchor) and DNSKEYs, DS → the KSK it matches → the keys it signs, each zone's keys → the DS of
 * the zone below and → the answers it signs; every zone and answer coloured by its status.
 */
export function renderDnssecMermaid(d: DnssecReport): string {
  const lines = ['flowchart TD']
  const zid = new Map<string, string>()
  d.zones.forEach((z, i) => zid.set(z.zone, `z${i}`))
  const edges: string[] = []
  for (const z of d.zones) {
    const id = zid.get(z.zone)!
    lines.push(`  subgraph ${id} ["${mermaidLabel(`${z.zone} ${z.status}`)}"]`)
    if (z.ds.length) lines.push(`    ${id}_ds["${mermaidLabel(`${z.anchored ? 'trust anchor' : 'DS'} ${z.ds.map((x) => `${x.keyTag}/${x.algorithm}/${x.digestType}`).join(' ')}`)}"]`)
    for (const k of z.keys) lines.push(`    ${id}_k${k.keyTag}["${mermaidLabel(`DNSKEY ${k.keyTag} alg ${k.algorithm} ${k.flags & 1 ? 'KSK' : 'ZSK'}`)}"]`)
    if (!z.ds.length && !z.keys.length) lines.push(`    ${id}_none["${mermaidLabel(z.reason.slice(0, 60))}"]`)
    lines.push('  end')
    for (const x of z.ds) if (z.keys.some((k) => k.keyTag === x.keyTag)) edges.push(`  ${id}_ds -->|digest| ${id}_k${x.keyTag}`)
    if (z.signingKeyTag !== null) for (const k of z.keys) if (k.keyTag !== z.signingKeyTag) edges.push(`  ${id}_k${z.signingKeyTag} -->|signs| ${id}_k${k.keyTag}`)
    // The parent: the closest zone above this one in the report.
    const parent = d.zones.filter((p) => p.zone !== z.zone && (p.zone === '.' || z.zone.endsWith(`.${p.zone}`))).sort((a, b) => b.zone.length - a.zone.length)[0]
    if (parent && !z.anchored) edges.push(`  ${zid.get(parent.zone)!} -->|${z.ds.length ? 'signs DS' : 'no DS'}| ${z.ds.length ? `${id}_ds` : id}`)
    lines.push(`  style ${id} ${MERMAID_STYLE[z.status]}`)
  }
  d.answers.forEach((a, i) => {
    lines.push(`  a${i}["${mermaidLabel(`${a.qname} ${a.qtype} ${a.status}`)}"]`)
    const z = zid.get(a.zone)
    if (z) edges.push(`  ${z} -->|signs| a${i}`)
    lines.push(`  style a${i} ${MERMAID_STYLE[a.status]}`)
  })
  return [...lines, ...edges].join('\n') + '\n'
}

/** Text inside a quoted Mermaid label. */
function mermaidLabel(s: string): string {
  return s.replace(/"/g, "'").replace(/\s+/g, ' ').trim()
}

export function renderComparison(c: RecursiveComparison): string {
  const out = [chalk.bold(`;; recursive resolver ${c.resolver.address}#${c.resolver.port}:`)]
  if (c.error) return [...out, chalk.red(`   ${c.error}`)].join('\n') + '\n'
  out.push(`   ${c.rcode}, ${c.authoritative ? 'authoritative (unexpected for a resolver)' : 'non-authoritative'}; ${c.sameData ? chalk.green('same data as the authoritative answer') : chalk.yellow('DIFFERENT data from the authoritative answer')}`)
  for (const r of c.records) out.push(`   ${r.name}\t${r.ttl}\t${r.class}\t${r.type}\t${r.data}`)
  for (const t of c.ttl) {
    const cached = t.cachedForS === null ? 'TTL above the authoritative one (the resolver caps or extends TTLs)' : t.cachedForS === 0 ? 'fresh (just fetched)' : `cached for about ${t.cachedForS} s`
    out.push(chalk.dim(`   TTL ${t.name} ${t.type}: authoritative ${t.authoritativeTtl}, resolver ${t.resolverTtl} → ${cached}`))
  }
  return out.join('\n') + '\n'
}

/** One line per name for bulk traces: name, type, rcode, AA or not, the data, and how many problems. */
export function renderBulkLine(j: TraceJson): string {
  const data = j.answer?.records.filter((r) => r.type === j.type).map((r) => r.data).join(' ') ?? ''
  const auth = j.answer ? (j.answer.authoritative ? 'AA' : 'non-AA') : '-'
  return `${j.name}\t${j.type}\t${j.answer?.rcode ?? 'ERROR'}\t${auth}\t${data}${j.problems.length ? `\t(${count(j.problems.length, 'problem')})` : ''}\n`
}

/** A bulk run's progress bar (for a terminal's stderr): `[#####.....] 5/10`. */
export function renderProgress(done: number, total: number | null, width = 30): string {
  if (total === null) return `\r${done} traced`
  const filled = Math.round((done / Math.max(1, total)) * width)
  return `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`
}

/** The closing line of a bulk run. */
export function renderBulkSummary(s: BulkSummary): string {
  return `;; ${count(s.total, 'name')}, ${s.answered} answered, ${s.errors} failed${s.cached > 0 ? `, ${s.cached} from the answer cache` : ''}, ${count(s.queries, 'query')} (${(s.queries / Math.max(1, s.total)).toFixed(2)} per name), ${formatMs(s.elapsedMs)}`
}
