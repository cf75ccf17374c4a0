import {describe, expect, it} from 'vitest'
import * as dnsx from '../../src/index.js'

describe('the package entry point', () => {
  it('exports the pure RFC 6724 ordering, usable with caller-given sources', () => {
    const sorted = dnsx.sortDestinations([{address: '198.51.100.121'}, {address: '2001:db8:1::1'}], {
      sourceFor: (a) => (a.includes(':') ? '2001:db8:1::2' : '169.254.13.78'),
      policy: 'rfc6724',
    })
    // RFC 6724 §10.2, first example: prefer the IPv6 destination (rule 2, matching scope).
    expect(sorted.map((s) => s.address)).toEqual(['2001:db8:1::1', '198.51.100.121'])
    expect(typeof dnsx.HappyEyeballs).toBe('function')
    expect(typeof dnsx.traceEngine).toBe('function')
    expect(typeof dnsx.DnsClient).toBe('function')
  })
})
