import {describe, expect, it} from 'vitest'

import * as race from '../../../src/lib/race/index.js'

describe('race index', () => {
  it('re-exports the public API', () => {
    for (const name of [
      'sortDestinations',
      'compareDestinations',
      'interleaveFamilies',
      'POLICY_TABLES',
      'HappyEyeballs',
      'clampAttemptDelay',
      'familyVerdicts',
      'formatVerdicts',
    ]) {
      expect(race).toHaveProperty(name)
    }
    expect(Object.keys(race.POLICY_TABLES).sort()).toEqual(['glibc', 'rfc6724', 'rfc6724-update'])
  })
})
