/**
 * Target selection for anycast-probe (src/lib/anycast/targets.ts) with a fake
 * resolver: addresses with ports, names (A and AAAA), --zone, --roots, -4/-6,
 * families without a route, de-duplication and the errors.
 */
import {describe, expect, it} from 'vitest'
import {resolveTargets, type TargetResolver} from '../../../src/lib/anycast/targets.js'
import {NetworkError, UsageError} from '../../../src/lib/errors.js'

function fakeResolver(over: Partial<TargetResolver> & {v6?: boolean} = {}): TargetResolver & {lookups: string[]} {
  const lookups: string[] = []
  const names: Record<string, string[]> = {
    'k.root-servers.net': ['193.0.14.129', '2001:7fd::1'],
    'one.test': ['192.0.2.1'],
    'dup.test': ['193.0.14.129'],
  }
  return {
    lookups,
    async lookup(name, families) {
      lookups.push(`${name} ${families.join(',')}`)
      const all = names[name] ?? []
      return all.length ? {addresses: all.filter((a) => families.includes(a.includes(':') ? 6 : 4))} : {addresses: [], error: 'NXDOMAIN'}
    },
    async zoneServers(zone) {
      return {
        ns: [
          {name: `ns1.${zone}`, addresses: ['192.0.2.53', '2001:db8::53']},
          {name: `ns2.${zone}`, addresses: []},
        ],
        notes: [],
      }
    },
    async rootHints() {
      return [
        {name: 'b.root-servers.net', address: '170.247.170.2'},
        {name: 'a.root-servers.net', address: '2001:503:ba3e::2:30'},
        {name: 'a.root-servers.net', address: '198.41.0.4'},
      ]
    },
    async routed() {
      return {v4: true, v6: over.v6 ?? true}
    },
    ...over,
  }
}

describe('resolveTargets', () => {
  it('takes addresses as given, with ADDR#PORT and [ADDR]:PORT, and the default port', async () => {
    const r = await resolveTargets({inputs: ['192.0.2.1', '192.0.2.2#5353', '[2001:db8::1]:5300', '2001:db8::2'], port: 53}, fakeResolver())
    expect(r.targets.map((t) => [t.address, t.port, t.family, t.via, t.query?.name])).toEqual([
      ['192.0.2.1', 53, 4, 'address', ''],
      ['192.0.2.2', 5353, 4, 'address', ''],
      ['2001:db8::1', 5300, 6, 'address', ''],
      ['2001:db8::2', 53, 6, 'address', ''],
    ])
  })

  it('resolves names to both families, and keeps the name as the target', async () => {
    const res = fakeResolver()
    const r = await resolveTargets({inputs: ['k.root-servers.net'], port: 53}, res)
    expect(r.targets.map((t) => `${t.target} ${t.address} ${t.via}`)).toEqual(['k.root-servers.net 193.0.14.129 name', 'k.root-servers.net 2001:7fd::1 name'])
    expect(res.lookups).toEqual(['k.root-servers.net 4,6'])
  })

  it('asks only for -4 / -6, and refuses an explicit address of the other family', async () => {
    const res = fakeResolver()
    const r = await resolveTargets({inputs: ['k.root-servers.net'], port: 53, family: 6}, res)
    expect(r.targets.map((t) => t.address)).toEqual(['2001:7fd::1'])
    expect(res.lookups).toEqual(['k.root-servers.net 6'])
    await expect(resolveTargets({inputs: ['192.0.2.1'], port: 53, family: 6}, res)).rejects.toBeInstanceOf(UsageError)
  })

  it('skips found addresses of a family without a route (with a note), never explicit ones', async () => {
    const r = await resolveTargets({inputs: ['2001:db8::9'], roots: true, port: 53}, fakeResolver({v6: false}))
    expect(r.targets.map((t) => t.address)).toEqual(['2001:db8::9', '198.41.0.4', '170.247.170.2'])
    expect(r.notes.join('\n')).toMatch(/skipped 1 IPv6 address: this host has no IPv6 route \(give -6/)
  })

  it('--roots: the letters from the hints, by name, IPv4 first', async () => {
    const r = await resolveTargets({inputs: [], roots: true, port: 53}, fakeResolver())
    expect(r.targets.map((t) => `${t.target} ${t.address} ${t.via}`)).toEqual([
      'a.root-servers.net 198.41.0.4 roots',
      'a.root-servers.net 2001:503:ba3e::2:30 roots',
      'b.root-servers.net 170.247.170.2 roots',
    ])
  })

  it('--zone: every NS address, probed with the zone SOA; NS without address are noted', async () => {
    const r = await resolveTargets({inputs: [], zone: 'Example.Test.', port: 53}, fakeResolver())
    expect(r.targets.map((t) => `${t.target} ${t.address} ${t.via} ${t.query?.name}`)).toEqual([
      'ns1.example.test 192.0.2.53 zone example.test',
      'ns1.example.test 2001:db8::53 zone example.test',
    ])
    expect(r.notes.join('\n')).toContain('1 of 2 name servers have no usable address')
  })

  it('de-duplicates the same address reached twice, keeping the first', async () => {
    const r = await resolveTargets({inputs: ['193.0.14.129', 'dup.test'], port: 53}, fakeResolver())
    expect(r.targets.map((t) => `${t.target} ${t.address}`)).toEqual(['193.0.14.129 193.0.14.129'])
  })

  it('notes an unresolvable name; fails with a network error when nothing is left', async () => {
    const r = await resolveTargets({inputs: ['nope.test', 'one.test'], port: 53}, fakeResolver())
    expect(r.targets.map((t) => t.address)).toEqual(['192.0.2.1'])
    expect(r.notes[0]).toMatch(/^nope\.test: no IPv4\/IPv6 address \(NXDOMAIN\); not probed$/)
    await expect(resolveTargets({inputs: ['nope.test'], port: 53}, fakeResolver())).rejects.toBeInstanceOf(NetworkError)
  })

  it('rejects asking for nothing, bad names and the root as a server', async () => {
    await expect(resolveTargets({inputs: [], port: 53}, fakeResolver())).rejects.toBeInstanceOf(UsageError)
    await expect(resolveTargets({inputs: ['a..b'], port: 53}, fakeResolver())).rejects.toBeInstanceOf(UsageError)
    await expect(resolveTargets({inputs: ['.'], port: 53}, fakeResolver())).rejects.toBeInstanceOf(UsageError)
    await expect(resolveTargets({inputs: ['192.0.2.1#0'], port: 53}, fakeResolver())).rejects.toBeInstanceOf(UsageError)
  })

  it('uses --qname for the ordinary query of address, name and root targets', async () => {
    const r = await resolveTargets({inputs: ['192.0.2.1'], roots: true, port: 53, qname: 'example.com.'}, fakeResolver())
    expect(r.targets.every((t) => t.query?.name === 'example.com')).toBe(true)
  })
})
