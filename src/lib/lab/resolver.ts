/**
 * The lab's recursive resolver. It resolves iteratively from the lab's root hints by asking the
 * lab's name servers in process (no sockets: {@link ResolverNetwork}), follows referrals and
 * CNAMEs, caches, and answers RD queries with RA=1 and TTLs decremented as if the data had sat
 * in its cache for a while (a deterministic age per name, plus the real time since).
 *
 * It is a simple, careful resolver: glue is accepted only from inside the referring zone's
 * bailiwick, referrals must go down, lame and silent servers are skipped, loops end in SERVFAIL.
 */
import {decodeEcs, encodeEcs, OPTION} from '../dns/edns.js'

import type {Rr} from '../dns/record.js'
import {isOpt, type Packet} from '../dns/message.js'
import {packetTypeName, typeName} from '../dns/types.js'
import type {ServerIdentity} from './authority.js'
import {FLAG_AA, FLAG_CD, FLAG_RD, RCODE, findOpt, readEdns, responseOpt} from './wire.js'
import {isSubdomain, shownName} from '../dns/names.js'

/** How the resolver reaches name servers: one query in, the server's response (or null) out. */
export interface ResolverNetwork {
  ask(address: string, query: Packet): Packet | null
}

/** Options for {@link LabResolver}. */
export interface LabResolverOptions {
  rootHints: {name: string, address: string}[]
  network: ResolverNetwork
  identity?: ServerIdentity
  /** Wall clock in milliseconds (default Date.now). */
  now?: () => number
  /** Seeds the pretended cache ages. */
  seed?: number
  /** Upper bound of the pretended cache age, in seconds (default 300). */
  maxAgeSeconds?: number
}

/** The outcome of resolving one name and type. */
export interface Resolution {
  rcode: number
  answers: Rr[]
  authorities: Rr[]
  /** ECS scope of the answer, when the query had ECS. */
  scope?: number
  /** Why it failed (SERVFAIL). */
  reason?: string
}

interface EcsRequest {
  family: number
  sourcePrefix: number
  address: string
}

interface Ctx {
  ecs?: EcsRequest
  dnssec: boolean
  /** Names whose addresses are being looked up (cycle guard). */
  pending: Set<string>
  depth: number
}

type Step =
  | {kind: 'answer', answers: Rr[], scope?: number}
  | {kind: 'nxdomain' | 'nodata', answers: Rr[], authorities: Rr[], scope?: number}
  | {kind: 'fail', reason: string}

interface CacheEntry {
  step: Step
  storedAt: number
  ageSeconds: number
}

const {NOERROR, SERVFAIL, NXDOMAIN, REFUSED} = RCODE
const FLAG_RA = 0x0080

function rcodeOf(p: Packet): number {
  return ((p.flags ?? 0) & 0xf) | ((findOpt(p)?.extendedRcode ?? 0) << 4)
}

function hash32(text: string): number {
  let h = 0x811c_9dc5
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x0100_0193) >>> 0
  return h
}

/** A recursive resolver over the lab's name servers. */
export class LabResolver {
  readonly identity: ServerIdentity
  private readonly opts: LabResolverOptions
  private readonly now: () => number
  private readonly cache = new Map<string, CacheEntry>()

  constructor(opts: LabResolverOptions) {
    this.opts = opts
    this.identity = opts.identity ?? {}
    this.now = opts.now ?? Date.now
  }

  /** Forgets everything cached. */
  flush(): void {
    this.cache.clear()
  }

  /** Answers one client query (the resolver's nanoserver handler uses this). */
  handle(query: Packet): Packet {
    const questions = query.questions ?? []
    const edns = readEdns(query)
    const response: Packet = {
      id: query.id ?? 0,
      type: 'response',
      flags: ((query.flags ?? 0) & (0x7800 | FLAG_RD | FLAG_CD)) | FLAG_RA,
      questions,
      answers: [],
      authorities: [],
      additionals: [],
    }
    const finish = (rcode: number, r?: Partial<Resolution>, aa = false): Packet => {
      response.flags = (response.flags ?? 0) | (rcode & 0xf) | (aa ? FLAG_AA : 0)
      response.answers = (r?.answers ?? [])
      response.authorities = (r?.authorities ?? [])
      if (edns) response.additionals = [responseOpt(edns, rcode, {udpPayload: 1232, nsid: this.identity.nsid, scope: r?.scope})]

      return response
    }

    if (((query.flags ?? 0) & 0x7800) !== 0) return finish(4)
    if (questions.length !== 1) return finish(1)
    if (edns && edns.version > 0) return finish(16)
    if (edns?.ecs === 'malformed') return finish(1)
    const [q] = questions
    const klass = (q.class ?? 'IN').toUpperCase()
    if (klass === 'CH') {
      const name = shownName(q.name)
      const value = name === 'hostname.bind' || name === 'id.server' ? this.identity.hostname
        : name === 'version.bind' || name === 'version.server' ? this.identity.version : undefined
      if (value === undefined) return finish(REFUSED)
      return finish(NOERROR, {answers: [{name: q.name, type: 'TXT', class: 'CH', ttl: 0, data: [Buffer.from(value, 'utf8')]}]}, true)
    }

    if (klass !== 'IN') return finish(REFUSED)
    const ecs = typeof edns?.ecs === 'object'
      ? {family: edns.ecs.family, sourcePrefix: edns.ecs.sourcePrefix, address: edns.ecs.address.toString()}
      : undefined
    const result = this.resolve(q.name, typeName(q.type), {ecs, dnssec: edns?.do ?? false})
    return finish(result.rcode, {...result, answers: result.answers.map((rr) => (shownName(rr.name) === shownName(q.name) ? {...rr, name: q.name} : rr))})
  }

  /** Resolves a name and type, following CNAMEs. */
  resolve(name: string, type: string, opts: {ecs?: EcsRequest, dnssec?: boolean} = {}): Resolution {
    return this.resolveWith(name, typeName(type), {ecs: opts.ecs, dnssec: opts.dnssec ?? false, pending: new Set(), depth: 0})
  }

  private resolveWith(name: string, type: string, ctx: Ctx): Resolution {
    const chain: Rr[] = []
    const seen = new Set<string>()
    let current = shownName(name)
    let scope: number | undefined
    for (let hop = 0; hop < 12; hop++) {
      if (seen.has(current)) return {rcode: SERVFAIL, answers: chain, authorities: [], reason: `CNAME loop at ${current}`}
      seen.add(current)
      const step = this.step(current, type, ctx)
      if (step.kind === 'fail') return {rcode: SERVFAIL, answers: chain, authorities: [], reason: step.reason}
      if (step.scope !== undefined) scope = Math.max(scope ?? 0, step.scope)
      chain.push(...step.answers)
      if (step.kind !== 'answer') {
        return {rcode: step.kind === 'nxdomain' ? NXDOMAIN : NOERROR, answers: chain, authorities: step.authorities, scope}
      }

      // Follow the CNAMEs inside the answer; stop when the final name has the wanted type.
      let target = current
      const followed = new Set([target])
      for (;;) {
        const cname = step.answers.find((rr) => typeName(rr.type) === 'CNAME' && shownName(rr.name) === target)
        if (!cname || type === 'CNAME') break
        target = shownName(String(cname.data))
        if (followed.has(target)) return {rcode: SERVFAIL, answers: chain, authorities: [], reason: `CNAME loop at ${target}`}
        followed.add(target)
      }

      const done = type === 'CNAME' || type === 'ANY' || step.answers.some((rr) => shownName(rr.name) === target && typeName(rr.type) === type)
      if (done) return {rcode: NOERROR, answers: chain, authorities: [], scope}
      current = target
    }

    return {rcode: SERVFAIL, answers: chain, authorities: [], reason: 'CNAME chain too long'}
  }

  /** One name and type without following CNAMEs: from the cache, or by iterating. */
  private step(name: string, type: string, ctx: Ctx): Step {
    const key = `${name}|${type}|${ctx.dnssec ? 'do' : ''}`
    const now = this.now()
    const cacheable = ctx.ecs === undefined
    let entry = cacheable ? this.cache.get(key) : undefined
    if (entry) {
      const elapsed = (now - entry.storedAt) / 1000 + entry.ageSeconds
      if (elapsed >= minTtl(entry.step)) entry = undefined
    }

    if (!entry) {
      const step = this.iterate(name, type, ctx)
      if (step.kind === 'fail') return step
      const ttl = minTtl(step)
      const maxAge = Math.min(this.opts.maxAgeSeconds ?? 300, Math.floor(ttl / 2))
      entry = {step, storedAt: now, ageSeconds: maxAge > 0 ? 1 + (hash32(`${this.opts.seed ?? 1}|${key}`) % maxAge) : 0}
      if (cacheable) this.cache.set(key, entry)
      else return step
    }

    const elapsed = Math.floor((now - entry.storedAt) / 1000 + entry.ageSeconds)
    const age = (rrs: Rr[]): Rr[] => rrs.map((rr) => ({...rr, ttl: Math.max(0, rr.ttl - elapsed)}))
    const s = entry.step
    if (s.kind === 'answer') return {...s, answers: age(s.answers)}
    if (s.kind === 'fail') return s
    return {...s, answers: age(s.answers), authorities: age(s.authorities)}
  }

  /** Iterates from the root for one name and type. */
  private iterate(name: string, type: string, ctx: Ctx): Step {
    let zone = '.'
    let servers = this.opts.rootHints.map((h) => h.address)
    for (let round = 0; round < 24; round++) {
      const r = this.askAny(servers, name, type, ctx)
      if (!r) return {kind: 'fail', reason: `no usable answer from the servers of ${zone}`}
      const answers = r.answers ?? []
      const authorities = r.authorities ?? []
      const scope = ecsScope(r)
      if (rcodeOf(r) === NXDOMAIN) return {kind: 'nxdomain', answers, authorities, scope}
      if (answers.length > 0) return {kind: 'answer', answers, scope}
      const ns = authorities.filter((rr) => typeName(rr.type) === 'NS')
      const hasSoa = authorities.some((rr) => typeName(rr.type) === 'SOA')
      if (ns.length > 0 && !hasSoa) {
        const cut = shownName(ns[0].name)
        if (cut === zone || !isSubdomain(cut, zone) || !isSubdomain(name, cut)) {
          return {kind: 'fail', reason: `bad referral from ${zone} to ${cut}`}
        }

        // Glue counts only for NS names inside the referring zone (its bailiwick).
        const nsNames = ns.map((rr) => shownName(String(rr.data)))
        const glue = (r.additionals ?? []).filter((rr): rr is Rr => {
          if (isOpt(rr)) return false
          const t = typeName(rr.type)
          return (t === 'A' || t === 'AAAA') && nsNames.includes(shownName(rr.name)) && isSubdomain(rr.name, zone)
        })
        let addresses = glue.map((rr) => String(rr.data))
        if (addresses.length === 0) addresses = nsNames.flatMap((n) => this.addressesOf(n, ctx))
        if (addresses.length === 0) return {kind: 'fail', reason: `no address for any name server of ${cut}`}
        zone = cut
        servers = addresses
        continue
      }

      return {kind: 'nodata', answers: [], authorities, scope}
    }

    return {kind: 'fail', reason: 'too many referrals'}
  }

  /** The addresses of a name server name (for glueless delegations). */
  private addressesOf(name: string, ctx: Ctx): string[] {
    if (ctx.pending.has(name) || ctx.depth > 6) return []
    const sub: Ctx = {ecs: undefined, dnssec: false, pending: new Set([...ctx.pending, name]), depth: ctx.depth + 1}
    const out: string[] = []
    for (const type of ['A', 'AAAA']) {
      const r = this.resolveWith(name, type, sub)
      for (const rr of r.answers) if (typeName(rr.type) === type) out.push(String(rr.data))
    }

    return out
  }

  /** Asks the servers in turn; the first usable response wins. */
  private askAny(servers: string[], name: string, type: string, ctx: Ctx): Packet | null {
    for (const address of servers) {
      let r = this.opts.network.ask(address, this.query(name, type, ctx, true))
      if (r && rcodeOf(r) === 1) r = this.opts.network.ask(address, this.query(name, type, ctx, false))
      if (!r) continue
      const rcode = rcodeOf(r)
      if (rcode !== NOERROR && rcode !== NXDOMAIN) continue
      const aa = ((r.flags ?? 0) & FLAG_AA) !== 0
      const referral = (r.answers ?? []).length === 0 && (r.authorities ?? []).some((rr) => rr.type === 'NS')
      if (!aa && !referral) continue
      return r
    }

    return null
  }

  private query(name: string, type: string, ctx: Ctx, edns: boolean): Packet {
    const q: Packet = {id: 0, type: 'query', flags: 0, questions: [{name, type: packetTypeName(type), class: 'IN'}]}
    if (edns && (ctx.ecs || ctx.dnssec)) {
      const options = ctx.ecs ? [{code: OPTION.ECS, data: encodeEcs(ctx.ecs)}] : []
      q.additionals = [{name: '.', type: 'OPT', udpPayloadSize: 1232, ednsVersion: 0, extendedRcode: 0, flags: ctx.dnssec ? 0x8000 : 0, options}]
    }

    return q
  }
}

function ecsScope(r: Packet): number | undefined {
  const option = findOpt(r)?.options?.find((o) => o.code === OPTION.ECS)
  return option?.data ? decodeEcs(option.data)?.scopePrefix : undefined
}

function minTtl(step: Step): number {
  if (step.kind === 'fail') return 0
  const rrs = step.kind === 'answer' ? step.answers : [...step.answers, ...step.authorities]
  return rrs.length === 0 ? 0 : Math.min(...rrs.map((rr) => rr.ttl))
}
