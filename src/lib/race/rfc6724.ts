/**
 * RFC 6724 destination address ordering, with an explanation for every decision.
 *
 * Pure: no sockets, no OS calls. The caller supplies the source address the OS would use for each
 * destination (`sourceFor`, typically obtained by `connect()`ing a UDP socket and reading its local
 * address); everything else is computed from the addresses and a policy table.
 *
 * Implemented destination rules (RFC 6724 §6): 1, 2, 5, 6, 8, 9, 10.
 * Skipped, because they need OS state this module does not have:
 *  - rule 3 (avoid deprecated source addresses: needs the address lifetime state),
 *  - rule 4 (prefer home addresses: needs Mobile IPv6 state),
 *  - rule 7 (prefer native transport: needs to know which interfaces are tunnels).
 * When a real stack would decide by one of those, this module falls through to the next rule, so
 * RFC 6724 §10.2's "prefer home address" and "avoid deprecated addresses" examples come out differently
 * (the tests pin down exactly how).
 */
import ipaddr from 'ipaddr.js'

/** An address family, as a number. */
export type Family = 4 | 6

type IPv4 = ipaddr.IPv4
type IPv6 = ipaddr.IPv6
type Parsed = IPv4 | IPv6

/** One row of a policy table (RFC 6724 §2.1): a prefix with the precedence and label it gives. */
export interface PolicyEntry {
  /** IPv6 prefix in CIDR form, e.g. `"::ffff:0:0/96"`. IPv4 addresses are looked up as IPv4-mapped. */
  readonly prefix: string
  readonly precedence: number
  readonly label: number
}

/** A policy table: looked up by longest matching prefix. Must contain `::/0` so every address matches. */
export type PolicyTable = readonly PolicyEntry[]

/** Names of the built-in policy tables. */
export type PolicyName = 'rfc6724' | 'rfc6724-update' | 'glibc'

/** RFC 6724 §2.1 default policy table. */
const RFC6724: PolicyTable = Object.freeze([
  {prefix: '::1/128', precedence: 50, label: 0},
  {prefix: '::/0', precedence: 40, label: 1},
  {prefix: '::ffff:0:0/96', precedence: 35, label: 4},
  {prefix: '2002::/16', precedence: 30, label: 2},
  {prefix: '2001::/32', precedence: 5, label: 5},
  {prefix: 'fc00::/7', precedence: 3, label: 13},
  {prefix: '::/96', precedence: 1, label: 3},
  {prefix: 'fec0::/10', precedence: 1, label: 11},
  {prefix: '3ffe::/16', precedence: 1, label: 12},
])

/**
 * draft-ietf-6man-rfc6724-update-21 (18 June 2025), section "Policy Table Update": IPv4-mapped
 * precedence lowered 35 -> 20, 6to4 (2002::/16) lowered 30 -> 5 (same as Teredo), ULA (fc00::/7)
 * raised 3 -> 30 so that ULA-to-ULA is preferred over IPv4-to-IPv4. Every other row is unchanged.
 * The draft's "known-local" ULA rows (precedence 45, label 14) depend on the host's Router
 * Advertisements and interface addresses; add them with {@link withKnownLocalUlas}.
 */
const RFC6724_UPDATE: PolicyTable = Object.freeze([
  {prefix: '::1/128', precedence: 50, label: 0},
  {prefix: '::/0', precedence: 40, label: 1},
  {prefix: '::ffff:0:0/96', precedence: 20, label: 4},
  {prefix: '2002::/16', precedence: 5, label: 2},
  {prefix: '2001::/32', precedence: 5, label: 5},
  {prefix: 'fc00::/7', precedence: 30, label: 13},
  {prefix: '::/96', precedence: 1, label: 3},
  {prefix: 'fec0::/10', precedence: 1, label: 11},
  {prefix: '3ffe::/16', precedence: 1, label: 12},
])

/**
 * What glibc's getaddrinfo() uses when /etc/gai.conf has no `label`/`precedence` lines
 * (sysdeps/posix/getaddrinfo.c, `default_labels` and `default_precedence`).
 *
 * glibc keeps two separate tables. The precedence table is exactly RFC 3484's
 * (::1/128 50, ::/0 40, 2002::/16 30, ::/96 20, ::ffff:0:0/96 10). The label table is RFC 3484's
 * plus three rows of glibc's own: fec0::/10 label 5, fc00::/7 label 6 and Teredo 2001::/32 label 7.
 * Those three have no precedence row, so they fall through to ::/0 and get precedence 40: glibc ranks
 * ULA, site-local and Teredo destinations as high as global IPv6 and far above IPv4 (10), unlike
 * RFC 6724. Merged here into one longest-prefix table; glibc matches first-in-list, which gives the
 * same answers for these (non-overlapping) rows.
 *
 * Other glibc nuances, not expressed by a table: glibc applies rule 9 to IPv4 too when source and
 * destination share the source interface's subnet, and compares IPv6 prefixes over all 128 bits;
 * this module applies rule 9 to IPv6 only, up to 64 bits (as Go does). Older glibc releases also gave
 * 10/8, 172.16/12 and 192.168/16 site-local scope; current ones (checked against the 2021 source)
 * treat them as global, which is what {@link scopeOf} does.
 */
const GLIBC: PolicyTable = Object.freeze([
  {prefix: '::1/128', precedence: 50, label: 0},
  {prefix: '::/0', precedence: 40, label: 1},
  {prefix: '2002::/16', precedence: 30, label: 2},
  {prefix: '::/96', precedence: 20, label: 3},
  {prefix: '::ffff:0:0/96', precedence: 10, label: 4},
  {prefix: 'fec0::/10', precedence: 40, label: 5},
  {prefix: 'fc00::/7', precedence: 40, label: 6},
  {prefix: '2001::/32', precedence: 40, label: 7},
])

/** The built-in policy tables, by name. */
export const POLICY_TABLES: Readonly<Record<PolicyName, PolicyTable>> = Object.freeze({
  rfc6724: RFC6724,
  'rfc6724-update': RFC6724_UPDATE,
  glibc: GLIBC,
})

/**
 * Returns `table` plus draft-ietf-6man-rfc6724-update "known-local" ULA rows (precedence 45, label 14)
 * for the given prefixes, which must lie inside fd00::/8 (the draft defines known-locals only there).
 * The draft takes them from RIOs (/40 or longer), PIOs and ULA interface addresses (as /48).
 */
export function withKnownLocalUlas(table: PolicyTable, prefixes: readonly string[]): PolicyTable {
  const fd = ipaddr.IPv6.parseCIDR('fd00::/8')
  const extra = prefixes.map((prefix) => {
    const [addr, bits] = parseCidr(prefix)
    if (addr.kind() !== 'ipv6' || bits < 8 || !addr.match(fd)) {
      throw new RangeError(`known-local ULA prefix must be inside fd00::/8: ${prefix}`)
    }
    return {prefix, precedence: 45, label: 14}
  })
  return Object.freeze([...table, ...extra])
}

// ---------------------------------------------------------------------------------------------
// Address parsing and classification

/**
 * Parses an IP address strictly: dotted-quad IPv4 (no octal/hex/short forms) or IPv6 (a `%zone` is
 * allowed). Throws a TypeError otherwise.
 */
export function parseAddress(address: string): Parsed {
  if (ipaddr.IPv4.isValidFourPartDecimal(address)) return ipaddr.IPv4.parse(address)
  if (ipaddr.IPv6.isValid(address)) return ipaddr.IPv6.parse(address)
  throw new TypeError(`not an IP address: ${JSON.stringify(address)}`)
}

/** Family of an address string (an IPv4-mapped IPv6 address is family 6). Throws if not an address. */
export function familyOf(address: string): Family {
  return parseAddress(address).kind() === 'ipv4' ? 4 : 6
}

function parseCidr(cidr: string): [Parsed, number] {
  try {
    return ipaddr.parseCIDR(cidr)
  } catch {
    throw new TypeError(`not a CIDR prefix: ${JSON.stringify(cidr)}`)
  }
}

/** The IPv6 form used for policy lookups: IPv4 becomes IPv4-mapped (RFC 6724 §2.1). */
function asIPv6(addr: Parsed): IPv6 {
  return addr.kind() === 'ipv4' ? (addr as IPv4).toIPv4MappedAddress() : (addr as IPv6)
}

/** The IPv4 address an address stands for, if it is IPv4 or IPv4-mapped IPv6. */
function embeddedIPv4(addr: Parsed): IPv4 | null {
  if (addr.kind() === 'ipv4') return addr as IPv4
  const v6 = addr as IPv6
  return v6.isIPv4MappedAddress() ? v6.toIPv4Address() : null
}

/** RFC 4291 §2.7 scope values, as used by RFC 6724 §3.1. */
export const SCOPE = Object.freeze({
  interfaceLocal: 0x1,
  linkLocal: 0x2,
  adminLocal: 0x4,
  siteLocal: 0x5,
  organizationLocal: 0x8,
  global: 0xe,
})

const V4_LOOPBACK = ipaddr.parseCIDR('127.0.0.0/8')
const V4_LINK_LOCAL = ipaddr.parseCIDR('169.254.0.0/16')
const V6_LINK_LOCAL = ipaddr.parseCIDR('fe80::/10')
const V6_SITE_LOCAL = ipaddr.parseCIDR('fec0::/10')
const V6_MULTICAST = ipaddr.parseCIDR('ff00::/8')
const V6_LOOPBACK = ipaddr.parseCIDR('::1/128')

/**
 * Scope of an address (RFC 6724 §3.1, §3.2 and RFC 4291): IPv6 multicast uses its scope field;
 * ::1 and fe80::/10 are link-local; fec0::/10 is site-local (deprecated by RFC 3879 but still given
 * site-local scope); other unicast is global (ULAs included, RFC 4193). IPv4 (and IPv4-mapped):
 * 127/8 and 169.254/16 are link-local, everything else (RFC 1918 included) is global.
 */
export function scopeOf(address: string | Parsed): number {
  const addr = typeof address === 'string' ? parseAddress(address) : address
  const v4 = embeddedIPv4(addr)
  if (v4) return v4.match(V4_LOOPBACK) || v4.match(V4_LINK_LOCAL) ? SCOPE.linkLocal : SCOPE.global
  const v6 = addr as IPv6
  if (v6.match(V6_MULTICAST)) return (v6.parts[0] ?? 0) & 0xf
  if (v6.match(V6_LOOPBACK) || v6.match(V6_LINK_LOCAL)) return SCOPE.linkLocal
  if (v6.match(V6_SITE_LOCAL)) return SCOPE.siteLocal
  return SCOPE.global
}

/** Human name of a scope value: "link-local", "site-local", "global", ... */
export function scopeName(scope: number): string {
  switch (scope) {
    case SCOPE.interfaceLocal:
      return 'interface-local'
    case SCOPE.linkLocal:
      return 'link-local'
    case SCOPE.adminLocal:
      return 'admin-local'
    case SCOPE.siteLocal:
      return 'site-local'
    case SCOPE.organizationLocal:
      return 'organization-local'
    case SCOPE.global:
      return 'global'
    default:
      return `scope ${scope}`
  }
}

interface CompiledEntry {
  readonly entry: PolicyEntry
  readonly net: [IPv6, number]
}

const compiled = new WeakMap<PolicyTable, readonly CompiledEntry[]>()

function compile(table: PolicyTable): readonly CompiledEntry[] {
  let out = compiled.get(table)
  if (!out) {
    out = table.map((entry) => {
      const [addr, bits] = parseCidr(entry.prefix)
      if (addr.kind() !== 'ipv6') throw new TypeError(`policy prefixes must be IPv6: ${entry.prefix}`)
      return {entry, net: [addr as IPv6, bits] as [IPv6, number]}
    })
    compiled.set(table, out)
  }
  return out
}

function resolvePolicy(policy: PolicyName | PolicyTable | undefined): PolicyTable {
  if (policy === undefined) return RFC6724
  if (typeof policy === 'string') {
    const table = POLICY_TABLES[policy]
    if (!table) throw new RangeError(`unknown policy table: ${policy}`)
    return table
  }
  return policy
}

/** The policy row an address falls in (longest matching prefix), or null if none matches. */
export function lookupPolicy(address: string | Parsed, policy?: PolicyName | PolicyTable): PolicyEntry | null {
  const addr = asIPv6(typeof address === 'string' ? parseAddress(address) : address)
  let best: CompiledEntry | null = null
  for (const row of compile(resolvePolicy(policy))) {
    if (addr.match(row.net) && (best === null || row.net[1] > best.net[1])) best = row
  }
  return best ? best.entry : null
}

/** Everything the rules look at for one address. */
export interface AddressInfo {
  readonly address: string
  readonly family: Family
  readonly scope: number
  readonly scopeName: string
  /** Precedence from the policy table (0 if no row matches, as glibc does). */
  readonly precedence: number
  /** Label from the policy table (-1 if no row matches; two such addresses share that label, as in glibc). */
  readonly label: number
  /** The policy row that matched, or null. */
  readonly policyPrefix: string | null
}

/** Classifies one address against a policy table (default `rfc6724`). */
export function classifyAddress(address: string, policy?: PolicyName | PolicyTable): AddressInfo {
  const parsed = parseAddress(address)
  const row = lookupPolicy(parsed, policy)
  const scope = scopeOf(parsed)
  return {
    address,
    family: parsed.kind() === 'ipv4' ? 4 : 6,
    scope,
    scopeName: scopeName(scope),
    precedence: row ? row.precedence : 0,
    label: row ? row.label : -1,
    policyPrefix: row ? row.prefix : null,
  }
}

/**
 * CommonPrefixLen (RFC 6724 §2.2) of two addresses of the same kind: leading bits in common, counted
 * only up to the length of the source's prefix. Like Go's net package, that prefix is taken to be the
 * /64 for IPv6; IPv4 counts all 32 bits. Returns 0 for addresses of different kinds.
 */
export function commonPrefixLength(a: string | Parsed, b: string | Parsed): number {
  const pa = typeof a === 'string' ? parseAddress(a) : a
  const pb = typeof b === 'string' ? parseAddress(b) : b
  if (pa.kind() !== pb.kind()) return 0
  const ba = pa.toByteArray()
  const bb = pb.toByteArray()
  const limit = pa.kind() === 'ipv6' ? 64 : 32
  let bits = 0
  for (let i = 0; i < ba.length && bits < limit; i++) {
    const x = (ba[i] ?? 0) ^ (bb[i] ?? 0)
    if (x === 0) {
      bits += 8
      continue
    }
    bits += Math.clz32(x) - 24
    break
  }
  return Math.min(bits, limit)
}

// ---------------------------------------------------------------------------------------------
// Destination ordering

/** A destination to order: an address and, optionally, its family (checked against the address). */
export interface Destination {
  readonly address: string
  readonly family?: Family
}

/** A destination with its original position, for {@link compareDestinations}' rule 10. */
export interface IndexedDestination extends Destination {
  readonly index?: number
}

/** Options for {@link sortDestinations} and {@link compareDestinations}. */
export interface SortOptions {
  /**
   * The source address the OS would use to reach `address`, or null if there is none (no route, no
   * address of that family): such destinations are "unusable" (rule 1).
   */
  readonly sourceFor: (address: string) => string | null
  /** Policy table or built-in name; default `rfc6724`. */
  readonly policy?: PolicyName | PolicyTable
}

/** One destination in sorted order, with why it sits where it does. */
export interface Sorted {
  readonly address: string
  readonly family: Family
  readonly source: string | null
  readonly precedence: number
  readonly label: number
  /** RFC 4291 scope value of the destination (2 link-local, 5 site-local, 14 global, ...). */
  readonly scope: number
  readonly scopeName: string
  /** The rule that placed it after its predecessor, e.g. "rule 6: prefer higher precedence (40 > 35)"; null for the first. */
  readonly rule: string | null
  /** The number of that rule (1-10), or null for the first. */
  readonly ruleNumber: number | null
  /** Position in the input list. */
  readonly index: number
}

/** Outcome of comparing two destinations: -1 if A goes first, 1 if B goes first, 0 if no rule decides. */
export interface Comparison {
  readonly result: -1 | 0 | 1
  /** The deciding rule, or null when nothing decides (equal, and no indexes to fall back on). */
  readonly rule: number | null
  /** e.g. "rule 6: prefer higher precedence (40 > 35)". */
  readonly reason: string
}

interface Attributes {
  readonly address: string
  readonly parsed: Parsed
  readonly family: Family
  readonly index: number | undefined
  readonly info: AddressInfo
  readonly source: string | null
  readonly sourceParsed: Parsed | null
  readonly sourceInfo: AddressInfo | null
  /** Candidate for rule 9: both it and its source are plain (not IPv4-mapped) IPv6. */
  readonly ipv6ForRule9: boolean
}

function attributes(d: IndexedDestination, index: number | undefined, opts: SortOptions, policy: PolicyTable): Attributes {
  const parsed = parseAddress(d.address)
  const family: Family = parsed.kind() === 'ipv4' ? 4 : 6
  if (d.family !== undefined && d.family !== family) {
    throw new TypeError(`${d.address} is not an IPv${d.family} address`)
  }
  const source = opts.sourceFor(d.address)
  const sourceParsed = source === null ? null : parseAddress(source)
  const info = classifyAddress(d.address, policy)
  const sourceInfo = source === null ? null : classifyAddress(source, policy)
  const plainV6 = (p: Parsed | null) => p !== null && p.kind() === 'ipv6' && !(p as IPv6).isIPv4MappedAddress()
  return {
    address: d.address,
    parsed,
    family,
    index,
    info,
    source,
    sourceParsed,
    sourceInfo,
    ipv6ForRule9: plainV6(parsed) && plainV6(sourceParsed),
  }
}

function decided(aWins: boolean, rule: number, reason: string): Comparison {
  return {result: aWins ? -1 : 1, rule, reason: `rule ${rule}: ${reason}`}
}

function compareAttributes(a: Attributes, b: Attributes): Comparison {
  // Rule 1: avoid unusable destinations (no source address).
  if ((a.source === null) !== (b.source === null)) {
    const loser = a.source === null ? a : b
    return decided(b.source === null, 1, `avoid unusable destinations (no source address for ${loser.address})`)
  }
  const haveSources = a.sourceInfo !== null && b.sourceInfo !== null

  // Rule 2: prefer matching scope.
  if (haveSources) {
    const aMatch = a.info.scope === a.sourceInfo!.scope
    const bMatch = b.info.scope === b.sourceInfo!.scope
    if (aMatch !== bMatch) {
      const [w, l] = aMatch ? [a, b] : [b, a]
      return decided(
        aMatch,
        2,
        `prefer matching scope (${w.info.scopeName} destination from a ${w.sourceInfo!.scopeName} source` +
          ` vs ${l.info.scopeName} destination from a ${l.sourceInfo!.scopeName} source)`,
      )
    }
  }

  // Rules 3 and 4 need source address state (deprecated, home/care-of) that we do not have.

  // Rule 5: prefer matching label.
  if (haveSources) {
    const aMatch = a.info.label === a.sourceInfo!.label
    const bMatch = b.info.label === b.sourceInfo!.label
    if (aMatch !== bMatch) {
      const [w, l] = aMatch ? [a, b] : [b, a]
      return decided(
        aMatch,
        5,
        `prefer matching label (label ${w.info.label} = source label ${w.sourceInfo!.label}` +
          ` vs ${l.info.label} ≠ ${l.sourceInfo!.label})`,
      )
    }
  }

  // Rule 6: prefer higher precedence.
  if (a.info.precedence !== b.info.precedence) {
    const aWins = a.info.precedence > b.info.precedence
    const [w, l] = aWins ? [a, b] : [b, a]
    return decided(aWins, 6, `prefer higher precedence (${w.info.precedence} > ${l.info.precedence})`)
  }

  // Rule 7 needs to know which interfaces are encapsulating tunnels.

  // Rule 8: prefer smaller scope.
  if (a.info.scope !== b.info.scope) {
    const aWins = a.info.scope < b.info.scope
    const [w, l] = aWins ? [a, b] : [b, a]
    return decided(aWins, 8, `prefer smaller scope (${w.info.scopeName} < ${l.info.scopeName})`)
  }

  // Rule 9: longest matching prefix; IPv6 only (for IPv4 it reorders on meaningless bits, as Go found).
  if (haveSources && a.ipv6ForRule9 && b.ipv6ForRule9) {
    const aLen = commonPrefixLength(a.sourceParsed!, a.parsed)
    const bLen = commonPrefixLength(b.sourceParsed!, b.parsed)
    if (aLen !== bLen) {
      const aWins = aLen > bLen
      return decided(aWins, 9, `use longest matching prefix (${Math.max(aLen, bLen)} > ${Math.min(aLen, bLen)} bits)`)
    }
  }

  // Rule 10: otherwise, leave the order unchanged.
  if (a.index !== undefined && b.index !== undefined && a.index !== b.index) {
    const aWins = a.index < b.index
    return decided(
      aWins,
      10,
      `otherwise keep the original order (position ${Math.min(a.index, b.index)} < ${Math.max(a.index, b.index)})`,
    )
  }
  return {result: 0, rule: null, reason: 'no rule prefers either destination'}
}

/**
 * Why does A go before B (or not)? Applies the implemented RFC 6724 §6 rules in order; rule 10 uses
 * `index` when both destinations carry one, otherwise a full tie is `{result: 0, rule: null}`.
 */
export function compareDestinations(a: IndexedDestination, b: IndexedDestination, opts: SortOptions): Comparison {
  const policy = resolvePolicy(opts.policy)
  return compareAttributes(attributes(a, a.index, opts, policy), attributes(b, b.index, opts, policy))
}

/**
 * Orders destinations by RFC 6724 §6 (rules 1, 2, 5, 6, 8, 9 and 10; see the module comment for the
 * skipped ones). Stable. Each result says which rule put it after the one before it.
 * Throws a TypeError for a string that is not an IP address.
 */
export function sortDestinations(destinations: readonly Destination[], opts: SortOptions): Sorted[] {
  const policy = resolvePolicy(opts.policy)
  const attrs = destinations.map((d, i) => attributes(d, i, opts, policy))
  const order = [...attrs].sort((a, b) => compareAttributes(a, b).result)
  return order.map((a, i) => {
    const why = i === 0 ? null : compareAttributes(order[i - 1]!, a)
    return {
      address: a.address,
      family: a.family,
      source: a.source,
      precedence: a.info.precedence,
      label: a.info.label,
      scope: a.info.scope,
      scopeName: a.info.scopeName,
      rule: why ? why.reason : null,
      ruleNumber: why ? why.rule : null,
      index: a.index!,
    }
  })
}

/**
 * Picks a source address for `destination` from `candidates` the way RFC 6724 §5 would, as far as
 * addresses alone allow: only candidates of the destination's family (IPv4-mapped counts as IPv4), then
 * rules 1 (same address), 2 (appropriate scope), 6 (matching label) and 8 (longest matching prefix).
 * Rules 3, 4, 5, 5.5 and 7 need OS state and are skipped. Returns null when no candidate fits.
 * Meant for tests and "what if" explanations; real runs should ask the OS.
 */
export function selectSourceAddress(
  destination: string,
  candidates: readonly string[],
  policy?: PolicyName | PolicyTable,
): string | null {
  const table = resolvePolicy(policy)
  const d = parseAddress(destination)
  const dV4 = embeddedIPv4(d) !== null
  const dScope = scopeOf(d)
  const dLabel = classifyAddress(destination, table).label
  const usable = candidates
    .map((c) => ({address: c, parsed: parseAddress(c)}))
    .filter((c) => (embeddedIPv4(c.parsed) !== null) === dV4)
    .map((c) => ({
      ...c,
      scope: scopeOf(c.parsed),
      label: classifyAddress(c.address, table).label,
      same: asIPv6(c.parsed).toNormalizedString() === asIPv6(d).toNormalizedString(),
      cpl: commonPrefixLength(asIPv6(c.parsed), asIPv6(d)),
    }))
  if (usable.length === 0) return null
  usable.sort((a, b) => {
    if (a.same !== b.same) return a.same ? -1 : 1
    if (a.scope !== b.scope) {
      const [lo, hi] = a.scope < b.scope ? [a, b] : [b, a]
      const preferHi = lo.scope < dScope
      const winner = preferHi ? hi : lo
      return winner === a ? -1 : 1
    }
    if ((a.label === dLabel) !== (b.label === dLabel)) return a.label === dLabel ? -1 : 1
    if (a.cpl !== b.cpl) return a.cpl > b.cpl ? -1 : 1
    return 0
  })
  return usable[0]!.address
}

// ---------------------------------------------------------------------------------------------
// Family interleaving

/**
 * RFC 8305 §4 interleaving: take `firstAddressFamilyCount` items of the first item's family, then
 * alternate one of each family; when one family runs out the rest of the other follows. Relative order
 * within a family is kept. Throws a RangeError unless the count is an integer >= 1.
 */
export function interleaveFamilies<T extends {readonly family: Family}>(
  sorted: readonly T[],
  firstAddressFamilyCount = 1,
): T[] {
  if (!Number.isInteger(firstAddressFamilyCount) || firstAddressFamilyCount < 1) {
    throw new RangeError(`firstAddressFamilyCount must be an integer >= 1, got ${firstAddressFamilyCount}`)
  }
  if (sorted.length === 0) return []
  const first = sorted[0]!.family
  return weave(sorted, first, firstAddressFamilyCount)
}

/**
 * Interleaves `items`: first `lead` items of family `start`, then alternating starting with the other
 * family. `lead` may be 0 (then alternation starts with `start`).
 */
export function weave<T extends {readonly family: Family}>(items: readonly T[], start: Family, lead: number): T[] {
  const queues: Record<Family, T[]> = {4: [], 6: []}
  for (const item of items) queues[item.family].push(item)
  const out: T[] = []
  for (let i = 0; i < lead && queues[start].length > 0; i++) out.push(queues[start].shift()!)
  let turn: Family = lead > 0 ? other(start) : start
  while (queues[4].length > 0 || queues[6].length > 0) {
    if (queues[turn].length > 0) out.push(queues[turn].shift()!)
    else out.push(...queues[other(turn)].splice(0))
    turn = other(turn)
  }
  return out
}

/** The other address family. */
export function other(family: Family): Family {
  return family === 4 ? 6 : 4
}
