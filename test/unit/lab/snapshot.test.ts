import {describe, expect, it} from 'vitest'

import {DEFAULT_WORLD} from '../../../src/lib/lab/world.js'
import {labZones, makeSnapshot, parseSnapshot, readSnapshot, serializeSnapshot, snapshotProblem, SNAPSHOT_VALIDITY_S, worldFingerprint} from '../../../src/lib/lab/snapshot.js'
import {validateZone} from '../../../src/lib/dnssec/chain.js'
import {recordsOfType} from '../../../src/lib/dns/record.js'

const YEAR = 365 * 86_400

describe('the lab snapshot (npm run build makes dist/lab-snapshot.json)', () => {
  it('the shipped snapshot is of this world and seed, with signatures valid for at least a year more', () => {
    const s = readSnapshot()
    expect(s, 'dist/lab-snapshot.json is missing: npm run build').not.toBeNull()
    expect(snapshotProblem(s, DEFAULT_WORLD, 1)).toBeNull()
    expect(s!.world).toBe(worldFingerprint(DEFAULT_WORLD, 1))
    expect(s!.expires - Math.floor(Date.now() / 1000)).toBeGreaterThan(YEAR)
    const rrsigs = s!.dnssec.zones.flatMap((z) => recordsOfType(z.records, 'RRSIG'))
    expect(rrsigs.length).toBeGreaterThan(50)
    for (const sig of rrsigs) expect(sig.data.expiration).toBe(s!.expires)
  })

  it('survives serialization: Buffers come back as Buffers, and the root zone still validates', () => {
    const now = 1_800_000_000
    const s = parseSnapshot(serializeSnapshot(makeSnapshot(DEFAULT_WORLD, 1, now)))
    const root = s.dnssec.zones.find((z) => z.origin === '.')!
    const keys = recordsOfType(root.records, 'DNSKEY')
    expect(Buffer.isBuffer(keys[0].data.key)).toBe(true)
    const sigs = recordsOfType(root.records, 'RRSIG').filter((r) => r.data.typeCovered === 'DNSKEY')
    const v = validateZone({zone: '.', parentStatus: 'secure', ds: [s.dnssec.trustAnchor!.ds], dnskeys: keys, dnskeyRrsigs: sigs, now: now + 4 * YEAR})
    expect(v.status).toBe('secure')
    expect(s.expires - now).toBe(SNAPSHOT_VALIDITY_S)
  })

  it('is refused when the world, the seed or the time does not fit; the lab then signs its zones itself', () => {
    const s = makeSnapshot(DEFAULT_WORLD, 1, 1_800_000_000)
    expect(snapshotProblem(null, DEFAULT_WORLD, 1)).toBe('no snapshot')
    expect(snapshotProblem(s, DEFAULT_WORLD, 2)).toBe('made from another world or seed')
    const changed = {...DEFAULT_WORLD, zones: DEFAULT_WORLD.zones.map((z, i) => (i === 0 ? {...z, text: `${z.text}\n; changed`} : z))}
    expect(snapshotProblem(s, changed, 1)).toBe('made from another world or seed')
    expect(snapshotProblem(s, DEFAULT_WORLD, 1, s.expires - 3600)).toBe('its signatures expire within a day')
    expect(snapshotProblem(s, DEFAULT_WORLD, 1, s.signedAt - 7200)).toBe('signed in the future')
    // Another seed: prepared now, with the default 30-day signatures.
    const fresh = labZones(DEFAULT_WORLD, 2)
    const sig = recordsOfType(fresh.zones.find((z) => z.origin === '.')!.records, 'RRSIG')[0]
    expect(sig.data.expiration - sig.data.inception).toBe(30 * 86_400 + 3600)
  })
})
