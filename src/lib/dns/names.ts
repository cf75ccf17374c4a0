/**
 * Domain names, the one home for them in dnsx.
 *
 * A name is a presentation string (RFC 1035 §5.1): absolute, without the trailing dot, labels
 * separated by dots, with `\.`, `\\` and `\DDD` escapes for octets that are not plain
 * printable characters. The root is `''`; `fqdn()` gives the form with the dot (`.` for the root).
 * Every function here accepts the root as `''` or `.`, and names with or without a trailing dot.
 *
 * Internally a name is a list of labels, each a string of octets (a Buffer). Comparisons fold
 * ASCII case only (RFC 4343); canonical order and wire forms follow RFC 4034 §6.
 */
import {domainToASCII, domainToUnicode} from 'node:url'

import {DataError, escapeControls, UsageError} from '../errors.js'

export const MAX_LABEL = 63
export const MAX_NAME_WIRE = 255

/** Names made only of these characters need no escape handling (the fast path). */
const PLAIN = /^[A-Za-z0-9_*\-.]*$/

// ---------------------------------------------------------------------------------------------
// Labels

/**
 * The labels of a name as octet strings (root → `[]`). Escapes are decoded; a label over 63
 * octets or a name over 255 octets in wire form is refused (DataError).
 */
export function nameLabels(name: string): Buffer[] {
  const labels = parseLabels(name)
  let wire = 1
  for (const l of labels) {
    if (l.length > MAX_LABEL) throw new DataError(`label of ${l.length} octets in name ${JSON.stringify(name.slice(0, 80))} (at most ${MAX_LABEL})`)
    wire += l.length + 1
  }
  if (wire > MAX_NAME_WIRE) throw new DataError(`name of ${wire} octets in wire form (at most ${MAX_NAME_WIRE})`)
  return labels
}

/** The labels of a name with escapes decoded, without the length limits (for measuring). */
function parseLabels(name: string): Buffer[] {
  if (name === '' || name === '.') return []
  const labels: Buffer[] = []
  if (PLAIN.test(name)) {
    const parts = name.split('.')
    if (parts[parts.length - 1] === '') parts.pop()
    for (const p of parts) {
      if (p === '') throw new DataError(`empty label in name ${JSON.stringify(name)}`, 'empty-label')
      labels.push(Buffer.from(p, 'latin1'))
    }
  } else {
    let cur: number[] = []
    let sawDot = false
    for (let i = 0; i < name.length;) {
      const ch = name[i]!
      sawDot = false
      if (ch === '\\') {
        const digits = /^\d{3}/.exec(name.slice(i + 1, i + 4))
        if (digits) {
          const v = Number(digits[0])
          if (v > 255) throw new DataError(`invalid escape \\${digits[0]} in name ${JSON.stringify(name)}`)
          cur.push(v)
          i += 4
          continue
        }
        const cp = name.codePointAt(i + 1)
        if (cp === undefined) throw new DataError(`dangling escape in name ${JSON.stringify(name)}`)
        const s = String.fromCodePoint(cp)
        cur.push(...Buffer.from(s, 'utf8'))
        i += 1 + s.length
        continue
      }
      if (ch === '.') {
        if (cur.length === 0) throw new DataError(`empty label in name ${JSON.stringify(name)}`, 'empty-label')
        labels.push(Buffer.from(cur))
        cur = []
        sawDot = true
        i++
        continue
      }
      const cp = name.codePointAt(i)!
      const s = String.fromCodePoint(cp)
      cur.push(...Buffer.from(s, 'utf8'))
      i += s.length
    }
    if (cur.length > 0) labels.push(Buffer.from(cur))
    else if (!sawDot) throw new DataError(`empty label in name ${JSON.stringify(name)}`, 'empty-label')
  }
  return labels
}

/** One label in presentation form: `.` `\\` and the zone-file specials escaped, non-printable octets as `\DDD`. */
export function formatLabel(label: Uint8Array): string {
  let s = ''
  for (const b of label) {
    if (b === 0x2e || b === 0x5c || b === 0x22 || b === 0x28 || b === 0x29 || b === 0x3b || b === 0x40 || b === 0x24) s += '\\' + String.fromCharCode(b)
    else if (b > 0x20 && b < 0x7f) s += String.fromCharCode(b)
    else s += '\\' + String(b).padStart(3, '0')
  }
  return s
}

/** A name from its labels (root → `''`). */
export function formatLabels(labels: readonly Uint8Array[]): string {
  return labels.map(formatLabel).join('.')
}

/** The labels of a name in presentation form (escapes kept, `[]` for the root). */
export function labels(name: string): string[] {
  const n = normalizeName(name)
  if (n === '') return []
  return n.includes('\\') ? nameLabels(n).map(formatLabel) : n.split('.')
}

/** Lowercase US-ASCII letters only (RFC 4034 §6.2: other octets are left alone). */
export function lowercaseOctets(buf: Uint8Array): Buffer {
  const out = Buffer.from(buf)
  for (let i = 0; i < out.length; i++) {
    const b = out[i]!
    if (b >= 0x41 && b <= 0x5a) out[i] = b + 0x20
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// Normal forms

/**
 * The normal form of a name: no trailing dot, `''` for the root, escapes in one canonical
 * spelling (`a\046b` becomes `a\.b`), case kept. Throws DataError for a name that is not valid.
 */
export function normalizeName(input: string): string {
  if (input === '' || input === '.') return ''
  if (PLAIN.test(input)) {
    const n = input.endsWith('.') ? input.slice(0, -1) : input
    // Anything odd (an empty label, a label over 63 octets, a long name) takes the careful path.
    return wellFormedPlain(n) ? n : formatLabels(nameLabels(n))
  }
  return formatLabels(nameLabels(input))
}

/**
 * Whether a plain name (no trailing dot) needs no careful path: 1 to 253 characters, no empty
 * label, no label over 63. One pass, as this runs for every name of every message.
 */
function wellFormedPlain(n: string): boolean {
  if (n.length === 0 || n.length > 253) return false
  let run = 0
  for (let i = 0; i < n.length; i++) {
    if (n.charCodeAt(i) === 0x2e) {
      if (run === 0) return false
      run = 0
    } else if (++run > MAX_LABEL) return false
  }
  return run > 0
}

/** The key form of a name: normal form, ASCII letters lowercased (RFC 4343). */
export function canonicalName(name: string): string {
  if (PLAIN.test(name)) return normalizeName(name).toLowerCase()
  return formatLabels(nameLabels(name).map(lowercaseOctets))
}

/** Presentation form with the trailing dot (`.` for the root). */
export function fqdn(name: string): string {
  const n = normalizeName(name)
  return n === '' ? '.' : n + '.'
}

/** Case-insensitive equality of two names (RFC 4343). */
export function nameEquals(a: string, b: string): boolean {
  return canonicalName(a) === canonicalName(b)
}

/** True when `name` is `zone` or below it. The root contains every name. */
export function isSubdomain(name: string, zone: string): boolean {
  const n = canonicalName(name)
  const z = canonicalName(zone)
  if (z === '') return true
  if (n === z) return true
  if (!n.endsWith('.' + z)) return false
  if (!n.includes('\\')) return true
  // An escaped dot is not a label boundary: compare label by label.
  const ln = labels(n)
  const lz = labels(z)
  return ln.length > lz.length && lz.every((l, i) => l === ln[ln.length - lz.length + i])
}

/** The parent of a name (`''` for a TLD; null for the root). */
export function parentName(name: string): string | null {
  const ls = labels(name)
  if (ls.length === 0) return null
  return ls.slice(1).join('.')
}

/** Number of labels in a name (0 for the root). */
export function labelCount(name: string): number {
  const n = normalizeName(name)
  if (n === '') return 0
  return n.includes('\\') ? nameLabels(n).length : n.split('.').length
}

/** The name cut to its last `count` labels (its ancestor with that many labels). */
export function ancestorAt(name: string, count: number): string {
  const ls = labels(name)
  return ls.slice(Math.max(0, ls.length - count)).join('.')
}

/** `label.name`, with `label` in presentation form (e.g. `*`). */
export function prependLabel(label: string, name: string): string {
  const n = normalizeName(name)
  return n === '' ? label : `${label}.${n}`
}

/** Length of the name in wire form (RFC 1035): each label plus its length octet, plus the root octet. */
export function wireLength(name: string): number {
  return parseLabels(name).reduce((n, l) => n + 1 + l.length, 1)
}

/** RRSIG Labels-field value for an owner name: labels, not counting a leading `*` (RFC 4034 §3.1.3). */
export function rrsigLabelCount(name: string): number {
  const ls = nameLabels(name)
  return ls.length > 0 && ls[0]!.length === 1 && ls[0]![0] === 0x2a ? ls.length - 1 : ls.length
}

/** Longest common ancestor of two names (case-insensitive), in key form. */
export function commonAncestor(a: string, b: string): string {
  const la = nameLabels(a).map(lowercaseOctets).reverse()
  const lb = nameLabels(b).map(lowercaseOctets).reverse()
  const common: Buffer[] = []
  for (let i = 0; i < Math.min(la.length, lb.length); i++) {
    if (!la[i]!.equals(lb[i]!)) break
    common.push(la[i]!)
  }
  return formatLabels(common.reverse())
}

/**
 * Canonical DNS name order (RFC 4034 §6.1): label by label from the rightmost, lowercased,
 * as left-justified unsigned octet strings; a name sorts before its descendants.
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
// Wire forms

function labelsToWire(ls: readonly Uint8Array[]): Buffer {
  const parts: Buffer[] = []
  for (const l of ls) parts.push(Buffer.from([l.length]), Buffer.from(l))
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

// ---------------------------------------------------------------------------------------------
// Names given by users

/** Control octets given unescaped in a name (C0, DEL): bad input, never sent as they are. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/

/** An input string as it may be shown in a message: control and non-ASCII characters escaped. */
export function printable(input: string, max = 80): string {
  return input.length > max ? escapeControls(input.slice(0, max)) + '…' : escapeControls(input)
}

/**
 * Validate a name given by a user: presentation escapes are decoded as RFC 1035 says
 * (`a\046b.test` is one label holding a dot, `\000` a zero octet); white space and control
 * characters given unescaped are refused, as are empty labels, labels over 63 octets and names
 * over 255 octets. Returns the normal form; throws UsageError (exit 2).
 */
export function validateName(input: string, what = 'name'): string {
  if (input === undefined || input === null || input.trim() === '') throw new UsageError(`${what} is empty`, 'bad-name')
  const text = input.trim()
  if (CONTROL.test(text)) throw new UsageError(`${what} "${printable(text)}" contains a control character; write it as \\DDD if it is really part of the name`, 'bad-name')
  if (/\s/.test(text)) throw new UsageError(`${what} "${printable(text)}" contains white space`, 'bad-name')
  if (text === '.') return ''
  if (NON_ASCII.test(text)) return validateName(idnToAscii(text, what), what)
  if (PLAIN.test(text)) {
    // The common case (letters, digits, hyphens): already its own normal form when well formed.
    const n = text.endsWith('.') ? text.slice(0, -1) : text
    if (wellFormedPlain(n)) return n
  }
  let ls: Buffer[]
  try {
    ls = parseLabels(text)
  } catch (err) {
    const why = (err as Error).message
    if ((err as DataError).code === 'empty-label') throw new UsageError(`${what} "${printable(text)}" has an empty label`, 'bad-name')
    throw new UsageError(`${what} "${printable(text)}": ${why}`, 'bad-name')
  }
  const long = ls.find((l) => l.length > MAX_LABEL)
  if (long) throw new UsageError(`${what} has a ${long.length}-octet label; a label may have at most ${MAX_LABEL}`, 'bad-name')
  const wire = ls.reduce((n, l) => n + 1 + l.length, 1)
  if (wire > MAX_NAME_WIRE) throw new UsageError(`${what} is ${wire} octets in wire form; a name may have at most ${MAX_NAME_WIRE}`, 'bad-name')
  return formatLabels(ls)
}

const NON_ASCII = /[^\u0000-\u007f]/

/**
 * A name typed in Unicode ("café.example") as DNS carries it ("xn--caf-dma.example"): UTS 46
 * processing, non-transitional as IDNA 2008 has it ("faß.de" keeps its ß), through Node's ICU
 * (url.domainToASCII). A name UTS 46 refuses is a usage error.
 */
export function idnToAscii(text: string, what = 'name'): string {
  const ascii = domainToASCII(text)
  if (ascii === '') throw new UsageError(`${what} "${printable(text)}" is not a valid internationalized domain name (UTS 46 / IDNA 2008)`, 'bad-name')
  return ascii
}

/**
 * The Unicode form of a name with A-labels ("xn--caf-dma.example." → "café.example."), to show
 * beside the form sent; null when it has none or they do not decode.
 */
export function unicodeName(name: string): string | null {
  if (!/(^|\.)xn--/i.test(name)) return null
  const u = domainToUnicode(name)
  return u && u !== name && u.toLowerCase() !== name.toLowerCase() ? u : null
}

/** A name as messages show it: lower-cased normal form, with the root written `.`. */
export function shownName(name: string): string {
  return canonicalName(name) || '.'
}

/**
 * DNAME substitution (RFC 6672 §2.2): `name`, which is below `owner`, with the `owner` suffix
 * replaced by `target`. Length limits are not applied, so a caller can see that the result is
 * too long (wireLength > 255: YXDOMAIN, RFC 6672 §2.2).
 */
export function dnameSubstitute(name: string, owner: string, target: string): string {
  const ls = parseLabels(name)
  const keep = ls.slice(0, Math.max(0, ls.length - parseLabels(owner).length))
  return formatLabels([...keep, ...parseLabels(target)])
}

/** The names from just below `zone` down to `name` inclusive, shortest first (empty when name is the zone). */
export function namesBetween(zone: string, name: string): string[] {
  const ls = parseLabels(name)
  const out: string[] = []
  for (let n = parseLabels(zone).length + 1; n <= ls.length; n++) out.push(formatLabels(ls.slice(ls.length - n)))
  return out
}
