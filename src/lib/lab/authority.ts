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
import {Buffer} from 'node:buffer'
import ipaddr from 'ipaddr.js'
import type {Rr} from '../dns/record.js'
import type {Packet, PacketOpt} from '../dns/message.js'
import {typeName} from '../dns/types.js'
import {dnameSubstitute, isSubdomain, labelCount, namesBetween, prependLabel, shownName, wireLength} from '../dns/names.js'
import {parentShown, type ClientAddress, type Zone} from './zone.js'
import {FLAG_AA, FLAG_CD, FLAG_RD, OPCODE_MASK, RCODE, readEdns, responseOpt} from './wire.js'
const MAX_CHASE = 16

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



interface LookupResult {
  rcode: number
  aa: boolean
  answers: Rr[]
  authorities: Rr[]
  additionals: Rr[]
  scope?: number
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
  answer(query: Packet, ctx: AnswerContext = {}): Packet {
    const questions = query.questions ?? []
    const response: Packet = {
      id: query.id ?? 0,
      type: 'response',
      flags: (query.flags ?? 0) & (OPCODE_MASK | FLAG_RD | FLAG_CD),
      questions,
      answers: [],
      authorities: [],
      additionals: [],
    }
    const edns = readEdns(query)
    const finish = (rcode: number, result?: Partial<LookupResult>, opts: {opt?: boolean, ecs?: boolean} = {}): Packet => {
      let flags = (response.flags ?? 0) | (rcode & 0xf)
      if (result?.aa) flags |= FLAG_AA
      response.flags = flags
      response.answers = (result?.answers ?? [])
      response.authorities = (result?.authorities ?? [])
      const additionals: (Rr | PacketOpt)[] = [...(result?.additionals ?? [])]
      if (edns && opts.opt !== false) additionals.push(responseOpt(edns, rcode, {udpPayload: this.udpPayload, nsid: this.identity.nsid, scope: opts.ecs ? result?.scope ?? 0 : undefined}))
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

  private chaos(qname: string, qtype: string, finish: (rcode: number, result?: Partial<LookupResult>) => Packet): Packet {
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
