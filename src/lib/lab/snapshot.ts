/**
 * The lab's prepared zones, made once at `npm run build` rather than on every `--lab` run: the
 * world checked, its zones parsed and signed (signatures valid for years), saved as JSON next to
 * the bundle. A run uses the snapshot when it was made from the same world and seed and its
 * signatures are still valid for at least a day; otherwise it prepares the zones itself, as
 * before. test/unit/lab/snapshot.test.ts fails when the shipped snapshot is stale.
 */
import {createHash} from 'node:crypto'
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {Buffer} from 'node:buffer'
import {shippedFile} from '../paths.js'
import {UsageError} from '../errors.js'
import {checkWorld} from './check.js'
import {prepareDnssec, type DnssecSetup} from './dnssec.js'
import type {World} from './world.js'

/** Where `npm run build` writes the snapshot (relative to the package root). */
export const SNAPSHOT_FILE = 'dist/lab-snapshot.json'
/** How long the snapshot's signatures are valid. */
export const SNAPSHOT_VALIDITY_S = 5 * 365 * 86_400
const MIN_REMAINING_S = 86_400

export interface LabSnapshot {
  /** sha256 of the world (checked when the snapshot was made) and the seed. */
  world: string
  seed: number
  /** Signing time and signature expiry, unix seconds. */
  signedAt: number
  expires: number
  dnssec: DnssecSetup
}

/** The fingerprint of what the snapshot stands for: the whole world (it was checked whole) and the seed. */
export function worldFingerprint(world: World, seed: number): string {
  return createHash('sha256').update(JSON.stringify({world, seed})).digest('hex')
}

/** Checks the world and prepares its zones (parsed, signed for `validityS`). */
export function prepareWorld(world: World, seed: number, now = Math.floor(Date.now() / 1000), validityS?: number): DnssecSetup {
  const {errors} = checkWorld(world)
  if (errors.length > 0) throw new UsageError(`dnsx lab: the world is inconsistent: ${errors.join('; ')}`, 'bad-zone-file')
  return prepareDnssec(world, {seed, now, validityS})
}

/** Makes a snapshot of `world` (signed now, valid for SNAPSHOT_VALIDITY_S). */
export function makeSnapshot(world: World, seed = 1, now = Math.floor(Date.now() / 1000)): LabSnapshot {
  return {world: worldFingerprint(world, seed), seed, signedAt: now, expires: now + SNAPSHOT_VALIDITY_S, dnssec: prepareWorld(world, seed, now, SNAPSHOT_VALIDITY_S)}
}

// Buffers (keys, signatures, raw RDATA) travel as base64.
const replacer = (_key: string, v: unknown): unknown => {
  const b = v as {type?: string, data?: unknown}
  return b && b.type === 'Buffer' && Array.isArray(b.data) ? {$b64: Buffer.from(b.data as number[]).toString('base64')} : v
}
const reviver = (_key: string, v: unknown): unknown => {
  const b = v as {$b64?: unknown}
  return b && typeof b.$b64 === 'string' ? Buffer.from(b.$b64, 'base64') : v
}

export function serializeSnapshot(s: LabSnapshot): string {
  return JSON.stringify(s, replacer)
}

export function parseSnapshot(text: string): LabSnapshot {
  return JSON.parse(text, reviver) as LabSnapshot
}

/** Writes the snapshot of `world` to `file` (default: the shipped one). */
export function writeSnapshot(world: World, file = shippedFile(SNAPSHOT_FILE)): LabSnapshot {
  const s = makeSnapshot(world)
  writeFileSync(file, serializeSnapshot(s))
  return s
}

/** Why snapshot `s` cannot serve `world` with `seed` at `now`, or null when it can. */
export function snapshotProblem(s: LabSnapshot | null, world: World, seed: number, now = Math.floor(Date.now() / 1000)): string | null {
  if (!s) return 'no snapshot'
  if (s.seed !== seed || s.world !== worldFingerprint(world, seed)) return 'made from another world or seed'
  if (s.signedAt > now + 3600) return 'signed in the future'
  if (s.expires - now < MIN_REMAINING_S) return 'its signatures expire within a day'
  return null
}

/** Reads the shipped snapshot, or null when there is none (a source checkout before a build). */
export function readSnapshot(file = shippedFile(SNAPSHOT_FILE)): LabSnapshot | null {
  if (!existsSync(file)) return null
  try {
    return parseSnapshot(readFileSync(file, 'utf8'))
  } catch {
    return null
  }
}

/** The lab's zones for `world`: from the snapshot when it fits, else prepared now. */
export function labZones(world: World, seed: number): DnssecSetup {
  const s = readSnapshot()
  if (snapshotProblem(s, world, seed) === null) return s!.dnssec
  return prepareWorld(world, seed)
}
