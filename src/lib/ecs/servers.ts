/**
 * Finding the authoritative servers of a name for `dnsx ecs`: an iterative trace (the trace
 * engine, with a shared delegation cache) finds the zone that holds the name; the cache then
 * has that zone's NS names and their addresses (glue, or sub-traces). NS names the trace did
 * not need are resolved here, so every address of every server is asked.
 */
import net from 'node:net'
import {canonicalName, fqdn} from '../dns/names.js'
import {NetworkError, UsageError} from '../errors.js'
import {DelegationCache, type NsInfo} from '../trace/engine.js'
import {prepareTrace, runTraceJob, type TraceJobOptions} from '../trace/run.js'
import type {EcsServerTarget} from './run.js'

export interface DiscoveredServers {
  /** Zone that holds the name, absolute with the trailing dot. */
  zone: string
  servers: EcsServerTarget[]
  /** For stderr: CNAME seen, NS names without address, families skipped. */
  notes: string[]
  /** Queries the discovery took. */
  queries: number
}

const FINAL = new Set(['answer', 'cname', 'dname', 'nodata', 'nxdomain'])

const familyOf = (a: string): 4 | 6 => (net.isIP(a) === 6 ? 6 : 4)

/**
 * Servers given with `--server`: IP addresses only (names would need a resolver and hide which
 * address was asked).
 * @throws UsageError for anything that is not an IP address.
 */
export function serversFromFlags(values: readonly string[], family?: 4 | 6): EcsServerTarget[] {
  const out: EcsServerTarget[] = []
  for (const v of values) {
    const a = v.trim().replace(/^@/, '').replace(/^\[(.*)\]$/, '$1')
    if (!net.isIP(a)) throw new UsageError(`--server ${v} is not an IP address (give the authoritative server's address; names are found without --server)`, 'bad-server')
    if (family && familyOf(a) !== family) throw new UsageError(`--server ${v} is not an IPv${family} address (-${family} given)`, 'bad-server')
    if (!out.some((s) => s.address === a)) out.push({name: null, address: a})
  }
  return out
}

/**
 * Traces `name` `type` from the root and returns every address of every NS of the zone that
 * holds the name (the first zone of a CNAME chain: ECS policies are attached to the name asked).
 * @throws NetworkError when the zone or its servers cannot be found.
 */
export async function findAuthoritativeServers(job: TraceJobOptions, name: string, type: string): Promise<DiscoveredServers> {
  const cache = new DelegationCache()
  const withCache: TraceJobOptions = {...job, cache, all: false, compareRecursive: undefined}
  const prepared = await prepareTrace(withCache)
  const trace = await runTraceJob(withCache, name, type, prepared)
  let queries = trace.stats.queries
  const target = fqdn(name).toLowerCase()
  const step = trace.steps.find((s) => s.purpose === 'main' && s.depth === 0 && s.qname.toLowerCase() === target && FINAL.has(s.kind) && s.zone !== null)
  if (!step || step.zone === null) {
    const why = trace.problems.at(-1)?.message ?? `no authoritative reply for ${fqdn(name)}`
    throw new NetworkError(`cannot find the authoritative servers of ${fqdn(name)}: ${why}`, 'ecs-no-servers')
  }
  const zone = step.zone
  const notes: string[] = []
  if (step.kind === 'cname' || step.kind === 'dname') {
    const target = step.records?.find((r) => r.type === step.kind.toUpperCase())?.data
    notes.push(`${fqdn(name)} is a ${step.kind.toUpperCase()}${target ? ` to ${target}` : ''}: asking the servers of ${zone}; run dnsx ecs on the target to see its zone's policy`)
  }
  const ns: NsInfo[] = cache.zones.get(canonicalName(zone)) ?? []
  if (ns.length === 0) throw new NetworkError(`cannot find the authoritative servers of ${fqdn(name)}: no NS known for ${zone}`, 'ecs-no-servers')

  const fam = prepared.family
  const wantV4 = fam !== 6
  const wantV6 = fam !== 4
  // NS names without addresses, or glueless ones the trace resolved for one family only.
  const lookups: Array<Promise<void>> = []
  for (const n of ns) {
    const have4 = n.addresses.some((a) => familyOf(a) === 4)
    const have6 = n.addresses.some((a) => familyOf(a) === 6)
    const fromGlue = n.glue.length > 0
    const types: string[] = []
    if (wantV4 && !have4 && !fromGlue) types.push('A')
    if (wantV6 && !have6 && !fromGlue) types.push('AAAA')
    for (const t of types) {
      lookups.push(
        (async () => {
          const j = await runTraceJob(withCache, n.name, t, prepared)
          queries += j.stats.queries
          const found = (j.answer?.records ?? []).filter((r) => r.type === t).map((r) => r.data)
          n.addresses = [...new Set([...n.addresses, ...found])]
        })(),
      )
    }
  }
  await Promise.all(lookups)

  const servers: EcsServerTarget[] = []
  const seen = new Set<string>()
  const sorted = [...ns].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  for (const n of sorted) {
    const addrs = n.addresses.filter((a) => (familyOf(a) === 4 ? wantV4 : wantV6)).sort((a, b) => familyOf(a) - familyOf(b) || (a < b ? -1 : a > b ? 1 : 0))
    if (addrs.length === 0) notes.push(`NS ${fqdn(n.name)} of ${zone} has no ${fam === 'both' ? '' : `IPv${fam} `}address; not asked`)
    for (const a of addrs) {
      if (seen.has(a)) continue
      seen.add(a)
      servers.push({name: fqdn(n.name), address: a})
    }
  }
  if (servers.length === 0) throw new NetworkError(`no address found for any NS of ${zone}`, 'ecs-no-servers')
  return {zone, servers, notes, queries}
}
