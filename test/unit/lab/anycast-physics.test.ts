/**
 * The lab's anycast instances must be physically possible from every client
 * site routed to them, except the ones that lie on purpose: otherwise the
 * speed-of-light check would "catch" honest lab instances.
 */
import {describe, expect, it} from 'vitest'
import {DEFAULT_WORLD} from '../../../src/lib/lab/world.js'
import {greatCircleKm, lookupSite, maxDistanceKm} from '../../../src/lib/anycast/index.js'

const place = (code: string) => {
  const s = lookupSite(code.toUpperCase())
  if (!s) throw new Error(`no site ${code}`)
  return s
}

describe('lab anycast physics', () => {
  for (const service of DEFAULT_WORLD.anycast) {
    for (const inst of service.instances) {
      for (const client of inst.catchment) {
        const lying = /lies|claims/.test(inst.note ?? '')
        it(`${inst.id} seen from ${client} is ${lying ? 'impossible (on purpose)' : 'possible'}`, () => {
          const d = greatCircleKm(place(client), place(inst.site))
          const possible = d <= maxDistanceKm(inst.latencyMs) + 100
          expect(possible).toBe(!lying)
        })
      }
    }
  }
})
