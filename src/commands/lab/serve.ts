import {writeFileSync} from 'node:fs'
import {resolve as resolvePath} from 'node:path'

// Subpath import: loading the whole of @oclif/core costs start-up time.
import * as Flags from '@oclif/core/flags'
import chalk from 'chalk'

import {DnsxCommand} from '../../lib/cli/base.js'
import {NetworkError, UsageError} from '../../lib/errors.js'
import type {LabDescription, ServerDescription} from '../../lib/lab/index.js'
import type {World} from '../../lib/lab/world.js'
import {columns} from './index.js'
import {parseDuration} from '../../lib/time.js'

/** host:port of a listener. */
interface Listener {
  host: string
  port: number
}

/** One place to send queries, with ready-to-paste commands. */
export interface ServeEndpoint extends Pick<ServerDescription, 'id' | 'name' | 'role' | 'addresses' | 'zones' | 'latencyMs' | 'behaviour'> {
  listener: Listener
  /** A query that shows what this server does. */
  example: {name: string, type: string, recurse: boolean}
  dig: string
  kdig: string
  /** For anycast instances: the service. */
  service?: string
  site?: string
  nsid?: string
}

/** What `dnsx lab serve --json` prints (one line), before it keeps running. */
export interface ServeInfo {
  pid: number
  /** loopback: listeners on 127.0.0.1 ephemeral ports; virtual: also every virtual address, port 53. */
  mode: 'loopback' | 'virtual'
  bind: string
  rootHints: (LabDescription['rootHints'][number] & {listener: Listener | null})[]
  hintsFile: string | null
  resolvers: ServeEndpoint[]
  servers: ServeEndpoint[]
  anycast: ServeEndpoint[]
  web: {address: string, port: number, listener: Listener, url: string}[]
  virtual: LabDescription['virtual'] | null
  /** Commands that work against this lab as it is served. */
  commands: string[]
}

const zoneOrigins = (world: World): string[] => [...new Set(world.zones.map((z) => canon(z.origin)))]

function canon(name: string): string {
  const n = name.replace(/\.$/, '').toLowerCase()
  return n === '' ? '.' : n
}

function atOrBelow(name: string, zone: string): boolean {
  const n = canon(name)
  const z = canon(zone)
  return z === '.' || n === z || n.endsWith(`.${z}`)
}

/** The world zone that holds a name (the deepest origin above it). */
function holdingZone(name: string, origins: string[]): string {
  return origins.filter((z) => atOrBelow(name, z)).sort((a, b) => b.length - a.length)[0] ?? '.'
}

/** A query that shows what a server with these zones does: an answer if it has one, else a referral or its SOA. */
export function exampleQuery(world: World, zones: string[], serverName: string): {name: string, type: string} {
  const origins = zoneOrigins(world)
  const own = zones.map(canon)
  // The root and TLD servers: show the first referral of the first name worth trying.
  if (own.some((z) => z === '.' || !z.includes('.')) && world.names.length > 0) return {name: world.names[0].name, type: world.names[0].type}
  const answer = world.names.find((n) => own.includes(holdingZone(n.name, origins)) && n.type !== 'SOA')
  if (answer) return {name: answer.name, type: answer.type}
  const referral = own.length > 0 ? world.names.find((n) => own.some((z) => atOrBelow(n.name, z))) : undefined
  if (referral) return {name: referral.name, type: referral.type}
  if (own.length > 0) return {name: own[0], type: 'SOA'}
  const parent = canon(serverName).split('.').slice(1).join('.')
  return {name: `www.${parent}`, type: 'A'}
}

/** `dig @HOST [-p PORT] NAME [TYPE] +[no]recurse [extra]`, the way a person would type it. */
export function digCommand(tool: 'dig' | 'kdig', host: string, port: number, q: {name: string, type: string, recurse: boolean}, extra: string[] = []): string {
  return [
    tool, `@${host}`, ...(port === 53 ? [] : ['-p', String(port)]), q.name, ...(q.type === 'A' ? [] : [q.type]),
    q.recurse ? '+recurse' : '+norecurse', ...extra,
  ].join(' ')
}

/** Builds {@link ServeInfo} from the running lab's description. */
export function serveInfo(world: World, d: LabDescription, hintsFile: string | null, bin = 'dnsx'): ServeInfo {
  const virtual = d.virtual ?? null
  const serverByAddress = new Map(d.servers.flatMap((s) => s.addresses.map((a) => [a, s] as const)))
  const endpoint = (e: Omit<ServeEndpoint, 'dig' | 'kdig'>, extra: string[] = []): ServeEndpoint => ({
    ...e,
    dig: digCommand('dig', e.listener.host, e.listener.port, e.example, extra),
    kdig: digCommand('kdig', e.listener.host, e.listener.port, e.example, ['+nsid', ...extra.filter((x) => x !== '+nsid')]),
  })

  const resolvers = d.resolvers.map((r) => endpoint({
    id: r.id, name: r.name, role: 'resolver', addresses: r.addresses, zones: [], latencyMs: r.latencyMs ?? 0, behaviour: [],
    listener: r.listener, example: {name: 'www.example.test', type: 'A', recurse: true}, nsid: r.nsid,
  }))
  const servers = d.servers.map((s) => endpoint({
    id: s.id, name: s.name, role: 'authoritative', addresses: s.addresses, zones: s.zones, latencyMs: s.latencyMs, behaviour: s.behaviour,
    listener: s.listener, example: {...exampleQuery(world, s.zones, s.name), recurse: false}, nsid: s.nsid,
  }))
  const anycast = d.anycast.flatMap((a) => a.instances.map((i) => endpoint({
    id: i.id, name: a.name, role: 'anycast-instance', addresses: a.addresses, zones: world.anycast.find((x) => x.id === a.id)?.zones.map(canon) ?? [],
    latencyMs: i.latencyMs, behaviour: [], listener: i.listener, example: {name: 'anycast.test', type: 'SOA', recurse: false},
    service: a.id, site: i.site, nsid: i.nsid,
  }, ['+nsid'])))
  const web = d.connect.flatMap((c) => (c.listener ? [{
    address: c.address, port: c.ports?.[0] ?? 80, listener: c.listener,
    url: `http://${c.listener.host}:${c.listener.port}/`,
  }] : []))

  const first = (id: string) => servers.find((s) => s.id === id) ?? servers[0]
  const commands: string[] = []
  const zoneServer = first('example-ns1')
  commands.push(zoneServer.dig, zoneServer.kdig, resolvers[0].dig)
  commands.push(`${bin} query www.example.test @${zoneServer.listener.host} -p ${zoneServer.listener.port} --norecurse --nsid`)
  if (virtual) {
    const hints = hintsFile ?? 'HINTS'
    const resolver = d.resolvers[0].addresses[0]
    commands.push(
      `dig @${d.rootHints[0].address} ${zoneServer.example.name} +norecurse`,
      `dig +trace shop.example.test   # with "nameserver ${resolver}" in /etc/resolv.conf`,
      `drill -T -r ${hints} www.example.test`,
      `kdig @${zoneServer.addresses[0]} ${zoneServer.example.name} +norecurse +nsid`,
      `${bin} trace shop.example.test --root-hints ${hints}`,
    )
  }

  return {
    pid: process.pid,
    mode: virtual ? 'virtual' : 'loopback',
    bind: d.bind,
    rootHints: d.rootHints.map((h) => ({...h, listener: serverByAddress.get(h.address)?.listener ?? null})),
    hintsFile,
    resolvers,
    servers,
    anycast,
    web,
    virtual,
    commands,
  }
}

/** The text `dnsx lab serve` prints. */
export function renderServe(info: ServeInfo): string {
  const out: string[] = []
  const at = (l: Listener) => `${l.host}:${l.port}`
  out.push(chalk.bold(`dnsx lab serve: the lab is running (pid ${info.pid}); Ctrl-C or SIGTERM stops it.`))
  out.push(chalk.dim(`Every server listens on ${info.bind}, UDP and TCP on the same port: point dig or kdig at it with @${info.bind} -p PORT.`))
  if (info.virtual) {
    out.push(chalk.dim(`Each is also on its virtual address, port ${info.virtual.port} (${info.virtual.listeners.length} listeners): dig +trace, drill -T and kdig need no -p.`))
  }

  const row = (e: ServeEndpoint, label: string): string[] => [chalk.cyan(label), e.addresses.join(' '), at(e.listener), e.dig]

  out.push('', chalk.bold('RESOLVERS') + chalk.dim('  (recursive: RD=1)'))
  out.push(columns(info.resolvers.map((r) => row(r, r.name))))

  const rootIds = new Set(info.servers.filter((s) => info.rootHints.some((h) => s.addresses.includes(h.address))).map((s) => s.id))
  out.push('', chalk.bold('ROOT HINTS') + chalk.dim(info.hintsFile ? `  (written to ${info.hintsFile})` : '  (--write-hints FILE writes them in named.root format)'))
  out.push(columns(info.servers.filter((s) => rootIds.has(s.id)).map((s) => row(s, s.name))))

  out.push('', chalk.bold('AUTHORITATIVE SERVERS'))
  out.push(columns(info.servers.filter((s) => !rootIds.has(s.id)).map((s) => row(s, s.name))))

  out.push('', chalk.bold('ANYCAST INSTANCES') + chalk.dim('  (one listener each; the virtual address reaches the instance of the client\'s site)'))
  out.push(columns(info.anycast.map((a) => [chalk.cyan(`${a.name} ${a.id}`), a.nsid ?? '', at(a.listener), a.dig])))

  if (info.web.length > 0) {
    out.push('', chalk.bold('WEB SERVERS') + chalk.dim('  (dnsx race targets)'))
    out.push(columns(info.web.map((w) => [`${w.address} port ${w.port}`, w.url])))
  }

  out.push('', chalk.bold('TRY'))
  out.push(info.commands.map((c) => `  ${c}`).join('\n'))
  return out.join('\n')
}

export default class LabServe extends DnsxCommand {
  static override summary = 'Run the lab until interrupted, and show how to point dig, kdig or drill at it.'
  static override description = [
    'Starts every server of the lab on 127.0.0.1 (UDP and TCP, ephemeral ports) and prints, for each, its port and a dig command; the lab\'s recursive resolver answers RD=1 queries. It runs until SIGINT or SIGTERM (or --duration), then stops cleanly with exit 0.',
    '--bind-virtual also serves every server on its own virtual address, port 53, so that tools which cannot be told about the lab\'s address mapping work unchanged: dig +trace, drill -T -r HINTS, kdig, unbound, and dnsx trace --root-hints HINTS (without --lab). The addresses must be on a loopback interface; the lab never serves on any other. Inside a network namespace of its own, --configure-lo adds them to lo itself:',
    '  unshare -rn dnsx lab serve --bind-virtual --configure-lo --write-hints lab.hints',
    'dig +trace looks up name server addresses through /etc/resolv.conf: point it at the lab\'s resolver (192.0.2.53), e.g. in a private mount namespace (unshare -rnm, then mount --bind a resolv.conf over /etc/resolv.conf).',
  ].join('\n\n')

  static override examples = [
    '<%= config.bin %> lab serve',
    '<%= config.bin %> lab serve --json --duration 60s',
    'unshare -rn <%= config.bin %> lab serve --bind-virtual --configure-lo --write-hints lab.hints',
  ]

  static override flags = {
    'bind-virtual': Flags.boolean({description: 'Also serve every server on its virtual address, port 53 (the addresses must be on loopback).'}),
    'configure-lo': Flags.boolean({description: 'With --bind-virtual: add the addresses to lo (only as root in a network namespace of its own, e.g. unshare -rn).'}),
    'write-hints': Flags.string({description: 'Write the lab\'s root hints (named.root format) to FILE.', helpValue: 'FILE'}),
    duration: Flags.string({description: 'Stop by itself after DURATION (500ms, 10s, 10m, 1h; a plain number is seconds).', helpValue: 'DURATION'}),
    'latency-scale': Flags.string({description: 'Multiply every simulated latency (0: none).', default: '1', helpValue: 'N'}),
    site: Flags.string({description: 'The client site anycast routing uses (default: the lab\'s default site).'}),
  }

  async run(): Promise<undefined> {
    const {flags} = await this.parse(LabServe)
    const scale = Number(flags['latency-scale'])
    if (!Number.isFinite(scale) || scale < 0 || flags['latency-scale'].trim() === '') throw new UsageError(`--latency-scale must be a number >= 0, got "${flags['latency-scale']}"`, 'bad-latency-scale')
    if (flags['configure-lo'] && !flags['bind-virtual']) throw new UsageError('--configure-lo needs --bind-virtual', 'usage')
    const {DEFAULT_WORLD, startLab} = await import('../../lib/lab/index.js')
    const world = DEFAULT_WORLD
    if (flags.site !== undefined && !world.sites.some((s) => s.id === flags.site)) {
      throw new UsageError(`unknown lab site "${flags.site}" (sites: ${world.sites.map((s) => s.id).join(', ')})`, 'bad-site')
    }

    if (flags['bind-virtual']) {
      const virtual = await import('../../lib/lab/virtual.js')
      const addresses = virtual.virtualDnsAddresses(world)
      if (flags['configure-lo']) {
        const problem = virtual.isolationProblem()
        if (problem) throw new UsageError(problem, 'not-isolated')
        try {
          const added = virtual.configureLoopback(addresses)
          this.note(`configured ${added.length} addresses on lo`)
        } catch (error) {
          throw new UsageError(`--configure-lo: ${(error as Error).message}`, 'configure-lo')
        }
      }

      const problem = virtual.virtualAddressProblem(addresses)
      if (problem) throw new UsageError(`--bind-virtual: ${problem}`, 'virtual-addresses')
    }

    let lab: Awaited<ReturnType<typeof startLab>>
    try {
      lab = await startLab({bindVirtual: flags['bind-virtual'], latencyScale: scale, site: flags.site})
    } catch (error) {
      throw new NetworkError((error as Error).message.replace(/^dnsx lab: /, ''), 'lab-start')
    }

    let hintsFile: string | null = null
    try {
      if (flags['write-hints']) {
        const {rootHintsText} = await import('../../lib/lab/virtual.js')
        hintsFile = resolvePath(flags['write-hints'])
        try {
          writeFileSync(hintsFile, rootHintsText(lab.rootHints))
        } catch (error) {
          throw new UsageError(`cannot write ${flags['write-hints']}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'write-hints')
        }
      }

      // Listen for the signals before printing: whoever reads the endpoints may signal at once.
      const stopped = untilStopped(flags.duration === undefined ? undefined : parseDuration(flags.duration, '--duration'))
      const info = serveInfo(lab.world, lab.describe(), hintsFile, this.config.bin)
      if (this.jsonEnabled()) process.stdout.write(`${JSON.stringify(info)}\n`)
      else this.out(renderServe(info))
      const why = await stopped
      this.note(`dnsx lab serve: ${why}, stopping`)
    } finally {
      await lab.stop()
    }

    return undefined
  }
}

/** Resolves on SIGINT, SIGTERM or after `durationMs`, with what happened. */
function untilStopped(durationMs?: number): Promise<string> {
  return new Promise((resolve) => {
    let timer: NodeJS.Timeout | undefined
    const done = (why: string): void => {
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
      if (timer) clearTimeout(timer)
      resolve(why)
    }

    const onInt = (): void => done('SIGINT')
    const onTerm = (): void => done('SIGTERM')
    process.once('SIGINT', onInt)
    process.once('SIGTERM', onTerm)
    if (durationMs !== undefined) timer = setTimeout(() => done(`${formatMs(durationMs)} elapsed`), durationMs)
  })
}

/** 60000 → "60 s", 1500 → "1500 ms". */
function formatMs(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`
}
