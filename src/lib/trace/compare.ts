/**
 * --compare-recursive: ask a recursive resolver the same question and put its
 * (non-authoritative) answer beside the authoritative one: same data or not,
 * and its remaining TTL against the authoritative TTL.
 */
import chalk from 'chalk'
import type {RunContext} from '../cli/context.js'
import {parseServerSpec} from '../cli/context.js'
import {recordJson, type RecordJson} from '../query.js'
import type {TraceJson} from './present.js'

export interface RecursiveComparison {
  resolver: {address: string, port: number}
  rcode: string | null
  authoritative: boolean | null
  records: RecordJson[]
  sameData: boolean | null
  /** Per RRset: authoritative TTL, resolver's remaining TTL, and how long it has been cached. */
  ttl: {name: string, type: string, authoritativeTtl: number, resolverTtl: number, cachedForS: number | null}[]
  error: string | null
}

const key = (r: RecordJson) => `${r.name.toLowerCase()} ${r.type} ${r.data.toLowerCase()}`

export async function compareRecursive(ctx: RunContext, j: TraceJson, spec: string, timeoutMs: number): Promise<RecursiveComparison> {
  const server = spec ? (() => {
    const s = parseServerSpec(spec)
    return {address: s.host, port: s.port ?? 53}
  })() : ctx.defaultResolver()
  const ex = await ctx.client.exchange({server, question: {name: j.name === '.' ? '' : j.name.replace(/\.$/, ''), type: j.type, class: 'IN'}, rd: true, timeoutMs})
  if (!ex.message) return {resolver: server, rcode: null, authoritative: null, records: [], sameData: null, ttl: [], error: ex.error?.message ?? 'no reply'}
  const records = ex.message.answers.map(recordJson)
  const auth = j.answer?.records ?? []
  const a = new Set(auth.map(key))
  const b = new Set(records.map(key))
  const same = a.size === b.size && [...a].every((k) => b.has(k)) && (j.answer?.rcode ?? null) === ex.message.rcode
  const ttl: RecursiveComparison['ttl'] = []
  for (const r of records) {
    const match = auth.find((x) => x.name.toLowerCase() === r.name.toLowerCase() && x.type === r.type)
    if (!match || ttl.some((t) => t.name === r.name && t.type === r.type)) continue
    ttl.push({name: r.name, type: r.type, authoritativeTtl: match.ttl, resolverTtl: r.ttl, cachedForS: r.ttl <= match.ttl ? match.ttl - r.ttl : null})
  }
  return {resolver: server, rcode: ex.message.rcode, authoritative: ex.message.flags.aa, records, sameData: same, ttl, error: null}
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
