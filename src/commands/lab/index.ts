import chalk from 'chalk'

import {DnsxCommand} from '../../lib/cli/base.js'
import type {LabDescription} from '../../lib/lab/index.js'

/** A command worth trying against the lab, and what it shows. */
export interface LabSuggestion {
  command: string
  shows: string
}

/**
 * Commands worth trying, by dnsx command id. Only those whose command exists in this build are
 * printed (the lab ships before some commands do).
 */
const SUGGESTIONS: {id: string, args: string, shows: string}[] = [
  {id: 'query', args: 'www.example.test --lab', shows: 'ask the lab\'s recursive resolver (RA, TTLs as if cached)'},
  {id: 'query', args: 'www.example.test @192.0.2.20 --norecurse --nsid --lab', shows: 'an authoritative answer (AA) with the server\'s NSID'},
  {id: 'query', args: 'big.example.test TXT @192.0.2.20 --norecurse --lab', shows: 'a truncated UDP answer repeated over TCP'},
  {id: 'query', args: 'version.bind TXT CH @192.0.2.9 --lab', shows: 'the "public resolver" is a home router (dnsmasq)'},
  {id: 'trace', args: 'shop.example.test --lab', shows: 'a CNAME into another zone, followed from the root'},
  {id: 'trace', args: 'www.glueless.test --lab', shows: 'a glueless delegation: a nested sub-trace for the NS address'},
  {id: 'trace', args: 'www.partial.test --all --timeout 400 --lab', shows: 'every server of every cut: one dead, one good'},
  {id: 'trace', args: 'www.noaa.test --lab', shows: 'a lame server (answers without AA)'},
  {id: 'trace', args: 'www.secure.test --dnssec --lab', shows: 'a chain of trust from the lab root key: secure'},
  {id: 'trace', args: 'www.bogus.test --dnssec --lab', shows: 'a broken signature: bogus'},
  {id: 'trace', args: 'www.example.test --format mermaid --lab', shows: 'the resolution as a Mermaid sequence diagram'},
  {id: 'anycast-probe', args: '192.0.2.201 192.0.2.202 192.0.2.203 --lab', shows: 'which anycast instance answers, from NSID and CHAOS'},
  {id: 'anycast-probe', args: '192.0.2.201 192.0.2.203 --lab-site syd --lab', shows: 'from Sydney: K lands in Tokyo'},
  {id: 'ecs', args: 'www.geo.test --subnet 198.51.100.0/24 --subnet 203.0.113.0/24 --subnet 2001:db8:aaaa::/48 --lab', shows: 'answers by client subnet, with their scopes'},
  {id: 'ecs', args: 'weighted.geo.test --subnet 198.51.100.0/24 --repeat 50 --qps 500 --lab', shows: 'a 70/30 weighted record'},
  {id: 'race', args: 'http://dual.race.test/ --lab', shows: 'Happy Eyeballs: IPv6 wins'},
  {id: 'race', args: 'http://v6-blackhole.race.test/ --lab', shows: 'IPv6 black-holed: IPv4 wins after the delay'},
]

/** The suggestions whose command exists (`has` asks the CLI's command list). */
export function labSuggestions(bin: string, has: (id: string) => boolean): LabSuggestion[] {
  return SUGGESTIONS.filter((s) => has(s.id)).map((s) => ({command: `${bin} ${s.id} ${s.args}`, shows: s.shows}))
}

// eslint-disable-next-line no-control-regex
const plainLength = (s: string): number => s.replace(/\u001b\[[0-9;]*m/g, '').length

/** Rows of cells as aligned text (cells may be coloured; the last column is not padded). */
export function columns(rows: string[][], indent = '  ', gap = '  '): string {
  const widths: number[] = []
  for (const row of rows) {
    for (let i = 0; i < row.length - 1; i++) widths[i] = Math.max(widths[i] ?? 0, plainLength(row[i]))
  }

  return rows.map((row) => indent + row.map((cell, i) => (i < row.length - 1 ? cell + ' '.repeat(widths[i] - plainLength(cell)) : cell)).join(gap).trimEnd()).join('\n')
}

const heading = (text: string): string => chalk.bold(text)
const ms = (x: number): string => (x > 0 ? `${x} ms` : '-')
const zoneName = (z: string): string => (z === '.' ? '.' : `${z}.`)

/** `dnsx lab` in words: servers, anycast, connect targets, broken zones, DNSSEC, names, commands. */
export function renderLab(d: LabDescription, suggestions: LabSuggestion[]): string {
  const out: string[] = []
  out.push(chalk.bold(d.description))
  out.push(chalk.dim('Add --lab to any command to run it against the lab; `dnsx lab serve` keeps it running for dig, kdig and drill.'))

  const isRoot = (s: LabDescription['servers'][number]): boolean => d.rootHints.some((h) => s.addresses.includes(h.address))
  const serverRow = (s: LabDescription['servers'][number]): string[] => [
    chalk.cyan(s.name),
    s.addresses.join(' '),
    s.zones.length > 0 ? s.zones.map(zoneName).join(' ') : chalk.dim('(no zone)'),
    ms(s.latencyMs),
    [s.behaviour.length > 0 ? chalk.yellow(`[${s.behaviour.join(', ')}]`) : '', chalk.dim(s.demonstrates)].filter(Boolean).join(' '),
  ]

  out.push('', heading('ROOT SERVERS') + chalk.dim('  (the lab\'s root hints)'))
  out.push(columns(d.servers.filter((s) => isRoot(s)).map(serverRow)))

  out.push('', heading('AUTHORITATIVE SERVERS') + chalk.dim('  (name, virtual addresses, zones, added latency, behaviour)'))
  out.push(columns(d.servers.filter((s) => !isRoot(s)).map(serverRow)))

  out.push('', heading('RESOLVERS'))
  out.push(columns(d.resolvers.map((r) => [
    chalk.cyan(r.name), r.addresses.join(' '), ms(r.latencyMs ?? 0), chalk.dim(r.demonstrates),
  ])))

  out.push('', heading('ANYCAST SERVICES') + chalk.dim(`  (this client's site: ${d.effectiveSite}; sites: ${d.sites.map((s) => `${s.id} ${s.city}`).join(', ')})`))
  for (const a of d.anycast) {
    out.push(`  ${chalk.cyan(a.name)}  ${a.addresses.join(' ')}  ${chalk.dim(`routing by ${a.routing === 'site' ? 'client site' : 'turns (ECMP)'}`)}`)
    out.push(`    ${chalk.dim(a.demonstrates)}`)
    out.push(columns(a.instances.map((i) => [
      i.id === a.current ? chalk.green(`${i.id} *`) : i.id,
      `site ${i.site}`,
      ms(i.latencyMs),
      i.nsid ? `nsid ${i.nsid}` : '',
      i.catchment.length > 0 ? `serves ${i.catchment.join(', ')}` : '',
      i.note ? chalk.yellow(i.note) : '',
    ]), '      '))
  }

  out.push(chalk.dim('    * the instance this client reaches now'))

  out.push('', heading('DUAL-STACK CONNECT TARGETS') + chalk.dim('  (what dnsx race connects to)'))
  out.push(columns(d.connect.map((c) => [
    c.address,
    c.ports ? `port ${c.ports.join(',')}` : 'any port',
    c.kind === 'http' ? chalk.green(c.delayMs ? `http, +${c.delayMs} ms` : 'http') : chalk.yellow(c.kind),
    chalk.dim(c.demonstrates),
  ])))

  out.push('', heading('BROKEN ON PURPOSE'))
  out.push(columns(d.broken.map((b) => [chalk.yellow(zoneName(b.zone)), b.reason])))

  out.push('', heading('DNSSEC') + chalk.dim(`  (${d.dnssec.status}${d.dnssec.error ? `: ${d.dnssec.error}` : ''})`))
  if (d.dnssec.zones.length > 0) out.push(columns(d.dnssec.zones.map((z) => [zoneName(z.zone), z.intent, chalk.dim(z.status)])))
  if (d.dnssec.trustAnchor) {
    out.push(`  trust anchor (the lab root's KSK; dnsx trace --dnssec --lab uses it):`)
    out.push(`    ${d.dnssec.trustAnchor.ds.replace(/\t/g, ' ')}`)
    out.push(`    ${d.dnssec.trustAnchor.dnskey.replace(/\t/g, ' ')}`)
  }

  out.push('', heading('NAMES WORTH TRYING'))
  out.push(columns(d.names.map((n) => [chalk.cyan(n.name), n.type, chalk.dim(n.demonstrates)])))

  if (suggestions.length > 0) {
    out.push('', heading('TRY'))
    out.push(columns(suggestions.map((s) => [s.command, chalk.dim(s.shows)])))
  }

  return out.join('\n')
}

export default class Lab extends DnsxCommand {
  static override summary = 'Describe the lab: the simulated DNS internet that --lab runs every command against.'
  static override description = [
    'The lab is a small DNS internet under the special-use TLD test. with its own root: authoritative servers with glue, glueless, lame, dead and hostile delegations, anycast services with several instances, a zone answering by client subnet, dual-stack web hosts, and a signed chain of trust.',
    'Every server is a real UDP and TCP listener on 127.0.0.1, known by a virtual address from the documentation ranges. --lab on any command starts it in-process; `dnsx lab serve` keeps it running for other tools.',
  ].join('\n\n')

  static override examples = [
    '<%= config.bin %> lab',
    '<%= config.bin %> lab --json',
    '<%= config.bin %> lab serve',
  ]

  async run(): Promise<(LabDescription & {commands: LabSuggestion[]}) | undefined> {
    await this.parse(Lab)
    const {startLab} = await import('../../lib/lab/index.js')
    const lab = await startLab({latencyScale: 0})
    let description: LabDescription
    try {
      description = lab.describe()
    } finally {
      await lab.stop()
    }

    const suggestions = labSuggestions(this.config.bin, (id) => this.config.findCommand(id) !== undefined)
    if (this.jsonEnabled()) return {...description, commands: suggestions}
    this.out(renderLab(description, suggestions))
    return undefined
  }
}
