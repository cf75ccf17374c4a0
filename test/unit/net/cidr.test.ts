import {describe, expect, it} from 'vitest'
import {UsageError} from '../../../src/lib/errors.js'
import {
  addressToBigInt,
  bigIntToAddress,
  compareSubnets,
  maskAddress,
  parseSubnet,
  rangeToCidrs,
  splitSubnet,
  subnetContains,
  subnetRange,
} from '../../../src/lib/net/cidr.js'

describe('parseSubnet', () => {
  it('masks IPv4 host bits and reports it', () => {
    expect(parseSubnet('192.0.2.77/24')).toEqual({
      family: 1,
      address: '192.0.2.0',
      sourcePrefix: 24,
      cidr: '192.0.2.0/24',
      hostBitsCleared: true,
      prefixDefaulted: false,
      input: '192.0.2.77/24',
    })
  })

  it('keeps an already masked subnet untouched', () => {
    const s = parseSubnet('198.51.100.0/22')
    expect(s.cidr).toBe('198.51.100.0/22')
    expect(s.hostBitsCleared).toBe(false)
  })

  it('masks partial octets', () => {
    expect(parseSubnet('10.1.2.3/12').cidr).toBe('10.0.0.0/12')
    expect(parseSubnet('10.31.255.255/11').cidr).toBe('10.0.0.0/11')
    expect(parseSubnet('10.32.0.1/11').cidr).toBe('10.32.0.0/11')
  })

  it('masks IPv6 and prints RFC 5952 text', () => {
    const s = parseSubnet('2001:DB8:0:0::1/48')
    expect(s).toMatchObject({family: 2, address: '2001:db8::', sourcePrefix: 48, cidr: '2001:db8::/48', hostBitsCleared: true})
    expect(parseSubnet('2001:db8:abcd:12ff::/56').cidr).toBe('2001:db8:abcd:1200::/56')
    expect(parseSubnet('2001:db8:abcd:1200::/56').hostBitsCleared).toBe(false)
  })

  it('accepts the opt-out subnets /0', () => {
    expect(parseSubnet('0.0.0.0/0')).toMatchObject({family: 1, cidr: '0.0.0.0/0', sourcePrefix: 0, hostBitsCleared: false})
    expect(parseSubnet('::/0')).toMatchObject({family: 2, cidr: '::/0', sourcePrefix: 0})
    expect(parseSubnet('203.0.113.9/0')).toMatchObject({cidr: '0.0.0.0/0', hostBitsCleared: true})
  })

  it('defaults a bare address to /24 (IPv4) and /56 (IPv6)', () => {
    expect(parseSubnet('192.0.2.77')).toMatchObject({cidr: '192.0.2.0/24', hostBitsCleared: true, prefixDefaulted: true})
    expect(parseSubnet('2001:db8:1:2ff::1')).toMatchObject({cidr: '2001:db8:1:200::/56', prefixDefaulted: true})
    expect(parseSubnet('2001:db8:1:2:3::1').cidr).toBe('2001:db8:1::/56')
    expect(parseSubnet('192.0.2.77', {defaultPrefix: {1: 32}}).cidr).toBe('192.0.2.77/32')
  })

  it('can require an explicit prefix', () => {
    expect(() => parseSubnet('192.0.2.1', {requirePrefix: true})).toThrow(/missing prefix length/)
  })

  it('accepts /32 and /128 and trims whitespace', () => {
    expect(parseSubnet(' 192.0.2.1/32 ').cidr).toBe('192.0.2.1/32')
    expect(parseSubnet('2001:db8::1/128').cidr).toBe('2001:db8::1/128')
  })

  it.each([
    ['300.1.1.1/24', /invalid subnet "300.1.1.1\/24": "300.1.1.1" is not an IPv4/],
    ['10.0.0.0/40', /prefix length 40 is out of range for IPv4 \(0-32\)/],
    ['2001:db8::/129', /prefix length 129 is out of range for IPv6 \(0-128\)/],
    ['10.0.0.0/', /prefix length "" is not a number/],
    ['10.0.0.0/-1', /prefix length "-1" is not a number/],
    ['10.0.0.0/2x', /is not a number/],
    ['10.0.0.0/8/9', /more than one "\/"/],
    ['', /empty/],
    ['10/8', /"10" is not an IPv4/],
    ['0x0a.0.0.1/8', /is not an IPv4/],
    ['fe80::1%eth0/64', /is not an IPv4/],
    ['example.com/24', /is not an IPv4/],
  ])('rejects %s with a one-line message', (input, re) => {
    let err: unknown
    try {
      parseSubnet(input)
    } catch (error) {
      err = error
    }
    expect(err).toBeInstanceOf(UsageError)
    expect(err).toBeInstanceOf(Error)
    expect((err as Error).message).toMatch(re)
    expect((err as Error).message).not.toContain('\n')
  })
})

describe('subnetContains', () => {
  it('checks addresses against IPv4 and IPv6 subnets', () => {
    expect(subnetContains('192.0.2.0/24', '192.0.2.255')).toBe(true)
    expect(subnetContains('192.0.2.0/24', '192.0.3.0')).toBe(false)
    expect(subnetContains('2001:db8::/32', '2001:db8:ffff::1')).toBe(true)
    expect(subnetContains('2001:db8::/32', '2001:db9::')).toBe(false)
    expect(subnetContains('0.0.0.0/0', '203.0.113.1')).toBe(true)
  })

  it('never mixes families', () => {
    expect(subnetContains('0.0.0.0/0', '::1')).toBe(false)
    expect(subnetContains('::/0', '192.0.2.1')).toBe(false)
  })

  it('accepts a subnet as the inner argument', () => {
    expect(subnetContains('10.0.0.0/8', '10.20.0.0/16')).toBe(true)
    expect(subnetContains('10.0.0.0/16', '10.0.0.0/8')).toBe(false)
  })

  it('throws on invalid input', () => {
    expect(() => subnetContains('10.0.0.0/33', '10.0.0.1')).toThrow(/out of range/)
  })
})

describe('splitSubnet', () => {
  it('splits into two halves one bit longer', () => {
    expect(splitSubnet('10.0.0.0/8')).toEqual(['10.0.0.0/9', '10.128.0.0/9'])
    expect(splitSubnet('192.0.2.0/24')).toEqual(['192.0.2.0/25', '192.0.2.128/25'])
    expect(splitSubnet('0.0.0.0/0')).toEqual(['0.0.0.0/1', '128.0.0.0/1'])
    expect(splitSubnet('2001:db8::/32')).toEqual(['2001:db8::/33', '2001:db8:8000::/33'])
    expect(splitSubnet('192.0.2.77/24')).toEqual(['192.0.2.0/25', '192.0.2.128/25'])
  })

  it('refuses to split a single address', () => {
    expect(() => splitSubnet('192.0.2.1/32')).toThrow(/single address/)
    expect(() => splitSubnet('2001:db8::1/128')).toThrow(/single address/)
  })
})

describe('compareSubnets', () => {
  it('orders baseline first, IPv4 before IPv6, by address, shorter prefix first, junk last', () => {
    const input = ['2001:db8::/56', 'junk', '10.0.0.0/16', null, '9.255.0.0/16', '10.0.0.0/8', '::/0', '0.0.0.0/0', '192.0.2.0/24']
    expect([...input].sort(compareSubnets)).toEqual([
      null,
      '0.0.0.0/0',
      '9.255.0.0/16',
      '10.0.0.0/8',
      '10.0.0.0/16',
      '192.0.2.0/24',
      '::/0',
      '2001:db8::/56',
      'junk',
    ])
  })

  it('is consistent (antisymmetric)', () => {
    expect(compareSubnets('10.0.0.0/8', '10.0.0.0/16')).toBeLessThan(0)
    expect(compareSubnets('10.0.0.0/16', '10.0.0.0/8')).toBeGreaterThan(0)
    expect(compareSubnets('10.0.0.0/8', '10.0.0.0/8')).toBe(0)
  })
})

describe('integer helpers', () => {
  it('round-trips addresses', () => {
    expect(addressToBigInt('10.0.0.1')).toBe(0x0a000001n)
    expect(bigIntToAddress(0x0a000001n, 1)).toBe('10.0.0.1')
    expect(addressToBigInt('2001:db8::1')).toBe(0x20010db8000000000000000000000001n)
    expect(bigIntToAddress(0x20010db8000000000000000000000001n, 2)).toBe('2001:db8::1')
  })

  it('computes ranges', () => {
    expect(subnetRange('10.0.0.0/30')).toEqual({family: 1, first: 0x0a000000n, last: 0x0a000003n, prefix: 30})
    expect(subnetRange('10.0.0.7')).toEqual({family: 1, first: 0x0a000007n, last: 0x0a000007n, prefix: 32})
  })

  it('decomposes ranges into aligned CIDRs', () => {
    expect(rangeToCidrs(addressToBigInt('10.0.0.0'), addressToBigInt('10.0.2.255'), 1)).toEqual(['10.0.0.0/23', '10.0.2.0/24'])
    expect(rangeToCidrs(addressToBigInt('10.0.1.0'), addressToBigInt('10.0.4.255'), 1)).toEqual(['10.0.1.0/24', '10.0.2.0/23', '10.0.4.0/24'])
    expect(rangeToCidrs(0n, 0xffffffffn, 1)).toEqual(['0.0.0.0/0'])
  })

  it('masks a single address', () => {
    expect(maskAddress('2001:db8:1:2::9', 48)).toBe('2001:db8:1::')
  })
})
