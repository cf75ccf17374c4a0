import type os from 'node:os'

import {describe, expect, it} from 'vitest'

import {digCommand, exampleQuery} from '../../../src/commands/lab/serve.js'
import {parseRootHints} from '../../../src/lib/trace/hints.js'
import {isolationProblem, locateAddresses, rootHintsText, virtualAddressProblem, virtualDnsAddresses} from '../../../src/lib/lab/virtual.js'
import {DEFAULT_WORLD} from '../../../src/lib/lab/world.js'

const info = (address: string, internal: boolean): os.NetworkInterfaceInfo => (address.includes(':')
  ? {address, netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', family: 'IPv6', mac: '00:00:00:00:00:00', internal, cidr: `${address}/128`, scopeid: 0}
  : {address, netmask: '255.255.255.255', family: 'IPv4', mac: '00:00:00:00:00:00', internal, cidr: `${address}/32`})

describe('virtualDnsAddresses', () => {
  it('lists every DNS address of the world once: servers, anycast services, resolvers', () => {
    const addresses = virtualDnsAddresses(DEFAULT_WORLD)
    expect(new Set(addresses).size).toBe(addresses.length)
    for (const a of ['192.0.2.1', '2001:db8::1', '192.0.2.20', '192.0.2.201', '2001:db8::204', '192.0.2.53', '192.0.2.9']) expect(addresses).toContain(a)
    // Connect targets (203.0.113.0/24, 2001:db8:ee::/48) are not DNS servers.
    expect(addresses).not.toContain('203.0.113.10')
  })
})

describe('locateAddresses and virtualAddressProblem', () => {
  const wanted = ['192.0.2.1', '2001:db8::1', '192.0.2.2']

  it('is happy when every address is on loopback (any IPv6 spelling)', () => {
    const ifaces = {lo: [info('127.0.0.1', true), info('192.0.2.1', true), info('2001:DB8:0::1', true), info('192.0.2.2', true)]}
    expect(locateAddresses(wanted, ifaces)).toEqual({loopback: wanted, elsewhere: [], missing: []})
    expect(virtualAddressProblem(wanted, ifaces)).toBeNull()
  })

  it('refuses an address found on a real interface, naming it', () => {
    const ifaces = {lo: [info('192.0.2.1', true), info('2001:db8::1', true)], eth0: [info('192.0.2.2', false)]}
    expect(locateAddresses(wanted, ifaces).elsewhere).toEqual([{address: '192.0.2.2', iface: 'eth0'}])
    expect(virtualAddressProblem(wanted, ifaces)).toMatch(/192\.0\.2\.2 is configured on eth0, which is not loopback/)
  })

  it('says how to add missing addresses', () => {
    const problem = virtualAddressProblem(wanted, {lo: [info('127.0.0.1', true)]})
    expect(problem).toMatch(/^3 of the lab's 3 addresses are not configured \(e\.g\. 192\.0\.2\.1\)/)
    expect(problem).toContain('ip addr add 192.0.2.1/32 dev lo')
    expect(problem).toContain('--configure-lo')
    expect(virtualAddressProblem(['2001:db8::1'], {})).toContain('ip addr add 2001:db8::1/128 dev lo nodad')
  })
})

describe('isolationProblem (may --configure-lo touch this namespace?)', () => {
  it('allows root in a namespace with nothing but loopback', () => {
    expect(isolationProblem({}, 0)).toBeNull()
    expect(isolationProblem({lo: [info('127.0.0.1', true), info('::1', true)], bh0: []}, 0)).toBeNull()
  })

  it('refuses a non-root user', () => {
    expect(isolationProblem({}, 1000)).toMatch(/needs root in a network namespace of its own: run it under unshare -rn/)
  })

  it('refuses a namespace with a real interface (the host), even as root', () => {
    const problem = isolationProblem({lo: [info('127.0.0.1', true)], eth0: [info('192.0.2.2', false)]}, 0)
    expect(problem).toMatch(/eth0 has 192\.0\.2\.2/)
  })
})

describe('rootHintsText', () => {
  it('writes named.root format that dnsx trace --root-hints reads back', () => {
    const text = rootHintsText(DEFAULT_WORLD.rootHints)
    expect(text).toMatch(/^\.\s+3600000\s+NS\s+A\.ROOT\.TEST\.$/m)
    expect(text).toMatch(/^A\.ROOT\.TEST\.\s+3600000\s+AAAA\s+2001:db8::1$/m)
    const parsed = parseRootHints(text, 'lab.hints')
    const canon = (h: {name: string, address: string}) => `${h.name.replace(/\.$/, '').toLowerCase()} ${h.address}`
    expect(parsed.map(canon).sort()).toEqual(DEFAULT_WORLD.rootHints.map(canon).sort())
  })
})

describe('lab serve helpers', () => {
  it('picks a query that shows what each server does', () => {
    expect(exampleQuery(DEFAULT_WORLD, ['.'], 'a.root.test')).toEqual({name: 'www.example.test', type: 'A'})
    expect(exampleQuery(DEFAULT_WORLD, ['test'], 'ns1.nic.test')).toEqual({name: 'www.example.test', type: 'A'})
    expect(exampleQuery(DEFAULT_WORLD, ['example.test', 'glueless.test'], 'ns1.example.test')).toEqual({name: 'www.example.test', type: 'A'})
    expect(exampleQuery(DEFAULT_WORLD, ['geo.test'], 'ns1.geo.test')).toEqual({name: 'www.geo.test', type: 'A'})
    expect(exampleQuery(DEFAULT_WORLD, [], 'ns1.lame.test')).toEqual({name: 'www.lame.test', type: 'A'})
  })

  it('spells dig and kdig commands as a person would', () => {
    expect(digCommand('dig', '127.0.0.1', 40000, {name: 'www.example.test', type: 'A', recurse: false})).toBe('dig @127.0.0.1 -p 40000 www.example.test +norecurse')
    expect(digCommand('kdig', '192.0.2.20', 53, {name: 'big.example.test', type: 'TXT', recurse: true}, ['+nsid'])).toBe('kdig @192.0.2.20 big.example.test TXT +recurse +nsid')
  })
})
