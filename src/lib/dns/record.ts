/**
 * The record model of dnsx: one `Rr` shape for every record, whether it came off the wire, out
 * of a zone file or a trust anchor, or was made by the lab's signer. Each RDATA type owns its
 * wire form (strict decoding: an RDATA must be exactly what its type defines, within its
 * RDLENGTH) and its canonical form (RFC 4034 §6.2); presentation lives in zonefile.ts.
 *
 * - `name` and every name inside `data` are in the names module's normal form (escaped
 *   presentation, no trailing dot, `''` for the root).
 * - `type` is the mnemonic (`A`, `HTTPS`) or `TYPE<n>`; `class` is `IN`, `CH`, ... or `CLASS<n>`.
 * - `data` has the shape given by the interfaces below (the shapes dns-packet uses, so records
 *   can also be handed to it); types without a structured codec keep their raw RDATA Buffer.
 */
import ipaddr from 'ipaddr.js'
import {DataError} from '../errors.js'
import {formatLabels, lowercaseOctets, MAX_LABEL, MAX_NAME_WIRE, nameLabels} from './names.js'
import {classNumber, typeCode, typeName, typeNumber} from './types.js'

export interface Rr<D = any> { // eslint-disable-line @typescript-eslint/no-explicit-any
  name: string
  type: string
  class: string
  ttl: number
  data: D
}

export interface SoaData {mname: string, rname: string, serial: number, refresh: number, retry: number, expire: number, minimum: number}
export interface MxData {preference: number, exchange: string}
export interface SrvData {priority: number, weight: number, port: number, target: string}
export interface CaaData {flags: number, tag: string, value: string, issuerCritical: boolean}
export interface HinfoData {cpu: string, os: string}
export interface NaptrData {order: number, preference: number, flags: string, services: string, regexp: string, replacement: string}
export interface RpData {mbox: string, txt: string}
export interface SshfpData {algorithm: number, hash: number, fingerprint: string}
export interface TlsaData {usage: number, selector: number, matchingType: number, certificate: Buffer}
export interface DsData {keyTag: number, algorithm: number, digestType: number, digest: Buffer}
export interface DnskeyData {flags: number, algorithm: number, key: Buffer, protocol?: number}
export interface RrsigData {
  typeCovered: string
  algorithm: number
  labels: number
  originalTTL: number
  expiration: number
  inception: number
  keyTag: number
  signersName: string
  signature: Buffer
}
export interface NsecData {nextDomain: string, rrtypes: string[]}
export interface Nsec3Data {algorithm: number, flags: number, iterations: number, salt: Buffer, nextDomain: Buffer, rrtypes: string[]}

export type DsRecord = Rr<DsData>
export type DnskeyRecord = Rr<DnskeyData>
export type RrsigRecord = Rr<RrsigData>
export type NsecRecord = Rr<NsecData>
export type Nsec3Record = Rr<Nsec3Data>

/** The DNSSEC record types by mnemonic, for {@link recordsOfType}. */
export interface DnssecRecords {DS: DsRecord, DNSKEY: DnskeyRecord, RRSIG: RrsigRecord, NSEC: NsecRecord, NSEC3: Nsec3Record}

/** The records of one DNSSEC type among `rrs`, typed by their RDATA shape. */
export function recordsOfType<K extends keyof DnssecRecords>(rrs: readonly Rr[], type: K): DnssecRecords[K][] {
  return rrs.filter((rr): rr is DnssecRecords[K] => typeName(rr.type) === type)
}

/** DNSKEY flag bits (RFC 4034 §2.1.1, RFC 5011 §7). */
export const DNSKEY_FLAG_ZONE = 0x0100
export const DNSKEY_FLAG_REVOKE = 0x0080
/** NSEC3 Opt-Out flag (RFC 5155 §3.1.2.1). */
export const NSEC3_FLAG_OPT_OUT = 0x01

// ---------------------------------------------------------------------------------------------
// Reading: every read is bounded; anything out of bounds is a malformed message.

export class MalformedMessageError extends DataError {
  /**
   * @param cause set when the decoder met an error it did not anticipate (a bug: the fuzzer
   *   fails on it); the message is still refused, never half-decoded.
   */
  constructor(message: string, cause?: unknown) {
    super(`malformed DNS message: ${message}`, 'malformed')
    this.name = 'MalformedMessageError'
    if (cause !== undefined) this.cause = cause
  }
}

/** A bounded cursor over a DNS message (names may point anywhere before them). */
export class Reader {
  pos: number
  constructor(readonly buf: Buffer, pos = 0, public end = buf.length) {
    this.pos = pos
  }

  need(n: number, what: string): void {
    if (this.pos + n > this.end) throw new MalformedMessageError(`${what} runs past the end of its data (offset ${this.pos})`)
  }

  u8(what = 'octet'): number {
    this.need(1, what)
    return this.buf[this.pos++]!
  }

  u16(what = 'field'): number {
    this.need(2, what)
    const v = this.buf.readUInt16BE(this.pos)
    this.pos += 2
    return v
  }

  u32(what = 'field'): number {
    this.need(4, what)
    const v = this.buf.readUInt32BE(this.pos)
    this.pos += 4
    return v
  }

  bytes(n: number, what = 'data'): Buffer {
    this.need(n, what)
    const b = Buffer.from(this.buf.subarray(this.pos, this.pos + n))
    this.pos += n
    return b
  }

  rest(): Buffer {
    return this.bytes(this.end - this.pos)
  }

  /** A character-string: a length octet and that many octets. */
  string(what = 'character-string'): Buffer {
    return this.bytes(this.u8(what), what)
  }

  /**
   * A domain name (RFC 1035 §4.1.4). Compression pointers must point strictly backwards, each
   * before the one it follows (so no loop is possible); labels of 64+ octets (the reserved
   * 0x40/0x80 label types) and names over 255 octets are malformed. The name's own octets must
   * lie within the current bounds; a pointer may reach anywhere earlier in the message.
   */
  name(what = 'name', compressionAllowed = true): string {
    const ls: Buffer[] = []
    let wire = 1
    let p = this.pos
    let limit = this.end
    let jumped = false
    let lastTarget = this.pos
    for (;;) {
      if (p >= limit) throw new MalformedMessageError(`${what} runs past the end of its data (offset ${p})`)
      const len = this.buf[p]!
      if (len === 0) {
        p++
        break
      }
      const kind = len & 0xc0
      if (kind === 0xc0) {
        if (!compressionAllowed) throw new MalformedMessageError(`${what} is compressed where compression is not allowed`)
        if (p + 2 > limit) throw new MalformedMessageError(`${what}: compression pointer runs past the end`)
        const target = ((len & 0x3f) << 8) | this.buf[p + 1]!
        if (target >= lastTarget) throw new MalformedMessageError(`${what}: compression pointer to offset ${target} does not point backwards`)
        if (!jumped) this.pos = p + 2
        jumped = true
        lastTarget = target
        p = target
        limit = this.buf.length
        continue
      }
      if (kind !== 0) throw new MalformedMessageError(`${what}: reserved label type 0x${kind.toString(16)}`)
      if (len > MAX_LABEL) throw new MalformedMessageError(`${what}: label of ${len} octets`)
      if (p + 1 + len > limit) throw new MalformedMessageError(`${what}: label runs past the end of its data`)
      wire += len + 1
      if (wire > MAX_NAME_WIRE) throw new MalformedMessageError(`${what} is longer than ${MAX_NAME_WIRE} octets`)
      ls.push(this.buf.subarray(p + 1, p + 1 + len))
      p += 1 + len
    }
    if (!jumped) this.pos = p
    return formatLabels(ls)
  }
}

/** A growing output buffer, with optional name compression (for responses). */
export class Writer {
  private buf = Buffer.alloc(512)
  length = 0
  private readonly names: Map<string, number> | null

  constructor(compress = false) {
    this.names = compress ? new Map() : null
  }

  private room(n: number): void {
    if (this.length + n <= this.buf.length) return
    const next = Buffer.alloc(Math.max(this.buf.length * 2, this.length + n))
    this.buf.copy(next, 0, 0, this.length)
    this.buf = next
  }

  u8(v: number): void {
    this.room(1)
    this.buf[this.length++] = v & 0xff
  }

  u16(v: number): void {
    this.room(2)
    this.buf.writeUInt16BE(v & 0xffff, this.length)
    this.length += 2
  }

  u32(v: number): void {
    this.room(4)
    this.buf.writeUInt32BE(v >>> 0, this.length)
    this.length += 4
  }

  bytes(b: Uint8Array): void {
    this.room(b.length)
    this.buf.set(b, this.length)
    this.length += b.length
  }

  string(b: Uint8Array | string, what = 'character-string'): void {
    const bytes = typeof b === 'string' ? Buffer.from(b, 'utf8') : b
    if (bytes.length > 255) throw new DataError(`${what} longer than 255 octets`, 'bad-rdata')
    this.u8(bytes.length)
    this.bytes(bytes)
  }

  /**
   * Write a name; `lower` gives the canonical (RFC 4034 §6.2) form; compression only when enabled
   * and allowed, and only onto a suffix of the same case, so that every name keeps its case.
   */
  name(name: string, opts: {lower?: boolean, compress?: boolean} = {}): void {
    let ls = nameLabels(name)
    if (opts.lower) ls = ls.map(lowercaseOctets)
    for (let i = 0; i < ls.length; i++) {
      if (this.names && opts.compress) {
        const key = formatLabels(ls.slice(i))
        const at = this.names.get(key)
        if (at !== undefined) {
          this.u16(0xc000 | at)
          return
        }
        if (this.length < 0x3fff) this.names.set(key, this.length)
      }
      this.u8(ls[i]!.length)
      this.bytes(ls[i]!)
    }
    this.u8(0)
  }

  /** Reserve a 16-bit length, run `body`, then fill the length in. */
  withLength(body: () => void): void {
    const at = this.length
    this.u16(0)
    body()
    this.buf.writeUInt16BE(this.length - at - 2, at)
  }

  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.length))
  }
}

// ---------------------------------------------------------------------------------------------
// Type bit maps (RFC 4034 §4.1.2)

/** Encode a list of RR types as an NSEC/NSEC3 type bit map. */
export function encodeTypeBitmap(types: ReadonlyArray<string | number>): Buffer {
  const codes = [...new Set(types.map((t) => typeNumber(t)))].sort((x, y) => x - y)
  const windows = new Map<number, number[]>()
  for (const code of codes) {
    const w = code >> 8
    let bytes = windows.get(w)
    if (!bytes) windows.set(w, (bytes = []))
    const idx = (code & 0xff) >> 3
    while (bytes.length <= idx) bytes.push(0)
    bytes[idx]! |= 0x80 >> (code & 7)
  }
  const parts: Buffer[] = []
  for (const [w, bytes] of [...windows.entries()].sort((x, y) => x[0] - y[0])) parts.push(Buffer.from([w, bytes.length]), Buffer.from(bytes))
  return Buffer.concat(parts)
}

/** Decode an NSEC/NSEC3 type bit map into type mnemonics; windows must ascend and be 1-32 octets. */
export function decodeTypeBitmap(buf: Buffer): string[] {
  const out: string[] = []
  let off = 0
  let lastWindow = -1
  while (off < buf.length) {
    if (off + 2 > buf.length) throw new MalformedMessageError('truncated type bit map')
    const w = buf[off]!
    const len = buf[off + 1]!
    if (w <= lastWindow) throw new MalformedMessageError('type bit map windows out of order')
    if (len < 1 || len > 32 || off + 2 + len > buf.length) throw new MalformedMessageError('malformed type bit map')
    lastWindow = w
    for (let i = 0; i < len; i++) {
      const b = buf[off + 2 + i]!
      for (let j = 0; j < 8; j++) if (b & (0x80 >> j)) out.push(typeName((w << 8) | (i << 3) | j))
    }
    off += 2 + len
  }
  return out
}

/** True when `types` (as found in an NSEC/NSEC3 bit map) contains `type`. */
export function bitmapHas(types: ReadonlyArray<string | number>, type: string | number): boolean {
  const want = typeNumber(type)
  return types.some((t) => typeCode(t) === want)
}

// ---------------------------------------------------------------------------------------------
// RDATA codecs

interface Codec {
  decode(r: Reader): unknown
  /** `canonical`: names lowercased (RFC 4034 §6.2 item 3) and never compressed. */
  encode(w: Writer, data: any, canonical: boolean): void // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** Types whose names are lowercased in canonical form (RFC 4034 §6.2, less NSEC per RFC 6840 §5.1). */
const CANONICAL_LOWER = new Set([2, 3, 4, 5, 6, 7, 8, 9, 12, 14, 15, 17, 18, 21, 24, 26, 30, 33, 35, 36, 39, 46])
/** Types whose RDATA names may be compressed (RFC 3597 §4). */
const COMPRESSIBLE = new Set([2, 3, 4, 5, 6, 7, 8, 9, 12, 14, 15])

const nameOpts = (code: number, canonical: boolean) => ({lower: canonical && CANONICAL_LOWER.has(code), compress: !canonical && COMPRESSIBLE.has(code)})

function ipv4(r: Reader): string {
  return [...r.bytes(4, 'IPv4 address')].join('.')
}

function singleName(code: number): Codec {
  return {
    decode: (r) => r.name('RDATA name', true),
    encode: (w, d: string, c) => w.name(String(d), nameOpts(code, c)),
  }
}

const rawCodec: Codec = {
  decode: (r) => r.rest(),
  encode: (w, d) => w.bytes(toBuffer(d)),
}

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value
  if (value instanceof Uint8Array) return Buffer.from(value)
  if (typeof value === 'string') return Buffer.from(value, 'utf8')
  throw new DataError('expected RDATA bytes', 'bad-rdata')
}

const strings: Codec = {
  decode: (r) => {
    const out: Buffer[] = []
    while (r.pos < r.end) out.push(r.string())
    if (out.length === 0) throw new MalformedMessageError('TXT RDATA holds no character-string')
    return out
  },
  encode: (w, d) => {
    const list: unknown[] = Array.isArray(d) ? d : [d]
    for (const s of list) w.string(toBuffer(s))
  },
}

const dsCodec: Codec = {
  decode: (r) => ({keyTag: r.u16(), algorithm: r.u8(), digestType: r.u8(), digest: r.rest()}),
  encode: (w, d: DsData) => {
    w.u16(d.keyTag)
    w.u8(d.algorithm)
    w.u8(d.digestType)
    w.bytes(toBuffer(d.digest))
  },
}

const dnskeyCodec: Codec = {
  decode: (r) => {
    const flags = r.u16()
    const protocol = r.u8()
    const algorithm = r.u8()
    const key = r.rest()
    return protocol === 3 ? {flags, algorithm, key} : {flags, algorithm, key, protocol}
  },
  encode: (w, d: DnskeyData) => {
    w.u16(d.flags)
    w.u8(d.protocol ?? 3)
    w.u8(d.algorithm)
    w.bytes(toBuffer(d.key))
  },
}

const rrsigCodec = (code: number): Codec => ({
  decode: (r) => ({
    typeCovered: typeName(r.u16()),
    algorithm: r.u8(),
    labels: r.u8(),
    originalTTL: r.u32(),
    expiration: r.u32(),
    inception: r.u32(),
    keyTag: r.u16(),
    signersName: r.name("signer's name", false),
    signature: r.rest(),
  }),
  encode: (w, d: RrsigData, c) => {
    w.u16(typeNumber(d.typeCovered))
    w.u8(d.algorithm)
    w.u8(d.labels)
    w.u32(d.originalTTL)
    w.u32(d.expiration)
    w.u32(d.inception)
    w.u16(d.keyTag)
    w.name(d.signersName, {lower: c && CANONICAL_LOWER.has(code)})
    w.bytes(toBuffer(d.signature))
  },
})

function hostPlusName(code: number, field: 'exchange' | 'target'): Codec {
  return {
    decode: (r) => ({preference: r.u16(), [field]: r.name('RDATA name', true)}),
    encode: (w, d, c) => {
      w.u16(d.preference ?? 0)
      w.name(String(d[field] ?? d.exchange), nameOpts(code, c))
    },
  }
}

const CODECS = new Map<number, Codec>([
  [1, {decode: ipv4, encode: (w, d: string) => w.bytes(Buffer.from(ipaddr.IPv4.parse(String(d)).toByteArray()))}],
  [28, {decode: (r) => ipaddr.fromByteArray([...r.bytes(16, 'IPv6 address')]).toString(), encode: (w, d: string) => w.bytes(Buffer.from(ipaddr.IPv6.parse(String(d)).toByteArray()))}],
  ...[2, 3, 4, 5, 7, 8, 9, 12, 39].map((c): [number, Codec] => [c, singleName(c)]),
  [6, {
    decode: (r) => ({mname: r.name('SOA MNAME'), rname: r.name('SOA RNAME'), serial: r.u32(), refresh: r.u32(), retry: r.u32(), expire: r.u32(), minimum: r.u32()}),
    encode: (w, d: SoaData, c) => {
      w.name(d.mname, nameOpts(6, c))
      w.name(d.rname, nameOpts(6, c))
      for (const v of [d.serial, d.refresh, d.retry, d.expire, d.minimum]) w.u32(v ?? 0)
    },
  }],
  [13, {decode: (r) => ({cpu: r.string().toString('utf8'), os: r.string().toString('utf8')}), encode: (w, d: HinfoData) => {
    w.string(d.cpu)
    w.string(d.os)
  }}],
  [14, {decode: (r) => ({rmailbx: r.name(), emailbx: r.name()}), encode: (w, d, c) => {
    w.name(d.rmailbx, nameOpts(14, c))
    w.name(d.emailbx, nameOpts(14, c))
  }}],
  [15, hostPlusName(15, 'exchange')],
  // AFSDB (subtype, hostname), RT, KX and LP: a 16-bit number and a name.
  ...[18, 21, 36, 107].map((c): [number, Codec] => [c, hostPlusName(c, 'target')]),
  [16, strings],
  [99, strings],
  [17, {decode: (r) => ({mbox: r.name(), txt: r.name()}), encode: (w, d: RpData, c) => {
    w.name(d.mbox || '', nameOpts(17, c))
    w.name(d.txt || '', nameOpts(17, c))
  }}],
  [33, {
    decode: (r) => ({priority: r.u16(), weight: r.u16(), port: r.u16(), target: r.name('SRV target')}),
    encode: (w, d: SrvData, c) => {
      w.u16(d.priority ?? 0)
      w.u16(d.weight ?? 0)
      w.u16(d.port)
      w.name(d.target, nameOpts(33, c))
    },
  }],
  [35, {
    decode: (r) => ({order: r.u16(), preference: r.u16(), flags: r.string().toString('utf8'), services: r.string().toString('utf8'), regexp: r.string().toString('utf8'), replacement: r.name('NAPTR replacement', false)}),
    encode: (w, d: NaptrData, c) => {
      w.u16(d.order)
      w.u16(d.preference)
      w.string(d.flags)
      w.string(d.services)
      w.string(d.regexp)
      w.name(d.replacement, nameOpts(35, c))
    },
  }],
  [43, dsCodec],
  [59, dsCodec],
  [48, dnskeyCodec],
  [60, dnskeyCodec],
  [46, rrsigCodec(46)],
  [24, rrsigCodec(24)],
  [47, {
    decode: (r) => ({nextDomain: r.name('NSEC next domain', false), rrtypes: decodeTypeBitmap(r.rest())}),
    // RFC 6840 §5.1: the Next Domain Name of NSEC is not lowercased in canonical form.
    encode: (w, d: NsecData) => {
      w.name(d.nextDomain)
      w.bytes(encodeTypeBitmap(d.rrtypes))
    },
  }],
  [50, {
    decode: (r) => {
      const algorithm = r.u8()
      const flags = r.u8()
      const iterations = r.u16()
      const salt = r.string('NSEC3 salt')
      const nextDomain = r.string('NSEC3 next hashed owner')
      if (nextDomain.length === 0) throw new MalformedMessageError('NSEC3 with an empty next hashed owner name')
      return {algorithm, flags, iterations, salt, nextDomain, rrtypes: decodeTypeBitmap(r.rest())}
    },
    encode: (w, d: Nsec3Data) => {
      w.u8(d.algorithm)
      w.u8(d.flags)
      w.u16(d.iterations)
      w.string(toBuffer(d.salt), 'NSEC3 salt')
      w.string(toBuffer(d.nextDomain), 'NSEC3 hash')
      w.bytes(encodeTypeBitmap(d.rrtypes))
    },
  }],
  [51, {
    decode: (r) => {
      const start = r.pos
      r.u8()
      r.u8()
      r.u16()
      r.string('NSEC3PARAM salt')
      const end = r.pos
      r.pos = start
      return r.bytes(end - start)
    },
    encode: rawCodec.encode,
  }],
  [257, {
    decode: (r) => {
      const flags = r.u8()
      const tag = r.string('CAA tag').toString('latin1')
      if (tag.length === 0) throw new MalformedMessageError('CAA with an empty tag')
      return {flags, tag, value: r.rest().toString('utf8'), issuerCritical: (flags & 128) !== 0}
    },
    encode: (w, d: CaaData) => {
      w.u8(d.flags ?? (d.issuerCritical ? 128 : 0))
      w.string(Buffer.from(d.tag, 'latin1'))
      w.bytes(Buffer.from(d.value, 'utf8'))
    },
  }],
  [44, {
    decode: (r) => ({algorithm: r.u8(), hash: r.u8(), fingerprint: r.rest().toString('hex').toUpperCase()}),
    encode: (w, d: SshfpData) => {
      w.u8(d.algorithm)
      w.u8(d.hash)
      w.bytes(Buffer.from(d.fingerprint, 'hex'))
    },
  }],
  ...[52, 53].map((c): [number, Codec] => [c, {
    decode: (r) => ({usage: r.u8(), selector: r.u8(), matchingType: r.u8(), certificate: r.rest()}),
    encode: (w, d: TlsaData) => {
      w.u8(d.usage)
      w.u8(d.selector)
      w.u8(d.matchingType)
      w.bytes(toBuffer(d.certificate))
    },
  }]),
  ...[64, 65].map((c): [number, Codec] => [c, {
    // Kept raw (presentation decodes it); checked here so that a malformed one is refused.
    decode: (r) => {
      const start = r.pos
      r.u16('SvcPriority')
      r.name('SVCB target', false)
      let lastKey = -1
      while (r.pos < r.end) {
        const key = r.u16('SvcParamKey')
        if (key <= lastKey) throw new MalformedMessageError('SVCB SvcParamKeys out of order or repeated')
        lastKey = key
        r.bytes(r.u16('SvcParam length'), 'SvcParam value')
      }
      r.pos = start
      return r.rest()
    },
    encode: rawCodec.encode,
  }]),
])

/** Decode RDATA of `type` that spans exactly `length` octets at the reader's position. */
export function decodeRdata(r: Reader, type: number, length: number): unknown {
  const start = r.pos
  if (start + length > r.end) throw new MalformedMessageError(`RDATA of ${length} octets runs past the end of the message`)
  const outer = r.end
  r.end = start + length
  try {
    const codec = CODECS.get(type) ?? rawCodec
    const data = codec.decode(r)
    if (r.pos !== start + length) {
      throw new MalformedMessageError(`${typeName(type)} RDATA is ${r.pos - start} octets but RDLENGTH says ${length}`)
    }
    return data
  } finally {
    r.end = outer
    r.pos = start + length
  }
}

/** Decode standalone RDATA bytes (no compression possible): for RFC 3597 generic RDATA. */
export function decodeRdataBytes(type: string | number, rdata: Buffer): unknown {
  return decodeRdata(new Reader(rdata), typeNumber(type), rdata.length)
}

/** Append the RDATA of a record (without its length). */
export function writeRdata(w: Writer, type: string | number, data: unknown, canonical = false): void {
  const code = typeNumber(type)
  const codec = Buffer.isBuffer(data) && code !== 16 && code !== 99 ? rawCodec : CODECS.get(code) ?? rawCodec
  codec.encode(w, data, canonical)
}

/** The RDATA of a record in wire form (uncompressed, case kept). */
export function rdataToWire(type: string | number, data: unknown): Buffer {
  const w = new Writer()
  writeRdata(w, type, data)
  return w.toBuffer()
}

/**
 * Canonical RDATA (RFC 4034 §6.2): uncompressed, with the names of the types RFC 4034 §6.2 lists
 * (minus NSEC, RFC 6840 §5.1) lowercased. Raw RDATA of such a type is decoded first.
 */
export function canonicalRdata(type: string | number, data: unknown): Buffer {
  const code = typeNumber(type)
  if (Buffer.isBuffer(data) && CANONICAL_LOWER.has(code)) data = decodeRdataBytes(code, data)
  const w = new Writer()
  writeRdata(w, code, data, true)
  return w.toBuffer()
}

/** Write one whole record (owner, type, class, TTL, RDLENGTH, RDATA). */
export function writeRecord(w: Writer, rr: Rr): void {
  w.name(rr.name, {compress: true})
  w.u16(typeNumber(rr.type))
  w.u16(classNumber(rr.class))
  w.u32(rr.ttl ?? 0)
  w.withLength(() => writeRdata(w, rr.type, rr.data))
}

/**
 * Canonical wire form of one RR (RFC 4034 §6.2) as used in signatures: canonical owner (or
 * `owner`, e.g. the wildcard owner), type, class, `ttl` (the RRSIG Original TTL), RDATA.
 */
export function canonicalRrWire(rr: Rr, opts: {owner?: string, ttl?: number} = {}): Buffer {
  const rdata = canonicalRdata(rr.type, rr.data)
  const w = new Writer()
  w.name(opts.owner ?? rr.name, {lower: true})
  w.u16(typeNumber(rr.type))
  w.u16(classNumber(rr.class))
  w.u32(opts.ttl ?? rr.ttl ?? 0)
  w.u16(rdata.length)
  w.bytes(rdata)
  return w.toBuffer()
}

/** Canonical RRset order (RFC 4034 §6.3): by canonical RDATA, duplicates removed. */
export function canonicalRrsetOrder<T extends Rr>(rrset: readonly T[]): Array<{rr: T, rdata: Buffer}> {
  const withRdata = rrset.map((rr) => ({rr, rdata: canonicalRdata(rr.type, rr.data)}))
  withRdata.sort((a, b) => Buffer.compare(a.rdata, b.rdata))
  return withRdata.filter((x, i) => i === 0 || !x.rdata.equals(withRdata[i - 1]!.rdata))
}

/** The records of an RRset in canonical order, duplicates removed. */
export function sortRrset<T extends Rr>(rrset: readonly T[]): T[] {
  return canonicalRrsetOrder(rrset).map((x) => x.rr)
}

/** DNSKEY RDATA: flags, protocol, algorithm, public key (what key tags and DS digests hash). */
export function dnskeyRdata(d: DnskeyData): Buffer {
  return rdataToWire(48, d)
}
