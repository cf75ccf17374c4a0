/**
 * DNS messages: build queries and decode replies with dns-packet, owning the
 * parts it gets wrong or leaves out (EDNS options, extended rcodes, CHAOS,
 * total robustness against malformed input).
 */
import dnsPacket from 'dns-packet'
import {decodeEcs, decodeNsid, encodeEcs, OPTION, type DecodedEcs} from './edns.js'
import {canonicalName, validateName} from './names.js'
import {normalizeType, packetType, rcodeName, typeCode, typeName} from './types.js'
import {UsageError} from '../errors.js'

export type Rr = dnsPacket.Answer
export type Packet = dnsPacket.Packet

export const DEFAULT_UDP_PAYLOAD = 1232

/** The question of a query. `type` is a mnemonic ("A", "TXT", "TYPE65534"), class "IN" or "CH". */
export interface Question {
  name: string
  type: string
  class: string
}

/** EDNS(0) settings for a query; `false` sends no OPT record. */
export interface EdnsRequest {
  udpPayload?: number
  /** DNSSEC OK bit. */
  do?: boolean
  /** Ask for the server's NSID (RFC 5001). */
  nsid?: boolean
  /** Client subnet to send (RFC 7871); the address is masked to sourcePrefix on the wire. */
  ecs?: {family: number, address: string, sourcePrefix: number}
  /** EDNS version (0; other values provoke BADVERS, for testing servers). */
  version?: number
}

export interface QuerySpec {
  id: number
  question: Question
  /** Recursion desired (default true, as dig). */
  rd?: boolean
  /** Checking disabled. */
  cd?: boolean
  /** Authentic data bit in the query (RFC 6840 §5.7). */
  ad?: boolean
  edns?: EdnsRequest | false
}

const KNOWN_CLASSES = new Set(['IN', 'CH', 'HS', 'ANY'])

/** Parse an RR type mnemonic or TYPEnnn; throws UsageError for unknown types. */
export function parseType(input: string): string {
  const code = typeCode(input.trim())
  if (code === undefined) throw new UsageError(`unknown record type "${input}"`, 'bad-type')
  return typeName(code)
}

/** Parse a class; throws UsageError for unknown classes. */
export function parseClass(input: string): string {
  const c = input.trim().toUpperCase()
  if (c === 'CHAOS') return 'CH'
  if (!KNOWN_CLASSES.has(c)) throw new UsageError(`unknown class "${input}" (use IN or CH)`, 'bad-class')
  return c
}

/** Build a validated question. */
export function makeQuestion(name: string, type = 'A', klass = 'IN'): Question {
  return {name: validateName(name), type: parseType(type), class: parseClass(klass)}
}

/** Encode a query to wire format. */
export function encodeQuery(spec: QuerySpec): Buffer {
  let flags = 0
  if (spec.rd ?? true) flags |= dnsPacket.RECURSION_DESIRED
  if (spec.cd) flags |= dnsPacket.CHECKING_DISABLED
  if (spec.ad) flags |= dnsPacket.AUTHENTIC_DATA
  const additionals: any[] = []
  if (spec.edns) {
    const options: {code: number, data: Buffer}[] = []
    if (spec.edns.nsid) options.push({code: OPTION.NSID, data: Buffer.alloc(0)})
    if (spec.edns.ecs) options.push({code: OPTION.ECS, data: encodeEcs(spec.edns.ecs)})
    additionals.push({
      type: 'OPT',
      name: '.',
      udpPayloadSize: spec.edns.udpPayload ?? DEFAULT_UDP_PAYLOAD,
      extendedRcode: 0,
      ednsVersion: spec.edns.version ?? 0,
      flags: spec.edns.do ? dnsPacket.DNSSEC_OK : 0,
      options,
    })
  }
  const q = spec.question
  return dnsPacket.encode({
    id: spec.id,
    type: 'query',
    flags,
    questions: [{name: q.name, type: packetType(q.type) as dnsPacket.RecordType, class: q.class as dnsPacket.RecordClass}],
    additionals,
  } as Packet)
}

export interface EdnsOptionView {
  code: number
  name: string
  hex: string
}

export interface EdnsInfo {
  version: number
  udpPayload: number
  do: boolean
  extendedRcode: number
  options: EdnsOptionView[]
  nsid: {hex: string, text: string | null} | null
  ecs: DecodedEcs | null
  cookie: {client: string, server: string | null} | null
  /** Extended DNS Errors (RFC 8914): info code and extra text. */
  ede: {code: number, text: string}[]
}

export interface Flags {
  qr: boolean
  aa: boolean
  tc: boolean
  rd: boolean
  ra: boolean
  z: boolean
  ad: boolean
  cd: boolean
}

/** A decoded reply. */
export interface DnsMessage {
  id: number
  opcode: string
  flags: Flags
  /** Full rcode name, extended by the OPT record (e.g. "BADVERS"). */
  rcode: string
  rcodeValue: number
  questions: Question[]
  answers: Rr[]
  authorities: Rr[]
  /** Additional section without the OPT pseudo-record. */
  additionals: Rr[]
  edns: EdnsInfo | null
}

export class MalformedMessageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'MalformedMessageError'
  }
}

const OPTION_NAMES: Record<number, string> = {3: 'NSID', 8: 'ECS', 9: 'EXPIRE', 10: 'COOKIE', 11: 'KEEPALIVE', 12: 'PADDING', 15: 'EDE'}

/**
 * Decode a wire message. Throws MalformedMessageError (never anything else) on
 * input that is not a well-formed DNS message.
 */
export function decodeMessage(wire: Uint8Array): DnsMessage {
  const buf = Buffer.isBuffer(wire) ? wire : Buffer.from(wire)
  if (buf.length < 12) throw new MalformedMessageError(`message of ${buf.length} bytes is shorter than a DNS header`)
  let p: any
  try {
    p = dnsPacket.decode(buf)
  } catch (err) {
    throw new MalformedMessageError(`malformed DNS message: ${(err as Error).message}`)
  }
  if (!p || !Array.isArray(p.questions) || p.questions.some((q: unknown) => q === undefined)) {
    throw new MalformedMessageError('malformed DNS message: section counts exceed the data')
  }
  for (const section of [p.answers, p.authorities, p.additionals]) {
    if (section.some((r: unknown) => r === undefined)) throw new MalformedMessageError('malformed DNS message: section counts exceed the data')
  }
  const raw = buf.readUInt16BE(2)
  const opts = (p.additionals as any[]).filter((r) => r.type === 'OPT')
  let edns: EdnsInfo | null = null
  let extended = 0
  if (opts.length > 0) {
    const opt = opts[0]
    extended = opt.extendedRcode ?? 0
    const options: EdnsOptionView[] = []
    let nsid: EdnsInfo['nsid'] = null
    let ecs: DecodedEcs | null = null
    let cookie: EdnsInfo['cookie'] = null
    const ede: EdnsInfo['ede'] = []
    for (const o of opt.options ?? []) {
      const data: Buffer = o.data ?? Buffer.alloc(0)
      options.push({code: o.code, name: OPTION_NAMES[o.code] ?? `OPT${o.code}`, hex: data.toString('hex')})
      if (o.code === OPTION.NSID) nsid = decodeNsid(data)
      else if (o.code === OPTION.ECS) ecs = decodeEcs(data)
      else if (o.code === OPTION.COOKIE && data.length >= 8) {
        cookie = {client: data.subarray(0, 8).toString('hex'), server: data.length > 8 ? data.subarray(8).toString('hex') : null}
      } else if (o.code === OPTION.EDE && data.length >= 2) {
        ede.push({code: data.readUInt16BE(0), text: data.subarray(2).toString('utf8')})
      }
    }
    edns = {
      version: opt.ednsVersion ?? 0,
      udpPayload: opt.udpPayloadSize ?? 512,
      do: Boolean(opt.flag_do),
      extendedRcode: extended,
      options,
      nsid,
      ecs,
      cookie,
      ede,
    }
  }
  const rcodeValue = (extended << 4) | (raw & 0xf)
  return {
    id: p.id,
    opcode: p.opcode,
    flags: {
      qr: Boolean(p.flag_qr),
      aa: Boolean(p.flag_aa),
      tc: Boolean(p.flag_tc),
      rd: Boolean(p.flag_rd),
      ra: Boolean(p.flag_ra),
      z: Boolean(p.flag_z),
      ad: Boolean(p.flag_ad),
      cd: Boolean(p.flag_cd),
    },
    rcode: rcodeName(rcodeValue),
    rcodeValue,
    questions: p.questions.map((q: any) => ({name: q.name, type: normalizeType(String(q.type)), class: String(q.class)})),
    answers: p.answers.map(fixType),
    authorities: p.authorities.map(fixType),
    additionals: (p.additionals as any[]).filter((r) => r.type !== 'OPT').map(fixType),
    edns,
  }
}

/** dns-packet names types it does not know "UNKNOWN_<n>"; use dnsx's mnemonic instead. */
function fixType(rr: any): Rr {
  if (typeof rr.type === 'string' && rr.type.startsWith('UNKNOWN_')) rr.type = normalizeType(rr.type)
  return rr
}

/** Does a reply's question match what we asked (name case-insensitively, type, class)? */
export function questionMatches(reply: DnsMessage, q: Question): boolean {
  if (reply.questions.length !== 1) return false
  const r = reply.questions[0]
  return canonicalName(r.name) === canonicalName(q.name) && normalizeType(String(r.type)) === normalizeType(q.type) && String(r.class).toUpperCase() === q.class.toUpperCase()
}

/** Header flags in dig's order, as mnemonics ("qr aa rd"). */
export function flagList(flags: Flags): string[] {
  const order: (keyof Flags)[] = ['qr', 'aa', 'tc', 'rd', 'ra', 'ad', 'cd']
  return order.filter((f) => flags[f])
}
