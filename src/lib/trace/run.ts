/**
 * One trace as a command runs it: root hints (shipped, --root-hints, or the
 * lab's), address families, the engine driven over the context's client, the
 * optional recursive comparison, and the JSON shape.
 */
import type {RunContext} from '../context.js'
import {UsageError} from '../errors.js'
import {routedFamilies} from '../net/route.js'
import {DelegationCache, type TraceLimits, type TraceStep} from './engine.js'
import {driveGenerator, runTrace} from './driver.js'
import type {DsRecord} from '../dns/record.js'
import {FILE_LIMITS, readTextFile} from '../files.js'
import {loadRootHints, type RootHint} from './hints.js'
import {traceToJson, type TraceJson} from './json.js'
import net from 'node:net'

export interface TraceJobOptions {
  ctx: RunContext
  rootHintsFile?: string
  servers?: string[]
  port: number
  family?: 4 | 6
  timeoutMs: number
  all?: boolean
  dnssec?: boolean
  /** DNSSEC trust anchor file (DS or DNSKEY records, or root-anchors.xml). */
  trustAnchorFile?: string
  /** Validate as of this instant (Unix seconds; default now). */
  dnssecTime?: number
  /** Warn about signatures expiring within this many seconds (default 7 days). */
  warnExpiryS?: number
  qmin?: boolean
  limits?: Partial<TraceLimits>
  /** undefined: no comparison; '' : the default resolver; else an address. */
  compareRecursive?: string
  onStep?: (s: TraceStep) => void
  cache?: DelegationCache
  /** Only the steps that carry an SOA (what a negative answer's TTL needs): for --fields lines. */
  leanSteps?: boolean
}

/** Resolve hints and families once (bulk traces reuse them). */
export async function prepareTrace(job: TraceJobOptions): Promise<{hints: RootHint[], family: 4 | 6 | 'both', startServers?: string[]}> {
  const hints = job.ctx.lab && !job.rootHintsFile ? job.ctx.lab.rootHints : loadRootHints(job.rootHintsFile)
  for (const s of job.servers ?? []) if (!net.isIP(s)) throw new UsageError(`--server ${s} is not an IP address`, 'bad-server')
  let family: 4 | 6 | 'both' = job.family ?? 'both'
  if (!job.family && !job.ctx.lab) {
    const routes = await routedFamilies()
    family = routes.v4 && routes.v6 ? 'both' : routes.v6 ? 6 : 4
  }
  return {hints, family, startServers: job.servers?.length ? job.servers : undefined}
}

export async function runTraceJob(job: TraceJobOptions, name: string, type: string, prepared?: Awaited<ReturnType<typeof prepareTrace>>): Promise<TraceJson> {
  const p = prepared ?? (await prepareTrace(job))
  const cache = job.cache ?? new DelegationCache()
  const drive = {client: job.ctx.client, port: job.port, timeoutMs: job.timeoutMs, dnssec: job.dnssec}
  const result = await runTrace(
    {name, type, rootHints: p.hints, startServers: p.startServers, family: p.family, all: job.all, qmin: job.qmin, limits: job.limits, onStep: job.onStep, cache},
    drive,
  )
  const j = traceToJson(job.leanSteps ? {...result, steps: result.steps.filter((s) => s.soa)} : result)
  if (job.dnssec) {
    // The DNSSEC code (node:crypto, the validator) loads only when asked for.
    const [{dnssecPass}, anchors] = await Promise.all([import('./dnssec.js'), loadAnchors(job)])
    const d = await driveGenerator(dnssecPass({result, cache, anchors: anchors.records, anchorLabel: anchors.label, nowSeconds: job.dnssecTime ?? Math.floor(Date.now() / 1000), warnExpiryS: job.warnExpiryS, family: p.family}), {...drive, dnssec: true})
    j.dnssec = d
    // A bogus chain is a problem like any other (and fails --expect-no-problems).
    for (const z of d.zones.filter((x) => x.status === 'bogus')) j.problems.push({code: 'dnssec-bogus', zone: z.zone, server: z.server?.address ?? null, message: `DNSSEC: ${z.zone} is bogus: ${z.reason}`})
    for (const a of d.answers.filter((x) => x.status === 'bogus')) j.problems.push({code: 'dnssec-bogus', zone: a.zone, server: null, message: `DNSSEC: ${a.qname} ${a.qtype} is bogus: ${a.reason}`})
    for (const w of d.warnings) j.problems.push({code: 'dnssec-expiring', zone: w.slice(0, w.indexOf(':')), server: null, message: `DNSSEC: ${w}`})
  }
  if (job.compareRecursive !== undefined) {
    const {compareRecursive} = await import('./compare.js')
    // An address or a name (looked up as query's @SERVER is), or '' for the default resolver.
    const {queryEndpoint} = await import('../query.js')
    const server = job.compareRecursive ? (await queryEndpoint(job.ctx, job.compareRecursive, undefined, job.family)).endpoint : job.ctx.defaultResolver()
    j.recursive = await compareRecursive(job.ctx.client, server, j, job.timeoutMs)
  }
  return j
}

/** The trust anchor: --trust-anchor FILE, the lab's own root key, or IANA's root KSKs. */
export async function loadAnchors(job: TraceJobOptions): Promise<{records: DsRecord[], label: string}> {
  const [{DEFAULT_TRUST_ANCHORS}, {parseTrustAnchor}] = await Promise.all([import('../dnssec/anchors.js'), import('../dnssec/chain.js')])
  if (job.trustAnchorFile) {
    const text = readTextFile({path: job.trustAnchorFile, what: 'trust anchor', maxBytes: FILE_LIMITS.trustAnchor, code: 'bad-trust-anchor'})
    let records: DsRecord[]
    try {
      records = parseTrustAnchor(text, {fileName: job.trustAnchorFile})
    } catch (err) {
      // Zone-file syntax errors already say FILE:LINE; other problems name the file here.
      const why = (err as Error).message
      throw new UsageError(`trust anchor ${why.startsWith(`${job.trustAnchorFile}:`) ? why : `${job.trustAnchorFile}: ${why}`}`, 'bad-trust-anchor')
    }
    if (records.length === 0) throw new UsageError(`trust anchor ${job.trustAnchorFile}: no DS or DNSKEY record found`, 'bad-trust-anchor')
    return {records, label: job.trustAnchorFile}
  }
  const anchors = job.ctx.lab?.trustAnchors ?? []
  if (anchors.length > 0) return {records: anchors, label: 'the lab root key'}
  return {records: [...DEFAULT_TRUST_ANCHORS], label: 'IANA root KSKs (KSK-2017, KSK-2024)'}
}
