// Subpath imports: loading the whole of @oclif/core costs start-up time.
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {DnsxCommand} from '../lib/cli/base.js'
import {createContext} from '../lib/context.js'
import {validatePort} from '../lib/dns/endpoint.js'
import type {RaceJson} from '../lib/race/report.js'
import type {PolicyName} from '../lib/race/rfc6724.js'
import {runRace} from '../lib/race/run.js'
import {failureOf, planRace, prepareRace, raceExpectations, type RaceRequest} from '../lib/race/setup.js'
import {DEFAULT_HOST_PORT} from '../lib/race/target.js'
import {renderRace} from '../lib/render/race.js'

export default class Race extends DnsxCommand {
  static override summary = 'Race connections the Happy Eyeballs way (RFC 8305) after RFC 6724 ordering, and show why it went as it did.'
  static override description = `Resolves AAAA and A at once (and HTTPS for https URLs and --tls), orders the addresses by RFC 6724 with
the reason for every position (and compares with the OS's getaddrinfo order), then races TCP connections:
a new attempt every --attempt-delay, earlier ones kept running, the first to connect wins and the rest are
cancelled. With --tls or an https URL an attempt wins only when its TLS handshake completes; with a URL
the request is sent over the winning connection (undici) and the status and time to first byte reported.
The timeline shows every attempt; the verdict names the family that is broken and how Happy Eyeballs hid it.
Attempts cancelled without an answer get one follow-up connection after the race (--probe-timeout, 1 s) to
tell black-holed from slow, beside the winner's request; dnsx exits as soon as both are done.

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
    'probe-timeout': Flags.integer({description: 'After the race, reconnect once to each address whose attempt was cancelled unanswered, waiting up to this long (ms), to tell black-holed from slow; 0 disables. They run beside the TLS and HTTP work of the winner.', default: 1000, min: 0, max: 60_000, helpGroup: 'RACE'}),
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
    const req: RaceRequest = {
      target: args.target,
      port: validatePort(flags.port),
      family: flags.ipv4 ? 4 : flags.ipv6 ? 6 : undefined,
      tls: flags.tls,
      resolve: flags.resolve ?? [],
      resolver: flags.resolver,
      insecure: flags.insecure,
      cacert: flags.cacert,
      servername: flags.servername,
      alpn: flags.alpn,
      method: flags.method,
      headers: flags.header ?? [],
      getaddrinfo: flags.getaddrinfo,
      policy: flags.policy as PolicyName,
      attemptDelayMs: flags['attempt-delay'],
      resolutionDelayMs: flags['resolution-delay'],
      firstAddressFamilyCount: flags['first-family-count'],
      timeoutMs: flags.timeout,
      probeTimeoutMs: flags['probe-timeout'],
      userAgent: `dnsx/${this.config.version}`,
    }
    const plan = planRace(req)
    const ctx = await createContext({lab: flags.lab})
    try {
      const {options, deps} = await prepareRace(ctx, req, plan)
      const j = (await runRace(options, deps)).json
      j.warnings = [...plan.warnings, ...j.warnings]
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
