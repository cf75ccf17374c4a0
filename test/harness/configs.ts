/**
 * Configuration files for the real DNS daemons of a test world (Knot, NSD, BIND, Unbound).
 *
 * Every daemon runs in the foreground as the namespace's root (no user switch, no chroot),
 * with its own directory for state, so several worlds never share anything. Pure string
 * building: no I/O here.
 */
import type {ResolverSpec, ServerSpec} from './realdns.js'

export interface DaemonPlan {
  id: string
  argv: string[]
  cwd: string
  log: string
  env?: Record<string, string>
  /** Startup is done when each address answers: `zone` SOA authoritatively if given, else anything. */
  probes: {address: string; port: number; zone?: string}[]
}

export interface GeneratedFile {
  path: string
  text: string
}

export interface Generated {
  files: GeneratedFile[]
  daemon: DaemonPlan
}

/** Absolute binary paths, resolved on the host before the namespace starts. */
export interface Binaries {
  knotd: string
  nsd: string
  named: string
  unbound: string
}

/** Quote a string for the daemons' config syntaxes (all accept "..." with no escapes we need). */
function q(s: string): string {
  if (/["\\\n\r;]/.test(s)) throw new Error(`unsupported character in config string: ${JSON.stringify(s)}`)
  return `"${s}"`
}

function zoneFileName(origin: string): string {
  const o = absolute(origin)
  return o === '.' ? 'root.zone' : `${o.slice(0, -1)}.zone`
}

/** "example.test" -> "example.test.", "." stays "." */
export function absolute(name: string): string {
  if (name === '' || name === '.') return '.'
  return name.endsWith('.') ? name : `${name}.`
}

function zoneFiles(dir: string, server: ServerSpec): {origin: string; path: string; text: string}[] {
  return server.zones.map((z) => ({
    origin: absolute(z.origin),
    path: `${dir}/zones/${zoneFileName(z.origin)}`,
    text: z.text.endsWith('\n') ? z.text : `${z.text}\n`,
  }))
}

function probesOf(addresses: string[], port: number, zones: {origin: string}[]): DaemonPlan['probes'] {
  if (zones.length === 0) return addresses.map((address) => ({address, port}))
  return addresses.flatMap((address) => zones.map((z) => ({address, port, zone: z.origin})))
}

function hostPort(address: string, port: number): string {
  return `${address}@${port}`
}

export function knotConfig(dir: string, server: ServerSpec, bin: Binaries): Generated {
  const port = server.port ?? 53
  const zones = zoneFiles(dir, server)
  const geoip = server.knotGeoip ?? []
  const lines: string[] = [
    'server:',
    `  rundir: ${q(`${dir}/run`)}`,
    `  listen: [ ${server.addresses.map((a) => q(hostPort(a, port))).join(', ')} ]`,
    '  udp-workers: 1',
    '  tcp-workers: 1',
    '  background-workers: 1',
    // Required for mod-geoip to look at ECS at all (and to echo ECS in answers).
    '  edns-client-subnet: on',
  ]
  if (server.nsid !== undefined) lines.push(`  nsid: ${q(server.nsid)}`)
  if (server.identity !== undefined) lines.push(`  identity: ${q(server.identity)}`)
  if (server.version !== undefined) lines.push(`  version: ${q(server.version)}`)
  lines.push(
    'log:',
    '  - target: stderr',
    '    any: info',
    'database:',
    `  storage: ${q(`${dir}/db`)}`,
    'control:',
    `  listen: ${q(`${dir}/run/knot.sock`)}`,
  )
  const files: GeneratedFile[] = zones.map((z) => ({path: z.path, text: z.text}))
  if (geoip.length > 0) {
    lines.push('mod-geoip:')
    geoip.forEach((g, i) => {
      const path = `${dir}/geoip-${i}.conf`
      files.push({path, text: g.rules.endsWith('\n') ? g.rules : `${g.rules}\n`})
      lines.push(`  - id: geo${i}`, `    config-file: ${q(path)}`, `    mode: ${g.mode}`, `    ttl: ${g.ttl ?? 60}`)
    })
  }
  lines.push(
    'template:',
    '  - id: default',
    `    storage: ${q(`${dir}/zones`)}`,
    '    zonefile-sync: -1',
    '    zonefile-load: whole',
    '    journal-content: none',
    'zone:',
  )
  for (const z of zones) {
    lines.push(`  - domain: ${q(z.origin)}`, `    file: ${q(z.path)}`)
    const mods = geoip.flatMap((g, i) => (absolute(g.zone) === z.origin ? [`mod-geoip/geo${i}`] : []))
    if (mods.length > 0) lines.push(`    module: [ ${mods.join(', ')} ]`)
  }
  for (const g of geoip) {
    if (!zones.some((z) => z.origin === absolute(g.zone))) {
      throw new Error(`server ${server.id}: knotGeoip zone ${g.zone} is not one of its zones`)
    }
  }
  const conf = `${dir}/knot.conf`
  files.push({path: conf, text: lines.join('\n') + '\n'})
  return {
    files,
    daemon: {
      id: server.id,
      argv: [bin.knotd, '-c', conf],
      cwd: dir,
      log: `${dir}/daemon.log`,
      probes: probesOf(server.addresses, port, zones),
    },
  }
}

export function nsdConfig(dir: string, server: ServerSpec, bin: Binaries): Generated {
  const port = server.port ?? 53
  const zones = zoneFiles(dir, server)
  const log = `${dir}/daemon.log`
  const lines: string[] = ['server:']
  for (const a of server.addresses) lines.push(`  ip-address: ${hostPort(a, port)}`)
  lines.push(
    `  port: ${port}`,
    '  username: ""',
    '  chroot: ""',
    `  zonesdir: ${q(`${dir}/zones`)}`,
    `  pidfile: ${q(`${dir}/nsd.pid`)}`,
    '  database: ""',
    `  xfrdfile: ${q(`${dir}/xfrd.state`)}`,
    `  xfrdir: ${q(dir)}`,
    `  zonelistfile: ${q(`${dir}/zone.list`)}`,
    `  logfile: ${q(log)}`,
    '  verbosity: 1',
    '  server-count: 1',
    '  reuseport: no',
    '  refuse-any: no',
    '  hide-version: no',
    '  hide-identity: no',
  )
  // NSD takes the NSID as hex, or as "ascii_" + text.
  if (server.nsid !== undefined) lines.push(`  nsid: ${q(`ascii_${server.nsid}`)}`)
  if (server.identity !== undefined) lines.push(`  identity: ${q(server.identity)}`)
  if (server.version !== undefined) lines.push(`  version: ${q(server.version)}`)
  lines.push('remote-control:', '  control-enable: no')
  for (const z of zones) lines.push('zone:', `  name: ${q(z.origin)}`, `  zonefile: ${q(z.path)}`)
  const conf = `${dir}/nsd.conf`
  return {
    files: [...zones.map((z) => ({path: z.path, text: z.text})), {path: conf, text: lines.join('\n') + '\n'}],
    daemon: {
      id: server.id,
      argv: [bin.nsd, '-d', '-c', conf],
      cwd: dir,
      log,
      probes: probesOf(server.addresses, port, zones),
    },
  }
}

function bindListen(addresses: string[], port: number): string[] {
  const v4 = addresses.filter((a) => !a.includes(':'))
  const v6 = addresses.filter((a) => a.includes(':'))
  return [
    `  listen-on port ${port} { ${v4.length ? v4.map((a) => `${a};`).join(' ') : 'none;'} };`,
    `  listen-on-v6 port ${port} { ${v6.length ? v6.map((a) => `${a};`).join(' ') : 'none;'} };`,
  ]
}

function bindCommon(dir: string): string[] {
  return [
    `  directory ${q(dir)};`,
    `  pid-file ${q(`${dir}/named.pid`)};`,
    `  session-keyfile ${q(`${dir}/session.key`)};`,
    `  managed-keys-directory ${q(dir)};`,
    '  dnssec-validation no;',
    '  notify no;',
    '  allow-transfer { none; };',
  ]
}

export function bindConfig(dir: string, server: ServerSpec, bin: Binaries): Generated {
  const port = server.port ?? 53
  const zones = zoneFiles(dir, server)
  const opts = ['options {', ...bindCommon(dir), ...bindListen(server.addresses, port), '  recursion no;']
  // BIND: server-id is both the NSID and the id.server answer; hostname is hostname.bind.
  if (server.nsid !== undefined) opts.push(`  server-id ${q(server.nsid)};`)
  if (server.identity !== undefined) opts.push(`  hostname ${q(server.identity)};`)
  if (server.version !== undefined) opts.push(`  version ${q(server.version)};`)
  opts.push('};', 'controls { };')
  for (const z of zones) opts.push(`zone ${q(z.origin)} { type primary; file ${q(z.path)}; };`)
  const conf = `${dir}/named.conf`
  return {
    files: [...zones.map((z) => ({path: z.path, text: z.text})), {path: conf, text: opts.join('\n') + '\n'}],
    daemon: {
      id: server.id,
      argv: [bin.named, '-g', '-n', '1', '-c', conf],
      cwd: dir,
      log: `${dir}/daemon.log`,
      probes: probesOf(server.addresses, port, zones),
    },
  }
}

export function rootHintsText(resolver: ResolverSpec): string {
  const lines: string[] = []
  for (const h of resolver.rootHints) lines.push(`. 3600000 NS ${absolute(h.name)}`)
  for (const h of resolver.rootHints) lines.push(`${absolute(h.name)} 3600000 ${h.address.includes(':') ? 'AAAA' : 'A'} ${h.address}`)
  return lines.join('\n') + '\n'
}

export function unboundConfig(dir: string, resolver: ResolverSpec, bin: Binaries): Generated {
  const hints = `${dir}/root.hints`
  const lines = [
    'server:',
    `  interface: ${resolver.address}`,
    '  port: 53',
    '  username: ""',
    '  chroot: ""',
    `  directory: ${q(dir)}`,
    `  pidfile: ${q(`${dir}/unbound.pid`)}`,
    '  use-syslog: no',
    '  logfile: ""',
    '  verbosity: 1',
    '  num-threads: 1',
    '  so-reuseport: no',
    // The world lives on 127/8 and documentation ranges: allow querying them.
    '  do-not-query-localhost: no',
    '  unblock-lan-zones: yes',
    '  insecure-lan-zones: yes',
    `  root-hints: ${q(hints)}`,
    // Iterator only: no trust anchor, no validation (the world is unsigned).
    '  module-config: "iterator"',
    // test. is a special-use TLD that Unbound answers itself by default.
    '  local-zone: "test." nodefault',
    '  access-control: 0.0.0.0/0 allow',
    '  access-control: ::/0 allow',
    'remote-control:',
    '  control-enable: no',
  ]
  const conf = `${dir}/unbound.conf`
  return {
    files: [
      {path: hints, text: rootHintsText(resolver)},
      {path: conf, text: lines.join('\n') + '\n'},
    ],
    daemon: {
      id: 'resolver',
      argv: [bin.unbound, '-d', '-c', conf],
      cwd: dir,
      log: `${dir}/daemon.log`,
      probes: [{address: resolver.address, port: 53}],
    },
  }
}

export function bindResolverConfig(dir: string, resolver: ResolverSpec, bin: Binaries): Generated {
  const hints = `${dir}/root.hints`
  const opts = [
    'options {',
    ...bindCommon(dir),
    ...bindListen([resolver.address], 53),
    '  recursion yes;',
    '  allow-recursion { any; };',
    '  allow-query-cache { any; };',
    '};',
    'controls { };',
    `zone "." { type hint; file ${q(hints)}; };`,
  ]
  const conf = `${dir}/named.conf`
  return {
    files: [
      {path: hints, text: rootHintsText(resolver)},
      {path: conf, text: opts.join('\n') + '\n'},
    ],
    daemon: {
      id: 'resolver',
      argv: [bin.named, '-g', '-n', '1', '-c', conf],
      cwd: dir,
      log: `${dir}/daemon.log`,
      probes: [{address: resolver.address, port: 53}],
    },
  }
}
