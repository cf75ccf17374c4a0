/**
 * Human rendering of `dnsx ecs`: the subnet × answer-group matrix, the answer groups, the
 * policy verdict (shares with 95% intervals when answers are random), each server's ECS
 * behaviour, disagreements between servers and, with --explore, the range map.
 */
import {borderlessTable} from './table.js'
import chalk from 'chalk'
import {BASELINE_LABEL} from '../ecs/analysis.js'
import {subnetOrder, type EcsGroupJson, type EcsJson} from '../ecs/report.js'
import {formatMs} from '../clock.js'
import {count} from '../words.js'

/** At most this many group columns in the matrix; the rest are summed in "other". */
const MAX_GROUP_COLUMNS = 8

const PALETTE = [chalk.cyan, chalk.magenta, chalk.yellow, chalk.blue, chalk.green, chalk.red, chalk.cyanBright, chalk.magentaBright]

const BEHAVIOUR_COLOUR: Record<string, (s: string) => string> = {
  tailored: chalk.green,
  'echo-only': chalk.blue,
  'ecs-unaware': chalk.yellow,
  'scope0-but-differs': chalk.red,
  'echo-mismatch': chalk.red,
  inconclusive: chalk.red,
}

const POLICY_COLOUR: Record<string, (s: string) => string> = {
  uniform: chalk.blue,
  'subnet-dependent': chalk.green,
  weighted: chalk.magenta,
  multivalue: chalk.magenta,
  mixed: chalk.yellow,
  inconclusive: chalk.red,
}

/** Render rows under bold headings (the shared borderless table). */
function table(head: string[], rows: string[][]): Promise<string> {
  return borderlessTable(head, rows)
}

function colourOf(id: string, groups: EcsGroupJson[]): (s: string) => string {
  const i = groups.findIndex((g) => g.id === id)
  return i < 0 ? (s: string) => s : PALETTE[i % PALETTE.length]!
}

function answersText(g: {answers: string[]; rcode: string}, max = 4): string {
  if (g.answers.length === 0) return g.rcode === 'NOERROR' ? '(no data)' : g.rcode
  return g.answers.length <= max ? g.answers.join(' ') : `${g.answers.slice(0, max).join(' ')} … +${g.answers.length - max}`
}

function subnetLabel(j: EcsJson, label: string): string {
  const s = j.subnets.find((x) => x.label === label)
  if (label === BASELINE_LABEL) return 'none (no ECS)'
  if (s?.kind === 'opt-out') return `${label} (opt-out)`
  if (s?.description) {
    const short = s.description.replace(/ AS\d+$/, '')
    return `${label}  ${chalk.dim(short.length > 28 ? short.slice(0, 27) + '…' : short)}`
  }
  return label
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`
const share = (x: number) => x.toFixed(3)

function serverText(name: string | null, address: string): string {
  return name ? `${name} (${address})` : address
}

/** The matrix: one row per subnet, one column per answer group (counts of replies, all servers). */
async function matrix(j: EcsJson): Promise<string> {
  const shown = j.groups.slice(0, j.groups.length > MAX_GROUP_COLUMNS ? MAX_GROUP_COLUMNS - 1 : MAX_GROUP_COLUMNS)
  const other = j.groups.length > shown.length
  const keyToId = new Map(j.groups.map((g) => [JSON.stringify([g.rcode, g.answers]), g.id]))
  const head = ['SUBNET', 'SCOPE', ...shown.map((g) => colourOf(g.id, j.groups)(g.id)), ...(other ? ['other'] : []), 'FAILED']
  const single = j.repeat === 1 && j.servers.length === 1
  const rows: string[][] = []
  for (const label of subnetOrder(j)) {
    const rs = j.results.filter((r) => (r.subnet ?? BASELINE_LABEL) === label)
    if (rs.length === 0) continue
    const counts = new Map<string, number>()
    let otherCount = 0
    let failed = 0
    for (const r of rs) {
      if (r.error !== null) {
        failed++
        continue
      }
      const id = keyToId.get(JSON.stringify([r.rcode, r.answers]))
      if (id && shown.some((g) => g.id === id)) counts.set(id, (counts.get(id) ?? 0) + 1)
      else otherCount++
    }
    const scopes = [...new Set(rs.filter((r) => r.ecs === 'echoed' || r.ecs === 'mismatch').map((r) => r.scope))].sort((a, b) => (a ?? 0) - (b ?? 0))
    const mismatch = rs.some((r) => r.ecs === 'mismatch')
    let scope = label === BASELINE_LABEL ? chalk.dim('n/a') : scopes.length ? scopes.map((s) => `/${s}`).join(' ') : chalk.dim('none')
    if (mismatch) scope += chalk.red('!')
    const cell = (n: number, colour: (s: string) => string) => (n === 0 ? chalk.dim('·') : colour(single ? '●' : String(n)))
    rows.push([
      subnetLabel(j, label),
      scope,
      ...shown.map((g) => cell(counts.get(g.id) ?? 0, colourOf(g.id, j.groups))),
      ...(other ? [cell(otherCount, (s) => s)] : []),
      failed ? chalk.red(String(failed)) : chalk.dim('·'),
    ])
  }
  return table(head, rows)
}

/** At most this many rows in the groups table (multivalue answers can make hundreds). */
const MAX_GROUP_ROWS = 12

async function groupsTable(j: EcsJson): Promise<string> {
  const rows = j.groups.slice(0, MAX_GROUP_ROWS).map((g) => {
    const subnets = g.subnets.length <= 3 ? g.subnets.join(', ') : `${g.subnets.slice(0, 3).join(', ')}, +${g.subnets.length - 3}`
    return [colourOf(g.id, j.groups)(g.id), answersText(g), g.ttl === null ? '-' : String(g.ttl), String(g.count), subnets]
  })
  const text = await table(['GROUP', 'ANSWERS', 'TTL', 'REPLIES', 'SUBNETS'], rows)
  const more = j.groups.length - MAX_GROUP_ROWS
  return more > 0 ? `${text}\n${chalk.dim(`… ${more} more answer set${more === 1 ? '' : 's'} (all in --json)`)}` : text
}

async function policySection(j: EcsJson): Promise<string[]> {
  const p = j.policy
  const out: string[] = []
  const colour = POLICY_COLOUR[p.kind] ?? ((s: string) => s)
  out.push(`${chalk.bold('POLICY')} ${colour(chalk.bold(p.kind))}: ${p.explanation}`)
  const idOf = (answers: string[], rcode: string) => j.groups.find((g) => g.rcode === rcode && JSON.stringify(g.answers) === JSON.stringify(answers))?.id ?? '?'
  if ((p.kind === 'weighted' || p.kind === 'mixed' || (p.kind === 'multivalue' && p.records.length === 0)) && p.weights.length > 0) {
    const rows = p.weights.slice(0, 12).map((w) => {
      const id = idOf(w.answers, w.rcode)
      return [colourOf(id, j.groups)(id), answersText(w), share(w.share), `[${share(w.ci95[0])}, ${share(w.ci95[1])}]`, `${w.count}`]
    })
    out.push(indent(await table(['GROUP', 'ANSWERS', 'SHARE', '95% CI', 'REPLIES'], rows)))
    if (p.weights.length > 12) out.push(chalk.dim(`  … ${p.weights.length - 12} more answer sets`))
  }
  if (p.kind === 'multivalue' && p.records.length > 0) {
    out.push(`  pool of ${count(p.pool.length, 'record')}; share of replies containing each:`)
    const rows = p.records.map((r) => [r.record, share(r.share), `[${share(r.ci95[0])}, ${share(r.ci95[1])}]`, String(r.count)])
    out.push(indent(await table(['RECORD', 'SHARE', '95% CI', 'REPLIES'], rows)))
  }
  for (const c of p.caveats) out.push(chalk.yellow(`  ! ${c}`))
  return out
}

function indent(text: string, by = '  '): string {
  return text
    .split('\n')
    .map((l) => (l ? by + l : l))
    .join('\n')
}

async function serversSection(j: EcsJson): Promise<string> {
  const rows = j.behaviour.map((s) => {
    const colour = BEHAVIOUR_COLOUR[s.behaviour] ?? ((x: string) => x)
    const fails = Object.entries(s.failures)
    const failText = fails.length ? chalk.red(` (${fails.map(([k, v]) => `${v} ${k}`).join(', ')})`) : ''
    return [s.serverName ?? '-', s.server, colour(s.behaviour), s.policy, `${s.replies}/${s.results}${failText}`, s.explanation]
  })
  return table(['SERVER', 'ADDRESS', 'ECS', 'POLICY', 'REPLIES', 'DETAIL'], rows)
}

async function exploreSection(j: EcsJson): Promise<string[]> {
  const e = j.explore!
  const out: string[] = []
  const via = e.server ? ` via ${serverText(e.server.name, e.server.address)}` : ''
  out.push(chalk.bold(`RANGE MAP ${e.range}${via}: ${count(e.stats.queries, 'query')}, ${pct(e.stats.coveredFraction)} covered`))
  if (e.map.length > 0) {
    const rows = e.map.map((m) => [m.cidr, m.group ? colourOf(m.group, j.groups)(m.group) : chalk.dim('-'), answersText({answers: m.answers, rcode: 'NOERROR'})])
    out.push(indent(await table(['BLOCK', 'GROUP', 'ANSWERS'], rows)))
  }
  if (e.unexplored.length > 0) {
    const list = e.unexplored.length <= 6 ? e.unexplored.join(', ') : `${e.unexplored.slice(0, 6).join(', ')}, … +${e.unexplored.length - 6}`
    out.push(chalk.yellow(`  unexplored: ${list}`))
  }
  for (const n of e.notes) out.push(chalk.dim(`  note: ${n}`))
  return out
}

async function resultsTable(j: EcsJson): Promise<string> {
  const keyToId = new Map(j.groups.map((g) => [JSON.stringify([g.rcode, g.answers]), g.id]))
  const rows = j.results.map((r) => {
    const id = r.error === null ? keyToId.get(JSON.stringify([r.rcode, r.answers])) ?? '' : ''
    const ecs = r.ecs === null ? '-' : r.ecs === 'mismatch' ? chalk.red(r.ecs) : r.ecs
    return [
      r.serverName ?? r.server,
      r.subnet ?? BASELINE_LABEL,
      String(r.attempt),
      r.error === null ? r.rcode : chalk.red(r.rcode),
      r.scope === null ? '-' : `/${r.scope}${r.scopeMeaning ? ` ${r.scopeMeaning}` : ''}`,
      ecs,
      r.ttl === null ? '-' : String(r.ttl),
      r.rttMs === null ? '-' : r.rttMs.toFixed(1),
      id ? colourOf(id, j.groups)(id) : '',
      r.error ?? answersText(r, 3),
    ]
  })
  return table(['SERVER', 'SUBNET', '#', 'RCODE', 'SCOPE', 'ECS', 'TTL', 'RTT', 'GROUP', 'ANSWERS'], rows)
}

export interface RenderEcsOptions {
  /** Also list every reply. */
  verbose?: boolean
}

export async function renderEcs(j: EcsJson, opts: RenderEcsOptions = {}): Promise<string> {
  const out: string[] = []
  const nServers = new Set(j.servers.map((s) => s.name ?? s.address)).size
  const where = j.zone ? `zone ${j.zone}, ` : ''
  out.push(
    chalk.bold(`;; dnsx ecs ${j.name} ${j.type}`) +
      chalk.dim(
        ` — ${where}${count(nServers, 'server')} (${count(j.servers.length, 'address')}), ${count(j.subnets.length, 'subnet')} × ${j.repeat}, ${count(j.stats.queries, 'query')} in ${formatMs(j.stats.elapsedMs)}`,
      ),
  )
  out.push(chalk.dim(`;; servers: ${j.servers.map((s) => serverText(s.name, s.address)).join(', ')}`))
  out.push('')
  out.push(await matrix(j))
  out.push('')
  if (j.groups.length > 0) {
    out.push(await groupsTable(j))
    out.push('')
  }
  out.push(...(await policySection(j)))
  out.push('')
  out.push(await serversSection(j))
  if (j.disagreements.length > 0) {
    out.push('')
    out.push(chalk.yellow.bold(`DISAGREEMENTS (${j.disagreements.length})`))
    for (const d of j.disagreements) out.push(chalk.yellow(`  ⚠ ${d.kind === 'behaviour' ? 'ECS behaviour' : 'answers'}: ${d.explanation}`))
  }
  const problems = new Map<string, number>()
  for (const r of j.results) for (const p of r.problems) problems.set(p, (problems.get(p) ?? 0) + 1)
  if (problems.size > 0) {
    out.push('')
    out.push(chalk.yellow.bold('PROBLEMS'))
    for (const [p, n] of problems) out.push(chalk.yellow(`  ⚠ ${p}${n > 1 ? ` (${n} replies)` : ''}`))
  }
  if (j.explore) {
    out.push('')
    out.push(...(await exploreSection(j)))
  }
  if (opts.verbose) {
    out.push('')
    out.push(await resultsTable(j))
  }
  return out.join('\n') + '\n'
}
