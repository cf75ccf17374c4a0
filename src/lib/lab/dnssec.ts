/**
 * DNSSEC for the lab: the one place where the world's zones are parsed and, where the world asks
 * for it, signed before the servers load them (with the project's signer, src/lib/dnssec/sign.ts).
 *
 * - Every zone with a `dnssec` intent is signed (ECDSA P-256, NSEC), and so are its ancestors in
 *   the world (`test.` and the root), so that a chain of trust exists from the lab root down.
 * - `secure`: the parent gets the child's DS. `insecure`: signed, but no DS in the parent, so the
 *   parent's NSEC proves the delegation insecure. `bogus`: DS in the parent, then the RRSIG over
 *   `www.<zone> A` is corrupted so validation fails.
 * - The trust anchor is the lab root's own KSK. Keys are derived from the lab seed, so the anchor
 *   is the same on every run with the same seed. Signatures are valid from one hour before
 *   signing to 30 days after, or for years in the snapshot `npm run build` makes (snapshot.ts).
 *
 * The engine (authority.ts) serves what signed zones contain: RRSIGs when DO=1, NSEC denial, DS or
 * the NSEC proving its absence at referrals.
 */
import {parseZoneFile} from '../dns/zonefile.js'
import type {DsRecord, Rr} from '../dns/record.js'
import {generateKey, makeDs, signZone, type SigningKey} from '../dnssec/sign.js'
import type {AnswerPolicy} from './zone.js'
import {isSubdomain, labelCount, shownName} from '../dns/names.js'
import type {World} from './world.js'

/** A zone ready to load: parsed records, signed where asked. */
export interface PreparedZone {
  id: string
  origin: string
  records: Rr[]
  policies?: AnswerPolicy[]
}

/** What the lab serves after DNSSEC preparation. */
export interface DnssecSetup {
  zones: PreparedZone[]
  /** The lab root's KSK (DNSKEY) and its DS: the trust anchor for lab validation; null when unsigned. */
  trustAnchor: {dnskey: Rr, ds: DsRecord} | null
  status: 'signed' | 'unsigned'
  /** Per zone with a DNSSEC intent: what was done. */
  zonesStatus: {zone: string, intent: 'secure' | 'insecure' | 'bogus', status: string}[]
  /** Why signing did not happen, when it failed. */
  error?: string
}

/** Options of {@link prepareDnssec}. */
export interface PrepareDnssecOptions {
  /** Seed for the keys (the trust anchor depends on it). */
  seed?: number
  /** Signing time, unix seconds (default now). */
  now?: number
  /** How long signatures stay valid, seconds (default 30 days; the build's snapshot uses years). */
  validityS?: number
}

/** Parses the world's zones and signs those that need it; see the module comment. */
export function prepareDnssec(world: World, opts: PrepareDnssecOptions = {}): DnssecSetup {
  const zones: PreparedZone[] = world.zones.map((z) => ({
    id: z.id,
    origin: shownName(z.origin),
    records: parseZoneFile(z.text, {origin: z.origin, defaultTtl: 3600, fileName: `zone ${z.id}`}),
    policies: z.policies,
  }))
  const intents = new Map(world.zones.filter((z) => z.dnssec).map((z) => [z.id, z.dnssec!]))
  if (intents.size === 0) return {zones, trustAnchor: null, status: 'unsigned', zonesStatus: []}
  const statusOf = (reason: string): DnssecSetup['zonesStatus'] =>
    world.zones.filter((z) => z.dnssec).map((z) => ({zone: shownName(z.origin), intent: z.dnssec!, status: reason}))

  // The zone that delegates a given origin: the closest enclosing other zone (one version only).
  const parentOf = (zone: PreparedZone): PreparedZone | undefined => zones
    .filter((p) => p.origin !== zone.origin && isSubdomain(zone.origin, p.origin))
    .sort((a, b) => labelCount(b.origin) - labelCount(a.origin))[0]

  const toSign = new Map<string, PreparedZone>()
  for (const zone of zones) {
    if (!intents.has(zone.id)) continue
    for (let z: PreparedZone | undefined = zone; z; z = parentOf(z)) toSign.set(z.id, z)
  }

  const ordered = [...toSign.values()].sort((a, b) => labelCount(b.origin) - labelCount(a.origin))
  const now = opts.now ?? Math.floor(Date.now() / 1000)
  const seed = opts.seed ?? 1
  const keys = new Map<string, {ksk: SigningKey, zsk: SigningKey}>()
  try {
    for (const zone of ordered) {
      const ksk = generateKey(13, 257, {seed: `dnsx-lab|${seed}|${zone.origin}|ksk`})
      const zsk = generateKey(13, 256, {seed: `dnsx-lab|${seed}|${zone.origin}|zsk`})
      keys.set(zone.id, {ksk, zsk})
      // DS for every signed child that wants a secure delegation (ancestors count as secure).
      for (const child of ordered) {
        if (child === zone || parentOf(child) !== zone || intents.get(child.id) === 'insecure') continue
        zone.records.push(makeDs(child.origin, keys.get(child.id)!.ksk, 2, 3600))
      }

      zone.records = signZone(zone.origin, zone.records, {ksk, zsk, nsec: 'nsec', now, expiration: opts.validityS === undefined ? undefined : now + opts.validityS})
      if (intents.get(zone.id) === 'bogus') corruptSignature(zone, `www.${zone.origin}`, 'A')
    }
  } catch (error) {
    // Serve the zones unsigned rather than not at all; describe() reports why.
    const message = (error as Error).message
    const fresh = prepareUnsigned(world)
    return {zones: fresh, trustAnchor: null, status: 'unsigned', zonesStatus: statusOf(`unsigned: signing failed (${message})`), error: message}
  }

  const root = ordered.find((z) => z.origin === '.')
  const rootKsk = root ? keys.get(root.id)!.ksk : undefined
  return {
    zones,
    trustAnchor: rootKsk ? {dnskey: {name: '.', type: 'DNSKEY', class: 'IN', ttl: 172_800, data: rootKsk.dnskey}, ds: makeDs('.', rootKsk, 2, 172_800)} : null,
    status: 'signed',
    zonesStatus: world.zones.filter((z) => z.dnssec).map((z) => ({
      zone: shownName(z.origin),
      intent: z.dnssec!,
      status: z.dnssec === 'secure' ? 'signed, DS in the parent: secure'
        : z.dnssec === 'insecure' ? 'signed, no DS in the parent: insecure'
          : 'signed, DS in the parent, RRSIG over www A corrupted: bogus',
    })),
  }
}

function prepareUnsigned(world: World): PreparedZone[] {
  return world.zones.map((z) => ({
    id: z.id, origin: shownName(z.origin), records: parseZoneFile(z.text, {origin: z.origin, defaultTtl: 3600, fileName: `zone ${z.id}`}), policies: z.policies,
  }))
}

/** Flips one byte of the RRSIG covering `type` at `owner`. */
function corruptSignature(zone: PreparedZone, owner: string, type: string): void {
  zone.records = zone.records.map((rr) => {
    if (rr.type !== 'RRSIG' || shownName(rr.name) !== shownName(owner) || rr.data.typeCovered !== type) return rr
    const signature = Buffer.from(rr.data.signature as Buffer)
    signature[signature.length >> 1] ^= 0xff
    return {...rr, data: {...rr.data, signature}}
  })
}
