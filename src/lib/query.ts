/**
 * `dnsx query`: one exchange with one server, as plain data for the renderers.
 */
import {randomBytes} from 'node:crypto'
import net from 'node:net'
import type {DnsClient, Exchange, ExchangeOptions} from './dns/client.js'
import {makeQuestion, type EdnsRequest, type Question, type Rr} from './dns/message.js'
import type {RunContext} from './context.js'
import {parseServerSpec} from './dns/endpoint.js'
import type {Endpoint} from './dns/transport.js'
import type {ParsedSubnet} from './net/cidr.js'
import {formatRdata} from './dns/zonefile.js'
import {typeName} from './dns/types.js'
import {fqdn} from './dns/names.js'
import {NetworkError, UsageError} from './errors.js'

export interface QueryRequest {
  question: Question
  server: Endpoint
  /** The server as the user wrote it (a name or an address). */
  serverInput?: string
  tcp: boolean
  /** Keep a truncated UDP reply rather than retrying over TCP (dig +ignore). */
  ignoreTc?: boolean
  rd: boolean
  dnssec: boolean
  nsid: boolean
  subnet: ParsedSubnet | null
  edns: boolean
  /** EDNS UDP payload size to advertise (default 1232). */
  udpPayload?: number
  /** Send a DNS cookie (RFC 7873): a fresh random client cookie. */
  cookie?: boolean
  /** Pad the query to a multiple of this many octets (RFC 7830, RFC 8467). */
  padBlock?: number
  /** Other EDNS options, sent as given (dig +ednsopt). */
  ednsOptions?: {code: number, data: Buffer}[]
  timeoutMs: number
  retries: number
}

export interface RecordJson {
  name: string
  type: string
  class: string
  ttl: number
  data: string
}

/** The JSON shape of `dnsx query --json` (documented in README and schemas/query.json). */
export interface QueryResult extends Pick<Exchange, 'transport' | 'transportReason' | 'ednsFallback' | 'rttMs' | 'totalMs' | 'retries'> {
  /** cookie: the client cookie sent (hex), or null. */
  query: {name: string, type: string, class: string, server: {address: string, port: number, input?: string}, rd: boolean, tcp: boolean, edns: boolean, dnssec: boolean, nsid: boolean, subnet: string | null, cookie: string | null}
  status: 'ok' | 'error'
  rcode: string | null
  id: number | null
  flags: Record<string, boolean> | null
  authoritative: boolean | null
  answers: RecordJson[]
  authority: RecordJson[]
  additional: RecordJson[]
  edns: {
    version: number
    udpPayload: number
    do: boolean
    nsid: {hex: string, text: string | null} | null
    ecs: {family: number, address: string, sourcePrefix: number, scopePrefix: number, problems: string[]} | null
    options: {code: number, name: string, hex: string}[]
    ede: {code: number, text: string}[]
    /** The reply's COOKIE (RFC 7873): the client cookie echoed, the server's cookie. */
    cookie: {client: string, server: string | null} | null
    /** Octets of padding in the reply (RFC 7830), when it has the option. */
    padding: number | null
  } | null
  /** sent: over every attempt; received: the answer's size; truncatedUdp: the TC=1 UDP reply before TCP, if any. */
  bytes: {sent: number, received: number, truncatedUdp: number | null}
  ignored: {count: number, reasons: string[]}
  wire: {query: string, reply: string | null}
  notes: string[]
  error: {code: string, message: string} | null
  /** Without @SERVER: the system's nameservers asked before the one that answered, and why each gave nothing. */
  passedOver?: {address: string, port: number, error: {code: string, message: string}}[]
}

/** Present a record as JSON: presentation-format data, type mnemonics. */
export function recordJson(rr: Rr): RecordJson {
  return {name: fqdn(rr.name), type: typeName(rr.type), class: rr.class ?? 'IN', ttl: rr.ttl ?? 0, data: formatRdata(rr)}
}

/** Resolve `@server` given as a name through `lookup` (OS or lab); addresses pass through. */
export async function resolveServer(host: string, family: 4 | 6 | undefined, lookup: (name: string) => Promise<string[]>): Promise<string> {
  if (net.isIP(host)) {
    if (family && net.isIP(host) !== family) throw new UsageError(`server ${host} is not an IPv${family} address`, 'bad-server')
    return host
  }
  let addrs: string[]
  try {
    addrs = await lookup(host)
  } catch (err) {
    throw new NetworkError(`cannot resolve server name ${host}: ${(err as Error).message}`, 'server-unresolved')
  }
  const pick = addrs.find((a) => !family || net.isIP(a) === family)
  if (!pick) throw new NetworkError(`server name ${host} has no ${family ? `IPv${family} ` : ''}address`, 'server-unresolved')
  return pick
}

/**
 * The server a query goes to: `@SERVER`/`--server` (an address, or a name looked up with the
 * system's resolver, or the lab's resolver under --lab) with --port over the spec's own port,
 * else the context's default resolver.
 */
export async function queryEndpoint(ctx: RunContext, server: string | undefined, port: number | undefined, family: 4 | 6 | undefined): Promise<{endpoint: Endpoint, serverInput?: string}> {
  if (!server) {
    const def = ctx.defaultResolver()
    return {endpoint: {address: def.address, port: port ?? def.port}}
  }
  const spec = parseServerSpec(server)
  const lookup = ctx.lab
    ? (name: string) => labLookup(ctx, name)
    : async (name: string) => (await import('node:dns')).promises.lookup(name, {all: true}).then((r) => r.map((x) => x.address))
  const address = await resolveServer(spec.host, family, lookup)
  return {endpoint: {address, port: port ?? spec.port ?? 53}, serverInput: spec.host}
}

/** A server name's addresses inside the lab, from the lab's resolver. */
async function labLookup(ctx: RunContext, name: string): Promise<string[]> {
  const out: string[] = []
  for (const type of ['A', 'AAAA']) {
    const ex = await ctx.client.exchange({server: ctx.defaultResolver(), question: makeQuestion(name, type), rd: true})
    for (const rr of ex.message?.answers ?? []) if (rr.type === type) out.push(String(rr.data))
  }
  if (out.length === 0) throw new NetworkError('no address in the lab', 'server-unresolved')
  return out
}

/** The EDNS a query asks for: none unless EDNS, NSID, ECS or DO is wanted. */
function ednsOf(req: Pick<QueryRequest, 'edns' | 'nsid' | 'subnet' | 'dnssec' | 'udpPayload' | 'cookie' | 'padBlock' | 'ednsOptions'>, clientCookie?: Buffer): EdnsRequest | false {
  if (!(req.edns || req.nsid || req.subnet || req.dnssec || req.cookie || req.padBlock || req.ednsOptions?.length)) return false
  const edns: EdnsRequest = {do: req.dnssec, nsid: req.nsid, ...(req.udpPayload === undefined ? {} : {udpPayload: req.udpPayload})}
  if (req.cookie && clientCookie) edns.cookie = {client: clientCookie}
  if (req.padBlock) edns.padBlock = req.padBlock
  if (req.ednsOptions?.length) edns.options = req.ednsOptions
  if (req.subnet) edns.ecs = {family: req.subnet.family, address: req.subnet.address, sourcePrefix: req.subnet.sourcePrefix}
  return edns
}

/** What every query exchange asks for, whichever server it goes to; the cookie is the client cookie to send. */
function exchangeOptions(req: Omit<QueryRequest, 'server' | 'serverInput'>, cookie: Buffer | undefined): Omit<ExchangeOptions, 'server' | 'retries'> {
  return {question: req.question, rd: req.rd, edns: ednsOf(req, cookie), tcp: req.tcp, timeoutMs: req.timeoutMs, ednsFallback: true, tcpOnTruncation: !req.ignoreTc}
}

/** A fresh client cookie per query (RFC 7873 §5.1: a pseudo-random 8 octets), when one is asked for. */
const clientCookie = (req: Pick<QueryRequest, 'cookie'>): Buffer | undefined => (req.cookie ? randomBytes(8) : undefined)

/** The note for a truncated reply kept as asked (--ignore-tc). */
function noteKeptTruncation(req: Pick<QueryRequest, 'ignoreTc'>, ex: Exchange): void {
  if (req.ignoreTc && ex.message?.flags.tc) ex.notes.push('the reply is truncated (TC=1) and was kept as asked (--ignore-tc): sections may be incomplete')
}

export async function runQuery(client: DnsClient, req: QueryRequest): Promise<QueryResult> {
  const cookie = clientCookie(req)
  const ex = await client.exchange({...exchangeOptions(req, cookie), server: req.server, retries: req.retries})
  noteKeptTruncation(req, ex)
  return toResult(req, ex, cookie)
}

/**
 * A query without @SERVER: to the system's resolvers (every nameserver of resolv.conf, in turn,
 * with its timeout, attempts and rotate; the lab's resolver under --lab), as its stub resolver
 * asks them. A server that gives no reply is passed over, and said so in notes and `passedOver`.
 * Without resolv.conf options, one round is `retries + 1` tries in all per server.
 */
export async function runDefaultQuery(ctx: RunContext, req: Omit<QueryRequest, 'server' | 'serverInput'>, walk: {ownTimeout: boolean, port?: number, family?: 4 | 6}): Promise<QueryResult> {
  const cookie = clientCookie(req)
  const {exchange, server, passedOver} = await ctx.askDefault(exchangeOptions(req, cookie), {rounds: req.retries + 1, ...walk})
  const full: QueryRequest = {...req, server}
  if (exchange.message) exchange.notes.push(...passedOver.map((p) => `${p.server.address} port ${p.server.port} passed over: ${p.error.message}`))
  noteKeptTruncation(req, exchange)
  const result = toResult(full, exchange, cookie)
  if (passedOver.length > 0) result.passedOver = passedOver.map((p) => ({address: p.server.address, port: p.server.port, error: p.error}))
  if (!exchange.message && passedOver.length > 1) {
    result.error = {code: exchange.error?.code ?? 'no-reply', message: `no nameserver answered: ${passedOver.map((p) => p.error.message).join('; ')}`}
  }
  return result
}

export function toResult(req: QueryRequest, ex: Exchange, clientCookie?: Buffer): QueryResult {
  const m = ex.message
  return {
    query: {
      name: fqdn(req.question.name),
      type: req.question.type,
      class: req.question.class,
      server: {address: req.server.address, port: req.server.port, ...(req.serverInput && req.serverInput !== req.server.address ? {input: req.serverInput} : {})},
      rd: req.rd,
      tcp: req.tcp,
      edns: ednsOf(req, clientCookie) !== false,
      cookie: clientCookie?.toString('hex') ?? null,
      dnssec: req.dnssec,
      nsid: req.nsid,
      subnet: req.subnet?.cidr ?? null,
    },
    status: m ? 'ok' : 'error',
    rcode: m?.rcode ?? null,
    id: m?.id ?? null,
    flags: m ? {...m.flags} : null,
    authoritative: m ? m.flags.aa : null,
    answers: m ? m.answers.map(recordJson) : [],
    authority: m ? m.authorities.map(recordJson) : [],
    additional: m ? m.additionals.map(recordJson) : [],
    edns: m?.edns
      ? {
          version: m.edns.version,
          udpPayload: m.edns.udpPayload,
          do: m.edns.do,
          nsid: m.edns.nsid,
          ecs: m.edns.ecs,
          options: m.edns.options,
          ede: m.edns.ede,
          cookie: m.edns.cookie,
          padding: m.edns.padding,
        }
      : null,
    transport: ex.transport,
    transportReason: ex.transportReason,
    ednsFallback: ex.ednsFallback,
    rttMs: round(ex.rttMs),
    totalMs: round(ex.totalMs),
    retries: ex.retries,
    bytes: {sent: ex.bytesSent, received: ex.bytesReceived, truncatedUdp: ex.attempts.find((a) => a.outcome === 'truncated')?.bytesReceived ?? null},
    ignored: {count: ex.ignored.length, reasons: ex.ignored.map((i) => i.reason)},
    wire: ex.wire,
    notes: ex.notes,
    error: ex.error,
  }
}

export function round(ms: number): number {
  return Math.round(ms * 100) / 100
}
