import {describe, expect, it} from 'vitest'

import {
  classifyAddress,
  commonPrefixLength,
  compareDestinations,
  interleaveFamilies,
  lookupPolicy,
  POLICY_TABLES,
  type PolicyName,
  type PolicyTable,
  scopeName,
  scopeOf,
  selectSourceAddress,
  sortDestinations,
  withKnownLocalUlas,
} from '../../../src/lib/race/rfc6724.js'

/** sourceFor built from the "Candidate Source Addresses" line of an RFC 6724 §10.2 example. */
const fromCandidates = (candidates: string[], policy?: PolicyName | PolicyTable) => (address: string) =>
  selectSourceAddress(address, candidates, policy)

/** sourceFor from an explicit destination -> source map (missing = no source). */
const fromMap = (map: Record<string, string>) => (address: string) => map[address] ?? null

const addresses = (list: {address: string}[]) => list.map((d) => d.address)

/** Sorts `dests` (given as addresses) and also checks the reversed input sorts the same. */
function sortBothWays(dests: string[], sourceFor: (a: string) => string | null, policy?: PolicyName | PolicyTable) {
  const forward = sortDestinations(
    dests.map((address) => ({address})),
    {sourceFor, policy},
  )
  const backward = sortDestinations(
    [...dests].reverse().map((address) => ({address})),
    {sourceFor, policy},
  )
  expect(addresses(backward)).toEqual(addresses(forward))
  return forward
}

describe('RFC 6724 §10.2 destination address selection examples', () => {
  it('example 1: prefer matching scope (IPv6 first: the IPv4 source is link-local)', () => {
    const sourceFor = fromCandidates(['2001:db8:1::2', 'fe80::1', '169.254.13.78'])
    const sorted = sortBothWays(['2001:db8:1::1', '198.51.100.121'], sourceFor)
    expect(sorted.map((d) => [d.address, d.source])).toEqual([
      ['2001:db8:1::1', '2001:db8:1::2'],
      ['198.51.100.121', '169.254.13.78'],
    ])
    expect(sorted[1]!.ruleNumber).toBe(2)
    expect(sorted[1]!.rule).toBe(
      'rule 2: prefer matching scope (global destination from a global source vs global destination from a link-local source)',
    )
  })

  it('example 2: prefer matching scope (IPv4 first: the only IPv6 source is link-local)', () => {
    const sourceFor = fromCandidates(['fe80::1', '198.51.100.117'])
    const sorted = sortBothWays(['2001:db8:1::1', '198.51.100.121'], sourceFor)
    expect(sorted.map((d) => [d.address, d.source])).toEqual([
      ['198.51.100.121', '198.51.100.117'],
      ['2001:db8:1::1', 'fe80::1'],
    ])
    expect(sorted[1]!.ruleNumber).toBe(2)
    expect(sorted[0]!.index).toBe(1)
  })

  it('example 3: prefer higher precedence (::/0 40 > ::ffff:0:0/96 35)', () => {
    const sourceFor = fromCandidates(['2001:db8:1::2', 'fe80::1', '10.1.2.4'])
    const sorted = sortBothWays(['2001:db8:1::1', '10.1.2.3'], sourceFor)
    expect(sorted.map((d) => [d.address, d.source])).toEqual([
      ['2001:db8:1::1', '2001:db8:1::2'],
      ['10.1.2.3', '10.1.2.4'],
    ])
    expect(sorted[1]!.rule).toBe('rule 6: prefer higher precedence (40 > 35)')
    expect(sorted[1]).toMatchObject({precedence: 35, label: 4, family: 4, scopeName: 'global'})
  })

  it('example 4: prefer smaller scope', () => {
    const sourceFor = fromCandidates(['2001:db8:1::2', 'fe80::2'])
    const sorted = sortBothWays(['2001:db8:1::1', 'fe80::1'], sourceFor)
    expect(sorted.map((d) => [d.address, d.source])).toEqual([
      ['fe80::1', 'fe80::2'],
      ['2001:db8:1::1', '2001:db8:1::2'],
    ])
    expect(sorted[1]!.rule).toBe('rule 8: prefer smaller scope (link-local < global)')
  })

  it('example 5 (prefer home address) needs rule 4, which is skipped: rule 8 decides instead', () => {
    // RFC result: 2001:db8:1::1 (src 2001:db8:3::1, home address) then fe80::1 (src fe80::2).
    // Without Mobile IPv6 state rule 4 cannot run, so rule 8 (smaller scope) puts fe80::1 first.
    const sourceFor = fromMap({'2001:db8:1::1': '2001:db8:3::1', 'fe80::1': 'fe80::2'})
    const sorted = sortBothWays(['2001:db8:1::1', 'fe80::1'], sourceFor)
    expect(addresses(sorted)).toEqual(['fe80::1', '2001:db8:1::1'])
    expect(sorted[1]!.ruleNumber).toBe(8)
  })

  it('example 6 (avoid deprecated addresses) needs rule 3, which is skipped: rule 8 decides instead', () => {
    // RFC result: 2001:db8:1::1 first because fe80::2 is deprecated. We cannot see deprecation.
    const sourceFor = fromCandidates(['2001:db8:1::2', 'fe80::2'])
    const sorted = sortBothWays(['2001:db8:1::1', 'fe80::1'], sourceFor)
    expect(addresses(sorted)).toEqual(['fe80::1', '2001:db8:1::1'])
    expect(sorted[1]!.ruleNumber).toBe(8)
  })

  it('example 7: longest matching prefix', () => {
    const sourceFor = fromCandidates(['2001:db8:1::2', '2001:db8:3f44::2', 'fe80::2'])
    const sorted = sortBothWays(['2001:db8:1::1', '2001:db8:3ffe::1'], sourceFor)
    expect(sorted.map((d) => [d.address, d.source])).toEqual([
      ['2001:db8:1::1', '2001:db8:1::2'],
      ['2001:db8:3ffe::1', '2001:db8:3f44::2'],
    ])
    expect(sorted[1]!.rule).toBe('rule 9: use longest matching prefix (64 > 40 bits)')
  })

  it('example 8: prefer matching label (6to4 source only matches the 6to4 destination)', () => {
    const sourceFor = fromCandidates(['2002:c633:6401::2', 'fe80::2'])
    const sorted = sortBothWays(['2002:c633:6401::1', '2001:db8:1::1'], sourceFor)
    expect(sorted.map((d) => [d.address, d.source])).toEqual([
      ['2002:c633:6401::1', '2002:c633:6401::2'],
      ['2001:db8:1::1', '2002:c633:6401::2'],
    ])
    expect(sorted[1]!.rule).toBe('rule 5: prefer matching label (label 2 = source label 2 vs 1 ≠ 2)')
  })

  it('example 9: prefer higher precedence (native 40 over 6to4 30)', () => {
    const sourceFor = fromCandidates(['2002:c633:6401::2', '2001:db8:1::2', 'fe80::2'])
    const sorted = sortBothWays(['2002:c633:6401::1', '2001:db8:1::1'], sourceFor)
    expect(sorted.map((d) => [d.address, d.source])).toEqual([
      ['2001:db8:1::1', '2001:db8:1::2'],
      ['2002:c633:6401::1', '2002:c633:6401::2'],
    ])
    expect(sorted[1]!.rule).toBe('rule 6: prefer higher precedence (40 > 30)')
  })
})

describe('sortDestinations: the other rules', () => {
  it('rule 1 puts destinations without a source last, whatever their precedence', () => {
    const sorted = sortDestinations([{address: '2001:db8::1'}, {address: '192.0.2.1'}], {
      sourceFor: fromMap({'192.0.2.1': '192.0.2.100'}),
    })
    expect(addresses(sorted)).toEqual(['192.0.2.1', '2001:db8::1'])
    expect(sorted[1]).toMatchObject({source: null, ruleNumber: 1})
    expect(sorted[1]!.rule).toBe('rule 1: avoid unusable destinations (no source address for 2001:db8::1)')
  })

  it('rule 9 does not apply to IPv4 (Go issue 13283: a 10/8 source must not favour 23/8 destinations)', () => {
    const dests = ['54.83.193.112', '184.72.238.214', '23.23.172.185', '75.101.148.21', '23.23.134.56', '23.21.50.150']
    const sorted = sortDestinations(
      dests.map((address) => ({address})),
      {sourceFor: () => '10.2.3.4'},
    )
    expect(addresses(sorted)).toEqual(dests)
    expect(sorted.slice(1).every((d) => d.ruleNumber === 10)).toBe(true)
    expect(sorted[1]!.rule).toBe('rule 10: otherwise keep the original order (position 0 < 1)')
  })

  it('is stable and reports indexes; the first entry has no rule', () => {
    const sorted = sortDestinations(
      [{address: '2001:db8::2'}, {address: '2001:db8::1'}, {address: '2001:db8::3'}],
      {sourceFor: () => '2001:db8::99'},
    )
    expect(sorted.map((d) => d.index)).toEqual([0, 1, 2])
    expect(sorted[0]).toMatchObject({rule: null, ruleNumber: null})
  })

  it('rejects things that are not IP addresses, and a family that contradicts the address', () => {
    expect(() => sortDestinations([{address: 'example.com'}], {sourceFor: () => null})).toThrow(TypeError)
    expect(() => sortDestinations([{address: '010.1.1.1'}], {sourceFor: () => null})).toThrow(TypeError)
    expect(() => sortDestinations([{address: '192.0.2.1', family: 6}], {sourceFor: () => null})).toThrow(
      /not an IPv6 address/,
    )
  })

  it('accepts a custom policy table', () => {
    // RFC 6724 §10.3-style: prefer IPv4 by giving it the highest precedence.
    const preferV4: PolicyTable = [
      {prefix: '::1/128', precedence: 50, label: 0},
      {prefix: '::/0', precedence: 40, label: 1},
      {prefix: '::ffff:0:0/96', precedence: 100, label: 4},
    ]
    const sorted = sortDestinations([{address: '2001:db8:1::1'}, {address: '10.1.2.3'}], {
      sourceFor: fromMap({'2001:db8:1::1': '2001:db8:1::2', '10.1.2.3': '10.1.2.4'}),
      policy: preferV4,
    })
    expect(addresses(sorted)).toEqual(['10.1.2.3', '2001:db8:1::1'])
    expect(sorted[1]!.rule).toBe('rule 6: prefer higher precedence (100 > 40)')
  })
})

describe('policy tables: where rfc6724, rfc6724-update and glibc disagree', () => {
  const order = (dests: string[], sources: Record<string, string>, policy: PolicyName | PolicyTable) =>
    addresses(sortBothWays(dests, fromMap(sources), policy))

  it('ULA destination vs IPv4: RFC 6724 prefers IPv4, the update and glibc prefer the ULA', () => {
    const dests = ['fd12:3456:789a::1', '192.0.2.1']
    const sources = {'fd12:3456:789a::1': 'fd12:3456:789a::2', '192.0.2.1': '192.0.2.2'}
    expect(order(dests, sources, 'rfc6724')).toEqual(['192.0.2.1', 'fd12:3456:789a::1'])
    expect(order(dests, sources, 'rfc6724-update')).toEqual(['fd12:3456:789a::1', '192.0.2.1'])
    expect(order(dests, sources, 'glibc')).toEqual(['fd12:3456:789a::1', '192.0.2.1'])
    const why = (policy: PolicyName) => compareDestinations({address: dests[0]!}, {address: dests[1]!}, {sourceFor: fromMap(sources), policy})
    expect(why('rfc6724')).toEqual({result: 1, rule: 6, reason: 'rule 6: prefer higher precedence (35 > 3)'})
    expect(why('rfc6724-update')).toEqual({result: -1, rule: 6, reason: 'rule 6: prefer higher precedence (30 > 20)'})
    expect(why('glibc')).toEqual({result: -1, rule: 6, reason: 'rule 6: prefer higher precedence (40 > 10)'})
  })

  it('6to4 destination vs IPv4: only glibc still prefers 6to4', () => {
    const dests = ['2002:c633:6401::1', '198.51.100.121']
    const sources = {'2002:c633:6401::1': '2002:c633:6401::2', '198.51.100.121': '198.51.100.117'}
    expect(order(dests, sources, 'rfc6724')).toEqual(['198.51.100.121', '2002:c633:6401::1'])
    expect(order(dests, sources, 'rfc6724-update')).toEqual(['198.51.100.121', '2002:c633:6401::1'])
    expect(order(dests, sources, 'glibc')).toEqual(['2002:c633:6401::1', '198.51.100.121'])
  })

  it('Teredo destination vs IPv4: RFC 6724 ranks Teredo at 5, glibc gives it ::/0 precedence 40', () => {
    const dests = ['2001:0:4136:e378::1', '198.51.100.121']
    const sources = {'2001:0:4136:e378::1': '2001:0:4136:e378::2', '198.51.100.121': '198.51.100.117'}
    expect(order(dests, sources, 'rfc6724')).toEqual(['198.51.100.121', '2001:0:4136:e378::1'])
    expect(order(dests, sources, 'glibc')).toEqual(['2001:0:4136:e378::1', '198.51.100.121'])
  })

  it('global IPv6 vs IPv4 comes out the same under all three', () => {
    const dests = ['192.0.2.1', '2001:db8::1']
    const sources = {'2001:db8::1': '2001:db8::2', '192.0.2.1': '192.0.2.2'}
    for (const policy of ['rfc6724', 'rfc6724-update', 'glibc'] as const) {
      expect(order(dests, sources, policy)).toEqual(['2001:db8::1', '192.0.2.1'])
    }
  })

  it('known-local ULAs (update draft, precedence 45) beat global IPv6; other ULAs do not', () => {
    const dests = ['2001:db8::1', 'fd01:2:3::1']
    const sources = {'2001:db8::1': '2001:db8::9', 'fd01:2:3::1': 'fd01:2:3::9'}
    expect(order(dests, sources, 'rfc6724-update')).toEqual(['2001:db8::1', 'fd01:2:3::1'])
    const table = withKnownLocalUlas(POLICY_TABLES['rfc6724-update'], ['fd01:2:3::/48'])
    expect(order(dests, sources, table)).toEqual(['fd01:2:3::1', '2001:db8::1'])
    expect(classifyAddress('fd01:2:3::1', table)).toMatchObject({precedence: 45, label: 14, policyPrefix: 'fd01:2:3::/48'})
    expect(classifyAddress('fd99::1', table)).toMatchObject({precedence: 30, label: 13})
    expect(() => withKnownLocalUlas(POLICY_TABLES['rfc6724-update'], ['fc00:1::/48'])).toThrow(RangeError)
  })

  it('tables hold the documented rows', () => {
    const rows = (name: PolicyName) => POLICY_TABLES[name].map((r) => `${r.prefix} ${r.precedence} ${r.label}`)
    expect(rows('rfc6724')).toEqual([
      '::1/128 50 0',
      '::/0 40 1',
      '::ffff:0:0/96 35 4',
      '2002::/16 30 2',
      '2001::/32 5 5',
      'fc00::/7 3 13',
      '::/96 1 3',
      'fec0::/10 1 11',
      '3ffe::/16 1 12',
    ])
    expect(rows('rfc6724-update')).toContain('::ffff:0:0/96 20 4')
    expect(rows('rfc6724-update')).toContain('fc00::/7 30 13')
    expect(rows('rfc6724-update')).toContain('2002::/16 5 2')
    expect(rows('glibc')).toEqual([
      '::1/128 50 0',
      '::/0 40 1',
      '2002::/16 30 2',
      '::/96 20 3',
      '::ffff:0:0/96 10 4',
      'fec0::/10 40 5',
      'fc00::/7 40 6',
      '2001::/32 40 7',
    ])
  })
})

describe('classification', () => {
  it('looks IPv4 up as IPv4-mapped, by longest matching prefix', () => {
    expect(lookupPolicy('192.0.2.1')).toMatchObject({prefix: '::ffff:0:0/96', precedence: 35})
    expect(lookupPolicy('::ffff:192.0.2.1')).toMatchObject({prefix: '::ffff:0:0/96'})
    expect(lookupPolicy('::1')).toMatchObject({prefix: '::1/128', precedence: 50})
    expect(lookupPolicy('::2')).toMatchObject({prefix: '::/96', precedence: 1})
    expect(lookupPolicy('2002::ab12')).toMatchObject({prefix: '2002::/16', precedence: 30, label: 2})
    expect(lookupPolicy('2601:645:8002:a500::1')).toMatchObject({prefix: '::/0', precedence: 40, label: 1})
    expect(lookupPolicy('192.0.2.1', 'glibc')).toMatchObject({precedence: 10, label: 4})
  })

  it('scopes: RFC 6724 §3.2 for IPv4, RFC 4291 for IPv6', () => {
    const cases: [string, string][] = [
      ['127.0.0.1', 'link-local'],
      ['169.254.1.2', 'link-local'],
      ['10.0.0.1', 'global'],
      ['192.168.1.1', 'global'],
      ['8.8.8.8', 'global'],
      ['::ffff:169.254.1.1', 'link-local'],
      ['::1', 'link-local'],
      ['fe80::1', 'link-local'],
      ['fe80::1%eth0', 'link-local'],
      ['fec0::1', 'site-local'],
      ['fd00::1', 'global'],
      ['2001:db8::1', 'global'],
      ['ff02::1', 'link-local'],
      ['ff05::1', 'site-local'],
      ['ff04::1', 'admin-local'],
      ['ff0e::1', 'global'],
      ['ff01::1', 'interface-local'],
    ]
    for (const [address, name] of cases) expect([address, scopeName(scopeOf(address))]).toEqual([address, name])
  })

  it('common prefix length stops at the /64 for IPv6', () => {
    expect(commonPrefixLength('fe80::1', 'fe80::2')).toBe(64)
    expect(commonPrefixLength('fe81::1', 'fe80::2')).toBe(15)
    expect(commonPrefixLength('2001:db8:3f44::2', '2001:db8:3ffe::1')).toBe(40)
    expect(commonPrefixLength('127.0.0.1', 'fe80::1')).toBe(0)
    expect(commonPrefixLength('1.2.127.255', '1.2.0.0')).toBe(17)
    expect(commonPrefixLength('1.2.3.4', '1.2.3.4')).toBe(32)
  })
})

describe('selectSourceAddress', () => {
  it('keeps to the destination family and prefers appropriate scope, label, then prefix', () => {
    const candidates = ['fe80::2', '2002:c633:6401::2', '2001:db8:1::2', '192.0.2.9', '169.254.0.1']
    expect(selectSourceAddress('2001:db8:1::1', candidates)).toBe('2001:db8:1::2')
    expect(selectSourceAddress('2002:c633:6401::1', candidates)).toBe('2002:c633:6401::2')
    expect(selectSourceAddress('fe80::1', candidates)).toBe('fe80::2')
    expect(selectSourceAddress('198.51.100.1', candidates)).toBe('192.0.2.9')
    expect(selectSourceAddress('169.254.0.7', candidates)).toBe('169.254.0.1')
    expect(selectSourceAddress('2001:db8:1::2', candidates)).toBe('2001:db8:1::2')
    expect(selectSourceAddress('198.51.100.1', ['2001:db8::1'])).toBeNull()
  })
})

describe('compareDestinations', () => {
  const sourceFor = fromMap({'2001:db8:1::1': '2001:db8:1::2', '10.1.2.3': '10.1.2.4'})

  it('says why A beats B, from either side', () => {
    expect(compareDestinations({address: '2001:db8:1::1'}, {address: '10.1.2.3'}, {sourceFor})).toEqual({
      result: -1,
      rule: 6,
      reason: 'rule 6: prefer higher precedence (40 > 35)',
    })
    expect(compareDestinations({address: '10.1.2.3'}, {address: '2001:db8:1::1'}, {sourceFor}).result).toBe(1)
  })

  it('uses indexes for rule 10, and reports a tie without them', () => {
    const a = {address: '2001:db8:1::1'}
    expect(compareDestinations(a, a, {sourceFor})).toEqual({
      result: 0,
      rule: null,
      reason: 'no rule prefers either destination',
    })
    expect(compareDestinations({...a, index: 3}, {...a, index: 1}, {sourceFor})).toMatchObject({result: 1, rule: 10})
  })

  it('skips the source-based rules when neither destination has a source', () => {
    // Neither is usable: rule 6 still ranks them (40 > 35); rules 2 and 5 do not apply.
    expect(compareDestinations({address: '10.1.2.3'}, {address: '2001:db8::5'}, {sourceFor: () => null})).toMatchObject({
      result: 1,
      rule: 6,
    })
  })
})

describe('interleaveFamilies (RFC 8305 §4)', () => {
  const list = (spec: string) =>
    spec.split(' ').map((s) => ({address: s, family: (s.startsWith('6') ? 6 : 4) as 4 | 6}))
  const names = (items: {address: string}[]) => items.map((i) => i.address).join(' ')

  it('FAFC 1 alternates from the first family', () => {
    expect(names(interleaveFamilies(list('6a 6b 6c 4a 4b')))).toBe('6a 4a 6b 4b 6c')
    expect(names(interleaveFamilies(list('4a 4b 6a 6b 6c')))).toBe('4a 6a 4b 6b 6c')
  })

  it('FAFC 2 takes two of the first family before alternating', () => {
    expect(names(interleaveFamilies(list('6a 6b 6c 4a 4b'), 2))).toBe('6a 6b 4a 6c 4b')
    expect(names(interleaveFamilies(list('6a 4a 4b 4c'), 2))).toBe('6a 4a 4b 4c')
  })

  it('keeps single-family and empty lists as they are, and is idempotent', () => {
    expect(names(interleaveFamilies(list('4a 4b 4c')))).toBe('4a 4b 4c')
    expect(interleaveFamilies([])).toEqual([])
    const once = interleaveFamilies(list('6a 6b 6c 4a 4b'), 2)
    expect(names(interleaveFamilies(once, 2))).toBe(names(once))
  })

  it('takes the output of sortDestinations', () => {
    const sorted = sortDestinations(
      ['2001:db8::1', '2001:db8::2', '192.0.2.1', '192.0.2.2'].map((address) => ({address})),
      {sourceFor: (a) => (a.includes(':') ? '2001:db8::99' : '192.0.2.99')},
    )
    expect(addresses(interleaveFamilies(sorted))).toEqual(['2001:db8::1', '192.0.2.1', '2001:db8::2', '192.0.2.2'])
  })

  it('rejects a count below 1', () => {
    expect(() => interleaveFamilies(list('6a'), 0)).toThrow(RangeError)
    expect(() => interleaveFamilies(list('6a'), 1.5)).toThrow(RangeError)
  })
})
