/**
 * DNS messages: queries built and replies decoded by dnsx's own wire code (record.ts), strict
 * the way dnspython's and miekg/dns's unpacking are strict. A reply is malformed, and refused
 * whole, when its counts promise more records than it holds, when bytes trail the last record,
 * when an RDATA is not exactly what its type defines within its RDLENGTH, when a name has a
 * label over 63 octets, is longer than 255, or uses a compression pointer that does not point
 * backwards, or when an OPT record is anywhere but the additional section, or appears twice.
 */
import {decodeEcs, decodeNsid, encodeEcs, OPTION, type DecodedEcs} from './edns.js'
import {canonicalName, validateName} from './names.js'
import {decodeRdata, MalformedMessageError, Reader, writeRecord, Writer, type Rr} from './record.js'
import {className, opcodeName, parseClass, parseType, rcodeName, typeName, typeNumber, classNumber} from './types.js'
import {count} from '../words.js'

export {MalformedMessageError} from './record.js'
export type {Rr} from './record.js'
export {parseClass, parseType} from './types.js'

export const DEFAULT_UDP_PAYLOAD = 1232

/** The question of a query. `type` is a mnemonic ("A", "TXT", "TYPE65534"), class "IN", "CH", ... */
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
  /** A DNS cookie (RFC 7873): the 8-octet client cookie, and the server cookie if one is known. */
  cookie?: {client: Buffer, server?: Buffer}
  /** Pad the message to a multiple of this many octets (RFC 7830, RFC 8467 block padding). */
  padBlock?: number
  /** Any other options, sent as given (dig's +ednsopt). */
  options?: {code: number, data: Buffer}[]
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
  /** Opcode (default 0, QUERY). */
  opcode?: number
  edns?: EdnsRequest | false
}

/** Build a validated question. */
export function makeQuestion(name: string, type = 'A', klass = 'IN'): Question {
  return {name: validateName(name), type: parseType(type), class: parseClass(klass)}
}

const HEADER = 12
/** The fixed part of an OPT record and of each option header. */
const OPT_RR = 11
const OPTION_HEADER = 4

/** Encode a query to wire format. */
export function encodeQuery(spec: QuerySpec): Buffer {
  const w = new Writer()
  let flags = ((spec.opcode ?? 0) & 0xf) << 11
  if (spec.rd ?? true) flags |= FLAG_BITS.rd
  if (spec.ad) flags |= FLAG_BITS.ad
  if (spec.cd) flags |= FLAG_BITS.cd
  w.u16(spec.id)
  w.u16(flags)
  w.u16(1)
  w.u16(0)
  w.u16(0)
  w.u16(spec.edns ? 1 : 0)
  const q = spec.question
  w.name(q.name)
  w.u16(typeNumber(q.type))
  w.u16(classNumber(q.class))
  if (spec.edns) {
    const e = spec.edns
    const options: {code: number, data: Buffer}[] = []
    if (e.nsid) options.push({code: OPTION.NSID, data: Buffer.alloc(0)})
    if (e.ecs) options.push({code: OPTION.ECS, data: encodeEcs(e.ecs)})
    if (e.cookie) options.push({code: OPTION.COOKIE, data: Buffer.concat([e.cookie.client, e.cookie.server ?? Buffer.alloc(0)])})
    options.push(...(e.options ?? []))
    if (e.padBlock && e.padBlock > 1) {
      const size = w.length + OPT_RR + options.reduce((n, o) => n + OPTION_HEADER + o.data.length, 0) + OPTION_HEADER
      options.push({code: OPTION.PADDING, data: Buffer.alloc((e.padBlock - (size % e.padBlock)) % e.padBlock)})
    }
    writeOpt(w, {udpPayload: e.udpPayload ?? DEFAULT_UDP_PAYLOAD, extendedRcode: 0, version: e.version ?? 0, flags: e.do ? 0x8000 : 0, options})
  }
  return w.toBuffer()
}

/** An OPT pseudo-record (RFC 6891 §6.1.2): root owner, the payload size as class, the rest in the TTL. */
function writeOpt(w: Writer, o: {udpPayload: number, extendedRcode: number, version: number, flags: number, options: readonly {code: number, data: Uint8Array}[]}): void {
  w.u8(0)
  w.u16(41)
  w.u16(o.udpPayload)
  w.u8(o.extendedRcode)
  w.u8(o.version)
  w.u16(o.flags)
  w.withLength(() => {
    for (const opt of o.options) {
      w.u16(opt.code)
      w.u16(opt.data.length)
      w.bytes(opt.data)
    }
  })
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
  /** The Z bits after DO (must be zero; shown when they are not). */
  z: number
  options: EdnsOptionView[]
  nsid: {hex: string, text: string | null} | null
  ecs: DecodedEcs | null
  cookie: {client: string, server: string | null} | null
  /** Extended DNS Errors (RFC 8914): info code and extra text. */
  ede: {code: number, text: string}[]
  /** Padding (RFC 7830): octets of padding in the reply, when present. */
  padding: number | null
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

/** The header flag bits (RFC 1035 §4.1.1, RFC 4035 §3.2): one table for both decoders. */
const FLAG_BITS: Readonly<Record<keyof Flags, number>> = {qr: 0x8000, aa: 0x0400, tc: 0x0200, rd: 0x0100, ra: 0x0080, z: 0x0040, ad: 0x0020, cd: 0x0010}

function flagsOf(word: number): Flags {
  const f = {} as Flags
  for (const [k, bit] of Object.entries(FLAG_BITS) as [keyof Flags, number][]) f[k] = (word & bit) !== 0
  return f
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
  /** Section counts as in the header (ADDITIONAL includes the OPT record, as dig shows it). */
  counts: {question: number, answer: number, authority: number, additional: number}
  /** Size of the message in octets. */
  size: number
}

const OPTION_NAMES: Record<number, string> = {3: 'NSID', 8: 'ECS', 9: 'EXPIRE', 10: 'COOKIE', 11: 'KEEPALIVE', 12: 'PADDING', 13: 'CHAIN', 14: 'KEY-TAG', 15: 'EDE', 18: 'REPORT-CHANNEL', 19: 'ZONEVERSION'}

export function optionName(code: number): string {
  return OPTION_NAMES[code] ?? `OPT${code}`
}

interface RawOpt {
  udpPayload: number
  extendedRcode: number
  version: number
  flags: number
  options: {code: number, data: Buffer}[]
}

interface Sections {
  id: number
  flagsWord: number
  questions: Question[]
  answers: Rr[]
  authorities: Rr[]
  additionals: Rr[]
  opt: RawOpt | null
  counts: DnsMessage['counts']
}

/** Decode the sections of a message strictly (see the module comment). */
function decodeSections(buf: Buffer): Sections {
  if (buf.length < HEADER) throw new MalformedMessageError(`${buf.length} octets is shorter than a DNS header`)
  const r = new Reader(buf)
  const id = r.u16()
  const flagsWord = r.u16()
  const qd = r.u16()
  const an = r.u16()
  const ns = r.u16()
  const ar = r.u16()
  // A question takes at least 5 octets and a record at least 11: counts beyond that are lies.
  const room = buf.length - HEADER
  if (qd * 5 + (an + ns + ar) * 11 > room) {
    throw new MalformedMessageError(`the header promises ${count(qd, 'question')} and ${count(an + ns + ar, 'record')}, more than ${room} octets can hold`)
  }
  const questions: Question[] = []
  for (let i = 0; i < qd; i++) {
    const name = r.name('question name')
    questions.push({name, type: typeName(r.u16('question type')), class: className(r.u16('question class'))})
  }
  let opt: RawOpt | null = null
  const section = (count: number, which: 'answer' | 'authority' | 'additional'): Rr[] => {
    const out: Rr[] = []
    for (let i = 0; i < count; i++) {
      const name = r.name(`${which} record name`)
      const type = r.u16(`${which} record type`)
      const klass = r.u16(`${which} record class`)
      const ttl = r.u32(`${which} record TTL`)
      const rdlength = r.u16(`${which} RDLENGTH`)
      if (type === 41) {
        if (which !== 'additional') throw new MalformedMessageError(`OPT record in the ${which} section`)
        if (opt) throw new MalformedMessageError('more than one OPT record')
        if (name !== '') throw new MalformedMessageError('OPT record with an owner other than the root')
        const end = r.pos + rdlength
        r.need(rdlength, 'OPT RDATA')
        const options: {code: number, data: Buffer}[] = []
        while (r.pos < end) {
          const code = r.u16('option code')
          const len = r.u16('option length')
          if (r.pos + len > end) throw new MalformedMessageError('EDNS option runs past the OPT RDATA')
          options.push({code, data: r.bytes(len)})
        }
        opt = {udpPayload: klass, extendedRcode: ttl >>> 24, version: (ttl >>> 16) & 0xff, flags: ttl & 0xffff, options}
        continue
      }
      const data = decodeRdata(r, type, rdlength)
      out.push({name, type: typeName(type), class: className(klass), ttl, data})
    }
    return out
  }
  const answers = section(an, 'answer')
  const authorities = section(ns, 'authority')
  const additionals = section(ar, 'additional')
  if (r.pos !== buf.length) throw new MalformedMessageError(`${count(buf.length - r.pos, 'octet')} trail${buf.length - r.pos === 1 ? 's' : ''} the last record`)
  return {id, flagsWord, questions, answers, authorities, additionals, opt, counts: {question: qd, answer: an, authority: ns, additional: ar}}
}

/**
 * Decode a wire message. Throws MalformedMessageError (never anything else) on input that is
 * not a well-formed DNS message.
 */
export function decodeMessage(wire: Uint8Array): DnsMessage {
  const buf = Buffer.isBuffer(wire) ? wire : Buffer.from(wire)
  let s: Sections
  try {
    s = decodeSections(buf)
  } catch (err) {
    if (err instanceof MalformedMessageError) throw err
    throw new MalformedMessageError((err as Error).message, err)
  }
  let edns: EdnsInfo | null = null
  let extended = 0
  const opt = s.opt as RawOpt | null
  if (opt) {
    extended = opt.extendedRcode
    const options: EdnsOptionView[] = []
    let nsid: EdnsInfo['nsid'] = null
    let ecs: DecodedEcs | null = null
    let cookie: EdnsInfo['cookie'] = null
    let padding: number | null = null
    const ede: EdnsInfo['ede'] = []
    for (const o of opt.options) {
      options.push({code: o.code, name: optionName(o.code), hex: o.data.toString('hex')})
      if (o.code === OPTION.NSID) nsid = decodeNsid(o.data)
      else if (o.code === OPTION.ECS) ecs = decodeEcs(o.data)
      else if (o.code === OPTION.COOKIE && o.data.length >= 8) {
        cookie = {client: o.data.subarray(0, 8).toString('hex'), server: o.data.length > 8 ? o.data.subarray(8).toString('hex') : null}
      } else if (o.code === OPTION.EDE && o.data.length >= 2) {
        ede.push({code: o.data.readUInt16BE(0), text: o.data.subarray(2).toString('utf8')})
      } else if (o.code === OPTION.PADDING) padding = o.data.length
    }
    edns = {version: opt.version, udpPayload: opt.udpPayload, do: (opt.flags & 0x8000) !== 0, extendedRcode: extended, z: opt.flags & 0x7fff, options, nsid, ecs, cookie, ede, padding}
  }
  const f = s.flagsWord
  const rcodeValue = (extended << 4) | (f & 0xf)
  return {
    id: s.id,
    opcode: opcodeName((f >> 11) & 0xf),
    flags: flagsOf(f),
    rcode: rcodeName(rcodeValue),
    rcodeValue,
    questions: s.questions,
    answers: s.answers,
    authorities: s.authorities,
    additionals: s.additionals,
    edns,
    counts: s.counts,
    size: buf.length,
  }
}

/** Does a reply's question match what we asked (name case-insensitively, type, class)? */
export function questionMatches(reply: DnsMessage, q: Question): boolean {
  if (reply.questions.length !== 1) return false
  const r = reply.questions[0]!
  return canonicalName(r.name) === canonicalName(q.name) && typeName(r.type) === typeName(q.type) && className(r.class) === className(q.class)
}

// ---------------------------------------------------------------------------------------------
// Packets in dns-packet's shape, for the lab's simulated servers (which build them as objects).

/** An OPT pseudo-record as dns-packet spells it. */
export interface PacketOpt {
  name?: string
  type: 'OPT'
  udpPayloadSize?: number
  extendedRcode?: number
  ednsVersion?: number
  /** The 16 flag bits (DO is 0x8000). */
  flags?: number
  flag_do?: boolean
  options?: {code: number | string, data?: Buffer}[]
}

export interface PacketQuestion {
  name: string
  type: string
  class?: string
}

/** A message as the lab builds it (dns-packet's Packet shape). */
export interface Packet {
  id?: number
  type?: 'query' | 'response'
  /** Header flags below QR (dns-packet: `flags & 32767`), opcode and rcode bits included. */
  flags?: number
  questions?: PacketQuestion[]
  answers?: Rr[]
  authorities?: Rr[]
  additionals?: (Rr | PacketOpt)[]
}

/** A decoded packet in dns-packet's shape (what the lab's handlers read). */
export interface DecodedPacket extends Packet {
  id: number
  type: 'query' | 'response'
  flags: number
  opcode: string
  rcode: string
  flag_qr: boolean
  flag_aa: boolean
  flag_tc: boolean
  flag_rd: boolean
  flag_ra: boolean
  flag_z: boolean
  flag_ad: boolean
  flag_cd: boolean
  questions: PacketQuestion[]
  answers: Rr[]
  authorities: Rr[]
  additionals: (Rr | PacketOpt)[]
}

const OPTION_CODES: Record<string, number> = Object.fromEntries(Object.entries(OPTION_NAMES).map(([k, v]) => [v, Number(k)]))

/** Whether a packet's additional record is its OPT pseudo-record. */
export function isOpt(rr: Rr | PacketOpt): rr is PacketOpt {
  return rr.type === 'OPT'
}

/** Encode a packet (names compressed, as servers send them). */
export function encodePacket(p: Packet): Buffer {
  const w = new Writer(true)
  const add = p.additionals ?? []
  w.u16(p.id ?? 0)
  w.u16(((p.flags ?? 0) & 0x7fff) | (p.type === 'response' ? 0x8000 : 0))
  w.u16(p.questions?.length ?? 0)
  w.u16(p.answers?.length ?? 0)
  w.u16(p.authorities?.length ?? 0)
  w.u16(add.length)
  for (const q of p.questions ?? []) {
    w.name(q.name, {compress: true})
    w.u16(typeNumber(q.type))
    w.u16(classNumber(q.class ?? 'IN'))
  }
  for (const rr of [...(p.answers ?? []), ...(p.authorities ?? []), ...add]) {
    if (isOpt(rr)) {
      writeOpt(w, {
        udpPayload: rr.udpPayloadSize ?? 4096,
        extendedRcode: rr.extendedRcode ?? 0,
        version: rr.ednsVersion ?? 0,
        flags: (rr.flags ?? 0) | (rr.flag_do ? 0x8000 : 0),
        options: (rr.options ?? []).map((o) => ({
          code: typeof o.code === 'number' ? o.code : OPTION_CODES[o.code.toUpperCase()] ?? Number(o.code),
          data: o.data ?? Buffer.alloc(0),
        })),
      })
      continue
    }
    writeRecord(w, rr)
  }
  return w.toBuffer()
}

/** The encoded size of a packet. */
export function packetLength(p: Packet): number {
  return encodePacket(p).length
}

/** Decode a message into dns-packet's shape (strict, as decodeMessage). */
export function decodePacket(wire: Uint8Array): DecodedPacket {
  const buf = Buffer.isBuffer(wire) ? wire : Buffer.from(wire)
  const s = decodeSections(buf)
  const f = s.flagsWord
  const additionals: (Rr | PacketOpt)[] = [...s.additionals]
  if (s.opt) {
    const o = s.opt
    additionals.push({name: '.', type: 'OPT', udpPayloadSize: o.udpPayload, extendedRcode: o.extendedRcode, ednsVersion: o.version, flags: o.flags, flag_do: (o.flags & 0x8000) !== 0, options: o.options})
  }
  const fl = flagsOf(f)
  return {
    id: s.id,
    type: fl.qr ? 'response' : 'query',
    flags: f & 0x7fff,
    opcode: opcodeName((f >> 11) & 0xf),
    rcode: rcodeName(f & 0xf),
    flag_qr: fl.qr,
    flag_aa: fl.aa,
    flag_tc: fl.tc,
    flag_rd: fl.rd,
    flag_ra: fl.ra,
    flag_z: fl.z,
    flag_ad: fl.ad,
    flag_cd: fl.cd,
    questions: s.questions,
    answers: s.answers,
    authorities: s.authorities,
    additionals,
  }
}
