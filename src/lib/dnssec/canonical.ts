/**
 * Canonical forms (RFC 4034 §6): domain names, RR wire form, RRset ordering, plus the
 * key tag (RFC 4034 Appendix B) and DS digest (RFC 4034 §5.1.4, RFC 4509, RFC 6605).
 *
 * Names are accepted in dns-packet's convention (`www.example.com`, root `.`) or with a
 * trailing dot, and may use presentation escapes (`\.`, `\\`, `\DDD`).
 */
import {createHash} from 'node:crypto'
import dnsPacket from 'dns-packet'
import type {DnskeyData} from 'dns-packet'
import {classToNumber, packetTypeName, typeToNumber, typeToString} from './rrtypes.js'
import type {DnsRecord} from './rrtypes.js'

// ---------------------------------------------------------------------------------------------
// Names

/** Split a presentation-format name into raw label octets (root → `[]`). Throws on bad names. */
export function nameLabels(name: string): Buffer[] {
  if (name === '' || name === '.') return []
  const labels: Buffer[] = []
  let cur: number[] = []
  let i = 0
  while (i < name.length) {
    const ch = name[i]!
    if (ch === '\\') {
      const digits = /^\d{3}/.exec(name.slice(i + 1, i + 4))
      if (digits) {
        const v = Number(digits[0])
        if (v > 255) throw new Error(`invalid escape \\${digits[0]} in name ${JSON.stringify(name)}`)
        cur.push(v)
        i += 4
        continue
      }
      const cp = name.codePointAt(i + 1)
      if (cp === undefined) throw new Error(`dangling escape in name ${JSON.stringify(name)}`)
      const s = String.fromCodePoint(cp)
      cur.push(...Buffer.from(s, 'utf8'))
      i += 1 + s.length
      continue
    }
    if (ch === '.') {
      if (cur.length === 0) throw new Error(`empty label in name ${JSON.stringify(name)}`)
      labels.push(Buffer.from(cur))
      cur = []
      i++
      continue
    }
    const cp = name.codePointAt(i)!
    const s = String.fromCodePoint(cp)
    cur.push(...Buffer.from(s, 'utf8'))
    i += s.length
  }
  if (cur.length > 0) labels.push(Buffer.from(cur))
  let wireLength = 1
  for (const l of labels) {
    if (l.length > 63) throw new Error(`label longer than 63 octets in name ${JSON.stringify(name)}`)
    wireLength += l.length + 1
  }
  if (wireLength > 255) throw new Error(`name longer than 255 octets: ${JSON.stringify(name)}`)
  return labels
}

/** Lowercase US-ASCII letters only (RFC 4034 §6.2: other octets are left alone). */
export function lowercaseOctets(buf: Buffer): Buffer {
  const out = Buffer.from(buf)
  for (let i = 0; i < out.length; i++) {
    const b = out[i]!
    if (b >= 0x41 && b <= 0x5a) out[i] = b + 0x20
  }
  return out
}

function labelsToWire(labels: Buffer[]): Buffer {
  const parts: Buffer[] = []
  for (const l of labels) parts.push(Buffer.from([l.length]), l)
  parts.push(Buffer.from([0]))
  return Buffer.concat(parts)
}

/** Uncompressed wire form of a name, case preserved. */
export function nameToWire(name: string): Buffer {
  return labelsToWire(nameLabels(name))
}

/** Canonical wire form of a name (RFC 4034 §6.2): uncompressed, US-ASCII letters lowercased. */
export function canonicalNameWire(name: string): Buffer {
  return labelsToWire(nameLabels(name).map(lowercaseOctets))
}

function formatLabel(label: Buffer): string {
  let s = ''
  for (const b of label) {
    if (b === 0x2e || b === 0x5c) {
      s += '\\' + String.fromCharCode(b)
    } else if (b > 0x20 && b < 0x7f) {
      s += String.fromCharCode(b)
    } else {
      s += '\\' + String(b).padStart(3, '0')
    }
  }
  return s
}

/** Presentation form of raw labels, dns-packet style (no trailing dot, root is `.`). */
export function formatName(labels: Buffer[]): string {
  if (labels.length === 0) return '.'
  return labels.map(formatLabel).join('.')
}

/** Normalised (lowercased, no trailing dot, escapes canonicalised) form of a name, for keys and display. */
export function normalizeName(name: string): string {
  return formatName(nameLabels(name).map(lowercaseOctets))
}

/** Case-insensitive name equality (RFC 4343). */
export function nameEquals(a: string, b: string): boolean {
  const la = nameLabels(a)
  const lb = nameLabels(b)
  if (la.length !== lb.length) return false
  return la.every((l, i) => lowercaseOctets(l).equals(lowercaseOctets(lb[i]!)))
}

/** True when `name` is `ancestor` or below it. */
export function isSubdomain(name: string, ancestor: string): boolean {
  const ln = nameLabels(name)
  const la = nameLabels(ancestor)
  if (la.length > ln.length) return false
  const off = ln.length - la.length
  return la.every((l, i) => lowercaseOctets(l).equals(lowercaseOctets(ln[off + i]!)))
}

/** Number of labels, not counting the root. */
export function countLabels(name: string): number {
  return nameLabels(name).length
}

/** RRSIG Labels-field value for an owner name: labels, not counting the root nor a leading `*` (RFC 4034 §3.1.3). */
export function rrsigLabelCount(name: string): number {
  const labels = nameLabels(name)
  return labels.length > 0 && labels[0]!.length === 1 && labels[0]![0] === 0x2a ? labels.length - 1 : labels.length
}

/** True when the first label is the wildcard label `*`. */
export function isWildcardName(name: string): boolean {
  const labels = nameLabels(name)
  return labels.length > 0 && labels[0]!.length === 1 && labels[0]![0] === 0x2a
}

/** The rightmost `n` labels of a name (`n` ≥ number of labels → the name itself). */
export function suffixName(name: string, n: number): string {
  const labels = nameLabels(name)
  return formatName(labels.slice(Math.max(0, labels.length - n)))
}

/** Parent name (root → root). */
export function parentName(name: string): string {
  const labels = nameLabels(name)
  return formatName(labels.slice(1))
}

/** `label.name` for a raw label given in presentation form (e.g. `*`). */
export function prependLabel(label: string, name: string): string {
  return name === '.' || name === '' ? label : `${label}.${name.replace(/\.$/, '')}`
}

/** Longest common ancestor of two names (case-insensitive), in normalised form. */
export function commonAncestor(a: string, b: string): string {
  const la = nameLabels(a).map(lowercaseOctets).reverse()
  const lb = nameLabels(b).map(lowercaseOctets).reverse()
  const common: Buffer[] = []
  for (let i = 0; i < Math.min(la.length, lb.length); i++) {
    if (!la[i]!.equals(lb[i]!)) break
    common.push(la[i]!)
  }
  return formatName(common.reverse())
}

/**
 * Canonical DNS name order (RFC 4034 §6.1): compare label by label from the rightmost,
 * lowercased, as left-justified unsigned octet strings; a name sorts before its descendants.
 * Returns <0, 0 or >0.
 */
export function compareNames(a: string, b: string): number {
  const la = nameLabels(a).map(lowercaseOctets).reverse()
  const lb = nameLabels(b).map(lowercaseOctets).reverse()
  const n = Math.min(la.length, lb.length)
  for (let i = 0; i < n; i++) {
    const c = Buffer.compare(la[i]!, lb[i]!)
    if (c !== 0) return c
  }
  return la.length - lb.length
}

// ---------------------------------------------------------------------------------------------
// Type bit maps (RFC 4034 §4.1.2)

/** Encode a list of RR types as an NSEC/NSEC3 type bit map. */
export function encodeTypeBitmap(types: ReadonlyArray<string | number>): Buffer {
  const codes = [...new Set(types.map(t => typeToNumber(t)))].sort((x, y) => x - y)
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
  for (const [w, bytes] of [...windows.entries()].sort((x, y) => x[0] - y[0])) {
    parts.push(Buffer.from([w, bytes.length]), Buffer.from(bytes))
  }
  return Buffer.concat(parts)
}

/** Decode an NSEC/NSEC3 type bit map into RR type names as dns-packet spells them (`UNKNOWN_n` for types it lacks). */
export function decodeTypeBitmap(buf: Buffer): string[] {
  const out: string[] = []
  let off = 0
  while (off < buf.length) {
    if (off + 2 > buf.length) throw new Error('truncated type bit map')
    const w = buf[off]!
    const len = buf[off + 1]!
    if (len < 1 || len > 32 || off + 2 + len > buf.length) throw new Error('malformed type bit map')
    for (let i = 0; i < len; i++) {
      const b = buf[off + 2 + i]!
      for (let j = 0; j < 8; j++) if (b & (0x80 >> j)) out.push(packetTypeName((w << 8) | (i << 3) | j))
    }
    off += 2 + len
  }
  return out
}

/** True when `types` (as found in an NSEC/NSEC3 bit map) contains `type`. */
export function bitmapHas(types: ReadonlyArray<string | number>, type: string | number): boolean {
  const want = typeToNumber(type)
  return types.some(t => {
    try {
      return typeToNumber(t) === want
    } catch {
      return false
    }
  })
}

// ---------------------------------------------------------------------------------------------
// RDATA

interface RdataCodec {
  encode(data: unknown): Buffer
}

const packetCodecs = dnsPacket as unknown as {record(type: string): RdataCodec}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2)
  b.writeUInt16BE(n & 0xffff)
  return b
}

function u32(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n >>> 0)
  return b
}

function charString(s: string | Buffer): Buffer {
  const b = Buffer.isBuffer(s) ? s : Buffer.from(s, 'utf8')
  if (b.length > 255) throw new Error('character-string longer than 255 octets')
  return Buffer.concat([Buffer.from([b.length]), b])
}

type RawField = 'u16' | 'name' | 'cs' | 'fixed18' | 'rest'

/** Types whose embedded names are lowercased in canonical form (RFC 4034 §6.2 item 3, RFC 6840 §5.1). */
const NAME_LAYOUTS: Record<number, RawField[]> = {
  2: ['name'], 3: ['name'], 4: ['name'], 5: ['name'], 7: ['name'], 8: ['name'], 9: ['name'], 12: ['name'], 39: ['name'],
  6: ['name', 'name', 'rest'], 14: ['name', 'name'], 15: ['u16', 'name'], 17: ['name', 'name'], 18: ['u16', 'name'],
  21: ['u16', 'name'], 24: ['fixed18', 'name', 'rest'], 26: ['u16', 'name', 'name'], 30: ['name', 'rest'],
  33: ['u16', 'u16', 'u16', 'name'], 35: ['u16', 'u16', 'cs', 'cs', 'cs', 'name'], 36: ['u16', 'name'],
  46: ['fixed18', 'name', 'rest'],
}

/** Lowercase the (uncompressed) names inside raw RDATA according to a field layout. */
function lowercaseRawNames(raw: Buffer, layout: RawField[]): Buffer {
  const out = Buffer.from(raw)
  let off = 0
  for (const f of layout) {
    if (f === 'rest') return out
    if (f === 'u16') off += 2
    else if (f === 'fixed18') off += 18
    else if (f === 'cs') off += 1 + (out[off] ?? 0)
    else {
      for (;;) {
        if (off >= out.length) throw new Error('truncated name in RDATA')
        const len = out[off]!
        if (len === 0) {
          off++
          break
        }
        if (len & 0xc0) throw new Error('compressed or extended label in RDATA cannot be canonicalised')
        for (let i = off + 1; i <= off + len && i < out.length; i++) {
          const b = out[i]!
          if (b >= 0x41 && b <= 0x5a) out[i] = b + 0x20
        }
        off += len + 1
      }
    }
  }
  return out
}

function rec<T>(data: unknown): T {
  return data as T
}

/**
 * Canonical RDATA (RFC 4034 §6.2): uncompressed, with names embedded in the RR types listed
 * in RFC 4034 §6.2 (minus NSEC, RFC 6840 §5.1) lowercased. `data` is dns-packet's
 * representation; a Buffer is taken as raw RDATA (RFC 3597) except for TXT.
 */
export function canonicalRdata(type: string | number, data: unknown): Buffer {
  const code = typeToNumber(type)
  if (Buffer.isBuffer(data) && code !== 16) {
    const layout = NAME_LAYOUTS[code]
    return layout ? lowercaseRawNames(data, layout) : Buffer.from(data)
  }
  switch (code) {
    case 2: case 3: case 4: case 5: case 7: case 8: case 9: case 12: case 39:
      return canonicalNameWire(String(data))
    case 15: {
      const d = rec<{preference?: number; exchange: string}>(data)
      return Buffer.concat([u16(d.preference ?? 0), canonicalNameWire(d.exchange)])
    }
    case 6: {
      const d = rec<{mname: string; rname: string; serial?: number; refresh?: number; retry?: number; expire?: number; minimum?: number}>(data)
      return Buffer.concat([
        canonicalNameWire(d.mname), canonicalNameWire(d.rname),
        u32(d.serial ?? 0), u32(d.refresh ?? 0), u32(d.retry ?? 0), u32(d.expire ?? 0), u32(d.minimum ?? 0),
      ])
    }
    case 33: {
      const d = rec<{priority?: number; weight?: number; port: number; target: string}>(data)
      return Buffer.concat([u16(d.priority ?? 0), u16(d.weight ?? 0), u16(d.port), canonicalNameWire(d.target)])
    }
    case 35: {
      const d = rec<{order: number; preference: number; flags: string; services: string; regexp: string; replacement: string}>(data)
      return Buffer.concat([
        u16(d.order), u16(d.preference), charString(d.flags), charString(d.services), charString(d.regexp),
        canonicalNameWire(d.replacement),
      ])
    }
    case 17: {
      const d = rec<{mbox?: string; txt?: string}>(data)
      return Buffer.concat([canonicalNameWire(d.mbox || '.'), canonicalNameWire(d.txt || '.')])
    }
    case 46: {
      const d = rec<{typeCovered: string; algorithm: number; labels: number; originalTTL: number; expiration: number; inception: number; keyTag: number; signersName: string; signature: Buffer}>(data)
      return Buffer.concat([rrsigRdataHeader(d), d.signature])
    }
    case 47: {
      // RFC 6840 §5.1: the Next Domain Name of NSEC is NOT lowercased.
      const d = rec<{nextDomain: string; rrtypes: string[]}>(data)
      return Buffer.concat([nameToWire(d.nextDomain), encodeTypeBitmap(d.rrtypes)])
    }
    case 50: {
      const d = rec<{algorithm: number; flags: number; iterations: number; salt: Buffer; nextDomain: Buffer; rrtypes: string[]}>(data)
      return Buffer.concat([
        Buffer.from([d.algorithm, d.flags]), u16(d.iterations), Buffer.from([d.salt.length]), d.salt,
        Buffer.from([d.nextDomain.length]), d.nextDomain, encodeTypeBitmap(d.rrtypes),
      ])
    }
    case 48:
      return dnskeyRdata(rec<DnskeyData>(data))
    default: {
      const codec = packetCodecs.record(typeToString(code))
      const encoded = codec.encode(data)
      return Buffer.from(encoded.subarray(2, 2 + encoded.readUInt16BE(0)))
    }
  }
}

/**
 * RRSIG RDATA without the signature, signer name in canonical form: the prefix of the data
 * that is signed (RFC 4034 §3.1.8.1).
 */
export function rrsigRdataHeader(d: {typeCovered: string; algorithm: number; labels: number; originalTTL: number; expiration: number; inception: number; keyTag: number; signersName: string}): Buffer {
  return Buffer.concat([
    u16(typeToNumber(d.typeCovered)), Buffer.from([d.algorithm, d.labels]), u32(d.originalTTL),
    u32(d.expiration), u32(d.inception), u16(d.keyTag), canonicalNameWire(d.signersName),
  ])
}

/** DNSKEY RDATA: flags, protocol (always 3), algorithm, public key. */
export function dnskeyRdata(d: DnskeyData): Buffer {
  return Buffer.concat([u16(d.flags), Buffer.from([3, d.algorithm]), d.key])
}

/**
 * Canonical wire form of one RR (RFC 4034 §6.2) as used in signatures: canonical owner
 * (or `owner` override, e.g. the wildcard owner), type, class, `ttl` (the RRSIG Original
 * TTL), RDLENGTH and canonical RDATA.
 */
export function canonicalRrWire(rr: DnsRecord, opts: {owner?: string; ttl?: number} = {}): Buffer {
  const rdata = canonicalRdata(rr.type, rr.data)
  return Buffer.concat([
    canonicalNameWire(opts.owner ?? rr.name), u16(typeToNumber(rr.type)), u16(classToNumber(rr.class)),
    u32(opts.ttl ?? rr.ttl ?? 0), u16(rdata.length), rdata,
  ])
}

/**
 * Canonical RRset order (RFC 4034 §6.3): sorted by canonical RDATA as left-justified unsigned
 * octet strings, duplicates removed. Returns the records with their canonical RDATA.
 */
export function canonicalRrsetOrder<T extends DnsRecord>(rrset: readonly T[]): Array<{rr: T; rdata: Buffer}> {
  const withRdata = rrset.map(rr => ({rr, rdata: canonicalRdata(rr.type, rr.data)}))
  withRdata.sort((a, b) => Buffer.compare(a.rdata, b.rdata))
  return withRdata.filter((x, i) => i === 0 || !x.rdata.equals(withRdata[i - 1]!.rdata))
}

/** The records of an RRset in canonical order, duplicates removed. */
export function sortRrset<T extends DnsRecord>(rrset: readonly T[]): T[] {
  return canonicalRrsetOrder(rrset).map(x => x.rr)
}

// ---------------------------------------------------------------------------------------------
// Key tag and DS digest

/** Key tag of a DNSKEY (RFC 4034 Appendix B; algorithm 1 uses Appendix B.1). */
export function keyTag(dnskey: DnskeyData): number {
  if (dnskey.algorithm === 1) {
    const k = dnskey.key
    if (k.length < 3) return 0
    return (k[k.length - 3]! << 8) | k[k.length - 2]!
  }
  const rdata = dnskeyRdata(dnskey)
  let ac = 0
  for (let i = 0; i < rdata.length; i++) ac += i & 1 ? rdata[i]! : rdata[i]! << 8
  ac += (ac >> 16) & 0xffff
  return ac & 0xffff
}

const DIGESTS: Record<number, string> = {1: 'sha1', 2: 'sha256', 4: 'sha384'}

/** True when `digestType` is a DS digest type this library computes (1, 2, 4). */
export function isDigestTypeSupported(digestType: number): boolean {
  return DIGESTS[digestType] !== undefined
}

/** DS digest (RFC 4034 §5.1.4): digest(canonical owner name | DNSKEY RDATA) with SHA-1 (1), SHA-256 (2) or SHA-384 (4). */
export function dsDigest(ownerName: string, dnskey: DnskeyData, digestType: number): Buffer {
  const alg = DIGESTS[digestType]
  if (!alg) throw new Error(`unsupported DS digest type ${digestType}`)
  return createHash(alg).update(canonicalNameWire(ownerName)).update(dnskeyRdata(dnskey)).digest()
}
