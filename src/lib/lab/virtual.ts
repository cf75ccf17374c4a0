/**
 * Serving the lab on its virtual addresses (`dnsx lab serve --bind-virtual`): which addresses the
 * world needs, whether they are safely on loopback, putting them there inside a network namespace
 * (`--configure-lo`), and the root hints file for dig, drill -T, unbound or `dnsx trace --root-hints`.
 *
 * Safety rule: the lab serves only on loopback. A virtual address found on any other interface
 * (the documentation ranges are sometimes used on real networks) is refused, and `--configure-lo`
 * changes nothing unless the process is root in a network namespace that has nothing but loopback.
 */
import {UsageError} from '../errors.js'
import {spawnSync} from 'node:child_process'
import {accessSync, constants} from 'node:fs'
import net from 'node:net'
import os from 'node:os'
import {delimiter, join} from 'node:path'

import {addressKey} from './check.js'
import type {World} from './world.js'

/** Every DNS address of the world (servers, anycast services, resolvers), once each, in world order. */
export function virtualDnsAddresses(world: World): string[] {
  const all = [
    ...world.servers.flatMap((s) => s.addresses),
    ...world.anycast.flatMap((a) => a.addresses),
    ...world.resolvers.flatMap((r) => r.addresses),
  ]
  return [...new Map(all.map((a) => [addressKey(a), a])).values()]
}

/** The interfaces and their addresses, as os.networkInterfaces() gives them (injectable for tests). */
export type Interfaces = NodeJS.Dict<os.NetworkInterfaceInfo[]>

/** Where each address of `addresses` is: on loopback, on another interface (named), or nowhere. */
export function locateAddresses(addresses: string[], interfaces: Interfaces = os.networkInterfaces()): {loopback: string[], elsewhere: {address: string, iface: string}[], missing: string[]} {
  const where = new Map<string, {iface: string, internal: boolean}>()
  for (const [iface, infos] of Object.entries(interfaces)) {
    for (const info of infos ?? []) {
      const key = addressKey(info.address.replace(/%.*$/, ''))
      // A non-loopback sighting wins: that is the one that matters for safety.
      if (!where.has(key) || !info.internal) where.set(key, {iface, internal: info.internal})
    }
  }

  const out = {loopback: [] as string[], elsewhere: [] as {address: string, iface: string}[], missing: [] as string[]}
  for (const address of addresses) {
    const w = where.get(addressKey(address))
    if (!w) out.missing.push(address)
    else if (w.internal) out.loopback.push(address)
    else out.elsewhere.push({address, iface: w.iface})
  }

  return out
}

/**
 * Why the virtual addresses cannot be served here, or null when every one of them is on loopback.
 * `canConfigure` adds the hint about --configure-lo.
 */
export function virtualAddressProblem(addresses: string[], interfaces?: Interfaces): string | null {
  const {elsewhere, missing} = locateAddresses(addresses, interfaces)
  if (elsewhere.length > 0) {
    const e = elsewhere[0]
    return `${e.address} is configured on ${e.iface}, which is not loopback: the lab serves only on loopback; run it in a network namespace of its own (unshare -rn) with --configure-lo`
  }

  if (missing.length > 0) {
    const example = missing[0]
    const add = net.isIPv6(example) ? `ip addr add ${example}/128 dev lo nodad` : `ip addr add ${example}/32 dev lo`
    return `${missing.length} of the lab's ${addresses.length} addresses are not configured (e.g. ${example}): add them to lo (${add}), or run inside unshare -rn with --configure-lo`
  }

  return null
}

/**
 * Why this process must not configure lo, or null when it may: it must be root, in a network
 * namespace where no interface but loopback has an address (a namespace of its own, as
 * `unshare -rn` makes).
 */
export function isolationProblem(interfaces: Interfaces = os.networkInterfaces(), uid: number | undefined = process.getuid?.()): string | null {
  if (uid !== 0) return '--configure-lo needs root in a network namespace of its own: run it under unshare -rn (or add the addresses to lo yourself)'
  for (const [iface, infos] of Object.entries(interfaces)) {
    const real = (infos ?? []).find((i) => !i.internal)
    if (real) return `--configure-lo refuses to touch this network namespace: ${iface} has ${real.address}, so it is not a namespace of its own; run it under unshare -rn`
  }

  return null
}

function findIp(): string {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/sbin', '/usr/local/sbin']
  for (const dir of dirs) {
    const candidate = join(dir, 'ip')
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {}
  }

  throw new UsageError('--configure-lo needs the ip command (iproute2)', 'configure-lo')
}

function runIp(ip: string, batch: string[]): void {
  if (batch.length === 0) return
  const r = spawnSync(ip, ['-batch', '-'], {input: `${batch.join('\n')}\n`, encoding: 'utf8'})
  if (r.error) throw new UsageError(`ip: ${r.error.message}`, 'configure-lo')
  if (r.status !== 0) throw new UsageError(`ip -batch failed: ${(r.stderr || r.stdout).trim().split('\n')[0]}`, 'configure-lo')
}

/**
 * Brings lo up and adds the missing addresses to it (IPv6 with nodad, so they are usable at once).
 * Call only after {@link isolationProblem} returned null. Returns the addresses added.
 */
export function configureLoopback(addresses: string[]): string[] {
  const ip = findIp()
  runIp(ip, ['link set lo up'])
  const {missing, elsewhere} = locateAddresses(addresses)
  if (elsewhere.length > 0) throw new UsageError(`${elsewhere[0].address} is on ${elsewhere[0].iface}, not loopback`, 'configure-lo')
  runIp(ip, missing.map((a) => (net.isIPv6(a) ? `addr add ${a}/128 dev lo nodad` : `addr add ${a}/32 dev lo`)))
  return missing
}

/**
 * The lab's root hints in named.root format (what dig, drill -r, unbound's root-hints and
 * `dnsx trace --root-hints` read).
 */
export function rootHintsText(hints: {name: string, address: string}[], description = 'dnsx lab'): string {
  const fqdn = (n: string) => (n.endsWith('.') ? n : `${n}.`).toUpperCase()
  const names = [...new Set(hints.map((h) => fqdn(h.name)))]
  const lines = [
    `;       This file holds the root hints of the ${description}.`,
    ';       The addresses are virtual: they answer only where the lab serves them',
    ';       (dnsx lab serve --bind-virtual, in a network namespace).',
    ';',
  ]
  const row = (owner: string, ttl: number, type: string, data: string) => `${owner.padEnd(28)} ${String(ttl).padStart(10)}      ${type.padEnd(6)}${data}`
  for (const name of names) {
    lines.push(';', row('.', 3_600_000, 'NS', name))
    for (const h of hints.filter((x) => fqdn(x.name) === name)) {
      lines.push(row(name, 3_600_000, net.isIPv6(h.address) ? 'AAAA' : 'A', h.address))
    }
  }

  lines.push('; End of file')
  return `${lines.join('\n')}\n`
}
