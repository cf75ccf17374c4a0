/**
 * Domain-name helpers for the lab, in dns-packet's spelling: absolute names without the
 * trailing dot, the root as `.`, compared case-insensitively (RFC 4343).
 */

/** Lower-cased form without a trailing dot; the root is `.`. */
export function canon(name: string): string {
  if (name === '' || name === '.') return '.'
  const n = name.endsWith('.') ? name.slice(0, -1) : name
  return n.toLowerCase()
}

/** The labels of a name, leftmost first (none for the root). */
export function labelsOf(name: string): string[] {
  const n = canon(name)
  return n === '.' ? [] : n.split('.')
}

/** True when `name` is `zone` or below it. */
export function isAtOrBelow(name: string, zone: string): boolean {
  const n = canon(name)
  const z = canon(zone)
  return z === '.' || n === z || n.endsWith(`.${z}`)
}

/** The parent of a name; null for the root. */
export function parentOf(name: string): string | null {
  const n = canon(name)
  if (n === '.') return null
  const i = n.indexOf('.')
  return i < 0 ? '.' : n.slice(i + 1)
}

/** `label` prepended to `parent`. */
export function childOf(label: string, parent: string): string {
  return parent === '.' || parent === '' ? label : `${label}.${parent}`
}

/** The names from just below `zone` down to `name` inclusive (empty when name is the zone). */
export function namesBetween(zone: string, name: string): string[] {
  const z = labelsOf(zone).length
  const ls = labelsOf(name)
  const out: string[] = []
  for (let n = z + 1; n <= ls.length; n++) out.push(ls.slice(ls.length - n).join('.'))
  return out
}

/** Octets of a name in wire form (labels with their length bytes, plus the root byte). */
export function wireLength(name: string): number {
  return labelsOf(name).reduce((sum, l) => sum + 1 + Buffer.byteLength(l), 1)
}

/** RFC 4034 §6.1 canonical order: compare label by label from the right, as lower-case octets. */
export function compareCanonical(a: string, b: string): number {
  const la = labelsOf(a).reverse()
  const lb = labelsOf(b).reverse()
  for (let i = 0; i < Math.min(la.length, lb.length); i++) {
    const c = Buffer.compare(Buffer.from(la[i]), Buffer.from(lb[i]))
    if (c !== 0) return c
  }

  return la.length - lb.length
}

/** Replaces the suffix `from` of `name` by `to` (DNAME substitution). */
export function replaceSuffix(name: string, from: string, to: string): string {
  const n = labelsOf(name)
  const keep = n.slice(0, n.length - labelsOf(from).length)
  const target = canon(to)
  if (keep.length === 0) return target
  return target === '.' ? keep.join('.') : `${keep.join('.')}.${target}`
}
