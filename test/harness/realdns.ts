/**
 * Real DNS servers (Knot, NSD, BIND 9, Unbound) in a private network namespace, for
 * integration tests.
 *
 * startRealWorld() spawns `unshare -rnmpf --mount-proc --kill-child node ns-agent.mjs PLAN`:
 * a user+network+mount+PID namespace with only `lo`, on which the world's addresses
 * live. The agent starts the daemons, waits until each answers, then runs commands
 * (dnsx, dig, kdig, drill, ...) inside the namespace on request. Nothing can send a packet
 * outside: the namespace has no route anywhere but lo (and a black-hole veth if asked).
 * /etc/resolv.conf, /etc/hosts and /etc/nsswitch.conf are privately bind-mounted inside,
 * so even the system resolver stays in the world.
 *
 * Stopping the world (or the test process dying) ends the agent, PID 1 of the namespace,
 * and the kernel kills every daemon with it.
 *
 *   const avail = realDnsAvailable()            // throws under CI if something is missing
 *   describe.skipIf(!avail.ok)('trace', () => {
 *     let world: RealWorld
 *     beforeAll(async () => { world = await startRealWorld(STANDARD_WORLD) })
 *     afterAll(() => world?.stop())
 *     it('...', async () => {
 *       const r = await world.exec(['dig', '@198.51.100.1', '+norecurse', 'test.', 'NS'])
 *       expect(r.code).toBe(0)
 *     })
 *   })
 *
 * KEEP_NS=1 keeps the world's directory (configs, zones, plan.json, every log) after stop().
 */
import {spawn, spawnSync, type ChildProcess} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import readline from 'node:readline'
import {fileURLToPath} from 'node:url'
import ipaddr from 'ipaddr.js'
import {
  bindConfig,
  bindResolverConfig,
  knotConfig,
  nsdConfig,
  unboundConfig,
  type Binaries,
  type DaemonPlan,
  type Generated,
} from './configs.js'

export type ServerSoftware = 'knot' | 'nsd' | 'bind'

export interface ZoneSpec {
  /** Zone apex, e.g. "example.test" or "." */
  origin: string
  /** Zone file text (master-file format). Relative names are relative to origin. */
  text: string
}

export interface KnotGeoipSpec {
  /** One of the server's zones. */
  zone: string
  /** subnet: answers by ECS (or source address) per `- net:` rule; weighted: `- weight:` rules. */
  mode: 'subnet' | 'weighted'
  /** The module's own config file (YAML-like). Beware: `;` starts a comment in it. */
  rules: string
  /** TTL of the module's answers (default 60). */
  ttl?: number
}

export interface ServerSpec {
  /** Unique, [A-Za-z0-9_-]; names the server's directory and its logs. */
  id: string
  software: ServerSoftware
  /** Listening addresses: 127.0.0.0/8 or documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32). */
  addresses: string[]
  /** Default 53. */
  port?: number
  zones: ZoneSpec[]
  /** EDNS NSID. BIND: also its id.server answer (server-id). */
  nsid?: string
  /** CH TXT hostname.bind / id.server (BIND: hostname.bind only). */
  identity?: string
  /** CH TXT version.bind / version.server. */
  version?: string
  /** Knot only: mod-geoip instances (ECS/weighted answers). */
  knotGeoip?: KnotGeoipSpec[]
}

export interface ResolverSpec {
  software: 'unbound' | 'bind'
  /** Listens on port 53 (Unbound always queries port 53, so the world's servers should too). */
  address: string
  rootHints: {name: string; address: string}[]
}

export interface WorldSpec {
  servers: ServerSpec[]
  /** A recursive resolver; /etc/resolv.conf inside points at it (else at 127.0.0.1). */
  resolver?: ResolverSpec
  /** Addresses put on lo with nothing listening: UDP gets ICMP port unreachable, TCP a RST. */
  deadAddresses?: string[]
  /** Addresses whose packets vanish (no answer, no ICMP): for timeout tests. */
  blackholes?: string[]
  /** Bound on startup, default 10 s; the error carries every daemon's log. */
  startupTimeoutMs?: number
}

export interface ExecOptions {
  /** Kill the command's whole process group after this long (default 15 s). */
  timeoutMs?: number
  /** Added to (and overriding) the test process's environment. */
  env?: Record<string, string>
  /** Written to the command's stdin, which is then closed (always closed). */
  input?: string
  /** Default: the test process's cwd (the repo root under vitest). */
  cwd?: string
}

export interface ExecResult {
  /** Exit code; null if killed by a signal (timeout) or not started. */
  code: number | null
  signal: string | null
  stdout: string
  stderr: string
  ms: number
  timedOut: boolean
  /** Set when the command could not be started (e.g. ENOENT). */
  error?: string
}

export interface RealWorld {
  readonly spec: WorldSpec
  /** Temp dir with configs, zones and logs; removed by stop() unless KEEP_NS=1. */
  readonly dir: string
  /** Time from spawn to "every daemon answers", ms. */
  readonly startupMs: number
  /** Runs argv (argv[0] looked up in PATH) inside the namespace. Never rejects for a failing command. */
  exec(argv: string[], opts?: ExecOptions): Promise<ExecResult>
  /** A server's log (daemon stdout/stderr); 'resolver' for the resolver, 'agent' for the namespace agent. */
  logs(serverId: string): string
  stop(): Promise<void>
}

const AGENT = fileURLToPath(new URL('./ns-agent.mjs', import.meta.url))
const SBIN_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin']

function which(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...SBIN_DIRS]
  for (const d of dirs) {
    const p = path.join(d, name)
    try {
      fs.accessSync(p, fs.constants.X_OK)
      return p
    } catch {}
  }
  return undefined
}

function knotModuleGeoip(): boolean {
  for (const lib of ['/usr/lib', '/usr/lib64', '/usr/local/lib']) {
    let entries: string[] = []
    try {
      entries = fs.readdirSync(lib)
    } catch {
      continue
    }
    for (const e of [lib, ...entries.map((x) => path.join(lib, x))]) {
      const knot = path.join(e, 'knot')
      let mods: string[] = []
      try {
        mods = fs.readdirSync(knot)
      } catch {
        continue
      }
      if (mods.some((m) => m.startsWith('modules-') && fs.existsSync(path.join(knot, m, 'geoip.so')))) return true
    }
  }
  return false
}

/** Tools the harness and the standard world use, by Debian package. */
const TOOLS: [binary: string, pkg: string][] = [
  ['unshare', 'util-linux'],
  ['mount', 'mount'],
  ['ip', 'iproute2'],
  ['knotd', 'knot'],
  ['nsd', 'nsd'],
  ['named', 'bind9'],
  ['unbound', 'unbound'],
  ['dig', 'bind9-dnsutils'],
  ['kdig', 'knot-dnsutils'],
  ['drill', 'ldnsutils'],
]

let availability: {ok: boolean; missing: string[]} | undefined

/**
 * Whether real-DNS tests can run here: namespaces work and every daemon and peer tool exists.
 * Under CI (process.env.CI set) a missing piece throws, so the suite fails instead of skipping.
 */
export function realDnsAvailable(): {ok: boolean; missing: string[]} {
  if (!availability) {
    const missing: string[] = []
    for (const [bin, pkg] of TOOLS) if (!which(bin)) missing.push(`${bin} (${pkg})`)
    if (!knotModuleGeoip()) missing.push('knot mod-geoip (knot-module-geoip)')
    const unshare = which('unshare')
    const ip = which('ip')
    if (unshare && ip) {
      const r = spawnSync(
        unshare,
        ['-rnmpf', '--mount-proc', '--kill-child', ip, '-batch', '-'],
        {input: 'link set lo up\naddr add 192.0.2.1/32 dev lo\naddr add 2001:db8::1/128 dev lo nodad\n', encoding: 'utf8', timeout: 5000},
      )
      if (r.status !== 0) {
        missing.push(`unprivileged namespaces (unshare -rnmpf + ip addr failed: ${(r.stderr || r.error?.message || '').trim()})`)
      }
    }
    availability = {ok: missing.length === 0, missing}
  }
  if (!availability.ok && process.env.CI) {
    throw new Error(`real-DNS integration tests cannot run in CI: missing ${availability.missing.join(', ')}`)
  }
  return availability
}

// ---- validation -------------------------------------------------------------

const ALLOWED_RANGES = ['127.0.0.0/8', '192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32'].map((r) =>
  ipaddr.parseCIDR(r),
)

function checkAddress(a: string, what: string): void {
  if (!ipaddr.isValid(a)) throw new Error(`${what}: not an IP address: ${a}`)
  const addr = ipaddr.parse(a)
  const ok = ALLOWED_RANGES.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net, bits))
  if (!ok) throw new Error(`${what}: ${a} is outside 127/8 and the documentation ranges`)
  if (a !== addr.toString()) throw new Error(`${what}: write ${a} in canonical form (${addr.toString()})`)
}

function validate(spec: WorldSpec): void {
  const ids = new Set<string>()
  const endpoints = new Map<string, string>()
  const claim = (address: string, port: number, owner: string) => {
    const key = `${address}#${port}`
    const prev = endpoints.get(key)
    if (prev) throw new Error(`${owner} and ${prev} both listen on ${key}`)
    endpoints.set(key, owner)
  }
  for (const s of spec.servers) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(s.id) || s.id === 'resolver' || s.id === 'agent') {
      throw new Error(`bad server id ${JSON.stringify(s.id)}`)
    }
    if (ids.has(s.id)) throw new Error(`duplicate server id ${s.id}`)
    ids.add(s.id)
    if (s.addresses.length === 0) throw new Error(`server ${s.id} has no address`)
    if (s.knotGeoip?.length && s.software !== 'knot') throw new Error(`server ${s.id}: knotGeoip needs software knot`)
    for (const a of s.addresses) {
      checkAddress(a, `server ${s.id}`)
      claim(a, s.port ?? 53, s.id)
    }
  }
  if (spec.resolver) {
    checkAddress(spec.resolver.address, 'resolver')
    claim(spec.resolver.address, 53, 'resolver')
    for (const h of spec.resolver.rootHints) checkAddress(h.address, 'root hint')
  }
  for (const d of spec.deadAddresses ?? []) {
    checkAddress(d, 'dead address')
    if ([...endpoints.keys()].some((k) => k.startsWith(`${d}#`))) throw new Error(`dead address ${d} is also a server address`)
  }
  for (const b of spec.blackholes ?? []) {
    checkAddress(b, 'blackhole')
    if ([...endpoints.keys()].some((k) => k.startsWith(`${b}#`))) throw new Error(`blackhole ${b} is also a server address`)
  }
}

// ---- start ------------------------------------------------------------------

interface AgentLine {
  type: 'ready' | 'error' | 'exec'
  id?: number
  ms?: number
  message?: string
  [k: string]: unknown
}

const live = new Set<ChildProcess>()
process.once('exit', () => {
  // Last resort if a test forgot stop(): --kill-child takes the namespace down with unshare.
  for (const c of live) c.kill('SIGKILL')
})

function tail(text: string, lines = 40): string {
  const all = text.trimEnd().split('\n')
  return all.slice(-lines).join('\n')
}

export async function startRealWorld(spec: WorldSpec): Promise<RealWorld> {
  validate(spec)
  const bins: Binaries = {
    knotd: which('knotd') ?? 'knotd',
    nsd: which('nsd') ?? 'nsd',
    named: which('named') ?? 'named',
    unbound: which('unbound') ?? 'unbound',
  }
  const started = Date.now()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnsx-realdns-'))
  const keep = process.env.KEEP_NS === '1'
  const cleanup = () => {
    if (keep) process.stderr.write(`[realdns] KEEP_NS=1: world kept in ${dir}\n`)
    else fs.rmSync(dir, {recursive: true, force: true})
  }

  const logPaths = new Map<string, string>()
  let child: ChildProcess | undefined
  try {
    const generated: Generated[] = []
    for (const s of spec.servers) {
      const sdir = path.join(dir, s.id)
      if (s.software === 'knot') generated.push(knotConfig(sdir, s, bins))
      else if (s.software === 'nsd') generated.push(nsdConfig(sdir, s, bins))
      else generated.push(bindConfig(sdir, s, bins))
    }
    if (spec.resolver) {
      const rdir = path.join(dir, 'resolver')
      generated.push(
        spec.resolver.software === 'unbound' ? unboundConfig(rdir, spec.resolver, bins) : bindResolverConfig(rdir, spec.resolver, bins),
      )
    }
    for (const g of generated) {
      for (const f of g.files) {
        fs.mkdirSync(path.dirname(f.path), {recursive: true})
        fs.writeFileSync(f.path, f.text)
      }
      for (const sub of ['run', 'db', 'zones']) fs.mkdirSync(path.join(g.daemon.cwd, sub), {recursive: true})
      logPaths.set(g.daemon.id, g.daemon.log)
    }
    const etc = path.join(dir, 'etc')
    fs.mkdirSync(etc)
    fs.writeFileSync(
      path.join(etc, 'resolv.conf'),
      `nameserver ${spec.resolver?.address ?? '127.0.0.1'}\noptions timeout:2 attempts:2\n`,
    )
    fs.writeFileSync(path.join(etc, 'hosts'), '127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n')
    // No nss-resolve/mdns/... : they would reach daemons outside over unix sockets.
    fs.writeFileSync(path.join(etc, 'nsswitch.conf'), 'passwd: files\ngroup: files\nhosts: files dns\nnetworks: files\n')

    const addresses = [...new Set(spec.servers.flatMap((s) => s.addresses))]
    if (spec.resolver) addresses.push(spec.resolver.address)
    addresses.push(...(spec.deadAddresses ?? []))
    const startupTimeoutMs = spec.startupTimeoutMs ?? 10_000
    const plan = {
      ip: which('ip') ?? 'ip',
      mount: which('mount') ?? 'mount',
      // 127/8 is routed to lo already, but BIND only listens on addresses an interface
      // lists, so every address but 127.0.0.1 / ::1 is added explicitly.
      addresses: [...new Set(addresses)].filter((a) => a !== '127.0.0.1' && a !== '::1'),
      blackholes: spec.blackholes ?? [],
      mounts: ['resolv.conf', 'hosts', 'nsswitch.conf'].map((f) => ({source: path.join(etc, f), target: `/etc/${f}`})),
      daemons: generated.map((g): DaemonPlan => g.daemon),
      startupTimeoutMs,
    }
    const planPath = path.join(dir, 'plan.json')
    fs.writeFileSync(planPath, JSON.stringify(plan, null, 2))
    logPaths.set('agent', path.join(dir, 'agent.log'))

    const agentLog = fs.openSync(path.join(dir, 'agent.log'), 'a')
    child = spawn(
      which('unshare') ?? 'unshare',
      ['-rnmpf', '--mount-proc', '--kill-child', process.execPath, AGENT, planPath],
      {stdio: ['pipe', 'pipe', agentLog]},
    )
    fs.closeSync(agentLog)
    live.add(child)
    const proc = child
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
    proc.once('exit', () => live.delete(proc))
    proc.stdin!.on('error', () => {})

    const pending = new Map<number, (r: ExecResult) => void>()
    let nextId = 1
    let stopped = false
    let dead = false
    const lines = readline.createInterface({input: proc.stdout!})

    const readLogs = () =>
      [...logPaths]
        .map(([id, p]) => {
          let text = ''
          try {
            text = fs.readFileSync(p, 'utf8')
          } catch {}
          return `--- ${id} (${p}) ---\n${tail(text)}`
        })
        .join('\n')

    await new Promise<AgentLine>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`real DNS world did not start within ${startupTimeoutMs + 5000} ms`))
      }, startupTimeoutMs + 5000)
      const onLine = (line: string) => {
        let msg: AgentLine
        try {
          msg = JSON.parse(line) as AgentLine
        } catch {
          return
        }
        if (msg.type === 'ready' || msg.type === 'error') {
          clearTimeout(timer)
          lines.off('line', onLine)
          if (msg.type === 'ready') resolve(msg)
          else reject(new Error(String(msg.message)))
        }
      }
      lines.on('line', onLine)
      proc.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(new Error(`namespace agent exited (${signal ?? code}) during startup`))
      })
    }).catch(async (e: Error) => {
      proc.kill('SIGKILL')
      await exited
      throw new Error(`${e.message}\n${readLogs()}`)
    })

    const startupMs = Date.now() - started

    lines.on('line', (line) => {
      let msg: AgentLine
      try {
        msg = JSON.parse(line) as AgentLine
      } catch {
        return
      }
      if (msg.type === 'exec' && typeof msg.id === 'number') {
        const cb = pending.get(msg.id)
        pending.delete(msg.id)
        cb?.({
          code: (msg.code as number | null) ?? null,
          signal: (msg.signal as string | null) ?? null,
          stdout: String(msg.stdout ?? ''),
          stderr: String(msg.stderr ?? ''),
          ms: Number(msg.ms ?? 0),
          timedOut: Boolean(msg.timedOut),
          ...(msg.error ? {error: String(msg.error)} : {}),
        })
      }
    })
    proc.once('exit', (code, signal) => {
      dead = true
      for (const [, cb] of pending) {
        cb({code: null, signal: null, stdout: '', stderr: '', ms: 0, timedOut: false, error: `namespace agent exited (${signal ?? code})`})
      }
      pending.clear()
    })

    const world: RealWorld = {
      spec,
      dir,
      startupMs,
      exec(argv, opts = {}) {
        if (argv.length === 0) return Promise.reject(new Error('exec: empty argv'))
        if (stopped || dead) return Promise.reject(new Error('exec: the world is stopped'))
        const id = nextId++
        const timeoutMs = opts.timeoutMs ?? 15_000
        return new Promise<ExecResult>((resolve) => {
          pending.set(id, resolve)
          proc.stdin!.write(
            JSON.stringify({op: 'exec', id, argv, env: opts.env, cwd: opts.cwd ?? process.cwd(), timeoutMs, input: opts.input}) + '\n',
          )
        })
      },
      logs(serverId) {
        const p = logPaths.get(serverId)
        if (!p) throw new Error(`no such server ${serverId} (have ${[...logPaths.keys()].join(', ')})`)
        try {
          return fs.readFileSync(p, 'utf8')
        } catch {
          return ''
        }
      },
      async stop() {
        if (stopped) return
        stopped = true
        if (!dead) {
          proc.stdin!.end(JSON.stringify({op: 'stop'}) + '\n')
          const t = setTimeout(() => proc.kill('SIGKILL'), 3000)
          await exited
          clearTimeout(t)
        }
        lines.close()
        cleanup()
      },
    }
    return world
  } catch (e) {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    cleanup()
    throw e
  }
}
