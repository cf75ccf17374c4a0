/**
 * Consistency check of a lab world: hard errors (the world cannot run as described) and
 * findings (delegations that are broken or odd). In the default world the findings must be
 * exactly the zones listed in `world.broken`: a broken item that stops being broken, or an
 * accidental break, both show up.
 */
import ipaddr from 'ipaddr.js'

import {typeName} from '../dns/types.js'
import {Zone} from './zone.js'
import {isSubdomain, shownName} from '../dns/names.js'
import type {World} from './world.js'

/** One problem with a delegated zone. */
export interface WorldFinding {
  zone: string
  problem: string
}

/** What {@link checkWorld} found. */
export interface WorldCheck {
  /** The world is malformed (bad zone text, unknown zone ids, addresses reused or outside the documentation ranges). */
  errors: string[]
  findings: WorldFinding[]
}

const DOC_RANGES = ['192.0.2.0/24', '198.51.100.0/24', '203.0.113.0/24', '2001:db8::/32'].map((c) => ipaddr.parseCIDR(c))

/** True when an address is in one of the documentation ranges (RFC 5737, RFC 3849). */
export function isDocumentationAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false
  const parsed = ipaddr.parse(address)
  return DOC_RANGES.some(([net, bits]) => parsed.kind() === net.kind() && (parsed as ipaddr.IPv4).match(net as ipaddr.IPv4, bits))
}

/** Canonical text of an address (RFC 5952 for IPv6), for map keys. */
export function addressKey(address: string): string {
  if (!ipaddr.isValid(address)) return address.toLowerCase()
  const parsed = ipaddr.parse(address)
  return parsed.kind() === 'ipv6' ? (parsed as ipaddr.IPv6).toRFC5952String() : parsed.toString()
}

interface Endpoint {
  label: string
  zones: Set<string>
  /** Reasons this endpoint cannot or does not answer properly. */
  faults: string[]
}

/** Checks a world; see {@link WorldCheck}. */
export function checkWorld(world: World): WorldCheck {
  const errors: string[] = []
  const findings: WorldFinding[] = []
  const find = (zone: string, problem: string): void => {
    if (!findings.some((f) => f.zone === zone && f.problem === problem)) findings.push({zone, problem})
  }

  // Zones.
  const zones = new Map<string, Zone>()
  for (const z of world.zones) {
    if (zones.has(z.id)) errors.push(`zone id ${z.id} is used twice`)
    try {
      zones.set(z.id, Zone.fromText(z.origin, z.text, z.policies, `zone ${z.id}`))
    } catch (error) {
      errors.push((error as Error).message)
    }
  }

  const versions = new Map<string, Zone[]>()
  for (const zone of zones.values()) versions.set(zone.origin, [...(versions.get(zone.origin) ?? []), zone])

  // Endpoints by address.
  const endpoints = new Map<string, Endpoint>()
  const claim = (address: string, endpoint: Endpoint): void => {
    if (!isDocumentationAddress(address)) errors.push(`${endpoint.label}: ${address} is not a documentation address`)
    const key = addressKey(address)
    if (endpoints.has(key)) errors.push(`${address} is used by ${endpoints.get(key)!.label} and ${endpoint.label}`)
    endpoints.set(key, endpoint)
  }

  const zoneOrigins = (ids: string[], label: string): Set<string> => new Set(ids.map((id) => {
    const zone = zones.get(id)
    if (!zone) errors.push(`${label} serves unknown zone ${id}`)
    return zone?.origin ?? `?${id}`
  }))

  for (const s of world.servers) {
    const b = s.behaviour ?? {}
    const faults = [
      b.dead && 'silent (dead)', b.garbage && 'answers garbage', b.refuse && 'REFUSED to everything', b.lame && `lame (${b.lame})`,
      b.spoofFirst && 'sends a wrong-ID reply first', b.formerrOnEdns && 'FORMERR to EDNS', b.upwardReferral && 'upward referrals',
      b.aaOnReferral && 'AA on referrals', b.poisonAdditional && 'out-of-bailiwick records in referrals',
      b.loss && `drops ${Math.round(b.loss * 100)}% of queries`, b.truncate === 'always' && 'always truncates over UDP',
    ].filter((f): f is string => typeof f === 'string')
    const endpoint = {label: `server ${s.id}`, zones: zoneOrigins(s.zones, `server ${s.id}`), faults}
    for (const a of s.addresses) claim(a, endpoint)
  }

  for (const svc of world.anycast) {
    const endpoint = {label: `anycast ${svc.id}`, zones: zoneOrigins(svc.zones, `anycast ${svc.id}`), faults: []}
    if (svc.instances.length === 0) errors.push(`anycast ${svc.id} has no instances`)
    for (const a of svc.addresses) claim(a, endpoint)
  }

  for (const r of world.resolvers) for (const a of r.addresses) claim(a, {label: `resolver ${r.id}`, zones: new Set(), faults: []})
  for (const c of world.connect) {
    if (!isDocumentationAddress(c.address)) errors.push(`connect target ${c.address} is not a documentation address`)
    if (endpoints.has(addressKey(c.address))) errors.push(`connect target ${c.address} is also a DNS server address`)
  }

  if (world.resolvers.length === 0) errors.push('the world has no resolver')

  // Authoritative addresses of a name: A/AAAA in the zone(s) closest to it, not glue.
  const authoritative = (name: string): string[] => {
    let best: Zone[] = []
    let bestDepth = -1
    for (const [origin, list] of versions) {
      const depth = origin === '.' ? 0 : origin.split('.').length
      if (isSubdomain(name, origin) && depth > bestDepth) {
        best = list
        bestDepth = depth
      }
    }

    const out = new Set<string>()
    for (const zone of best) {
      const cut = zone.delegations().some((d) => isSubdomain(name, d))
      if (cut) continue
      for (const rr of [...zone.rrset(name, 'A'), ...zone.rrset(name, 'AAAA')]) out.add(addressKey(String(rr.data)))
    }

    return [...out]
  }

  const nsNames = (zone: Zone, owner: string): string[] => zone.rrset(owner, 'NS').map((rr) => shownName(String(rr.data))).sort()

  const checkServers = (origin: string, ns: string[], glue: (name: string) => string[]): void => {
    for (const name of ns) {
      const auth = authoritative(name)
      const glued = glue(name)
      if (glued.length > 0 && auth.length > 0 && glued.sort().join() !== auth.sort().join()) {
        find(origin, `glue for ${name} (${glued.join(', ')}) differs from its authoritative address (${auth.join(', ')})`)
      }

      const addresses = [...new Set([...glued, ...auth])]
      if (addresses.length === 0) find(origin, `NS ${name} has no address`)
      for (const address of addresses) {
        const endpoint = endpoints.get(address)
        if (!endpoint) {
          find(origin, `NS ${name} (${address}) is not a server in the world`)
          continue
        }

        if (!endpoint.zones.has(origin)) find(origin, `NS ${name} (${address}) does not serve ${origin}`)
        for (const fault of endpoint.faults) find(origin, `NS ${name} (${address}): ${fault}`)
      }
    }
  }

  // The root, from the hints.
  for (const hint of world.rootHints) {
    const endpoint = endpoints.get(addressKey(hint.address))
    if (!endpoint?.zones.has('.')) errors.push(`root hint ${hint.name} ${hint.address} is not a root server`)
  }

  // Every delegation in every zone version.
  for (const zone of zones.values()) {
    for (const cut of zone.delegations()) {
      const ns = nsNames(zone, cut)
      const glue = (name: string): string[] => isSubdomain(name, zone.origin)
        ? [...zone.rrset(name, 'A'), ...zone.rrset(name, 'AAAA')].map((rr) => addressKey(String(rr.data)))
        : []
      const children = versions.get(cut) ?? []
      if (children.length === 0) find(cut, `delegated from ${zone.origin} but no zone ${cut} exists`)
      for (const child of children) {
        const childNs = nsNames(child, child.origin)
        if (childNs.join() !== ns.join()) find(cut, `parent NS {${ns.join(', ')}} differ from child NS {${childNs.join(', ')}}`)
      }

      checkServers(cut, ns, glue)
    }
  }

  // Servers of the same zone holding different versions.
  for (const [origin, list] of versions) {
    if (list.length < 2) continue
    const texts = new Set(list.map((z) => z.records.map((rr) => `${shownName(rr.name)} ${typeName(rr.type)} ${JSON.stringify(rr.data)}`).sort().join('\n')))
    if (texts.size > 1) find(origin, `${list.length} different versions are served`)
  }

  return {errors, findings}
}
