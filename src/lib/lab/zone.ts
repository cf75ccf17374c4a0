/**
 * The lab's zones: records by owner and type, the answer policies of Route 53 style (by client
 * subnet, weighted, multivalue, failover), wildcards and NSEC lookups. Names are keyed in the
 * lab's form (shownName: lower-case, root `.`).
 */
import {UsageError} from '../errors.js'
import ipaddr from 'ipaddr.js'
import {parseZoneFile} from '../dns/zonefile.js'
import type {Rr} from '../dns/record.js'
import {typeName} from '../dns/types.js'
import {compareNames, isSubdomain, parentName, shownName} from '../dns/names.js'
import {commonPrefixLength} from '../net/cidr.js'

/** The parent of a lab name, in the lab's key form (lower-case, root `.`); null above the root. */
export function parentShown(name: string): string | null {
  const p = parentName(name)
  return p === null ? null : shownName(p)
}

/** A client address as ECS gives it: the address with host bits zeroed, and its prefix length. */
export interface ClientAddress {
  address: ipaddr.IPv4 | ipaddr.IPv6
  prefix: number
}


// ---------------------------------------------------------------------------------------------
// Answer policies (Route 53 style)
// ---------------------------------------------------------------------------------------------

/** Answer by client subnet (geolocation / latency routing): longest matching rule wins. */
export interface SubnetPolicy {
  kind: 'subnet'
  name: string
  type: string
  ttl?: number
  /** `subnet` in CIDR form; `answers` in presentation format (`192.0.2.101`). */
  rules: {subnet: string, answers: string[], label?: string}[]
  fallback: string[]
}

/** Weighted answers: one choice per query, with probability weight / total (scope 0). */
export interface WeightedPolicy {
  kind: 'weighted'
  name: string
  type: string
  ttl?: number
  choices: {weight: number, answers: string[], label?: string}[]
}

/** Multivalue answers: a random subset (at most `max`, default 8) of the healthy values. */
export interface MultivaluePolicy {
  kind: 'multivalue'
  name: string
  type: string
  ttl?: number
  max?: number
  pool: {value: string, healthy: boolean}[]
}

/** Failover: the primary while healthy, else the secondary. */
export interface FailoverPolicy {
  kind: 'failover'
  name: string
  type: string
  ttl?: number
  primary: {value: string, healthy: boolean}
  secondary: {value: string, healthy?: boolean}
}

/** A dynamic answer for one name and type, in the style of Route 53 routing policies. */
export type AnswerPolicy = SubnetPolicy | WeightedPolicy | MultivaluePolicy | FailoverPolicy

interface CompiledPolicy {
  source: AnswerPolicy
  rules: {net: [ipaddr.IPv4 | ipaddr.IPv6, number], rrs: Rr[]}[]
  fallback: Rr[]
  choices: {weight: number, rrs: Rr[]}[]
  pool: {rr: Rr, healthy: boolean}[]
}

// ---------------------------------------------------------------------------------------------
// Zones
// ---------------------------------------------------------------------------------------------

/** What a {@link Zone} is built from. */
export interface ZoneSource {
  origin: string
  records: Rr[]
  policies?: AnswerPolicy[]
}

/** The records of one zone, indexed for lookups. */
export class Zone {
  /** Canonical origin (lower case, `.` for the root). */
  readonly origin: string
  readonly records: readonly Rr[]
  readonly soa: Rr
  readonly policies: readonly AnswerPolicy[]
  private readonly nodes = new Map<string, Map<string, Rr[]>>()
  private readonly existing = new Set<string>()
  private readonly compiled = new Map<string, CompiledPolicy>()
  private nsecOwners: string[] | undefined

  constructor(source: ZoneSource) {
    this.origin = shownName(source.origin)
    this.records = source.records
    this.policies = source.policies ?? []
    this.existing.add(this.origin)
    for (const rr of source.records) {
      const owner = shownName(rr.name)
      if (!isSubdomain(owner, this.origin)) throw new UsageError(`zone ${this.origin}: ${rr.name} is outside the zone`, 'bad-zone-file')
      this.add(owner, rr)
    }

    const soas = this.rrset(this.origin, 'SOA')
    if (soas.length !== 1) throw new UsageError(`zone ${this.origin}: needs exactly one SOA at the apex, has ${soas.length}`, 'bad-zone-file')
    this.soa = soas[0]
    for (const policy of this.policies) {
      const owner = shownName(policy.name)
      if (!isSubdomain(owner, this.origin)) throw new UsageError(`zone ${this.origin}: policy for ${policy.name} is outside the zone`, 'bad-zone-file')
      this.markExisting(owner)
      this.compiled.set(`${owner}|${typeName(policy.type)}`, compilePolicy(policy))
    }
  }

  /** Builds a zone from zone-file text (origin and `$TTL 3600` preset). */
  static fromText(origin: string, text: string, policies?: AnswerPolicy[], fileName?: string): Zone {
    return new Zone({origin, records: parseZoneFile(text, {origin, defaultTtl: 3600, fileName: fileName ?? origin}), policies})
  }

  private add(owner: string, rr: Rr): void {
    let node = this.nodes.get(owner)
    if (!node) {
      node = new Map()
      this.nodes.set(owner, node)
    }

    const type = typeName(rr.type)
    const list = node.get(type)
    if (list) list.push(rr)
    else node.set(type, [rr])
    this.markExisting(owner)
  }

  private markExisting(owner: string): void {
    for (let n: string | null = owner; n !== null && !this.existing.has(n); n = parentShown(n)) this.existing.add(n)
  }

  /** The records of one type at a name (type as mnemonic or dns-packet name). */
  rrset(name: string, type: string): Rr[] {
    return this.nodes.get(shownName(name))?.get(typeName(type)) ?? []
  }

  /** Every RRset at a name, by type mnemonic. */
  node(name: string): ReadonlyMap<string, Rr[]> | undefined {
    return this.nodes.get(shownName(name))
  }

  /** True when the name owns records or is an empty non-terminal (or has a policy). */
  exists(name: string): boolean {
    return this.existing.has(shownName(name))
  }

  /** The answer policy for a name and type, if any. */
  policy(name: string, type: string): AnswerPolicy | undefined {
    return this.compiled.get(`${shownName(name)}|${typeName(type)}`)?.source
  }

  /** True when the zone has answer policies (it then speaks ECS). */
  get hasPolicies(): boolean {
    return this.compiled.size > 0
  }

  /** The delegation points below the apex: names with NS records. */
  delegations(): string[] {
    return [...this.nodes.entries()].filter(([name, node]) => name !== this.origin && node.has('NS')).map(([name]) => name)
  }

  /** Applies a policy: the records to answer and the ECS scope they are valid for. */
  applyPolicy(name: string, type: string, client: ClientAddress | undefined, random: () => number): {rrs: Rr[], scope: number} | undefined {
    const policy = this.compiled.get(`${shownName(name)}|${typeName(type)}`)
    if (!policy) return undefined
    switch (policy.source.kind) {
      case 'subnet': {
        let best: {rrs: Rr[], prefix: number} | undefined
        for (const rule of policy.rules) {
          const [net, prefix] = rule.net
          if (!client || client.address.kind() !== net.kind() || client.prefix < prefix) continue
          // ipaddr's match() is typed per family; both sides have the same kind here.
          if (!(client.address as ipaddr.IPv4).match(net as ipaddr.IPv4, prefix)) continue
          if (!best || prefix > best.prefix) best = {rrs: rule.rrs, prefix}
        }

        if (!best || !client) return {rrs: policy.fallback, scope: 0}
        // RFC 7871 §7.2.1: the scope must not cover a more specific rule that
        // answers differently; lengthen it past the bits the client shares with one.
        let scope = best.prefix
        for (const rule of policy.rules) {
          const [net, prefix] = rule.net
          if (prefix <= best.prefix || net.kind() !== client.address.kind() || rule.rrs === best.rrs) continue
          const common = commonPrefixLength(client.address.toByteArray(), net.toByteArray())
          if (common >= best.prefix && common < prefix) scope = Math.max(scope, common + 1)
        }
        return {rrs: best.rrs, scope}
      }

      case 'weighted': {
        const total = policy.choices.reduce((sum, c) => sum + c.weight, 0)
        let pick = random() * total
        for (const choice of policy.choices) {
          pick -= choice.weight
          if (pick < 0) return {rrs: choice.rrs, scope: 0}
        }

        return {rrs: policy.choices.at(-1)?.rrs ?? [], scope: 0}
      }

      case 'multivalue': {
        const healthy = policy.pool.filter((p) => p.healthy).map((p) => p.rr)
        for (let i = healthy.length - 1; i > 0; i--) {
          const j = Math.floor(random() * (i + 1))
          ;[healthy[i], healthy[j]] = [healthy[j], healthy[i]]
        }

        return {rrs: healthy.slice(0, policy.source.max ?? 8), scope: 0}
      }

      case 'failover': {
        const [primary, secondary] = policy.pool
        return {rrs: [primary.healthy ? primary.rr : secondary.rr], scope: 0}
      }
    }
  }

  /** The NSEC record whose span covers (or matches) `name`, for signed zones. */
  coveringNsec(name: string): Rr | undefined {
    this.nsecOwners ??= [...this.nodes.entries()].filter(([, node]) => node.has('NSEC')).map(([owner]) => owner).sort(compareNames)
    const owners = this.nsecOwners
    if (owners.length === 0) return undefined
    let found = owners.at(-1)!
    for (const owner of owners) {
      if (compareNames(owner, name) <= 0) found = owner
      else break
    }

    return this.rrset(found, 'NSEC')[0]
  }
}

function compilePolicy(policy: AnswerPolicy): CompiledPolicy {
  const ttl = policy.ttl ?? 60
  const toRrs = (values: string[]): Rr[] => values.map((value) => {
    const [rr] = parseZoneFile(`@ ${ttl} IN ${typeName(policy.type)} ${value}`, {origin: policy.name, fileName: `policy ${policy.name}`})
    return rr
  })

  const compiled: CompiledPolicy = {source: policy, rules: [], fallback: [], choices: [], pool: []}
  switch (policy.kind) {
    case 'subnet': {
      compiled.rules = policy.rules.map((r) => ({net: ipaddr.parseCIDR(r.subnet), rrs: toRrs(r.answers)}))
      compiled.fallback = toRrs(policy.fallback)
      break
    }

    case 'weighted': {
      compiled.choices = policy.choices.map((c) => ({weight: c.weight, rrs: toRrs(c.answers)}))
      break
    }

    case 'multivalue': {
      compiled.pool = policy.pool.map((p) => ({rr: toRrs([p.value])[0], healthy: p.healthy}))
      break
    }

    case 'failover': {
      compiled.pool = [
        {rr: toRrs([policy.primary.value])[0], healthy: policy.primary.healthy},
        {rr: toRrs([policy.secondary.value])[0], healthy: policy.secondary.healthy ?? true},
      ]
      break
    }
  }

  return compiled
}
