/**
 * An authoritative answering engine over a set of zones. Pure: a query packet in, a response
 * packet out, no sockets and no clocks (randomness for weighted and multivalue answers is passed
 * in). It answers as RFC 1034 §4.3.2 describes, with the usual additions:
 *
 * - the closest enclosing zone the server has is used (for DS, the parent side of a cut);
 * - delegation → referral: AA=0, the child's NS in authority, glue in additional;
 * - authoritative answers (AA=1), CNAME followed within the same zone, DNAME → synthesized CNAME;
 * - NXDOMAIN and NODATA with the SOA in authority, TTL = min(SOA TTL, MINIMUM) (RFC 2308);
 * - wildcards (RFC 4592); REFUSED for names outside every zone;
 * - CHAOS TXT hostname.bind / id.server / version.bind / version.server from the identity;
 * - EDNS: OPT echoed with a 1232-byte payload and DO copied, NSID when asked, BADVERS for an
 *   unknown EDNS version; ECS (RFC 7871) for zones with answer policies: the answer is picked by
 *   the client subnet (or the source address when there is none), the option echoed with the
 *   matched rule's scope and the host bits zeroed;
 * - when DO is set, RRSIGs are added and NSEC records prove denial (signed zones only);
 * - per-server quirks for broken servers (REFUSED, lame, upward referrals, AA on referrals, ...).
 */
import {UsageError} from '../errors.js'
import {Buffer} from 'node:buffer'

import type dnsPacket from 'dns-packet'
import {packetLength, type Packet} from '../dns/message.js'
import {decodeEcs, encodeEcs, OPTION} from '../dns/edns.js'
import ipaddr from 'ipaddr.js'

import {parseZoneFile, type Rr} from '../dns/zonefile.js'
import {typeName} from '../dns/types.js'
import {compareNames, dnameSubstitute, isSubdomain, labelCount, namesBetween, parentName, prependLabel, shownName, wireLength} from '../dns/names.js'
import {maskBytes} from '../net/cidr.js'

/** The parent of a lab name, in the lab's key form (lower-case, root `.`); null above the root. */
function parentShown(name: string): string | null {
  const p = parentName(name)
  return p === null ? null : shownName(p)
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
          const common = commonPrefixBits(client.address.toByteArray(), net.toByteArray())
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

// ---------------------------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------------------------

/** What a server says about itself (CHAOS TXT and NSID). */
export interface ServerIdentity {
  /** hostname.bind and id.server. */
  hostname?: string
  /** version.bind and version.server. */
  version?: string
  /** The NSID option payload (RFC 5001), as text. */
  nsid?: string
}

/** Deliberate misbehaviour the engine can show (network-level faults live in the lab). */
export interface AuthorityQuirks {
  /** REFUSED to everything. */
  refuse?: boolean
  /** Lame: `noaa` answers with AA=0, `servfail` answers SERVFAIL. */
  lame?: 'noaa' | 'servfail'
  /** Answers everything with a referral to the top of its highest zone (usually the root). */
  upwardReferral?: boolean
  /** Sets AA on referrals. */
  aaOnReferral?: boolean
  /** FORMERR (without OPT) to queries with EDNS; plain queries get normal answers. */
  formerrOnEdns?: boolean
  /** Extra records put in the additional section of every referral (out-of-bailiwick "glue"). */
  poisonAdditional?: Rr[]
}

/** Configuration of one {@link Authority}. */
export interface AuthorityOptions {
  zones: Zone[]
  identity?: ServerIdentity
  quirks?: AuthorityQuirks
  /** The UDP payload size advertised in the OPT record (default 1232). */
  udpPayload?: number
}

/** Per-query facts from outside the message. */
export interface AnswerContext {
  /** The address the query came from (answer policies use it when there is no ECS). */
  source?: string
  /** Randomness in [0, 1) for weighted and multivalue answers (default Math.random). */
  random?: () => number
}

/** A client address as ECS gives it: the address with host bits zeroed, and its prefix length. */
export interface ClientAddress {
  address: ipaddr.IPv4 | ipaddr.IPv6
  prefix: number
}

/** Decoded EDNS of a query. */
interface QueryEdns {
  version: number
  udpPayload: number
  do: boolean
  nsid: boolean
  ecs?: {family: number, sourcePrefix: number, scopePrefix: number, address: ipaddr.IPv4 | ipaddr.IPv6} | 'malformed'
}

interface LookupResult {
  rcode: number
  aa: boolean
  answers: Rr[]
  authorities: Rr[]
  additionals: Rr[]
  scope?: number
}

/** Rcode values and header flags shared by the lab's servers and its resolver. */
export const RCODE = {NOERROR: 0, FORMERR: 1, SERVFAIL: 2, NXDOMAIN: 3, NOTIMP: 4, REFUSED: 5, YXDOMAIN: 6, BADVERS: 16} as const
export const FLAG_AA = 0x0400
export const FLAG_RD = 0x0100
export const FLAG_CD = 0x0010
const OPCODE_MASK = 0x7800
const DNSSEC_OK = 0x8000
const MAX_CHASE = 16

type OptRecord = {
  name: string
  type: 'OPT'
  udpPayloadSize?: number
  ednsVersion?: number
  extendedRcode?: number
  flags?: number
  options?: {code: number | string, data?: Buffer, [key: string]: unknown}[]
}

/** The OPT record of a message, if any. */
export function findOpt(packet: dnsPacket.Packet): OptRecord | undefined {
  return (packet.additionals ?? []).find((rr) => rr.type === 'OPT') as OptRecord | undefined
}

function optionCode(code: number | string): number {
  if (typeof code === 'number') return code
  const named: Record<string, number> = {NSID: 3, CLIENT_SUBNET: 8, COOKIE: 10, PADDING: 12}
  return named[code.toUpperCase()] ?? (/_(\d+)$/.test(code) ? Number(/_(\d+)$/.exec(code)![1]) : -1)
}

/** Reads the EDNS of a query: version, payload size, DO, NSID request and the ECS option. */
export function readEdns(query: dnsPacket.Packet): QueryEdns | undefined {
  const opt = findOpt(query)
  if (!opt) return undefined
  const edns: QueryEdns = {
    version: opt.ednsVersion ?? 0,
    udpPayload: opt.udpPayloadSize ?? 512,
    do: ((opt.flags ?? 0) & DNSSEC_OK) !== 0,
    nsid: false,
  }
  for (const option of opt.options ?? []) {
    const code = optionCode(option.code)
    if (code === 3) edns.nsid = true
    if (code === 8) edns.ecs = parseEcsOption(option)
  }

  return edns
}

/** The query's ECS option, decoded by the one ECS codec (dns/edns.ts); host bits beyond the source are masked. */
function parseEcsOption(option: {data?: Buffer}): QueryEdns['ecs'] {
  const ecs = option.data ? decodeEcs(option.data) : null
  // Unknown family, prefixes too long, or an address of the wrong length: FORMERR (RFC 7871 §7.1.1).
  if (!ecs || ecs.problems.some((p) => !/bits set beyond/.test(p))) return 'malformed'
  const size = ecs.family === 1 ? 4 : 16
  const masked = maskBytes(ipaddr.parse(ecs.address).toByteArray().slice(0, size), ecs.sourcePrefix)
  const address = ecs.family === 1 ? new ipaddr.IPv4(masked) : new ipaddr.IPv6(masked)
  return {family: ecs.family, sourcePrefix: ecs.sourcePrefix, scopePrefix: ecs.scopePrefix, address}
}

function sourceAddress(source: string | undefined): ClientAddress | undefined {
  if (!source || !ipaddr.isValid(source)) return undefined
  let address = ipaddr.parse(source)
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress()) address = (address as ipaddr.IPv6).toIPv4Address()
  return {address, prefix: address.kind() === 'ipv4' ? 32 : 128}
}

function negativeSoa(zone: Zone): Rr {
  const minimum = (zone.soa.data as {minimum?: number}).minimum ?? 0
  return {...zone.soa, ttl: Math.min(zone.soa.ttl, minimum)}
}

function withOwner(rrs: Rr[], owner: string): Rr[] {
  return rrs.map((rr) => ({...rr, name: owner}))
}

/** An authoritative server's brain: configure it with zones, then ask it queries. */
export class Authority {
  readonly zones: readonly Zone[]
  readonly identity: ServerIdentity
  readonly quirks: AuthorityQuirks
  private readonly udpPayload: number

  constructor(opts: AuthorityOptions) {
    this.zones = opts.zones
    this.identity = opts.identity ?? {}
    this.quirks = opts.quirks ?? {}
    this.udpPayload = opts.udpPayload ?? 1232
  }

  /** The zone that answers a question: the closest enclosing one (for DS, the parent side). */
  selectZone(qname: string, qtype: string): Zone | undefined {
    const candidates = this.zones.filter((z) => isSubdomain(qname, z.origin)).sort((a, b) => labelCount(b.origin) - labelCount(a.origin))
    if (typeName(qtype) === 'DS' && candidates.length > 1 && candidates[0].origin === shownName(qname)) return candidates[1]
    return candidates[0]
  }

  /** Answers one query. */
  answer(query: dnsPacket.Packet, ctx: AnswerContext = {}): dnsPacket.Packet {
    const questions = query.questions ?? []
    const response: dnsPacket.Packet = {
      id: query.id ?? 0,
      type: 'response',
      flags: (query.flags ?? 0) & (OPCODE_MASK | FLAG_RD | FLAG_CD),
      questions,
      answers: [],
      authorities: [],
      additionals: [],
    }
    const edns = readEdns(query)
    const finish = (rcode: number, result?: Partial<LookupResult>, opts: {opt?: boolean, ecs?: boolean} = {}): dnsPacket.Packet => {
      let flags = (response.flags ?? 0) | (rcode & 0xf)
      if (result?.aa) flags |= FLAG_AA
      response.flags = flags
      response.answers = (result?.answers ?? []) as dnsPacket.Answer[]
      response.authorities = (result?.authorities ?? []) as dnsPacket.Answer[]
      const additionals = [...(result?.additionals ?? [])] as dnsPacket.Answer[]
      if (edns && opts.opt !== false) additionals.push(this.responseOpt(edns, rcode, opts.ecs ? result?.scope ?? 0 : undefined))
      response.additionals = additionals
      return response
    }

    const opcode = ((query.flags ?? 0) & OPCODE_MASK) >> 11
    if (opcode !== 0) return finish(RCODE.NOTIMP)
    if (questions.length !== 1) return finish(RCODE.FORMERR)
    if (this.quirks.formerrOnEdns && edns) return finish(RCODE.FORMERR, undefined, {opt: false})
    if (edns && edns.version > 0) return finish(RCODE.BADVERS)
    if (edns?.ecs === 'malformed') return finish(RCODE.FORMERR)
    if (this.quirks.refuse) return finish(RCODE.REFUSED)
    if (this.quirks.lame === 'servfail') return finish(RCODE.SERVFAIL)

    const [question] = questions
    const klass = (question.class ?? 'IN').toUpperCase()
    const qtype = typeName(question.type)
    if (klass === 'CH') return this.chaos(question.name, qtype, finish)
    if (klass !== 'IN') return finish(RCODE.REFUSED)
    if (this.quirks.upwardReferral) {
      const top = [...this.zones].sort((a, b) => labelCount(a.origin) - labelCount(b.origin))[0]
      if (top) return finish(RCODE.NOERROR, this.referral(top, top.origin, edns?.do ?? false))
    }

    const zone = this.selectZone(question.name, qtype)
    if (!zone) return finish(RCODE.REFUSED)
    const ecs = typeof edns?.ecs === 'object' ? edns.ecs : undefined
    const client: ClientAddress | undefined = ecs ? {address: ecs.address, prefix: ecs.sourcePrefix} : sourceAddress(ctx.source)
    const result = this.lookup(zone, question.name, qtype, {client, random: ctx.random ?? Math.random, dnssec: edns?.do ?? false})
    if (this.quirks.lame === 'noaa') result.aa = false
    return finish(result.rcode, result, {ecs: ecs !== undefined && zone.hasPolicies})
  }

  private responseOpt(edns: QueryEdns, rcode: number, scope: number | undefined): dnsPacket.Answer {
    const options: Record<string, unknown>[] = []
    if (edns.nsid && this.identity.nsid !== undefined) options.push({code: OPTION.NSID, data: Buffer.from(this.identity.nsid, 'utf8')})
    if (scope !== undefined && edns.ecs && edns.ecs !== 'malformed') {
      options.push({code: OPTION.ECS, data: encodeEcs({family: edns.ecs.family, address: edns.ecs.address.toString(), sourcePrefix: edns.ecs.sourcePrefix, scopePrefix: scope})})
    }

    return {
      name: '.',
      type: 'OPT',
      udpPayloadSize: this.udpPayload,
      extendedRcode: rcode >> 4,
      ednsVersion: 0,
      flags: edns.do ? DNSSEC_OK : 0,
      options,
    } as unknown as dnsPacket.Answer
  }

  private chaos(qname: string, qtype: string, finish: (rcode: number, result?: Partial<LookupResult>) => dnsPacket.Packet): dnsPacket.Packet {
    const name = shownName(qname)
    let value: string | undefined
    if (name === 'hostname.bind' || name === 'id.server') value = this.identity.hostname
    else if (name === 'version.bind' || name === 'version.server') value = this.identity.version
    else return finish(RCODE.REFUSED)
    if (value === undefined) return finish(RCODE.REFUSED)
    if (qtype !== 'TXT' && qtype !== 'ANY') return finish(RCODE.NOERROR, {aa: true})
    return finish(RCODE.NOERROR, {aa: true, answers: [{name: qname, type: 'TXT', class: 'CH', ttl: 0, data: [Buffer.from(value, 'utf8')]}]})
  }

  /** Answers a question from one zone. */
  private lookup(zone: Zone, qname: string, qtype: string, opts: {client?: ClientAddress, random: () => number, dnssec: boolean}): LookupResult {
    const result: LookupResult = {rcode: RCODE.NOERROR, aa: true, answers: [], authorities: [], additionals: []}
    const visited = new Set<string>()
    let owner = qname
    for (let hop = 0; hop < MAX_CHASE; hop++) {
      const name = shownName(owner)
      visited.add(name)
      const step = this.lookupOne(zone, owner, qtype, opts)
      result.answers.push(...step.answers)
      if (step.scope !== undefined) result.scope = Math.max(result.scope ?? 0, step.scope)
      if (step.kind === 'referral') {
        // A CNAME into a delegated child: real servers stop and give the referral.
        if (hop === 0) return {...step.result, answers: result.answers}
        break
      }

      if (step.kind === 'negative') {
        result.rcode = step.rcode
        result.authorities.push(...step.authorities)
        break
      }

      if (step.kind === 'answer') {
        result.additionals.push(...this.additionalFor(zone, step.answers))
        break
      }

      // CNAME (or DNAME-synthesized CNAME): follow within this zone only, stop at loops.
      const target = step.target
      if (step.yxdomain) {
        result.rcode = RCODE.YXDOMAIN
        break
      }

      if (!isSubdomain(target, zone.origin) || visited.has(shownName(target))) break
      owner = target
    }

    if (opts.dnssec) this.addSignatures(zone, result)
    return result
  }

  private lookupOne(
    zone: Zone, qname: string, qtype: string, opts: {client?: ClientAddress, random: () => number, dnssec: boolean},
  ):
    | {kind: 'referral', result: LookupResult, answers: Rr[], scope?: number}
    | {kind: 'negative', rcode: number, answers: Rr[], authorities: Rr[], scope?: number}
    | {kind: 'answer', answers: Rr[], scope?: number}
    | {kind: 'chase', target: string, answers: Rr[], yxdomain?: boolean, scope?: number} {
    const name = shownName(qname)
    // Walk down from the apex: the first cut or DNAME on the way decides.
    for (const n of namesBetween(zone.origin, name)) {
      const node = zone.node(n)
      if (node?.has('NS')) {
        if (!(n === name && qtype === 'DS')) {
          return {kind: 'referral', result: this.referral(zone, n, opts.dnssec), answers: []}
        }
      }

      if (n !== name && node?.has('DNAME')) {
        const dname = node.get('DNAME')![0]
        const target = shownName(dnameSubstitute(name, n, String(dname.data)))
        const cname: Rr = {name: qname, type: 'CNAME', class: 'IN', ttl: dname.ttl, data: target}
        if (wireLength(target) > 255) return {kind: 'chase', target, answers: [dname], yxdomain: true}
        return {kind: 'chase', target, answers: [dname, cname]}
      }

      if (!zone.exists(n)) break
    }

    if (zone.exists(name)) return this.atNode(zone, qname, name, qtype, opts)

    // RFC 4592: the closest encloser's wildcard, if there is one.
    let encloser = parentShown(name)
    while (encloser !== null && !zone.exists(encloser)) encloser = parentShown(encloser)
    const wildcard = prependLabel('*', encloser ?? zone.origin)
    if (encloser !== null && zone.node(wildcard)) return this.atNode(zone, qname, wildcard, qtype, opts)
    const authorities = [negativeSoa(zone)]
    if (opts.dnssec) {
      const cover = zone.coveringNsec(name)
      const wildCover = zone.coveringNsec(wildcard)
      for (const nsec of [cover, wildCover]) if (nsec && !authorities.includes(nsec)) authorities.push(nsec)
    }

    return {kind: 'negative', rcode: RCODE.NXDOMAIN, answers: [], authorities}
  }

  /** The answer at an existing node (or the wildcard standing in for it). */
  private atNode(
    zone: Zone, qname: string, node: string, qtype: string, opts: {client?: ClientAddress, random: () => number, dnssec: boolean},
  ):
    | {kind: 'negative', rcode: number, answers: Rr[], authorities: Rr[], scope?: number}
    | {kind: 'answer', answers: Rr[], scope?: number}
    | {kind: 'chase', target: string, answers: Rr[], scope?: number} {
    const policy = zone.applyPolicy(node, qtype, opts.client, opts.random)
    const scope = zone.hasPolicies ? policy?.scope ?? 0 : undefined
    if (policy && policy.rrs.length > 0) return {kind: 'answer', answers: withOwner(policy.rrs, qname), scope}
    const rrsets = zone.node(node)
    const cname = rrsets?.get('CNAME')
    if (cname && qtype !== 'CNAME' && qtype !== 'ANY') {
      return {kind: 'chase', target: String(cname[0].data), answers: withOwner(cname, qname), scope}
    }

    let answers: Rr[] = []
    if (qtype === 'ANY') {
      for (const [type, rrs] of rrsets ?? []) if (type !== 'RRSIG' || opts.dnssec) answers.push(...rrs)
    } else {
      answers = rrsets?.get(qtype) ?? []
    }

    if (answers.length > 0) return {kind: 'answer', answers: withOwner(answers, qname), scope}
    const authorities = [negativeSoa(zone)]
    if (opts.dnssec) {
      // The NSEC at the name, or (empty non-terminal) the one covering it.
      const nsec = zone.rrset(node, 'NSEC')[0] ?? zone.coveringNsec(node)
      if (nsec) authorities.push(nsec)
    }

    return {kind: 'negative', rcode: RCODE.NOERROR, answers: [], authorities, scope}
  }

  /** A referral to the zone cut at `cut` (its NS in authority, glue from this zone). */
  private referral(zone: Zone, cut: string, dnssec: boolean): LookupResult {
    const ns = zone.rrset(cut, 'NS')
    const additionals: Rr[] = []
    for (const rr of ns) {
      const target = String(rr.data)
      if (!isSubdomain(target, zone.origin)) continue
      additionals.push(...zone.rrset(target, 'A'), ...zone.rrset(target, 'AAAA'))
    }

    additionals.push(...(this.quirks.poisonAdditional ?? []))
    const authorities: Rr[] = [...ns]
    if (dnssec && cut !== zone.origin) {
      const ds = zone.rrset(cut, 'DS')
      if (ds.length > 0) authorities.push(...ds, ...this.sigs(zone, cut, 'DS'))
      else {
        const nsec = zone.rrset(cut, 'NSEC')
        authorities.push(...nsec, ...(nsec.length > 0 ? this.sigs(zone, cut, 'NSEC') : []))
      }
    }

    return {rcode: RCODE.NOERROR, aa: Boolean(this.quirks.aaOnReferral), answers: [], authorities, additionals}
  }

  /** Addresses for the names an answer points at (NS, MX, SRV targets) that this zone has. */
  private additionalFor(zone: Zone, answers: Rr[]): Rr[] {
    const out: Rr[] = []
    const seen = new Set<string>()
    for (const rr of answers) {
      const type = typeName(rr.type)
      const target = type === 'NS' ? String(rr.data) : type === 'MX' ? rr.data.exchange : type === 'SRV' ? rr.data.target : undefined
      if (!target || seen.has(shownName(target)) || !isSubdomain(target, zone.origin)) continue
      seen.add(shownName(target))
      out.push(...zone.rrset(target, 'A'), ...zone.rrset(target, 'AAAA'))
    }

    return out
  }

  private sigs(zone: Zone, owner: string, type: string, rename?: string): Rr[] {
    const sigs = zone.rrset(owner, 'RRSIG').filter((rr) => typeName(rr.data.typeCovered) === typeName(type))
    return rename ? withOwner(sigs, rename) : sigs
  }

  /** Adds the RRSIGs covering every RRset of a result (DO=1, signed zones). */
  private addSignatures(zone: Zone, result: LookupResult): void {
    const add = (section: Rr[]): Rr[] => {
      const out: Rr[] = []
      const done = new Set<string>()
      for (const rr of section) {
        out.push(rr)
        const key = `${shownName(rr.name)}|${typeName(rr.type)}`
        if (typeName(rr.type) === 'RRSIG' || done.has(key)) continue
        done.add(key)
        // Synthesized records (DNAME's CNAME) have no signature; wildcard answers use the wildcard's.
        let owner = shownName(rr.name)
        if (!zone.node(owner) && zone.exists(owner) === false) {
          let encloser = parentShown(owner)
          while (encloser !== null && !zone.exists(encloser)) encloser = parentShown(encloser)
          owner = prependLabel('*', encloser ?? zone.origin)
        }

        out.push(...this.sigs(zone, owner, rr.type, rr.name))
      }

      return out
    }

    result.answers = add(result.answers)
    result.authorities = add(result.authorities)
  }
}

/**
 * Fits a response into a UDP payload of `limit` bytes: unchanged when it fits, else TC=1 with
 * the answer, authority and additional sections emptied (only the OPT record kept).
 */
export function truncateForUdp(response: dnsPacket.Packet, limit: number): {packet: dnsPacket.Packet, truncated: boolean} {
  if (packetLength(response as Packet) <= limit) return {packet: response, truncated: false}
  return {
    packet: {
      ...response,
      flags: (response.flags ?? 0) | 0x0200,
      answers: [],
      authorities: [],
      additionals: (response.additionals ?? []).filter((rr) => rr.type === 'OPT'),
    },
    truncated: true,
  }
}

/** The UDP payload a response may use: the client's EDNS size (at most `serverMax`), else 512. */
export function udpLimit(query: dnsPacket.Packet, serverMax = 1232): number {
  const edns = readEdns(query)
  if (!edns) return 512
  return Math.max(512, Math.min(edns.udpPayload, serverMax))
}

/** Number of leading bits two addresses of one family share. */
function commonPrefixBits(a: number[], b: number[]): number {
  let bits = 0
  for (let i = 0; i < a.length; i++) {
    const x = a[i] ^ b[i]
    if (x === 0) {
      bits += 8
      continue
    }
    return bits + Math.clz32(x) - 24
  }
  return bits
}
