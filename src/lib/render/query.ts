/**
 * Human rendering of a `dnsx query` result: dig's layout, with the AA flag
 * spelled out, NSID as text and hex, and the ECS echo explained.
 */
import chalk from 'chalk'
import type {QueryResult, RecordJson} from '../query.js'
import {formatMs} from '../clock.js'
import {count} from '../words.js'
import {unicodeName} from '../dns/names.js'

function section(title: string, records: RecordJson[]): string[] {
  if (records.length === 0) return []
  const out = [chalk.bold(`;; ${title} SECTION:`)]
  for (const r of records) out.push(`${r.name}\t${r.ttl}\t${r.class}\t${r.type}\t${r.data}`)
  out.push('')
  return out
}

/** How to read an ECS scope against the source (RFC 7871 §7.2.1). */
export function scopeMeaning(source: number, scope: number): string {
  if (scope === 0) return 'scope 0: the answer is valid for every client'
  if (scope < source) return `scope /${scope} is wider than the source /${source}: the answer covers a larger network`
  if (scope === source) return `scope /${scope}: the answer is valid for the whole /${scope}`
  return `scope /${scope} is longer than the source /${source}: the server wants more address bits`
}

export function renderQuery(r: QueryResult): string {
  const lines: string[] = []
  const q = r.query
  const server = q.server.input ? `${q.server.input} (${q.server.address})` : q.server.address
  const unicode = unicodeName(q.name)
  lines.push(chalk.dim(`;; dnsx query ${q.name}${unicode ? ` (${unicode})` : ''} ${q.class} ${q.type} @${server} port ${q.server.port}`))
  if (r.status === 'error' || !r.flags) {
    lines.push(chalk.red(`;; no answer: ${r.error?.message ?? 'unknown error'}`))
    for (const n of r.notes) lines.push(chalk.yellow(`;; note: ${n}`))
    return lines.join('\n') + '\n'
  }
  const rcode = r.rcode === 'NOERROR' ? chalk.green(r.rcode) : chalk.red(String(r.rcode))
  const aa = r.authoritative ? chalk.green.bold('authoritative answer') : chalk.yellow('non-authoritative answer')
  lines.push(`;; status: ${rcode}, id: ${r.id}, ${aa}`)
  const flags = Object.entries(r.flags).filter(([k, v]) => v && k !== 'z').map(([k]) => (k === 'aa' ? chalk.green.bold(k) : k))
  // The header's counts, as dig prints them: the OPT record is one of the additional records.
  lines.push(`;; flags: ${flags.join(' ')}; QUERY: 1, ANSWER: ${r.answers.length}, AUTHORITY: ${r.authority.length}, ADDITIONAL: ${r.additional.length + (r.edns ? 1 : 0)}`)
  if (r.edns) {
    const e = r.edns
    lines.push('')
    lines.push(chalk.bold(';; OPT PSEUDOSECTION:'))
    lines.push(`; EDNS: version: ${e.version}, flags:${e.do ? ' do' : ''}; udp: ${e.udpPayload}`)
    if (e.nsid) {
      const text = e.nsid.text === null ? '(not printable)' : `"${e.nsid.text}"`
      lines.push(`; NSID: ${e.nsid.hex.match(/../g)?.join(' ') ?? ''} ${chalk.cyan(text)}`)
    }
    if (e.ecs) {
      const c = e.ecs
      lines.push(`; CLIENT-SUBNET: ${c.address}/${c.sourcePrefix}/${c.scopePrefix} (${scopeMeaning(c.sourcePrefix, c.scopePrefix)})`)
      for (const p of c.problems) lines.push(chalk.yellow(`; CLIENT-SUBNET problem: ${p}`))
    } else if (q.subnet) {
      lines.push(chalk.yellow(`; CLIENT-SUBNET: sent ${q.subnet}, not echoed (the server ignores ECS)`))
    }
    for (const d of e.ede) lines.push(chalk.yellow(`; EDE: ${d.code}${d.text ? ` (${d.text})` : ''}`))
    if (e.cookie) lines.push(`; COOKIE: ${e.cookie.client}${e.cookie.server ?? ''} (${cookieVerdict(r, e.cookie)})`)
    if (e.padding !== null) lines.push(`; PADDING: ${count(e.padding, 'octet')}`)
    for (const o of e.options.filter((o) => ![3, 8, 10, 12, 15].includes(o.code))) lines.push(`; ${o.name}: ${o.hex}`)
  } else if (q.nsid || q.subnet) {
    lines.push(chalk.yellow(';; the reply has no OPT record: the server did not answer with EDNS'))
  }
  lines.push('')
  lines.push(chalk.bold(';; QUESTION SECTION:'))
  lines.push(`;${q.name}\t\t${q.class}\t${q.type}`)
  lines.push('')
  lines.push(...section('ANSWER', r.answers), ...section('AUTHORITY', r.authority), ...section('ADDITIONAL', r.additional))
  const via = r.transportReason === 'udp' ? 'udp' : `${r.transport} (${r.transportReason})`
  lines.push(chalk.dim(`;; Query time: ${formatMs(r.rttMs)} over ${via}${r.ednsFallback ? ', without EDNS after the server rejected it' : ''}`))
  const after = [r.bytes.truncatedUdp !== null ? `after a truncated ${r.bytes.truncatedUdp}-byte UDP reply` : '', r.ednsFallback ? 'after an EDNS fallback' : ''].filter(Boolean).join(', ')
  lines.push(chalk.dim(`;; SERVER: ${q.server.address}#${q.server.port}; ${r.bytes.sent} bytes sent, ${r.bytes.received} received${after ? ` (${after})` : ''}; retries: ${r.retries}`))
  if (r.ignored.count > 0) lines.push(chalk.yellow(`;; ignored ${count(r.ignored.count, 'packet')}: ${[...new Set(r.ignored.reasons)].join('; ')}`))
  for (const n of r.notes) lines.push(chalk.yellow(`;; note: ${n}`))
  return lines.join('\n') + '\n'
}

/** dig +short: the answer's data, one record per line (CNAMEs included, in order); nothing else. */
export function renderShort(r: QueryResult): string {
  return r.answers.map((a) => `${a.data}\n`).join('')
}

/** dig's word on a reply's cookie: "good" when it echoes the client cookie sent, with a server cookie. */
function cookieVerdict(r: QueryResult, cookie: {client: string, server: string | null}): string {
  if (r.query.cookie && r.query.cookie !== cookie.client) return 'BAD: not the client cookie sent'
  return cookie.server ? 'good' : 'no server cookie'
}
