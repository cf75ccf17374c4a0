// Subpath imports: loading the whole of @oclif/core costs start-up time.
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {DnsxCommand} from '../lib/cli/base.js'
import {createContext} from '../lib/context.js'
import {validatePort} from '../lib/dns/endpoint.js'
import {authorityFlags} from '../lib/cli/flags.js'
import {formatMs, systemClock} from '../lib/clock.js'
import {count as countOf} from '../lib/words.js'
import {UsageError} from '../lib/errors.js'
import {parseFrom, type FromPoint} from '../lib/anycast/physics.js'
import type {ProbeEvent} from '../lib/anycast/model.js'
import {probeTargets} from '../lib/anycast/probe.js'
import {anycastExpectations, buildReport, nothingAnswered, parseExpectedSite, watchEventJson, type AnycastReport} from '../lib/anycast/report.js'
import {contextResolver, resolveTargets} from '../lib/anycast/targets.js'
import {parseDuration} from '../lib/time.js'


export default class AnycastProbe extends DnsxCommand {
  static override summary = 'Find which anycast site answers, whether it changes, and whether that is physically possible.'
  static override description = `Each target address gets --count probes, --interval ms apart: an ordinary query (RD=0) carrying the EDNS
NSID option, plus CHAOS TXT hostname.bind, id.server, version.bind and version.server (--no-chaos to skip;
asked at most every 500 ms per address, because BIND answers CHAOS at most 3 times a second and drops the rest).
Every probe uses a new UDP source port, so load balancing that hashes on ports shows up as flips. Targets
are probed concurrently. Identities are decoded with a catalogue of operator formats (root letters,
Cloudflare, Google, Quad9, OpenDNS ...) into a site and a place; unknown formats say "unknown". The
smallest RTT bounds how far the answering server can be (about 98.6 km per ms): with --from the claimed
site is judged consistent or impossible; without it, the claims of all targets are intersected to say
where this client must be, or that they contradict each other. Hints of interception (a home router
answering for 1.1.1.1, NSID and CHAOS disagreeing) are printed as warnings.`

  static override examples = [
    '<%= config.bin %> anycast-probe 1.1.1.1 8.8.8.8 9.9.9.9',
    '<%= config.bin %> anycast-probe --roots --from AMS',
    '<%= config.bin %> anycast-probe --zone example.test --count 10 --verbose --lab',
    '<%= config.bin %> anycast-probe k.root-servers.net --from 52.37,4.90 --expect-site AMS --expect-plausible',
    '<%= config.bin %> anycast-probe 1.1.1.1 --watch --watch-duration 10m',
  ]

  static override strict = false

  static override args = {
    target: Args.string({ignoreStdin: true, description: 'IP address (ADDR, ADDR#PORT, [ADDR]:PORT) or server name; several may be given.'}),
  }

  static override flags = {
    ...authorityFlags,
    count: Flags.integer({char: 'c', description: 'Probes per address.', default: 5, min: 1, max: 100_000}),
    interval: Flags.integer({char: 'i', description: 'Time between probes of one address, in ms.', default: 200, min: 0, max: 3_600_000}),
    chaos: Flags.boolean({description: 'Also ask CHAOS TXT hostname.bind, id.server, version.bind, version.server (--no-chaos to skip).', allowNo: true, default: true}),
    tcp: Flags.boolean({description: 'Probe over TCP instead of UDP (RTTs then include the TCP handshake).'}),
    from: Flags.string({description: 'Where this client is: an IATA airport or city code (AMS, LON) or LAT,LON.', helpValue: 'IATA|LAT,LON'}),
    zone: Flags.string({description: 'Probe every NS address of ZONE, found the way dnsx trace finds them.'}),
    roots: Flags.boolean({description: 'Probe the 13 root letters from the root hints (--root-hints, or the lab\'s).'}),
    qname: Flags.string({description: 'Name of the ordinary probe query (SOA; default the root, or --zone\'s apex).'}),
    verbose: Flags.boolean({char: 'v', description: 'Show raw identities, their decoding, and every probe.'}),
    watch: Flags.boolean({description: 'Keep probing; print a line whenever a target\'s site changes (Ctrl-C or --watch-duration stops).'}),
    'watch-duration': Flags.string({description: 'How long --watch runs (e.g. 30s, 10m, 1h; a plain number is seconds).', default: '10m'}),
    deadline: Flags.integer({description: 'Overall bound on the run in ms (default: enough for every probe to time out).', min: 1}),
    'lab-site': Flags.string({description: 'Under --lab: the site the lab routes this client to.', dependsOn: ['lab'], helpGroup: 'GLOBAL'}),
    'expect-site': Flags.string({description: 'Every address must answer from CODE (IATA, metro or UN/LOCODE; within 100 km counts); repeat to allow several.', multiple: true, helpGroup: 'EXPECTATIONS'}),
    'expect-max-rtt': Flags.string({description: 'The median RTT of every address must be at most MS.', helpValue: 'MS', helpGroup: 'EXPECTATIONS'}),
    'expect-plausible': Flags.boolean({description: 'No site claim may be farther than light allows (and, without --from, the claims must agree).', helpGroup: 'EXPECTATIONS'}),
    'expect-no-interception': Flags.boolean({description: 'No interception hint may be raised.', helpGroup: 'EXPECTATIONS'}),
  }

  async run(): Promise<AnycastReport | undefined> {
    const {argv, flags} = await this.parse(AnycastProbe)
    const inputs = (argv as string[]).filter((a) => a !== '')
    const port = validatePort(flags.port)!
    let from: FromPoint | null = null
    if (flags.from !== undefined) {
      try {
        from = parseFrom(flags.from)
      } catch (err) {
        throw new UsageError((err as Error).message, 'bad-from')
      }
    }
    let maxRtt: number | undefined
    if (flags['expect-max-rtt'] !== undefined) {
      maxRtt = Number(flags['expect-max-rtt'])
      if (!Number.isFinite(maxRtt) || maxRtt <= 0) throw new UsageError(`--expect-max-rtt: expected a number of ms above 0, got "${flags['expect-max-rtt']}"`, 'bad-expectation')
    }
    for (const s of flags['expect-site'] ?? []) if (parseExpectedSite(s).code === '') throw new UsageError('--expect-site: empty code', 'bad-expectation')
    const watch = flags.watch
    const watchMs = watch ? parseDuration(flags['watch-duration'], '--watch-duration') : 0
    const json = this.jsonEnabled()
    const family = flags.ipv4 ? 4 : flags.ipv6 ? 6 : undefined
    const count = watch ? Infinity : flags.count
    const timeoutMs = flags.timeout
    const deadlineMs = flags.deadline ?? (watch ? watchMs : count * (flags.interval + 2 * timeoutMs) + 1000)

    let ctx: Awaited<ReturnType<typeof createContext>>
    try {
      ctx = await createContext({lab: flags.lab, labSite: flags['lab-site']})
    } catch (err) {
      if (err instanceof UsageError && err.code === 'bad-lab-site') throw new UsageError(`--lab-site: ${err.message}`, 'bad-lab-site')
      throw err
    }
    const stop = new AbortController()
    let interrupted = 0
    const onSigint = () => {
      interrupted++
      if (interrupted > 1) process.exit(130)
      stop.abort()
    }
    try {
      const resolver = contextResolver(ctx, {timeoutMs, rootHintsFile: flags['root-hints'], servers: flags.server, port, family})
      const {targets, notes} = await resolveTargets({inputs, zone: flags.zone, roots: flags.roots, family, port, qname: flags.qname}, resolver)

      const progress = !json && !watch && Boolean(process.stderr.isTTY)
      const totalProbes = targets.length * flags.count
      let done = 0
      let renderWatch: typeof import('../lib/render/anycast.js').renderWatchEvent | undefined
      const onEvent = (e: ProbeEvent) => {
        if (e.type === 'sample' && progress) {
          done++
          process.stderr.write(`\r\u001b[Kprobing ${targets.length} address${targets.length === 1 ? '' : 'es'}: ${done}/${totalProbes} probes`)
        }
        if (!watch) return
        if (json) {
          const line = watchEventJson(e, new Date())
          if (line) process.stdout.write(JSON.stringify(line) + '\n')
        } else if (renderWatch) {
          const line = renderWatch(e, new Date(), {verbose: flags.verbose})
          if (line !== null) process.stdout.write(line + '\n')
        }
      }
      if (watch) {
        if (!json) {
          renderWatch = (await import('../lib/render/anycast.js')).renderWatchEvent
          this.out(`;; watching ${countOf(targets.length, 'address')} every ${formatMs(flags.interval)} for ${formatMs(watchMs)} (Ctrl-C to stop and summarise)`)
        }
        process.on('SIGINT', onSigint)
      }

      const book = ctx.lab ? (await import('../lib/anycast/lab.js')).labIdentityBook(ctx.lab.describe()) : null
      const run = await probeTargets(targets, {
        book,
        client: ctx.client,
        clock: systemClock,
        count,
        intervalMs: flags.interval,
        timeoutMs,
        chaos: flags.chaos,
        tcp: flags.tcp,
        deadlineMs,
        signal: stop.signal,
        from,
        onEvent,
      })
      if (progress) process.stderr.write('\r\u001b[K')
      if (run.stopped === 'deadline' && watch) run.stopped = 'complete'

      const report = buildReport(run, {count, intervalMs: flags.interval, timeoutMs, tcp: flags.tcp, chaos: flags.chaos, deadlineMs, watch, from, notes})
      const results = anycastExpectations(report, {sites: flags['expect-site'], maxRttMs: maxRtt, plausible: flags['expect-plausible'], noInterception: flags['expect-no-interception']})
      if (results.length) report.expectations = results
      const silent = nothingAnswered(report)
      if (silent) process.exitCode = 3

      if (json) {
        if (watch) process.stdout.write(JSON.stringify({event: 'summary', ...report}) + '\n')
      } else {
        const {renderAnycast} = await import('../lib/render/anycast.js')
        this.out(await renderAnycast(report, {verbose: flags.verbose}))
      }
      if (silent) {
        const why = [...new Set(report.targets.map((t) => t.error?.message).filter(Boolean))].slice(0, 3).join('; ')
        this.note(`error: no target answered${why ? ` (${why})` : ''}`)
      }
      this.reportExpectations(results)
      return watch && json ? undefined : report
    } finally {
      process.removeListener('SIGINT', onSigint)
      await ctx.close()
    }
  }
}
