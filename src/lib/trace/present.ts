/**
 * The stable JSON shape of `dnsx trace --json` (README, schemas/trace.json),
 * and the human and Mermaid renderings of the same result.
 */
import chalk from 'chalk'
import {fqdn} from '../dns/names.js'
import {recordJson, type RecordJson} from '../query.js'
import type {ExpectationResult} from '../expect.js'
import type {Problem, ServerRef, TraceResult, TraceStep} from './engine.js'
import type {DnssecReport} from './dnssec.js'

export interface TraceStepJson {
  index: number
  depth: number
  purpose: TraceStep['purpose']
  for?: string
  zone: string | null
  qname: string
  qtype: string
  server: {name: string | null, address: string}
  transport: 'udp' | 'tcp'
  transportReason: string
  rttMs: number | null
  retries?: number
  ednsFallback?: boolean
  ignored?: {count: number, reasons: string[]}
  rcode: string | null
  aa: boolean | null
  kind: TraceStep['kind']
  detail: string
  referral?: TraceStep['referral']
  records?: RecordJson[]
  soa?: RecordJson
}

export interface TraceJson {
  name: string
  type: string
  kind: TraceResult['kind']
  steps: TraceStepJson[]
  answer: {rcode: string, authoritative: boolean, zone: string | null, server: {name: string | null, address: string} | null, records: (RecordJson & {aa: boolean | null, server: {name: string | null, address: string} | null})[]} | null
  problems: Problem[]
  stats: TraceResult['stats']
  servers: {address: string, name: string | null, zone: string | null, queries: number, rttMs: {min: number | null, median: number | null, max: number | null}, outcomes: Record<string, number>}[]
  dnssec?: unknown
  recursive?: unknown
  expectations?: ExpectationResult[]
}

const serverJson = (s: ServerRef) => ({name: s.name && s.name !== s.address ? fqdn(s.name) : null, address: s.address})

function median(xs: number[]): number | null {
  if (xs.length === 0) return null
  const s = [...xs].sort((a, b) => a - b)
  const m = Math.floor(s.length / 2)
  return s.length % 2 ? s[m] : Math.round(((s[m - 1] + s[m]) / 2) * 100) / 100
}

export function traceToJson(r: TraceResult): TraceJson {
  return {
    name: r.name,
    type: r.type,
    kind: r.kind,
    steps: r.steps.map((s) => ({
      index: s.index,
      depth: s.depth,
      purpose: s.purpose,
      ...(s.for ? {for: fqdn(s.for)} : {}),
      zone: s.zone === null ? null : fqdn(s.zone),
      qname: fqdn(s.qname),
      qtype: s.qtype,
      server: serverJson(s.server),
      transport: s.transport,
      transportReason: s.transportReason,
      rttMs: s.rttMs,
      ...(s.retries ? {retries: s.retries} : {}),
      ...(s.ednsFallback ? {ednsFallback: true} : {}),
      ...(s.ignored ? {ignored: s.ignored} : {}),
      rcode: s.rcode,
      aa: s.aa,
      kind: s.kind,
      detail: s.detail,
      ...(s.referral ? {referral: s.referral} : {}),
      ...(s.records ? {records: s.records.map(recordJson)} : {}),
      ...(s.soa ? {soa: recordJson(s.soa)} : {}),
    })),
    answer: r.answer
      ? {rcode: r.answer.rcode, authoritative: r.answer.authoritative, zone: r.answer.zone, server: r.answer.server ? serverJson(r.answer.server) : null, records: r.answer.records.map((rr, i) => {
          // Every RRset says whether the reply that carried it was authoritative, and who sent it.
          const src = r.answer!.sources?.[i]
          return {...recordJson(rr), aa: src ? src.aa : null, server: src ? serverJson(src.server) : null}
        })}
      : null,
    problems: r.problems,
    stats: r.stats,
    servers: r.servers.map((s) => ({
      address: s.address,
      name: s.name && s.name !== s.address ? fqdn(s.name) : null,
      zone: s.zone,
      queries: s.queries,
      rttMs: {min: s.rttMs.length ? Math.min(...s.rttMs) : null, median: median(s.rttMs), max: s.rttMs.length ? Math.max(...s.rttMs) : null},
      outcomes: s.outcomes,
    })),
  }
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
  const out: string[] = []
  out.push(chalk.bold(`;; dnsx trace ${j.name} ${j.type}`))
  for (const s of j.steps) {
    const indent = '    '.repeat(s.depth)
    const colour = KIND_COLOUR[s.kind] ?? ((x: string) => x)
    const aa = s.aa === null ? '' : s.aa ? chalk.green.bold(' AA') : chalk.dim(' no-AA')
    const rtt = s.rttMs === null ? '' : ` ${s.rttMs} ms`
    const via = (s.transportReason === 'udp' ? 'udp' : `${s.transport} (${s.transportReason})`) +
      (s.ednsFallback ? ' without EDNS (the server rejected EDNS)' : '') +
      (s.ignored && s.kind !== 'timeout' ? chalk.yellow(` [ignored ${s.ignored.count} packet(s): ${s.ignored.reasons.join('; ')}]`) : '')
    const purpose = s.purpose === 'ns-address' ? chalk.magenta(` [resolving NS ${s.for}]`) : s.purpose === 'prime' ? chalk.magenta(' [priming]') : s.purpose.startsWith('child') ? chalk.magenta(' [--all check]') : ''
    out.push(`${indent}${chalk.dim(String(s.index).padStart(2))} ${chalk.bold(s.zone ?? '(start)')} ${s.qname} ${s.qtype} @ ${serverText(s.server)}${purpose}`)
    out.push(`${indent}   ${via}${rtt} ${s.rcode ?? '-'}${aa} → ${colour(s.kind)}: ${s.detail}`)
    if (s.records && (opts.verbose || s.kind !== 'referral')) {
      for (const r of s.records) out.push(`${indent}     ${chalk.dim(`${r.name} ${r.ttl} ${r.class} ${r.type} ${r.data}`)}`)
    }
    if (s.soa) out.push(`${indent}     ${chalk.dim(`${s.soa.name} ${s.soa.ttl} ${s.soa.class} SOA ${s.soa.data}`)}`)
  }
  if (opts.verbose || j.steps.some((s) => s.purpose === 'child-ns')) out.push('', ...renderServers(j))
  if (j.problems.length) {
    out.push('')
    out.push(chalk.yellow.bold(`;; ${j.problems.length} problem(s):`))
    for (const p of j.problems) out.push(chalk.yellow(`   ⚠ [${p.code}] ${p.message}`))
  }
  if (j.dnssec) out.push('', ...renderDnssec(j.dnssec as DnssecReport))
  out.push('')
  if (j.answer) {
    const auth = j.answer.authoritative ? chalk.green.bold('authoritative') : chalk.red.bold('NOT authoritative')
    const from = j.answer.server ? ` from ${serverText(j.answer.server)}` : ''
    out.push(chalk.bold(`;; ${j.kind === 'answer' ? 'ANSWER' : j.kind.toUpperCase()} ${j.answer.rcode}, ${auth}${from}${j.answer.zone ? `, zone ${j.answer.zone}` : ''}`))
    for (const r of j.answer.records) out.push(`${r.name}\t${r.ttl}\t${r.class}\t${r.type}\t${r.data}${r.aa === false ? chalk.red('\t; NOT authoritative') : ''}`)
  } else {
    out.push(chalk.red.bold(`;; no answer: ${j.problems.at(-1)?.message ?? 'resolution failed'}`))
  }
  out.push(chalk.dim(`;; ${j.stats.queries} queries, ${j.stats.referrals} referrals, ${j.stats.nsLookups} NS lookups, ${j.stats.cnames} CNAME/DNAME, ${j.stats.elapsedMs} ms${j.stats.limitHit ? `; stopped by the ${j.stats.limitHit} limit` : ''}`))
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
  return [chalk.bold(`;; ${j.servers.length} server(s):`), chalk.dim(line(head)), ...rows.map(line)]
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
    const rtt = s.rttMs === null ? '' : ` (${s.rttMs} ms)`
    body.push(`    ${id}${arrow}C: ${mermaidText(`${s.kind}${s.aa ? ' AA' : ''}: ${s.detail}${rtt}`)}`)
  }
  if (j.answer) body.push(`    Note over C: ${mermaidText(`${j.answer.rcode} ${j.answer.authoritative ? 'authoritative' : 'non-authoritative'}: ${j.answer.records.map((r) => r.data).join(', ') || 'no records'}`)}`)
  return [...lines, ...body].join('\n') + '\n'
}

/** Mermaid message text: no semicolons, colons inside are fine, no line breaks. */
function mermaidText(s: string): string {
  return s.replace(/[;#]/g, ',').replace(/\s+/g, ' ').trim()
}

const STATUS_COLOUR: Record<string, (s: string) => string> = {secure: chalk.green.bold, insecure: chalk.yellow, bogus: chalk.red.bold}

/** DNSSEC section: one line per zone of the chain, then the answer's verdict. */
export function renderDnssec(d: DnssecReport): string[] {
  const out = [chalk.bold(`;; DNSSEC (trust anchor: ${d.anchor}): ${STATUS_COLOUR[d.status](d.status.toUpperCase())}`)]
  for (const z of d.zones) {
    const keys = z.keys.length ? ` keys ${z.keys.map((k) => `${k.keyTag}/alg${k.algorithm}${k.flags & 1 ? '/KSK' : ''}`).join(' ')}` : ''
    const ds = z.ds.length ? ` DS ${z.ds.map((x) => `${x.keyTag}/alg${x.algorithm}/d${x.digestType}`).join(' ')}` : ''
    out.push(`   ${z.zone.padEnd(20)} ${STATUS_COLOUR[z.status](z.status.padEnd(8))}${ds}${keys}`)
    out.push(chalk.dim(`      ${z.reason}`))
  }
  for (const a of d.answers) {
    out.push(`   answer ${a.qname} ${a.qtype} (zone ${a.zone}): ${STATUS_COLOUR[a.status](a.status)}`)
    out.push(chalk.dim(`      ${a.reason}`))
  }
  return out
}
