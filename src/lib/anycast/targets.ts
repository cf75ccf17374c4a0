/**
 * What `dnsx anycast-probe` probes: IP addresses, server names (resolved with
 * the DNS client through the context's resolver, never the OS resolver),
 * every NS address of a zone (`--zone`, found the way `dnsx trace` finds
 * them), and the root letters of the root hints (`--roots`); IPv4 and IPv6
 * unless -4/-6.
 *
 * The network side is behind {@link TargetResolver}, so the selection logic is
 * testable without sockets; {@link contextResolver} is the real one.
 */
import net from 'node:net'
import type {RunContext} from '../context.js'
import {parseServerSpec} from '../dns/endpoint.js'
import {makeQuestion} from '../dns/message.js'
import {canonicalName, fqdn, validateName} from '../dns/names.js'
import {NetworkError, UsageError} from '../errors.js'
import type {ProbeTarget} from './model.js'

export interface RootHintLike {
  name: string
  address: string
}

/** The lookups target resolution needs. */
export interface TargetResolver {
  /** Addresses of a name (A and/or AAAA). Never throws for DNS trouble: returns an error text. */
  lookup(name: string, families: (4 | 6)[]): Promise<{addresses: string[]; error?: string}>
  /** Name servers of a zone with their addresses. Throws UsageError/NetworkError when there are none. */
  zoneServers(zone: string, families: (4 | 6)[]): Promise<{ns: {name: string; addresses: string[]}[]; notes: string[]}>
  /** Root hints (names and addresses of the root letters). */
  rootHints(): Promise<RootHintLike[]>
  /** Families this host can reach (the lab reaches both). */
  routed(): Promise<{v4: boolean; v6: boolean}>
}

export interface TargetRequest {
  /** Positional TARGETs: addresses (optionally ADDR#PORT, [ADDR]:PORT) or names. */
  inputs: string[]
  zone?: string
  roots?: boolean
  /** -4 / -6. */
  family?: 4 | 6
  /** Port for every target without its own (authorityFlags --port). */
  port: number
  /** Name of the ordinary query for address/name/roots targets (default the root). */
  qname?: string
}

export interface ResolvedTargets {
  targets: ProbeTarget[]
  /** Things the user should know (skipped families, unresolvable names). */
  notes: string[]
}

function familyOf(address: string): 4 | 6 {
  return net.isIP(address) === 6 ? 6 : 4
}

/**
 * Turn the request into a de-duplicated list of targets. Explicit addresses are
 * always probed (a -4/-6 mismatch is a usage error); addresses found through
 * names, zones and root hints are limited to -4/-6, or else to the families
 * this host has a route for (a note says what was skipped).
 * Throws UsageError when nothing was asked for, NetworkError when nothing
 * could be resolved.
 */
export async function resolveTargets(req: TargetRequest, resolver: TargetResolver): Promise<ResolvedTargets> {
  if (req.inputs.length === 0 && !req.zone && !req.roots) {
    throw new UsageError('give at least one TARGET (address or server name), --zone ZONE or --roots', 'no-target')
  }
  const notes: string[] = []
  const targets: ProbeTarget[] = []
  const seen = new Set<string>()
  const qname = req.qname === undefined ? '' : validateName(req.qname, '--qname')
  let families: (4 | 6)[] = req.family ? [req.family] : [4, 6]
  let routedChecked = false
  const skipped = {4: 0, 6: 0}
  const usable = async (): Promise<(4 | 6)[]> => {
    if (req.family || routedChecked) return families
    routedChecked = true
    const r = await resolver.routed()
    const f = families.filter((x) => (x === 4 ? r.v4 : r.v6))
    families = f.length ? f : families
    return families
  }
  const add = (t: ProbeTarget, explicit: boolean) => {
    const key = `${t.address}#${t.port}`
    if (seen.has(key)) return
    if (!explicit && !families.includes(t.family)) {
      skipped[t.family]++
      return
    }
    seen.add(key)
    targets.push(t)
  }
  const rootQuery = {name: qname, type: 'SOA'}

  for (const input of req.inputs) {
    const spec = parseServerSpec(input, 'target')
    const port = spec.port ?? req.port
    if (net.isIP(spec.host)) {
      const family = familyOf(spec.host)
      if (req.family && family !== req.family) throw new UsageError(`${spec.host} is not an IPv${req.family} address (-${req.family} was given)`, 'bad-target')
      add({target: spec.host, address: spec.host, port, family, via: 'address', query: rootQuery}, true)
      continue
    }
    const name = validateName(spec.host, `target "${input}"`)
    if (name === '') throw new UsageError(`target "${input}" is the root, not a server; use --roots or --zone .`, 'bad-target')
    const fams = await usable()
    const r = await resolver.lookup(name, fams)
    if (r.addresses.length === 0) {
      notes.push(`${name}: no ${fams.map((f) => `IPv${f}`).join('/')} address${r.error ? ` (${r.error})` : ''}; not probed`)
      continue
    }
    for (const a of r.addresses) add({target: name, address: a, port, family: familyOf(a), via: 'name', query: rootQuery}, false)
  }

  if (req.zone !== undefined) {
    const zone = canonicalName(validateName(req.zone, '--zone'))
    const fams = await usable()
    const z = await resolver.zoneServers(zone, fams)
    notes.push(...z.notes)
    let none = 0
    for (const ns of z.ns) {
      if (ns.addresses.length === 0) none++
      for (const a of ns.addresses) add({target: ns.name, address: a, port: req.port, family: familyOf(a), via: 'zone', query: {name: zone, type: 'SOA'}}, false)
    }
    if (none > 0) notes.push(`--zone ${fqdn(zone)}: ${none} of ${z.ns.length} name servers have no usable address`)
  }

  if (req.roots) {
    await usable()
    const hints = await resolver.rootHints()
    const sorted = [...hints].sort((a, b) => a.name.localeCompare(b.name) || familyOf(a.address) - familyOf(b.address))
    for (const h of sorted) add({target: canonicalName(h.name), address: h.address, port: req.port, family: familyOf(h.address), via: 'roots', query: rootQuery}, false)
  }

  for (const f of [4, 6] as const) {
    if (skipped[f] > 0) notes.push(`skipped ${skipped[f]} IPv${f} address${skipped[f] === 1 ? '' : 'es'}: ${req.family ? `-${req.family} was given` : `this host has no IPv${f} route (give -${f} to probe them anyway)`}`)
  }
  if (targets.length === 0) throw new NetworkError(`nothing to probe: ${notes.length ? notes.join('; ') : 'no address found'}`, 'no-target')
  return {targets, notes}
}

export interface ContextResolverOptions {
  timeoutMs: number
  /** --root-hints. */
  rootHintsFile?: string
  /** --server: where --zone discovery starts instead of the root. */
  servers?: string[]
  /** --port: used by --zone discovery for every server, as dnsx trace does. */
  port: number
  family?: 4 | 6
}

/**
 * The real resolver: names through the context's default resolver (the lab's
 * under --lab) with the DNS client; zones with the trace engine; root hints
 * from the lab, --root-hints or the shipped file.
 */
export function contextResolver(ctx: RunContext, opts: ContextResolverOptions): TargetResolver {
  return {
    async lookup(name, families) {
      const types = families.map((f) => (f === 4 ? 'A' : 'AAAA'))
      // Every nameserver of resolv.conf in turn, as the system's stub asks them.
      const asked = await Promise.all(types.map((type) => ctx.askDefault({question: makeQuestion(name, type), rd: true, timeoutMs: opts.timeoutMs}, {rounds: 2})))
      const addresses: string[] = []
      const errors: string[] = []
      asked.forEach(({exchange: ex, server: resolver}, i) => {
        if (!ex.message) {
          errors.push(ex.error?.message ?? 'no reply')
          return
        }
        if (ex.message.rcode !== 'NOERROR') errors.push(`${types[i]}: ${ex.message.rcode} from ${resolver.address}`)
        for (const rr of ex.message.answers) if (rr.type === types[i] && !addresses.includes(String((rr as {data?: unknown}).data))) addresses.push(String((rr as {data?: unknown}).data))
      })
      return errors.length && addresses.length === 0 ? {addresses, error: [...new Set(errors)].join('; ')} : {addresses}
    },

    async zoneServers(zone, families) {
      const [{DelegationCache}, {prepareTrace, runTraceJob}] = await Promise.all([import('../trace/engine.js'), import('../trace/run.js')])
      const cache = new DelegationCache()
      const job = {
        ctx,
        rootHintsFile: opts.rootHintsFile,
        servers: opts.servers,
        port: opts.port,
        family: opts.family,
        timeoutMs: opts.timeoutMs,
        cache,
      }
      const prepared = await prepareTrace(job)
      const j = await runTraceJob(job, zone, 'NS', prepared)
      const key = canonicalName(zone)
      const notes: string[] = []
      if (j.kind === 'nxdomain') throw new UsageError(`--zone ${fqdn(zone)}: no such name (NXDOMAIN)`, 'no-zone')
      const fromParent = cache.zones.get(key) ?? []
      const fromZone = (j.answer?.records ?? []).filter((r) => r.type === 'NS' && canonicalName(r.name) === key).map((r) => canonicalName(r.data))
      const names = [...new Set([...fromParent.map((n) => canonicalName(n.name)), ...fromZone])]
      if (names.length === 0) {
        if (j.kind === 'error') throw new NetworkError(`--zone ${fqdn(zone)}: could not find its name servers (${j.problems.map((p) => p.message).join('; ') || 'resolution failed'})`, 'zone-unresolved')
        throw new UsageError(`--zone ${fqdn(zone)}: not a zone (no NS records)`, 'no-zone')
      }
      const onlyParent = fromParent.map((n) => canonicalName(n.name)).filter((n) => fromZone.length > 0 && !fromZone.includes(n))
      const onlyZone = fromZone.filter((n) => fromParent.length > 0 && !fromParent.some((p) => canonicalName(p.name) === n))
      if (onlyParent.length || onlyZone.length) {
        notes.push(`--zone ${fqdn(zone)}: the parent and the zone list different NS (${[...onlyParent.map((n) => `${fqdn(n)} only in the parent`), ...onlyZone.map((n) => `${fqdn(n)} only in the zone`)].join(', ')}); probing all of them`)
      }
      const want = (a: string) => families.includes(familyOf(a))
      const ns = await Promise.all(
        names.map(async (name) => {
          const known = new Set<string>()
          for (const p of fromParent) if (canonicalName(p.name) === name) for (const a of p.addresses) known.add(a)
          for (const a of cache.addresses.get(name) ?? []) known.add(a)
          // Glue may carry one family only: look the other one up as trace would.
          const missing = families.filter((f) => ![...known].some((a) => familyOf(a) === f))
          for (const f of missing) {
            const t = await runTraceJob({...job, cache}, name, f === 4 ? 'A' : 'AAAA', prepared)
            for (const r of t.answer?.records ?? []) if (r.type === (f === 4 ? 'A' : 'AAAA')) known.add(r.data)
          }
          return {name, addresses: [...known].filter(want)}
        }),
      )
      return {ns, notes}
    },

    async rootHints() {
      if (ctx.lab && !opts.rootHintsFile) return ctx.lab.rootHints
      const {loadRootHints} = await import('../trace/hints.js')
      return loadRootHints(opts.rootHintsFile)
    },

    async routed() {
      if (ctx.lab) return {v4: true, v6: true}
      const {routedFamilies} = await import('../net/route.js')
      return routedFamilies()
    },
  }
}
