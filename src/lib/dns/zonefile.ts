/**
 * The one zone-file reader and writer of dnsx (RFC 1035 §5, RFC 3597, RFC 4034, RFC 5155,
 * RFC 9460): master-file text (zones, root hints, trust anchors) into records of the one record
 * model (dns/record.ts), and records back into text the way dig prints them.
 *
 * Records read here: names absolute without the trailing dot (the root is `.`); `type` in
 * dns-packet's spelling (`UNKNOWN_65` for HTTPS), which dns/types.ts and dns/record.ts accept
 * like the mnemonic; `data` in record.ts's shapes (structured for the types it has codecs for,
 * the raw RDATA Buffer for SVCB/HTTPS, NSEC3PARAM and unknown types).
 */
import {Buffer} from 'node:buffer'
import {base32HexDecode, base32HexEncode} from '../dnssec/base32hex.js'
import {isIPv4, isIPv6} from 'node:net'

import ipaddr from 'ipaddr.js'
import {DataError, UsageError} from '../errors.js'
import {decodeRdataBytes, decodeTypeBitmap, Reader, type Rr, type SoaData} from './record.js'
import {formatLabels, fqdn, nameToWire, wireLength} from './names.js'
import {algorithmNumber, classCode, className, packetTypeName, typeCode, typeName} from './types.js'

/** Options for {@link parseZoneFile}. */
export interface ParseZoneOptions {
  /** Initial origin for relative names and `@` (with or without the trailing dot). */
  origin?: string
  /** TTL for records without one when no `$TTL` was seen. */
  defaultTtl?: number
  /** Shown in error messages (`file:line: ...`). */
  fileName?: string
}

/** A syntax or content error in zone-file text (bad input, exit 2); `message` is one line: `file:line: reason`. */
export class ZoneFileError extends UsageError {
  /** 1-based line number of the offending entry. */
  readonly line: number
  readonly fileName: string
  /** The message without the `file:line: ` prefix. */
  readonly reason: string

  constructor(reason: string, line: number, fileName = '<input>') {
    super(`${fileName}:${line}: ${reason}`, 'bad-zone-file')
    this.name = 'ZoneFileError'
    this.line = line
    this.fileName = fileName
    this.reason = reason
  }
}

// ---------------------------------------------------------------------------------------------
// Type and class tables
// ---------------------------------------------------------------------------------------------

// The type, class and algorithm tables are dns/types.ts's (the one table of dnsx); the record
// model spells an unknown class as dns-packet does (UNKNOWN_n), so records stay interchangeable
// with the peer codec the tests check the wire against.

function packetClassName(klass: string): string | undefined {
  const code = /^(?:\d|UNKNOWN_)/i.test(klass) ? undefined : classCode(klass)
  if (code === undefined) return undefined
  switch (code) {
    case 1: return 'IN'
    case 2: return 'CS'
    case 3: return 'CH'
    case 4: return 'HS'
    case 255: return 'ANY'
    default: return `UNKNOWN_${code}`
  }
}

// ---------------------------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------------------------

interface Token {
  /** Raw text: escapes are kept, quotes are removed. */
  text: string
  /** The token began with a double quote. */
  quoted: boolean
  line: number
}

interface Entry {
  line: number
  /** The entry's first physical line began with white space (owner omitted). */
  blankOwner: boolean
  tokens: Token[]
}

function tokenize(text: string, fail: (reason: string, line: number) => never): Entry[] {
  const entries: Entry[] = []
  let line = 1
  let depth = 0
  let parenLine = 0
  let entry: Entry | undefined
  let token: Token | undefined
  let atLineStart = true

  const endToken = (): void => {
    if (token) {
      entry!.tokens.push(token)
      token = undefined
    }
  }

  const endEntry = (): void => {
    endToken()
    if (entry && entry.tokens.length > 0) entries.push(entry)
    entry = undefined
  }

  let i = 0
  while (i < text.length) {
    const ch = text[i]
    if (atLineStart && depth === 0) {
      entry = {line, blankOwner: ch === ' ' || ch === '\t', tokens: []}
      atLineStart = false
    }

    entry ??= {line, blankOwner: false, tokens: []}

    if (ch === '\n') {
      endToken()
      if (depth === 0) {
        endEntry()
        atLineStart = true
      }

      line++
      i++
      continue
    }

    if (ch === ' ' || ch === '\t' || ch === '\r') {
      endToken()
      i++
      continue
    }

    if (ch === ';') {
      endToken()
      while (i < text.length && text[i] !== '\n') i++
      continue
    }

    if (ch === '(') {
      endToken()
      if (depth === 0) parenLine = line
      depth++
      i++
      continue
    }

    if (ch === ')') {
      endToken()
      if (depth === 0) fail('unbalanced parentheses: ")" without "("', line)
      depth--
      i++
      continue
    }

    if (ch === '"') {
      // A quoted string: a token of its own, or the tail of an unquoted token (alpn="h2,h3").
      token ??= {text: '', quoted: true, line}
      const startLine = line
      i++
      for (;;) {
        if (i >= text.length) fail('unterminated quoted string', startLine)
        const c = text[i]
        if (c === '\\') {
          if (i + 1 >= text.length) fail('unterminated quoted string', startLine)
          if (text[i + 1] === '\n') line++
          token.text += c + text[i + 1]
          i += 2
          continue
        }

        if (c === '"') {
          i++
          break
        }

        if (c === '\n') fail('unterminated quoted string (a newline inside quotes must be escaped)', startLine)
        token.text += c
        i++
      }

      if (token.quoted) endToken()
      continue
    }

    token ??= {text: '', quoted: false, line}
    if (ch === '\\') {
      if (i + 1 >= text.length) fail('dangling backslash at end of input', line)
      token.text += ch + text[i + 1]
      if (text[i + 1] === '\n') line++
      i += 2
      continue
    }

    token.text += ch
    i++
  }

  if (depth > 0) fail('unbalanced parentheses: "(" never closed', parenLine)
  endEntry()
  return entries
}

/** Decodes RFC 1035 §5.1 escapes (`\X`, `\DDD`) in raw token text into bytes. */
function unescapeBytes(raw: string, fail: (reason: string) => never): Buffer {
  const out: number[] = []
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i]
    if (ch !== '\\') {
      const code = raw.codePointAt(i)!
      if (code < 0x80) out.push(code)
      else {
        const bytes = Buffer.from(String.fromCodePoint(code), 'utf8')
        out.push(...bytes)
        if (code > 0xffff) i++
      }

      continue
    }

    const digits = raw.slice(i + 1, i + 4)
    if (/^\d{3}$/.test(digits)) {
      const value = Number(digits)
      if (value > 255) fail(`bad escape \\${digits} (more than 255)`)
      out.push(value)
      i += 3
    } else if (/^\d/.test(digits)) {
      fail(`bad escape \\${digits} (\\DDD needs three digits)`)
    } else {
      if (i + 1 >= raw.length) fail('dangling backslash')
      out.push(...Buffer.from(raw[i + 1], 'utf8'))
      i++
    }
  }

  return Buffer.from(out)
}

// ---------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------

/**
 * Parses zone-file text into records. Supports `$ORIGIN`, `$TTL`, `@`, relative names, a blank
 * owner (the previous owner), parentheses across lines, `;` comments, quoted strings with escapes,
 * `\DDD`, optional class and TTL in either order, TTL units (`1h30m`, `2d`), and RFC 3597 generic
 * RDATA (`TYPE65534 \# 3 abcdef`, also for known types). `$INCLUDE` and `$GENERATE` are rejected.
 * @throws ZoneFileError on the first error, with its line number.
 */
export function parseZoneFile(text: string, opts: ParseZoneOptions = {}): Rr[] {
  const fileName = opts.fileName ?? '<input>'
  const fail = (reason: string, line: number): never => {
    throw new ZoneFileError(reason, line, fileName)
  }

  let origin: string | undefined = opts.origin === undefined ? undefined : normalizeOrigin(opts.origin, fail)
  let dollarTtl: number | undefined
  let lastTtl: number | undefined
  let lastOwner: string | undefined
  let lastClass = 'IN'
  const records: Rr[] = []

  for (const entry of tokenize(text, fail)) {
    const line = entry.line
    const lineFail = (reason: string): never => fail(reason, line)
    const first = entry.tokens[0]
    if (!entry.blankOwner && !first.quoted && first.text.startsWith('$')) {
      const directive = first.text.toUpperCase()
      const args = entry.tokens.slice(1)
      switch (directive) {
        case '$ORIGIN': {
          if (args.length !== 1) lineFail('$ORIGIN takes exactly one domain name')
          origin = parseNameToken(args[0], origin, lineFail)
          break
        }

        case '$TTL': {
          if (args.length !== 1) lineFail('$TTL takes exactly one TTL')
          dollarTtl = parseTtl(args[0].text, lineFail)
          break
        }

        case '$INCLUDE': {
          lineFail('$INCLUDE is not supported')
          break
        }

        case '$GENERATE': {
          lineFail('$GENERATE is not supported')
          break
        }

        default: {
          lineFail(`unknown directive ${first.text}`)
        }
      }

      continue
    }

    const tokens = entry.tokens
    let pos = 0
    let owner: string
    if (entry.blankOwner) {
      if (lastOwner === undefined) lineFail('no owner name: the first record must name its owner')
      owner = lastOwner!
    } else {
      owner = parseNameToken(tokens[pos++], origin, lineFail)
    }

    let ttl: number | undefined
    let klass: string | undefined
    let type: string | undefined
    while (pos < tokens.length && type === undefined) {
      const tok = tokens[pos++]
      if (tok.quoted) lineFail(`expected a TTL, class or type, got a quoted string`)
      if (ttl === undefined && isTtlToken(tok.text)) {
        ttl = parseTtl(tok.text, lineFail)
        continue
      }

      const cls = packetClassName(tok.text)
      if (klass === undefined && cls !== undefined && typeCode(tok.text) === undefined) {
        klass = cls
        continue
      }

      const code = typeCode(tok.text)
      if (code === undefined || /^UNKNOWN_/i.test(tok.text)) {
        lineFail(`unknown RR type or class ${JSON.stringify(tok.text)}`)
      }

      type = packetTypeName(code!)
    }

    if (type === undefined) lineFail('missing RR type')
    const rrType = type!
    const presentation = typeName(rrType)
    if (presentation === 'OPT' || presentation === 'ANY' || presentation === 'AXFR' || presentation === 'IXFR') {
      lineFail(`${presentation} is not a record type for zone files`)
    }

    klass ??= lastClass
    if (ttl === undefined) {
      if (dollarTtl !== undefined) ttl = dollarTtl
      else if (opts.defaultTtl !== undefined) ttl = opts.defaultTtl
      else if (lastTtl !== undefined) ttl = lastTtl
    } else {
      lastTtl = ttl
    }

    const rdataTokens = tokens.slice(pos)
    const data = parseRdata(rrType, rdataTokens, origin, lineFail)
    if (ttl === undefined) {
      // RFC 1035 leaves this to the SOA MINIMUM; BIND does the same (with a warning).
      if (presentation === 'SOA') ttl = (data as SoaData).minimum ?? 0
      else lineFail('no TTL: give one, or a $TTL directive')
    }

    records.push({name: owner, type: rrType, class: klass, ttl: ttl!, data})
    lastOwner = owner
    lastClass = klass
  }

  return records
}

/** Parses text that must hold exactly one record (for one-off records in tests and commands). */
export function parseRecord(text: string, opts: ParseZoneOptions = {}): Rr {
  const records = parseZoneFile(text, opts)
  if (records.length !== 1) {
    throw new ZoneFileError(`expected one record, found ${records.length}`, 1, opts.fileName)
  }

  return records[0]
}

function normalizeOrigin(origin: string, fail: (reason: string, line: number) => never): string {
  if (origin === '' || origin === '.') return '.'
  const withDot = origin.endsWith('.') ? origin : `${origin}.`
  return parseName(withDot, undefined, (reason) => fail(`bad origin: ${reason}`, 0))
}

function isTtlToken(text: string): boolean {
  return /^\d+$/.test(text) || /^(\d+[wdhms])+$/i.test(text)
}

const TTL_UNITS: Readonly<Record<string, number>> = {w: 604_800, d: 86_400, h: 3600, m: 60, s: 1}

function parseTtl(text: string, fail: (reason: string) => never): number {
  let value: number
  if (/^\d+$/.test(text)) {
    value = Number(text)
  } else if (/^(\d+[wdhms])+$/i.test(text)) {
    value = 0
    for (const m of text.matchAll(/(\d+)([wdhms])/gi)) value += Number(m[1]) * TTL_UNITS[m[2].toLowerCase()]
  } else {
    return fail(`bad TTL ${JSON.stringify(text)}`)
  }

  if (value > 0xffff_ffff) fail(`TTL ${text} is out of range`)
  return value
}

function parseNameToken(token: Token, origin: string | undefined, fail: (reason: string) => never): string {
  if (token.quoted) fail(`a domain name cannot be quoted: "${token.text}"`)
  return parseName(token.text, origin, fail)
}

/**
 * Parses one domain name in presentation format (escapes allowed) into dns-packet's form. `mail`
 * keeps an escaped dot inside a label as `\.`, which dns-packet understands in SOA RNAME and RP mbox.
 */
function parseName(text: string, origin: string | undefined, fail: (reason: string) => never): string {
  if (text === '@') {
    if (origin === undefined) fail('"@" used but no origin is known')
    return origin!
  }

  if (text === '.') return '.'
  const labels: string[] = []
  let current = ''
  let absolute = false
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]
    if (ch === '\\') {
      const esc = /^\d{3}/.test(text.slice(i + 1, i + 4)) ? text.slice(i, i + 4) : text.slice(i, i + 2)
      current += esc
      i += esc.length - 1
      continue
    }

    if (ch === '.') {
      if (current === '') fail(`empty label in ${JSON.stringify(text)}`)
      labels.push(current)
      current = ''
      if (i === text.length - 1) absolute = true
      continue
    }

    current += ch
  }

  if (current !== '') labels.push(current)
  // Labels as octets, then the names module's normal form: escaped presentation (\DDD for a
  // space or a non-printable octet, \. for a dot inside a label), as every other name in dnsx.
  const decoded = labels.map((raw) => {
    const bytes = unescapeBytes(raw, fail)
    if (bytes.length === 0) fail(`empty label in ${JSON.stringify(text)}`)
    if (bytes.length > 63) fail(`label longer than 63 bytes in ${JSON.stringify(text)}`)
    return bytes
  })
  let name = formatLabels(decoded)
  if (!absolute) {
    if (origin === undefined) fail(`relative name ${JSON.stringify(text)} but no origin is known`)
    if (origin !== '.') name = `${name}.${origin}`
  }
  const length = wireLength(name)
  if (length > 255) fail(`domain name longer than 255 bytes: ${JSON.stringify(text)}`)
  return name
}

class Cursor {
  private pos = 0
  constructor(
    private readonly tokens: Token[],
    private readonly fail: (reason: string) => never,
    private readonly type: string,
  ) {}

  get remaining(): number {
    return this.tokens.length - this.pos
  }

  next(what: string): Token {
    if (this.pos >= this.tokens.length) this.fail(`${this.type}: missing ${what}`)
    return this.tokens[this.pos++]
  }

  word(what: string): string {
    const tok = this.next(what)
    if (tok.quoted) this.fail(`${this.type}: ${what} cannot be quoted`)
    return tok.text
  }

  int(what: string, max: number): number {
    const text = this.word(what)
    if (!/^\d+$/.test(text) || Number(text) > max) this.fail(`${this.type}: bad ${what} ${JSON.stringify(text)}`)
    return Number(text)
  }

  rest(): Token[] {
    const out = this.tokens.slice(this.pos)
    this.pos = this.tokens.length
    return out
  }

  end(): void {
    if (this.pos < this.tokens.length) {
      this.fail(`${this.type}: unexpected ${JSON.stringify(this.tokens[this.pos].text)} after the RDATA`)
    }
  }
}

function parseRdata(type: string, tokens: Token[], origin: string | undefined, fail: (reason: string) => never): unknown {
  const mnemonic = typeName(type)
  if (tokens.length > 0 && !tokens[0].quoted && tokens[0].text === '\\#') return parseGeneric(type, tokens, fail)
  const c = new Cursor(tokens, fail, mnemonic)
  const name = (what: string): string => {
    const tok = c.next(what)
    if (tok.quoted) fail(`${mnemonic}: ${what} cannot be quoted`)
    return parseName(tok.text, origin, fail)
  }

  let data: unknown
  switch (mnemonic) {
    case 'A': {
      const text = c.word('IPv4 address')
      if (!isIPv4(text)) fail(`A: bad IPv4 address ${JSON.stringify(text)}`)
      data = text
      break
    }

    case 'AAAA': {
      const text = c.word('IPv6 address')
      if (!isIPv6(text) || text.includes('%')) fail(`AAAA: bad IPv6 address ${JSON.stringify(text)}`)
      data = ipaddr.IPv6.parse(text).toRFC5952String()
      break
    }

    case 'NS':
    case 'CNAME':
    case 'DNAME':
    case 'PTR': {
      data = name('target name')
      break
    }

    case 'MX': {
      data = {preference: c.int('preference', 0xffff), exchange: name('exchange')}
      break
    }

    case 'SOA': {
      const mname = name('MNAME')
      const rname = name('RNAME')
      const serial = c.int('serial', 0xffff_ffff)
      const timer = (what: string): number => parseTtl(c.word(what), (r) => fail(`SOA: ${what}: ${r}`))
      data = {mname, rname, serial, refresh: timer('refresh'), retry: timer('retry'), expire: timer('expire'), minimum: timer('minimum')}
      break
    }

    case 'TXT':
    case 'SPF': {
      const strings = c.rest().map((tok) => characterString(tok, fail, mnemonic))
      if (strings.length === 0) fail(`${mnemonic}: at least one character-string is needed`)
      data = mnemonic === 'TXT' ? strings : Buffer.concat(strings.map((s) => Buffer.concat([Buffer.from([s.length]), s])))
      break
    }

    case 'SRV': {
      data = {priority: c.int('priority', 0xffff), weight: c.int('weight', 0xffff), port: c.int('port', 0xffff), target: name('target')}
      break
    }

    case 'CAA': {
      const flags = c.int('flags', 255)
      const tag = c.word('tag')
      if (!/^[A-Za-z0-9]{1,255}$/.test(tag)) fail(`CAA: bad tag ${JSON.stringify(tag)}`)
      const value = unescapeBytes(c.next('value').text, fail).toString('utf8')
      data = {flags, tag, value, issuerCritical: (flags & 128) !== 0}
      break
    }

    case 'DS':
    case 'CDS': {
      const ds = {
        keyTag: c.int('key tag', 0xffff),
        algorithm: algorithm(c.word('algorithm'), fail, mnemonic),
        digestType: c.int('digest type', 255),
        digest: hexBytes(c.rest().map((t) => t.text).join(''), fail, `${mnemonic}: digest`),
      }
      data = ds
      break
    }

    case 'DNSKEY':
    case 'CDNSKEY': {
      const flags = c.int('flags', 0xffff)
      const protocol = c.int('protocol', 255)
      if (protocol !== 3) fail(`${mnemonic}: protocol must be 3, got ${protocol}`)
      const key = {
        flags,
        algorithm: algorithm(c.word('algorithm'), fail, mnemonic),
        key: base64Bytes(c.rest().map((t) => t.text).join(''), fail, `${mnemonic}: public key`),
      }
      data = key
      break
    }

    case 'RRSIG': {
      const covered = c.word('type covered')
      const coveredCode = typeCode(covered)
      if (coveredCode === undefined || /^UNKNOWN_/i.test(covered)) fail(`RRSIG: unknown type covered ${JSON.stringify(covered)}`)
      data = {
        typeCovered: packetTypeName(coveredCode!),
        algorithm: algorithm(c.word('algorithm'), fail, 'RRSIG'),
        labels: c.int('labels', 255),
        originalTTL: parseTtl(c.word('original TTL'), fail),
        expiration: sigTime(c.word('expiration'), fail),
        inception: sigTime(c.word('inception'), fail),
        keyTag: c.int('key tag', 0xffff),
        signersName: name("signer's name"),
        signature: base64Bytes(c.rest().map((t) => t.text).join(''), fail, 'RRSIG: signature'),
      }
      break
    }

    case 'NSEC': {
      const nextDomain = name('next domain name')
      data = {nextDomain, rrtypes: typeList(c.rest(), fail)}
      break
    }

    case 'NSEC3': {
      const algorithm = c.int('hash algorithm', 255)
      const flags = c.int('flags', 255)
      const iterations = c.int('iterations', 0xffff)
      const salt = saltBytes(c.word('salt'), fail)
      const next = c.word('next hashed owner name')
      const nextDomain = base32hexDecode(next)
      if (nextDomain === undefined || nextDomain.length === 0) fail(`NSEC3: bad next hashed owner name ${JSON.stringify(next)}`)
      data = {algorithm, flags, iterations, salt, nextDomain, rrtypes: typeList(c.rest(), fail)}
      break
    }

    case 'NSEC3PARAM': {
      const head = Buffer.alloc(4)
      head.writeUInt8(c.int('hash algorithm', 255), 0)
      head.writeUInt8(c.int('flags', 255), 1)
      head.writeUInt16BE(c.int('iterations', 0xffff), 2)
      const salt = saltBytes(c.word('salt'), fail)
      data = Buffer.concat([head, Buffer.from([salt.length]), salt])
      break
    }

    case 'SVCB':
    case 'HTTPS': {
      const priority = c.int('priority', 0xffff)
      const target = name('target name')
      const params = c.rest()
      if (priority === 0 && params.length > 0) fail(`${mnemonic}: AliasMode (priority 0) takes no SvcParams`)
      data = encodeSvcb(priority, target, params, fail, mnemonic)
      break
    }

    case 'HINFO': {
      const cpu = characterString(c.next('CPU'), fail, 'HINFO').toString('utf8')
      const os = characterString(c.next('OS'), fail, 'HINFO').toString('utf8')
      data = {cpu, os}
      break
    }

    case 'TLSA': {
      data = {
        usage: c.int('usage', 255),
        selector: c.int('selector', 255),
        matchingType: c.int('matching type', 255),
        certificate: hexBytes(c.rest().map((t) => t.text).join(''), fail, 'TLSA: data'),
      }
      break
    }

    case 'SSHFP': {
      const algorithm = c.int('algorithm', 255)
      const hash = c.int('fingerprint type', 255)
      const fingerprint = hexBytes(c.rest().map((t) => t.text).join(''), fail, 'SSHFP: fingerprint')
      const expected = hash === 1 ? 20 : hash === 2 ? 32 : undefined
      if (expected === undefined) fail(`SSHFP: fingerprint type ${hash} is not supported (use \\# generic syntax)`)
      if (fingerprint.length !== expected) fail(`SSHFP: fingerprint must be ${expected} bytes`)
      data = {algorithm, hash, fingerprint: fingerprint.toString('hex').toUpperCase()}
      break
    }

    case 'NAPTR': {
      data = {
        order: c.int('order', 0xffff),
        preference: c.int('preference', 0xffff),
        flags: characterString(c.next('flags'), fail, 'NAPTR').toString('utf8'),
        services: characterString(c.next('services'), fail, 'NAPTR').toString('utf8'),
        regexp: characterString(c.next('regexp'), fail, 'NAPTR').toString('utf8'),
        replacement: name('replacement'),
      }
      break
    }

    case 'RP': {
      data = {mbox: name('mbox'), txt: name('TXT domain')}
      break
    }

    default: {
      if (!/^TYPE\d+$/.test(typeName(type))) fail(`${mnemonic}: RDATA of this type is not supported; use the generic form \\# <length> <hex>`)
      fail(`${mnemonic}: an unknown type needs the generic form \\# <length> <hex>`)
    }
  }

  c.end()
  return data
}

function parseGeneric(type: string, tokens: Token[], fail: (reason: string) => never): unknown {
  const mnemonic = typeName(type)
  if (tokens.length < 2 || !/^\d+$/.test(tokens[1].text)) fail(`${mnemonic}: \\# must be followed by the RDATA length`)
  const length = Number(tokens[1].text)
  const bytes = hexBytes(tokens.slice(2).map((t) => t.text).join(''), fail, `${mnemonic}: generic RDATA`)
  if (bytes.length !== length) fail(`${mnemonic}: \\# says ${length} bytes but the hex has ${bytes.length}`)
  if (length > 0xffff) fail(`${mnemonic}: RDATA longer than 65535 bytes`)
  try {
    // Types with a structured codec get their structured data; the others keep the bytes.
    return decodeRdataBytes(type, bytes)
  } catch (error) {
    return fail(`${mnemonic}: generic RDATA does not decode: ${(error as Error).message}`)
  }
}

function characterString(tok: Token, fail: (reason: string) => never, type: string): Buffer {
  const bytes = unescapeBytes(tok.text, fail)
  if (bytes.length > 255) fail(`${type}: character-string longer than 255 bytes`)
  return bytes
}

function algorithm(text: string, fail: (reason: string) => never, type: string): number {
  const code = /^\d+$/.test(text) && Number(text) > 255 ? undefined : algorithmNumber(text)
  if (code === undefined) fail(`${type}: unknown algorithm ${JSON.stringify(text)}`)
  return code
}

function hexBytes(text: string, fail: (reason: string) => never, what: string): Buffer {
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(text)) fail(`${what}: bad hexadecimal ${JSON.stringify(text.slice(0, 40))}`)
  return Buffer.from(text, 'hex')
}

function base64Bytes(text: string, fail: (reason: string) => never, what: string): Buffer {
  if (text.length === 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) {
    fail(`${what}: bad base64 ${JSON.stringify(text.slice(0, 40))}`)
  }

  return Buffer.from(text, 'base64')
}

function saltBytes(text: string, fail: (reason: string) => never): Buffer {
  if (text === '-') return Buffer.alloc(0)
  const salt = hexBytes(text, fail, 'salt')
  if (salt.length > 255) fail('salt longer than 255 bytes')
  return salt
}

/** An RRSIG time field (RFC 4034 §3.2): `YYYYMMDDHHmmSS` in UTC, or decimal seconds since the epoch. */
export function parseSigTime(text: string): number {
  return sigTime(text, (reason) => {
    throw new DataError(reason, 'bad-rdata')
  })
}

function sigTime(text: string, fail: (reason: string) => never): number {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(text)
  if (m) {
    const [, y, mo, d, h, mi, s] = m.map(Number)
    const ms = Date.UTC(y, mo - 1, d, h, mi, s)
    const back = new Date(ms)
    if (back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) {
      fail(`bad signature time ${text}`)
    }

    return (ms / 1000) >>> 0
  }

  if (/^\d{1,10}$/.test(text) && Number(text) <= 0xffff_ffff) return Number(text)
  return fail(`bad signature time ${JSON.stringify(text)} (want YYYYMMDDHHmmSS)`)
}

function typeList(tokens: Token[], fail: (reason: string) => never): string[] {
  return tokens.map((tok) => {
    const code = typeCode(tok.text)
    if (tok.quoted || code === undefined || /^UNKNOWN_/i.test(tok.text)) fail(`unknown type ${JSON.stringify(tok.text)} in type bitmap`)
    return packetTypeName(code!)
  })
}

// ---------------------------------------------------------------------------------------------
// Wire helpers
// ---------------------------------------------------------------------------------------------

/** Decodes base32hex (NSEC3 next hashed owner); undefined when malformed. */
function base32hexDecode(text: string): Buffer | undefined {
  try {
    return base32HexDecode(text)
  } catch {
    return undefined
  }
}

// ---------------------------------------------------------------------------------------------
// SVCB / HTTPS (RFC 9460)
// ---------------------------------------------------------------------------------------------

const SVC_KEYS: Readonly<Record<string, number>> = {
  mandatory: 0, alpn: 1, 'no-default-alpn': 2, port: 3, ipv4hint: 4, ech: 5, ipv6hint: 6, dohpath: 7, ohttp: 8,
}
const SVC_KEY_NAMES = new Map(Object.entries(SVC_KEYS).map(([k, v]) => [v, k]))

function svcKeyCode(key: string): number | undefined {
  const lower = key.toLowerCase()
  if (lower in SVC_KEYS) return SVC_KEYS[lower]
  const m = /^key(\d{1,5})$/.exec(lower)
  return m && Number(m[1]) <= 0xffff ? Number(m[1]) : undefined
}

function svcKeyName(code: number): string {
  return SVC_KEY_NAMES.get(code) ?? `key${code}`
}

/** Splits a SvcParam value list on unescaped commas, keeping each item's escapes. */
function splitValueList(raw: string): string[] {
  const items: string[] = []
  let current = ''
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === '\\' && i + 1 < raw.length) {
      current += raw[i] + raw[i + 1]
      i++
    } else if (raw[i] === ',') {
      items.push(current)
      current = ''
    } else {
      current += raw[i]
    }
  }

  items.push(current)
  return items
}

function encodeSvcb(priority: number, target: string, params: Token[], fail: (reason: string) => never, type: string): Buffer {
  const values = new Map<number, Buffer>()
  for (const tok of params) {
    const eq = tok.text.indexOf('=')
    const key = eq < 0 ? tok.text : tok.text.slice(0, eq)
    const raw = eq < 0 ? undefined : tok.text.slice(eq + 1)
    const code = svcKeyCode(key)
    if (code === undefined || tok.quoted) fail(`${type}: unknown SvcParamKey ${JSON.stringify(key)}`)
    if (values.has(code!)) fail(`${type}: SvcParamKey ${key} appears twice`)
    const needValue = (): string => {
      if (raw === undefined || raw === '') fail(`${type}: ${key} needs a value`)
      return raw!
    }

    let value: Buffer
    switch (code) {
      case 0: {
        const codes = splitValueList(needValue()).map((k) => {
          const c = svcKeyCode(k)
          if (c === undefined || c === 0) fail(`${type}: bad key ${JSON.stringify(k)} in mandatory`)
          return c!
        })
        codes.sort((a, b) => a - b)
        value = Buffer.alloc(codes.length * 2)
        codes.forEach((c, i) => value.writeUInt16BE(c, i * 2))
        break
      }

      case 1: {
        const ids = splitValueList(needValue()).map((id) => unescapeBytes(id, fail))
        value = Buffer.concat(ids.map((id) => {
          if (id.length === 0 || id.length > 255) fail(`${type}: bad alpn id`)
          return Buffer.concat([Buffer.from([id.length]), id])
        }))
        break
      }

      case 2: {
        if (raw !== undefined && raw !== '') fail(`${type}: no-default-alpn takes no value`)
        value = Buffer.alloc(0)
        break
      }

      case 3: {
        const text = needValue()
        if (!/^\d+$/.test(text) || Number(text) > 0xffff) fail(`${type}: bad port ${JSON.stringify(text)}`)
        value = Buffer.alloc(2)
        value.writeUInt16BE(Number(text))
        break
      }

      case 4: {
        value = Buffer.concat(needValue().split(',').map((a) => {
          if (!isIPv4(a)) fail(`${type}: bad ipv4hint address ${JSON.stringify(a)}`)
          return Buffer.from(a.split('.').map(Number))
        }))
        break
      }

      case 5: {
        value = base64Bytes(needValue(), fail, `${type}: ech`)
        break
      }

      case 6: {
        value = Buffer.concat(needValue().split(',').map((a) => {
          if (!isIPv6(a) || a.includes('%')) fail(`${type}: bad ipv6hint address ${JSON.stringify(a)}`)
          return Buffer.from(ipaddr.IPv6.parse(a).toByteArray())
        }))
        break
      }

      default: {
        value = raw === undefined ? Buffer.alloc(0) : unescapeBytes(raw, fail)
      }
    }

    values.set(code!, value)
  }

  const head = Buffer.alloc(2)
  head.writeUInt16BE(priority)
  const parts: Buffer[] = [head, nameToWire(target)]
  for (const code of [...values.keys()].sort((a, b) => a - b)) {
    const value = values.get(code)!
    const kv = Buffer.alloc(4)
    kv.writeUInt16BE(code, 0)
    kv.writeUInt16BE(value.length, 2)
    parts.push(kv, value)
  }

  return Buffer.concat(parts)
}

/** A decoded SVCB/HTTPS RDATA (RFC 9460): priority, target and the raw SvcParams in wire order. */
export interface SvcbRdata {
  priority: number
  target: string
  params: {key: number, value: Buffer}[]
}

/** Decodes SVCB/HTTPS RDATA bytes; throws on malformed input. */
export function decodeSvcb(rdata: Buffer): SvcbRdata {
  if (rdata.length < 3) throw new DataError('SVCB RDATA too short', 'bad-rdata')
  const priority = rdata.readUInt16BE(0)
  const r = new Reader(rdata, 2)
  const target = r.name('SVCB target', false)
  let offset = r.pos
  const params: {key: number, value: Buffer}[] = []
  while (offset < rdata.length) {
    if (offset + 4 > rdata.length) throw new DataError('SvcParam header truncated', 'bad-rdata')
    const key = rdata.readUInt16BE(offset)
    const length = rdata.readUInt16BE(offset + 2)
    if (offset + 4 + length > rdata.length) throw new DataError('SvcParam value truncated', 'bad-rdata')
    params.push({key, value: rdata.subarray(offset + 4, offset + 4 + length)})
    offset += 4 + length
  }

  return {priority, target, params}
}

function formatSvcParam(key: number, value: Buffer): string {
  const name = svcKeyName(key)
  switch (key) {
    case 0: {
      if (value.length % 2) throw new DataError('bad mandatory', 'bad-rdata')
      const keys: string[] = []
      for (let i = 0; i < value.length; i += 2) keys.push(svcKeyName(value.readUInt16BE(i)))
      return `${name}=${keys.join(',')}`
    }

    case 1: {
      const ids: string[] = []
      for (let i = 0; i < value.length;) {
        const len = value[i]
        if (i + 1 + len > value.length) throw new DataError('bad alpn', 'bad-rdata')
        ids.push(escapeBytes(value.subarray(i + 1, i + 1 + len), true).replaceAll(',', '\\\\,'))
        i += 1 + len
      }

      return `${name}="${ids.join(',')}"`
    }

    case 2: {
      return name
    }

    case 3: {
      if (value.length !== 2) throw new DataError('bad port', 'bad-rdata')
      return `${name}=${value.readUInt16BE(0)}`
    }

    case 4: {
      if (value.length === 0 || value.length % 4) throw new DataError('bad ipv4hint', 'bad-rdata')
      const addrs: string[] = []
      for (let i = 0; i < value.length; i += 4) addrs.push([...value.subarray(i, i + 4)].join('.'))
      return `${name}=${addrs.join(',')}`
    }

    case 5: {
      return `${name}=${value.toString('base64')}`
    }

    case 6: {
      if (value.length === 0 || value.length % 16) throw new DataError('bad ipv6hint', 'bad-rdata')
      const addrs: string[] = []
      for (let i = 0; i < value.length; i += 16) addrs.push(ipaddr.fromByteArray([...value.subarray(i, i + 16)]).toString())
      return `${name}=${addrs.join(',')}`
    }

    default: {
      return value.length === 0 ? name : `${name}="${escapeBytes(value, true)}"`
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Formatting
// ---------------------------------------------------------------------------------------------

/** Escapes bytes for presentation: `\"` and `\\` when quoted, specials in names, `\DDD` otherwise. */
function escapeBytes(bytes: Uint8Array, quoted: boolean): string {
  let out = ''
  for (const b of bytes) {
    if (b < 0x20 || b > 0x7e) out += `\\${String(b).padStart(3, '0')}`
    else if (b === 0x22 || b === 0x5c) out += `\\${String.fromCharCode(b)}`
    else if (!quoted && (b === 0x20 || b === 0x2e || b === 0x3b || b === 0x28 || b === 0x29 || b === 0x40 || b === 0x24)) {
      out += `\\${String.fromCharCode(b)}`
    } else out += String.fromCharCode(b)
  }

  return out
}


function formatCharacterString(bytes: Uint8Array | string): string {
  const buf = typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes
  return `"${escapeBytes(buf, true)}"`
}

function formatTime(seconds: number): string {
  const d = new Date(seconds * 1000)
  const p = (n: number, w = 2): string => String(n).padStart(w, '0')
  return `${p(d.getUTCFullYear(), 4)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`
}

function formatGeneric(bytes: Buffer): string {
  return bytes.length === 0 ? '\\# 0' : `\\# ${bytes.length} ${bytes.toString('hex').toUpperCase()}`
}

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value
  if (value instanceof Uint8Array) return Buffer.from(value)
  if (typeof value === 'string') return Buffer.from(value, 'utf8')
  throw new TypeError('expected bytes')
}

function formatTypeList(types: string[] | undefined): string {
  return (types ?? []).map((t) => typeName(t)).join(' ')
}

/** The RDATA of a record in presentation format, as dig prints it (single line). */
export function formatRdata(rr: Pick<Rr, 'type' | 'data'>): string {
  const mnemonic = typeName(rr.type)
  const d = rr.data
  if (d === undefined || d === null) return ''
  if (Buffer.isBuffer(d) && !['TXT', 'SPF'].includes(mnemonic) && typeCode(rr.type) !== undefined) {
    // Raw RDATA for a type with a structured codec (e.g. from a generic record): decode it first.
    try {
      const decoded = decodeRdataBytes(rr.type, d)
      if (!Buffer.isBuffer(decoded)) return formatRdata({type: rr.type, data: decoded})
    } catch {
      return formatGeneric(d)
    }
  }

  try {
    switch (mnemonic) {
      case 'A':
      case 'AAAA': {
        return String(d)
      }

      case 'NS':
      case 'CNAME':
      case 'DNAME':
      case 'PTR': {
        return fqdn(String(d))
      }

      case 'MX': {
        return `${d.preference ?? 0} ${fqdn(d.exchange)}`
      }

      case 'SOA': {
        return `${fqdn(d.mname)} ${fqdn(d.rname)} ${d.serial ?? 0} ${d.refresh ?? 0} ${d.retry ?? 0} ${d.expire ?? 0} ${d.minimum ?? 0}`
      }

      case 'TXT': {
        const strings: unknown[] = Array.isArray(d) ? d : [d]
        return strings.map((s) => formatCharacterString(s as Buffer | string)).join(' ')
      }

      case 'SPF': {
        const buf = toBuffer(d)
        const strings: string[] = []
        for (let i = 0; i < buf.length;) {
          const len = buf[i]
          if (i + 1 + len > buf.length) return formatGeneric(buf)
          strings.push(formatCharacterString(buf.subarray(i + 1, i + 1 + len)))
          i += 1 + len
        }

        return strings.join(' ')
      }

      case 'SRV': {
        return `${d.priority ?? 0} ${d.weight ?? 0} ${d.port ?? 0} ${fqdn(d.target)}`
      }

      case 'CAA': {
        const flags = d.flags ?? (d.issuerCritical ? 128 : 0)
        return `${flags} ${d.tag} ${formatCharacterString(String(d.value))}`
      }

      case 'DS': {
        return `${d.keyTag} ${d.algorithm} ${d.digestType} ${toBuffer(d.digest).toString('hex').toUpperCase()}`
      }

      case 'CDS': {
        return formatRdata({type: 'DS', data: d})
      }

      case 'DNSKEY': {
        return `${d.flags} 3 ${d.algorithm} ${toBuffer(d.key).toString('base64')}`
      }

      case 'CDNSKEY': {
        return formatRdata({type: 'DNSKEY', data: d})
      }

      case 'RRSIG': {
        return [
          typeName(d.typeCovered), d.algorithm, d.labels, d.originalTTL, formatTime(d.expiration), formatTime(d.inception),
          d.keyTag, fqdn(d.signersName), toBuffer(d.signature).toString('base64'),
        ].join(' ')
      }

      case 'NSEC': {
        const types = formatTypeList(d.rrtypes)
        return types ? `${fqdn(d.nextDomain)} ${types}` : fqdn(d.nextDomain)
      }

      case 'NSEC3': {
        const salt = toBuffer(d.salt)
        const head = `${d.algorithm} ${d.flags} ${d.iterations} ${salt.length === 0 ? '-' : salt.toString('hex').toUpperCase()} ${base32HexEncode(toBuffer(d.nextDomain))}`
        const types = formatTypeList(d.rrtypes)
        return types ? `${head} ${types}` : head
      }

      case 'NSEC3PARAM': {
        const buf = toBuffer(d)
        if (buf.length < 5 || buf.length !== 5 + buf[4]) return formatGeneric(buf)
        const salt = buf.subarray(5)
        return `${buf[0]} ${buf[1]} ${buf.readUInt16BE(2)} ${salt.length === 0 ? '-' : salt.toString('hex').toUpperCase()}`
      }

      case 'SVCB':
      case 'HTTPS': {
        const buf = toBuffer(d)
        try {
          const svcb = decodeSvcb(buf)
          return [String(svcb.priority), fqdn(svcb.target), ...svcb.params.map((p) => formatSvcParam(p.key, p.value))].join(' ')
        } catch {
          return formatGeneric(buf)
        }
      }

      case 'HINFO': {
        return `${formatCharacterString(d.cpu)} ${formatCharacterString(d.os)}`
      }

      case 'TLSA':
      case 'SMIMEA': {
        return `${d.usage} ${d.selector} ${d.matchingType} ${toBuffer(d.certificate).toString('hex').toUpperCase()}`
      }

      case 'SSHFP': {
        return `${d.algorithm} ${d.hash} ${String(d.fingerprint).toUpperCase()}`
      }

      case 'NAPTR': {
        return `${d.order} ${d.preference} ${formatCharacterString(d.flags)} ${formatCharacterString(d.services)} ${formatCharacterString(d.regexp)} ${fqdn(d.replacement)}`
      }

      case 'RP': {
        return `${fqdn(d.mbox)} ${fqdn(d.txt)}`
      }

      case 'AFSDB':
      case 'RT':
      case 'KX':
      case 'LP': {
        return `${d.preference ?? 0} ${fqdn(String(d.target))}`
      }

      default: {
        return formatMoreRdata(mnemonic, toBuffer(d)) ?? formatGeneric(toBuffer(d))
      }
    }
  } catch {
    return Buffer.isBuffer(d) ? formatGeneric(d) : JSON.stringify(d)
  }
}

/** CERT types by number (RFC 4398 §2.1), as dig names them. */
const CERT_TYPES: Record<number, string> = {1: 'PKIX', 2: 'SPKI', 3: 'PGP', 4: 'IPKIX', 5: 'ISPKI', 6: 'IPGP', 7: 'ACPKIX', 8: 'IACPKIX', 253: 'URI', 254: 'OID'}

/**
 * Presentation of the types kept as raw RDATA that dig decodes: LOC (RFC 1876), URI (RFC 7553),
 * CERT (RFC 4398), DHCID (RFC 4701), OPENPGPKEY (RFC 7929), CSYNC (RFC 7477),
 * ZONEMD (RFC 8976), EUI48/EUI64 (RFC 7043), NID, L32 and L64 (RFC 6742). Null when `mnemonic` is
 * none of them or the RDATA does not fit its type (the caller prints it as RFC 3597 generic data).
 */
function formatMoreRdata(mnemonic: string, b: Buffer): string | null {
  const r = new Reader(b)
  switch (mnemonic) {
    case 'LOC': return formatLoc(b)
    case 'URI': {
      const priority = r.u16()
      const weight = r.u16()
      return `${priority} ${weight} ${formatCharacterString(r.rest())}`
    }
    case 'CERT': {
      const type = r.u16()
      const keyTag = r.u16()
      const algorithm = r.u8()
      return `${CERT_TYPES[type] ?? type} ${keyTag} ${algorithm} ${r.rest().toString('base64')}`
    }
    case 'DHCID':
    case 'OPENPGPKEY': return b.toString('base64')
    case 'CSYNC': {
      const serial = r.u32()
      const flags = r.u16()
      const types = formatTypeList(decodeTypeBitmap(r.rest()))
      return types ? `${serial} ${flags} ${types}` : `${serial} ${flags}`
    }
    case 'ZONEMD': {
      const serial = r.u32()
      const scheme = r.u8()
      const hash = r.u8()
      return `${serial} ${scheme} ${hash} ${r.rest().toString('hex').toUpperCase()}`
    }
    case 'EUI48':
    case 'EUI64': {
      if (b.length !== (mnemonic === 'EUI48' ? 6 : 8)) return null
      return [...b].map((x) => x.toString(16).padStart(2, '0')).join('-')
    }
    case 'NID':
    case 'L64': {
      if (b.length !== 10) return null
      const pref = r.u16()
      // Each group without its leading zeros, as BIND prints them ("14:4fff:ff20:ee64").
      const groups = [0, 1, 2, 3].map(() => r.u16().toString(16))
      return `${pref} ${groups.join(':')}`
    }
    case 'L32': {
      if (b.length !== 6) return null
      const pref = r.u16()
      return `${pref} ${[...r.bytes(4)].join('.')}`
    }
    default: return null
  }
}

/** LOC (RFC 1876 §3) as dig prints it: "52 22 23.000 N 4 53 32.000 E -2.00m 1m 10000m 10m". */
function formatLoc(b: Buffer): string | null {
  if (b.length !== 16 || b[0] !== 0) return null
  // A size byte is a base (high nibble, 0-9) times ten to the low nibble, in centimetres.
  const size = (x: number): string | null => {
    const base = x >> 4
    const exp = x & 0x0f
    if (base > 9 || exp > 9) return null
    // Whole metres from 1 m up, else centimetres ("0.00m", "0.50m"), as BIND prints them.
    return exp >= 2 ? `${base * 10 ** (exp - 2)}m` : `0.${String(base * 10 ** exp).padStart(2, '0')}m`
  }
  const [s, h, v] = [size(b[1]!), size(b[2]!), size(b[3]!)]
  if (s === null || h === null || v === null) return null
  const angle = (raw: number, pos: string, neg: string): string => {
    let ms = raw - 2 ** 31
    const hemi = ms < 0 ? neg : pos
    ms = Math.abs(ms)
    const deg = Math.floor(ms / 3_600_000)
    const min = Math.floor((ms % 3_600_000) / 60_000)
    const sec = Math.floor((ms % 60_000) / 1000)
    return `${deg} ${min} ${sec}.${String(ms % 1000).padStart(3, '0')} ${hemi}`
  }
  const altCm = b.readUInt32BE(12) - 10_000_000
  const alt = `${altCm < 0 ? '-' : ''}${Math.floor(Math.abs(altCm) / 100)}.${String(Math.abs(altCm) % 100).padStart(2, '0')}m`
  return `${angle(b.readUInt32BE(4), 'N', 'S')} ${angle(b.readUInt32BE(8), 'E', 'W')} ${alt} ${s} ${h} ${v}`
}

/**
 * One record as a zone-file line, the way dig prints it:
 * `name.<TAB>ttl<TAB>CLASS<TAB>TYPE<TAB>rdata` (`TYPE65534` / `CLASS42` for unknown codes).
 */
export function formatRecord(rr: Pick<Rr, 'name' | 'type' | 'data'> & {class?: string, ttl?: number}): string {
  return `${fqdn(rr.name)}\t${rr.ttl ?? 0}\t${className(rr.class)}\t${typeName(rr.type)}\t${formatRdata(rr)}`
}
