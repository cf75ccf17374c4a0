/**
 * Domain names as dnsx handles them: presentation strings, absolute, with no
 * trailing dot internally ("" is the root), compared case-insensitively.
 *
 * Validation follows RFC 1035 §2.3.4: labels of 1..63 octets, a whole name of
 * at most 255 octets in wire form (length bytes included).
 */
import {UsageError} from '../errors.js'

export const MAX_LABEL = 63
export const MAX_NAME_WIRE = 255

/** Normalise a user-given name: strip one trailing dot; "." and "@" mean the root. */
export function normalizeName(input: string): string {
  let n = input.trim()
  if (n === '.' || n === '') return n === '.' ? '' : n
  if (n.endsWith('.') && !n.endsWith('\\.')) n = n.slice(0, -1)
  return n
}

/** Split a name into labels (no escapes: dnsx does not accept dots inside labels). */
export function labels(name: string): string[] {
  return name === '' ? [] : name.split('.')
}

/** Length of the name in wire form (RFC 1035): sum of (1 + label) plus the root byte. */
export function wireLength(name: string): number {
  return labels(name).reduce((n, l) => n + 1 + Buffer.byteLength(l), 1)
}

/**
 * Validate a query name given by a user. Returns the normalised name
 * (no trailing dot, "" for the root) or throws a UsageError (exit 2).
 */
export function validateName(input: string, what = 'name'): string {
  if (input === undefined || input === null || input.trim() === '') {
    throw new UsageError(`${what} is empty`, 'bad-name')
  }
  if (/\s/.test(input.trim())) throw new UsageError(`${what} "${input}" contains white space`, 'bad-name')
  const name = normalizeName(input)
  if (name === '') return ''
  const ls = labels(name)
  for (const l of ls) {
    if (l.length === 0) throw new UsageError(`${what} "${input}" has an empty label`, 'bad-name')
    const len = Buffer.byteLength(l)
    if (len > MAX_LABEL) {
      throw new UsageError(`${what} has a ${len}-octet label; a label may have at most ${MAX_LABEL}`, 'bad-name')
    }
  }
  const wire = wireLength(name)
  if (wire > MAX_NAME_WIRE) {
    throw new UsageError(`${what} is ${wire} octets in wire form; a name may have at most ${MAX_NAME_WIRE}`, 'bad-name')
  }
  return name
}

/** Case-insensitive equality of two names (ASCII case folding, RFC 4343). */
export function nameEquals(a: string, b: string): boolean {
  return normalizeName(a).toLowerCase() === normalizeName(b).toLowerCase()
}

/** Lower-cased, normalised form used as a map key. */
export function canonicalName(name: string): string {
  return normalizeName(name).toLowerCase()
}

/** True when `name` is `zone` or below it. The root contains every name. */
export function isSubdomain(name: string, zone: string): boolean {
  const n = canonicalName(name)
  const z = canonicalName(zone)
  if (z === '') return true
  return n === z || n.endsWith('.' + z)
}

/** The parent of a name ("" for a TLD; null for the root). */
export function parentName(name: string): string | null {
  const n = normalizeName(name)
  if (n === '') return null
  const i = n.indexOf('.')
  return i === -1 ? '' : n.slice(i + 1)
}

/** Number of labels in a name (0 for the root). */
export function labelCount(name: string): number {
  return labels(normalizeName(name)).length
}

/** The name cut to its last `count` labels (ancestor at that depth). */
export function ancestorAt(name: string, count: number): string {
  const ls = labels(normalizeName(name))
  return ls.slice(Math.max(0, ls.length - count)).join('.')
}

/** Presentation form with the trailing dot ("." for the root). */
export function fqdn(name: string): string {
  const n = normalizeName(name)
  return n === '' ? '.' : n + '.'
}
