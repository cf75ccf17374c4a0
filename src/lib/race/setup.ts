/**
 * From what a user asked for (`dnsx race` flags, or a check file's race test) to a race that can
 * run: the target and its families, `--resolve` pinning (as curl does), the resolver, the CA
 * certificates, the TLS and HTTP settings, and the connectors for real sockets or the lab.
 * Everything here is checked before a packet is sent; bad input is a UsageError (exit 2).
 */
import {FILE_LIMITS, readTextFile} from '../files.js'
import {isIP} from 'node:net'
import type {RunContext} from '../context.js'
import {parseServerSpec} from '../dns/endpoint.js'
import type {Endpoint} from '../dns/transport.js'
import {UsageError} from '../errors.js'
import {expectation, type ExpectationResult} from '../expect.js'
import {formatMs} from '../clock.js'
import {type Connector, labConnector, labSourceFor, LAB_SOURCES, osSourceFor, tcpConnector, tlsConnector, tlsHint} from './connect.js'
import {resolverSource} from './dns.js'
import {parseHeaders, requestOverSocket} from './http.js'
import type {RaceJson} from './report.js'
import type {Family} from './rfc6724.js'
import type {RaceDeps, RaceOptions} from './run.js'
import {httpsQname, osGetaddrinfo, parseResolve, parseTarget, pinnedAddresses, type RaceTarget} from './target.js'

/** A race as asked for: the `dnsx race` flags, without their spelling. */
export interface RaceRequest extends Pick<RaceOptions, 'policy' | 'attemptDelayMs' | 'resolutionDelayMs' | 'firstAddressFamilyCount' | 'timeoutMs' | 'probeTimeoutMs'> {
  target: string
  port?: number
  /** -4 / -6. */
  family?: 4 | 6
  tls: boolean
  /** `HOST:PORT:ADDR[,ADDR...]` entries (curl's --resolve). */
  resolve: readonly string[]
  /** `ADDR[:PORT]` of the recursive resolver; default the context's. */
  resolver?: string
  insecure: boolean
  cacert?: string
  servername?: string
  /** Comma-separated ALPN protocols ("" for none). */
  alpn: string
  method: string
  headers: readonly string[]
  getaddrinfo: boolean
  /** Sent as User-Agent with a URL's request. */
  userAgent: string
}

/** What can be decided before the context exists (pure, but for reading the --cacert file). */
export interface RacePlan {
  target: RaceTarget
  families: Family[]
  /** Addresses from --resolve or an IP literal target; null when DNS decides. */
  pinned: string[] | null
  warnings: string[]
  alpn: string[]
  ca: string[]
}

export function planRace(req: RaceRequest): RacePlan {
  const target = parseTarget(req.target, {port: req.port, tls: req.tls})
  let families: Family[] = req.family ? [req.family] : [6, 4]
  if (target.literal !== null) {
    if (!families.includes(target.literal)) {
      throw new UsageError(`${target.host} is an IPv${target.literal} address, but -${families[0]} was given`, 'bad-target')
    }
    families = [target.literal]
  }
  const warnings: string[] = []
  const entries = req.resolve.map(parseResolve)
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
    if (req.insecure) warnings.push('--insecure has no effect without TLS (use --tls or an https URL)')
    if (req.cacert !== undefined) warnings.push('--cacert has no effect without TLS (use --tls or an https URL)')
    if (req.servername !== undefined) warnings.push('--servername has no effect without TLS (use --tls or an https URL)')
  }
  if (!target.url && (req.headers.length > 0 || req.method !== 'GET')) warnings.push('--method and --header need a URL; no request is sent')
  try {
    parseHeaders([...req.headers])
  } catch (err) {
    throw new UsageError(`--header: ${(err as Error).message}`, 'bad-header')
  }
  const ca: string[] = []
  if (req.cacert) {
    const pem = readTextFile({path: req.cacert, what: '--cacert', maxBytes: FILE_LIMITS.cacert, code: 'bad-cacert'})
    if (!pem.includes('-----BEGIN CERTIFICATE-----')) throw new UsageError(`--cacert ${req.cacert}: no PEM certificate in it`, 'bad-cacert')
    ca.push(pem)
  }
  const alpn = req.alpn.split(',').map((s) => s.trim()).filter(Boolean)
  return {target, families, pinned, warnings, alpn, ca}
}

/** The recursive resolver to ask: --resolver (an IP address), else the context's default; null when pinned. */
export function raceResolver(ctx: RunContext, plan: RacePlan, resolver: string | undefined): Endpoint | null {
  if (plan.pinned) return null
  if (resolver) {
    const spec = parseServerSpec(resolver)
    if (!isIP(spec.host)) throw new UsageError(`--resolver needs an IP address, not "${spec.host}"`, 'bad-server')
    return {address: spec.host, port: spec.port ?? 53}
  }
  try {
    return ctx.defaultResolver()
  } catch {
    throw new UsageError('no nameserver in /etc/resolv.conf; give one with --resolver ADDR, or pin addresses with --resolve', 'no-resolver')
  }
}

/** runRace's options and adapters for a planned race in a context (real sockets or the lab). */
export async function prepareRace(ctx: RunContext, req: RaceRequest, plan: RacePlan): Promise<{options: RaceOptions, deps: RaceDeps}> {
  const {target, families, pinned, alpn} = plan
  const resolver = raceResolver(ctx, plan, req.resolver)
  const lab = ctx.lab
  const ca = [...plan.ca]
  if (lab && target.tls) {
    // The lab's HTTPS listeners use its shipped self-signed certificate: trust it in the lab.
    const {labTlsCredentials} = await import('../lab/web.js')
    ca.push(labTlsCredentials().cert)
  }
  const tcp: Connector = lab ? labConnector(lab, {sourceFor: labSourceFor}) : tcpConnector()
  const connector = target.tls ? await tlsConnector(tcp, {servername: req.servername ?? target.host, alpn, insecure: req.insecure, ca}) : tcp
  const url = target.url
  const restricted = families.length === 1 ? families[0] : undefined
  return {
    options: {
      host: target.host,
      port: target.port,
      url: url?.href ?? null,
      lab: lab !== null,
      families,
      pinned,
      httpsQname: target.tls && !pinned ? httpsQname(target.host, target.port) : null,
      policy: req.policy,
      attemptDelayMs: req.attemptDelayMs,
      resolutionDelayMs: req.resolutionDelayMs,
      firstAddressFamilyCount: req.firstAddressFamilyCount,
      timeoutMs: req.timeoutMs,
      probeTimeoutMs: req.probeTimeoutMs,
      tls: target.tls,
      alpn: target.tls ? alpn : [],
    },
    deps: {
      dns: resolver ? resolverSource(ctx.client, resolver, req.timeoutMs) : null,
      connector,
      probeConnector: tcp,
      sourceFor: lab ? labSourceFor : osSourceFor,
      sources: lab
        ? {origin: 'lab', note: `sources synthesized for the lab: ${LAB_SOURCES[4]} and ${LAB_SOURCES[6]}`}
        : {origin: 'os', note: 'sources from the OS routing table'},
      getaddrinfo: !lab && target.literal === null && !pinned && req.getaddrinfo ? () => osGetaddrinfo(target.host, restricted) : null,
      afterWin: url
        ? (socket) => requestOverSocket(url, socket, {method: req.method, headers: [...req.headers], timeoutMs: req.timeoutMs, userAgent: req.userAgent})
        : null,
    },
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
    if (j.result === 'timeout') return `no connection to ${where} within ${formatMs(j.options.timeoutMs)}${hint ? `; ${hint}` : ''}`
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
    const got = j.winner ? `${formatMs(j.winner.atMs)} (the attempt itself took ${formatMs(j.winner.connectMs)})` : 'no connection'
    out.push(expectation(`max-connect=${want.maxConnectMs}`, j.winner !== null && j.winner.atMs <= want.maxConnectMs, `connected within ${want.maxConnectMs} ms of the start`, got))
  }
  return out
}
