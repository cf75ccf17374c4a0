/**
 * A small zone-file (RFC 1035 §5 presentation format) reader for the record types the DNSSEC
 * code, its tests and the lab need: A, AAAA, NS, CNAME, DNAME, PTR, MX, TXT, SOA, SRV, DS, CDS,
 * DNSKEY, CDNSKEY, RRSIG, NSEC, NSEC3, NSEC3PARAM and the RFC 3597 generic `\# len hex` form.
 * Produces dns-packet answer objects (names without trailing dot, root `.`).
 */
import {base32HexDecode} from './base32hex.js'
import {nameLabels} from './canonical.js'
import {packetTypeName, typeToNumber} from './rrtypes.js'
import type {DnsRecord} from './rrtypes.js'

/** Options of {@link parseZoneText}. */
export interface ParseZoneOptions {
  /** Origin for relative names and `@` (default: names are taken as absolute). */
  origin?: string
  /** TTL for records without one (default 3600, or the last `$TTL`). */
  defaultTtl?: number
}

interface Token {
  text: string
  quoted: boolean
}

interface LogicalLine {
  tokens: Token[]
  indented: boolean
  lineNo: number
}

function tokenize(text: string): LogicalLine[] {
  const lines: LogicalLine[] = []
  let tokens: Token[] = []
  let depth = 0
  let cur = ''
  let inToken = false
  let lineStart = true
  let indented = false
  let lineNo = 1
  let startLine = 1
  const flushToken = (quoted = false): void => {
    if (inToken || quoted) tokens.push({text: cur, quoted})
    cur = ''
    inToken = false
  }
  const flushLine = (): void => {
    flushToken()
    if (tokens.length > 0) lines.push({tokens, indented, lineNo: startLine})
    tokens = []
    lineStart = true
    indented = false
  }
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (lineStart) {
      indented = ch === ' ' || ch === '\t'
      lineStart = false
      startLine = lineNo
    }
    if (ch === '"') {
      flushToken()
      let s = ''
      i++
      while (i < text.length && text[i] !== '"') {
        if (text[i] === '\\' && i + 1 < text.length) {
          s += text[i]! + text[i + 1]!
          i += 2
          continue
        }
        if (text[i] === '\n') lineNo++
        s += text[i]!
        i++
      }
      cur = s
      flushToken(true)
      continue
    }
    if (ch === '\\' && i + 1 < text.length) {
      cur += ch + text[i + 1]!
      inToken = true
      i++
      continue
    }
    if (ch === ';') {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++
      continue
    }
    if (ch === '(') {
      flushToken()
      depth++
      continue
    }
    if (ch === ')') {
      flushToken()
      if (depth === 0) throw new Error(`line ${lineNo}: unbalanced ')'`)
      depth--
      continue
    }
    if (ch === '\n') {
      lineNo++
      if (depth > 0) {
        flushToken()
        continue
      }
      flushLine()
      continue
    }
    if (ch === ' ' || ch === '\t' || ch === '\r') {
      flushToken()
      continue
    }
    cur += ch
    inToken = true
  }
  if (depth > 0) throw new Error('unbalanced parentheses at end of input')
  flushLine()
  return lines
}

/** Remove one trailing unescaped dot. */
function stripTrailingDot(name: string): string {
  if (!name.endsWith('.') || name === '.') return name
  let backslashes = 0
  for (let i = name.length - 2; i >= 0 && name[i] === '\\'; i--) backslashes++
  return backslashes % 2 === 0 ? name.slice(0, -1) : name
}

function isAbsolute(name: string): boolean {
  return name === '.' || stripTrailingDot(name) !== name
}

function absoluteName(name: string, origin: string | undefined): string {
  let out: string
  if (name === '@') out = origin ?? '.'
  else if (isAbsolute(name) || origin === undefined) out = stripTrailingDot(name)
  else out = origin === '.' ? name : `${name}.${origin}`
  if (out === '') out = '.'
  nameLabels(out)
  return out
}

const TTL_UNITS: Record<string, number> = {s: 1, m: 60, h: 3600, d: 86400, w: 604800}

function parseTtl(text: string): number | null {
  if (/^\d+$/.test(text)) return Number(text)
  const m = /^(?:\d+[smhdw])+$/i.exec(text)
  if (!m) return null
  let total = 0
  for (const part of text.toLowerCase().matchAll(/(\d+)([smhdw])/g)) total += Number(part[1]) * TTL_UNITS[part[2]!]!
  return total
}

const CLASSES = new Set(['IN', 'CH', 'HS', 'CS', 'NONE', 'ANY'])

function isClass(text: string): boolean {
  return CLASSES.has(text.toUpperCase()) || /^CLASS\d+$/i.test(text)
}

function isType(text: string): boolean {
  try {
    typeToNumber(text)
    return true
  } catch {
    return false
  }
}

/** Parse an RRSIG time field: `YYYYMMDDHHmmSS` (UTC) or a decimal number of seconds (RFC 4034 §3.2). */
export function parseDnssecTime(text: string): number {
  if (/^\d{14}$/.test(text)) {
    const t = Date.UTC(+text.slice(0, 4), +text.slice(4, 6) - 1, +text.slice(6, 8), +text.slice(8, 10), +text.slice(10, 12), +text.slice(12, 14))
    return Math.floor(t / 1000) >>> 0
  }
  if (/^\d{1,10}$/.test(text)) return Number(text) >>> 0
  throw new Error(`invalid time ${JSON.stringify(text)}`)
}

/** Format a 32-bit DNSSEC time as `YYYYMMDDHHmmSS`. */
export function formatDnssecTime(t: number): string {
  return new Date((t >>> 0) * 1000).toISOString().replace(/[-:T]/g, '').slice(0, 14)
}

function decodeCharString(text: string): Buffer {
  const out: number[] = []
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!
    if (ch === '\\') {
      const d = /^\d{3}/.exec(text.slice(i + 1, i + 4))
      if (d) {
        out.push(Number(d[0]) & 0xff)
        i += 3
      } else if (i + 1 < text.length) {
        out.push(...Buffer.from(text[i + 1]!, 'utf8'))
        i++
      }
      continue
    }
    out.push(...Buffer.from(ch, 'utf8'))
  }
  return Buffer.from(out)
}

function num(tokens: Token[], i: number, what: string): number {
  const t = tokens[i]
  if (!t || !/^\d+$/.test(t.text)) throw new Error(`expected ${what}, got ${t ? JSON.stringify(t.text) : 'end of record'}`)
  return Number(t.text)
}

function tok(tokens: Token[], i: number, what: string): string {
  const t = tokens[i]
  if (!t) throw new Error(`missing ${what}`)
  return t.text
}

/** Mnemonic used to pick the RDATA parser (RFC 3597 `TYPEn` names map to their mnemonic). */
function knownName(type: string): string {
  const name = packetTypeName(type)
  return name.startsWith('UNKNOWN_') ? `TYPE${typeToNumber(type)}` : name
}

function parseRdata(type: string, tokens: Token[], origin: string | undefined): unknown {
  const name = (i: number, what: string): string => absoluteName(tok(tokens, i, what), origin)
  const rest = (i: number): string => tokens.slice(i).map(t => t.text).join('')
  if (tokens[0]?.text === '\\#' && !tokens[0].quoted) {
    const len = num(tokens, 1, 'RDATA length')
    const data = Buffer.from(rest(2), 'hex')
    if (data.length !== len) throw new Error(`generic RDATA length ${len} does not match ${data.length} octets`)
    return data
  }
  switch (type) {
    case 'A': case 'AAAA':
      return tok(tokens, 0, 'address')
    case 'NS': case 'CNAME': case 'DNAME': case 'PTR':
      return name(0, 'target name')
    case 'MX':
      return {preference: num(tokens, 0, 'preference'), exchange: name(1, 'exchange')}
    case 'TXT':
      if (tokens.length === 0) throw new Error('TXT without strings')
      return tokens.map(t => decodeCharString(t.text))
    case 'SOA':
      return {
        mname: name(0, 'MNAME'), rname: name(1, 'RNAME'), serial: num(tokens, 2, 'serial'),
        refresh: parseTtl(tok(tokens, 3, 'refresh')) ?? 0, retry: parseTtl(tok(tokens, 4, 'retry')) ?? 0,
        expire: parseTtl(tok(tokens, 5, 'expire')) ?? 0, minimum: parseTtl(tok(tokens, 6, 'minimum')) ?? 0,
      }
    case 'SRV':
      return {priority: num(tokens, 0, 'priority'), weight: num(tokens, 1, 'weight'), port: num(tokens, 2, 'port'), target: name(3, 'target')}
    case 'DS': case 'CDS':
      return {keyTag: num(tokens, 0, 'key tag'), algorithm: num(tokens, 1, 'algorithm'), digestType: num(tokens, 2, 'digest type'), digest: hex(rest(3))}
    case 'DNSKEY': case 'CDNSKEY': {
      const protocol = num(tokens, 1, 'protocol')
      if (protocol !== 3) throw new Error(`DNSKEY protocol must be 3, got ${protocol}`)
      return {flags: num(tokens, 0, 'flags'), algorithm: num(tokens, 2, 'algorithm'), key: b64(rest(3))}
    }
    case 'RRSIG':
      return {
        typeCovered: packetTypeName(tok(tokens, 0, 'type covered')), algorithm: num(tokens, 1, 'algorithm'),
        labels: num(tokens, 2, 'labels'), originalTTL: num(tokens, 3, 'original TTL'),
        expiration: parseDnssecTime(tok(tokens, 4, 'expiration')), inception: parseDnssecTime(tok(tokens, 5, 'inception')),
        keyTag: num(tokens, 6, 'key tag'), signersName: name(7, "signer's name"), signature: b64(rest(8)),
      }
    case 'NSEC':
      return {nextDomain: name(0, 'next domain'), rrtypes: tokens.slice(1).map(t => packetTypeName(t.text))}
    case 'NSEC3': {
      const salt = tok(tokens, 3, 'salt')
      return {
        algorithm: num(tokens, 0, 'hash algorithm'), flags: num(tokens, 1, 'flags'), iterations: num(tokens, 2, 'iterations'),
        salt: salt === '-' ? Buffer.alloc(0) : hex(salt), nextDomain: base32HexDecode(tok(tokens, 4, 'next hashed owner')),
        rrtypes: tokens.slice(5).map(t => packetTypeName(t.text)),
      }
    }
    case 'NSEC3PARAM': {
      const saltText = tok(tokens, 3, 'salt')
      const salt = saltText === '-' ? Buffer.alloc(0) : hex(saltText)
      const b = Buffer.alloc(5 + salt.length)
      b[0] = num(tokens, 0, 'hash algorithm')
      b[1] = num(tokens, 1, 'flags')
      b.writeUInt16BE(num(tokens, 2, 'iterations'), 2)
      b[4] = salt.length
      salt.copy(b, 5)
      return b
    }
    default:
      throw new Error(`presentation format of ${type} is not supported (use \\# generic RDATA)`)
  }
}

function hex(text: string): Buffer {
  if (!/^(?:[0-9a-f]{2})*$/i.test(text)) throw new Error(`invalid hex ${JSON.stringify(text)}`)
  return Buffer.from(text, 'hex')
}

function b64(text: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new Error('invalid base64')
  return Buffer.from(text, 'base64')
}

/**
 * Parse zone-file text into dns-packet records. Supports `$ORIGIN`, `$TTL`, `@`, relative
 * names, omitted owner (indented line), parentheses and comments. Throws with the line number.
 */
export function parseZoneText(text: string, opts: ParseZoneOptions = {}): DnsRecord[] {
  let origin = opts.origin !== undefined ? absoluteName(opts.origin.endsWith('.') ? opts.origin : `${opts.origin}.`, undefined) : undefined
  let defaultTtl = opts.defaultTtl ?? 3600
  let lastOwner: string | undefined
  let lastClass = 'IN'
  const out: DnsRecord[] = []
  for (const line of tokenize(text)) {
    try {
      const t = line.tokens
      const first = t[0]!.text
      if (!t[0]!.quoted && first.toUpperCase() === '$ORIGIN') {
        const o = tok(t, 1, 'origin')
        origin = absoluteName(isAbsolute(o) ? o : origin ? `${o}.${origin === '.' ? '' : origin}` : o, undefined)
        continue
      }
      if (!t[0]!.quoted && first.toUpperCase() === '$TTL') {
        const ttl = parseTtl(tok(t, 1, 'TTL'))
        if (ttl === null) throw new Error('invalid $TTL')
        defaultTtl = ttl
        continue
      }
      if (first.startsWith('$')) throw new Error(`unsupported directive ${first}`)
      let i = 0
      let owner: string
      if (line.indented) {
        if (lastOwner === undefined) throw new Error('record without owner')
        owner = lastOwner
      } else {
        owner = absoluteName(first, origin)
        i = 1
      }
      let ttl: number | undefined
      let klass: string | undefined
      for (; i < t.length; i++) {
        const x = t[i]!.text
        const asTtl = ttl === undefined ? parseTtl(x) : null
        if (asTtl !== null) ttl = asTtl
        else if (klass === undefined && isClass(x)) klass = x.toUpperCase()
        else break
      }
      const typeText = tok(t, i, 'type')
      if (!isType(typeText)) throw new Error(`unknown type ${typeText}`)
      const type = packetTypeName(typeText)
      const data = parseRdata(knownName(typeText), t.slice(i + 1), origin)
      lastOwner = owner
      lastClass = klass ?? lastClass
      out.push({name: owner, type, class: lastClass, ttl: ttl ?? defaultTtl, data})
    } catch (e) {
      throw new Error(`line ${line.lineNo}: ${(e as Error).message}`)
    }
  }
  return out
}

/** Parse exactly one record in presentation format. */
export function parseRecord(text: string, opts: ParseZoneOptions = {}): DnsRecord {
  const records = parseZoneText(text, opts)
  if (records.length !== 1) throw new Error(`expected one record, got ${records.length}`)
  return records[0]!
}
