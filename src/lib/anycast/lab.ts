/**
 * Under --lab: what the lab's own instance list says its anycast identities
 * mean. The lab publishes, per anycast service, each instance's identity and
 * the site it claims (as operators publish their site lists); the probe uses
 * this only for identities the shipped catalogue leaves unknown, e.g. the
 * Cloudflare-style "syd01" at a lab address, which the catalogue rightly
 * attributes only to Cloudflare's own addresses.
 */
import type {LabDescription} from '../lab/index.js'
import {parseAddress} from './catalogue.js'
import type {IdentityBook} from './model.js'

function key(address: string): string {
  return parseAddress(address)?.toNormalizedString() ?? address
}

/** An IdentityBook from the lab's description (its anycast services and their instances). */
export function labIdentityBook(description: Pick<LabDescription, 'anycast'>): IdentityBook {
  const byAddress = new Map<string, Map<string, {siteCode: string; operator: string; note: string}>>()
  for (const svc of description.anycast) {
    const ids = new Map<string, {siteCode: string; operator: string; note: string}>()
    for (const inst of svc.instances) {
      const entry = {siteCode: inst.site.toUpperCase(), operator: `${svc.name} (dnsx lab)`, note: `site from the lab's instance list (instance ${inst.id})`}
      for (const id of [inst.nsid, inst.identity]) if (id) ids.set(id.toLowerCase(), entry)
    }
    for (const a of svc.addresses) byAddress.set(key(a), ids)
  }
  return {
    lookup(address, identity) {
      return byAddress.get(key(address))?.get(identity.toLowerCase()) ?? null
    },
  }
}
