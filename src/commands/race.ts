import {readFileSync} from 'node:fs'
import {isIP} from 'node:net'
// Subpath imports: loading the whole of @oclif/core costs start-up time.
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {DnsxCommand} from '../lib/cli/base.js'
import {createContext} from '../lib/context.js'
import {parseServerSpec, validatePort} from '../lib/dns/endpoint.js'
import {UsageError} from '../lib/errors.js'
import {expectation, type ExpectationResult} from '../lib/expect.js'
import {
  type Connector,
  labConnector,
  labSourceFor,
  LAB_SOURCES,
  osSourceFor,
  tcpConnector,
  tlsConnector,
  tlsHint,
} from '../lib/race/connect.js'
import {resolverSource} from '../lib/race/dns.js'
import {parseHeaders, requestOverSocket} from '../lib/race/http.js'
import type {RaceJson} from '../lib/race/report.js'
import type {Family, PolicyName} from '../lib/race/rfc6724.js'
import {runRace} from '../lib/race/run.js'
import {DEFAULT_HOST_PORT, httpsQname, osGetaddrinfo, parseResolve, parseTarget, pinnedAddresses} from '../lib/race/target.js'
import {fmtMs, renderRace} from '../lib/render/race.js'

export default class Race extends DnsxCommand {
  static override summary = 'Race connections the Happy Eyeballs way (RFC 8305) after RFC 6724 ordering, and show why it went as it did.'
  static override description = `Resolves AAAA and A at once (and HTTPS for https URLs and --tls), orders the addresses by RFC 6724 with
the reason for every position (and compares with the OS's getaddrinfo order), then races TCP connections:
a new attempt every --attempt-delay, earlier ones kept running, the first to connect wins and the rest are
cancelled. With --tls or an https URL an attempt wins only when its TLS handshake completes; with a URL
the request is sent over the winning connection (undici) and the status and time to first byte reported.
The timeline shows every attempt; the verdict names the family that is broken and how Happy Eyeballs hid it.
Attempts cancelled without an answer get one follow-up connection after the race (--probe-timeout) to tell
black-holed from slow.

Port: the URL's (80 for http, 443 for https); for a bare HOST, --port, else ${DEFAULT_HOST_PORT}.
--timeout bounds the whole race (DNS, attempts and TLS); the HTTP request gets as long again.
Exit 3 when no attempt connected (or the request failed), 1 when an --expect-* is unmet.`

  static override examples = [
    '<%= config.bin %> race dual.race.test --port 80 --lab',
    '<%= config.bin %> race http://v6-blackhole.race.test/ --lab',
    '<%= config.bin %> race https://v6-slow.race.test/ --lab --json',
    '<%= config.bin %> race multi.race.test --port 80 --lab --policy glibc --first-family-count 2',
    '<%= config.bin %> race https://example.com/ --expect-family ipv6 --expect-max-connect 300',
    '<%= config.bin %> race https://example.com/ --resolve example.com:443:2001:db8::1,192.0.2.1 --insecure',
  ]

  static override args = {
    target: Args.string({ignoreStdin: true, description: 'HOST (a name or an IP address) or an http(s) URL.', required: true}),
  }

  static override flags = {
    timeout: Flags.integer({
      description: 'Bound on the whole race in ms: DNS, every attempt and the TLS handshake (the HTTP request gets as long again).',
      default: 2000,
      min: 1,
      max: 600_000,
      helpGroup: 'GLOBAL',
    }),
    port: Flags.integer({char: 'p', description: `Port for a bare HOST (default ${DEFAULT_HOST_PORT}); URLs carry their own.`}),
    resolver: Flags.string({description: 'Recursive resolver to ask, ADDR[:PORT] (default: the first in /etc/resolv.conf; the lab\'s under --lab).', helpGroup: 'RESOLUTION'}),
    resolve: Flags.string({description: 'HOST:PORT:ADDR[,ADDR...]: use these addresses and skip DNS, as curl --resolve (repeatable).', multiple: true, helpGroup: 'RESOLUTION'}),
    'resolution-delay': Flags.integer({description: 'RFC 8305 Resolution Delay: how long to wait for AAAA when A comes first (ms).', default: 50, min: 0, max: 10_000, helpGroup: 'RACE'}),
    'attempt-delay': Flags.integer({description: 'RFC 8305 Connection Attempt Delay (ms); below 100 is warned about, below 10 or above 2000 clamped.', default: 250, min: 0, max: 600_000, helpGroup: 'RACE'}),
    'first-family-count': Flags.integer({description: 'RFC 8305 First Address Family Count: addresses of the preferred family before alternating.', default: 1, min: 1, max: 64, helpGroup: 'RACE'}),
    policy: Flags.string({description: 'RFC 6724 policy table.', options: ['rfc6724', 'rfc6724-update', 'glibc'], default: 'rfc6724', helpGroup: 'RACE'}),
    'probe-timeout': Flags.integer({description: 'After the race, reconnect once to each address whose attempt was cancelled unanswered, waiting up to this long (ms), to tell black-holed from slow; 0 disables.', default: 2000, min: 0, max: 60_000, helpGroup: 'RACE'}),
    getaddrinfo: Flags.boolean({description: 'Also show the order the OS\'s getaddrinfo returns (not under --lab or --resolve).', default: true, allowNo: true, helpGroup: 'RACE'}),
    tls: Flags.boolean({description: 'An attempt wins only when its TLS handshake completes (implied by https URLs).', helpGroup: 'TLS'}),
    insecure: Flags.boolean({char: 'k', description: 'Accept any certificate (it is still reported as unverified).', helpGroup: 'TLS'}),
    cacert: Flags.string({description: 'Trust the CA certificate(s) in this PEM file too.', helpGroup: 'TLS'}),
    servername: Flags.string({description: 'TLS server name (SNI and verification); default the host.', helpGroup: 'TLS'}),
    alpn: Flags.string({description: 'ALPN protocols to offer, comma-separated ("" for none).', default: 'h2,http/1.1', helpGroup: 'TLS'}),
    method: Flags.string({char: 'X', description: 'HTTP method for a URL.', default: 'GET', helpGroup: 'HTTP'}),
    header: Flags.string({char: 'H', description: 'Extra request header "Name: value" (repeatable).', multiple: true, helpGroup: 'HTTP'}),
    'expect-family': Flags.string({description: 'The winner must be of this family.', options: ['ipv4', 'ipv6'], helpGroup: 'EXPECTATIONS'}),
    'expect-max-connect': Flags.integer({description: 'The winner must be connected (TLS included) within MS of the start, DNS included.', min: 0, helpGroup: 'EXPECTATIONS'}),
  }

  async run(): Promise<RaceJson> {
    const {args, flags} = await this.parse(Race)
    const target = parseTarget(args.target, {port: validatePort(flags.port), tls: flags.tls})
    let families: Family[] = flags.ipv4 ? [4] : flags.ipv6 ? [6] : [6, 4]
    if (target.literal !== null) {
      if (!families.includes(target.literal)) {
        throw new UsageError(`${target.host} is an IPv${target.literal} address, but -${families[0]} was given`, 'bad-target')
      }
      families = [target.literal]
    }
    const warnings: string[] = []
    const entries = (flags.resolve ?? []).map(parseResolve)
    let pinned: string[] | null = null
    if (target.literal !== null) {
      pinned = [target.host]
      if (entries.length > 0) warnings.push('--resolve ignored: the target is an IP address')
    } else if (entries.length > 0) {
      pinned = pinnedAddresses(entries, target.host, target.port)
      if (pinned === null) warnings.push(`no --resolve entry matches ${target.host}:${target.port}; resolving with DNS`)
      else if (!pinned.some((a) => families.includes(a.includes(':') ? 6 : 4))) {
        throw new UsageError(`--resolve gives no IPv${families[0]} address for ${target.host}:${target.port}`, 'bad-resolve')
      }
    }
    if (!target.tls) {
      for (const f of ['insecure', 'cacert', 'servername'] as const) {
        if (flags[f] !== undefined && flags[f] !== false) warnings.push(`--${f} has no effect without TLS (use --tls or an https URL)`)
      }
    }
    if (!target.url && (flags.header?.length || flags.method !== 'GET')) warnings.push('--method and --header need a URL; no request is sent')
    try {
      parseHeaders(flags.header ?? [])
    } catch (err) {
      throw new UsageError(`--header: ${(err as Error).message}`, 'bad-header')
    }
    const alpn = flags.alpn.split(',').map((s) => s.trim()).filter(Boolean)
    const ca: string[] = []
    if (flags.cacert) {
      try {
        ca.push(readFileSync(flags.cacert, 'utf8'))
      } catch (err) {
        throw new UsageError(`--cacert ${flags.cacert}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'bad-cacert')
      }
      if (!ca[0]!.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--cacert ${flags.cacert}: no PEM certificate in it`, 'bad-cacert')
    }

    const ctx = await createContext({lab: flags.lab})
    try {
      const lab = ctx.lab
      let resolver = null
      if (!pinned) {
        if (flags.resolver) {
          const spec = parseServerSpec(flags.resolver)
          if (!isIP(spec.host)) throw new UsageError(`--resolver needs an IP address, not "${spec.host}"`, 'bad-server')
          resolver = {address: spec.host, port: spec.port ?? 53}
        } else {
          try {
            resolver = ctx.defaultResolver()
          } catch {
            throw new UsageError('no nameserver in /etc/resolv.conf; give one with --resolver ADDR, or pin addresses with --resolve', 'no-resolver')
          }
        }
      }
      if (lab && target.tls) {
        // The lab's HTTPS listeners use its shipped self-signed certificate: trust it in the lab.
        const {labTlsCredentials} = await import('../lib/lab/web.js')
        ca.push(labTlsCredentials().cert)
      }
      const tcp: Connector = lab ? labConnector(lab, {sourceFor: labSourceFor}) : tcpConnector()
      const connector = target.tls
        ? await tlsConnector(tcp, {servername: flags.servername ?? target.host, alpn, insecure: flags.insecure, ca})
        : tcp
      const url = target.url
      const host = target.host
      const restricted = families.length === 1 ? families[0] : undefined
      const run = await runRace(
        {
          host,
          port: target.port,
          url: url?.href ?? null,
          lab: lab !== null,
          families,
          pinned,
          httpsQname: target.tls && !pinned ? httpsQname(host, target.port) : null,
          policy: flags.policy as PolicyName,
          attemptDelayMs: flags['attempt-delay'],
          resolutionDelayMs: flags['resolution-delay'],
          firstAddressFamilyCount: flags['first-family-count'],
          timeoutMs: flags.timeout,
          probeTimeoutMs: flags['probe-timeout'],
          tls: target.tls,
          alpn: target.tls ? alpn : [],
        },
        {
          dns: resolver ? resolverSource(ctx.client, resolver, flags.timeout) : null,
          connector,
          probeConnector: tcp,
          sourceFor: lab ? labSourceFor : osSourceFor,
          sources: lab
            ? {origin: 'lab', note: `sources synthesized for the lab: ${LAB_SOURCES[4]} and ${LAB_SOURCES[6]}`}
            : {origin: 'os', note: 'sources from the OS routing table'},
          getaddrinfo: !lab && target.literal === null && !pinned && flags.getaddrinfo ? () => osGetaddrinfo(host, restricted) : null,
          afterWin: url
            ? (socket) => requestOverSocket(url, socket, {method: flags.method, headers: flags.header, timeoutMs: flags.timeout, userAgent: `dnsx/${this.config.version}`})
            : null,
        },
      )
      const j = run.json
      j.warnings = [...warnings, ...j.warnings]
      const results = raceExpectations(j, {family: flags['expect-family'], maxConnectMs: flags['expect-max-connect']})
      if (results.length > 0) j.expectations = results
      if (!this.jsonEnabled()) this.out(renderRace(j))
      const failure = failureOf(j)
      if (failure) {
        this.note(`error: ${failure}`)
        process.exitCode = 3
      }
      this.reportExpectations(results)
      return j
    } finally {
      await ctx.close()
    }
  }
}

/** The one-line reason for exit 3, or null when the race (and the request) succeeded. */
export function failureOf(j: RaceJson): string | null {
  const where = `${j.target} port ${j.port}`
  if (!j.winner) {
    if (j.attempts.length === 0) {
      const why = (['AAAA', 'A'] as const)
        .filter((t) => j.dns[t].status !== 'not-asked')
        .map((t) => `${t}: ${j.dns[t].error ?? (j.dns[t].status === 'pending' ? 'no answer in time' : j.dns[t].status)}`)
      return `no address for ${j.target}${why.length > 0 ? ` (${why.join('; ')})` : ''}`
    }
    const tls = j.attempts.map((a) => a.error ?? '').find((e) => e.startsWith('tls: '))
    const hint = tls ? tlsHint(tls) : null
    if (j.result === 'timeout') return `no connection to ${where} within ${fmtMs(j.options.timeoutMs)}${hint ? `; ${hint}` : ''}`
    return `no connection to ${where}: every attempt failed${tls ? ` (${tls}${hint ? `: ${hint}` : ''})` : ''}`
  }
  if (j.http?.error) return `the request to ${j.http.url} failed: ${j.http.error}`
  return null
}

/** --expect-family and --expect-max-connect against a race. */
export function raceExpectations(j: RaceJson, want: {family?: string, maxConnectMs?: number}): ExpectationResult[] {
  const out: ExpectationResult[] = []
  if (want.family !== undefined) {
    const got = j.winner ? j.winner.family : 'no connection'
    out.push(expectation(`family=${want.family}`, j.winner?.family === want.family, want.family, got))
  }
  if (want.maxConnectMs !== undefined) {
    const got = j.winner ? `${fmtMs(j.winner.atMs)} (the attempt itself took ${fmtMs(j.winner.connectMs)})` : 'no connection'
    out.push(expectation(`max-connect=${want.maxConnectMs}`, j.winner !== null && j.winner.atMs <= want.maxConnectMs, `connected within ${want.maxConnectMs} ms of the start`, got))
  }
  return out
}
