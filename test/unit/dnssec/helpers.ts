/**
 * Test helper: a minimal authoritative "responder" over a signed zone, built on the library's
 * own primitives, producing the answer/authority sections a server would send (positive,
 * CNAME, referral, NODATA, NXDOMAIN, wildcard), so round-trip tests can feed them to
 * validateAnswer / validateDelegation.
 */
import {ancestorAt, compareNames, isSubdomain, labelCount, nameEquals, nameLabels, prependLabel, shownName} from '../../../src/lib/dns/names.js'
import type {Nsec3Record, NsecRecord, Rr, RrsigRecord} from '../../../src/lib/dns/record.js'
import {sameType} from '../../../src/lib/dns/types.js'
import {parseZoneFile} from '../../../src/lib/dns/zonefile.js'
import {base32HexDecode, nsec3HashRaw, nsecCovers} from '../../../src/lib/dnssec/index.js'

export interface Response {
  rcode: 'NOERROR' | 'NXDOMAIN'
  answers: Rr[]
  authority: Rr[]
}

function sigsFor(records: readonly Rr[], name: string, type: string): RrsigRecord[] {
  return records.filter((r): r is RrsigRecord => sameType(r.type, 'RRSIG') && nameEquals(r.name, name) && sameType((r as RrsigRecord).data.typeCovered, type))
}

function withSigs(records: readonly Rr[], rrset: Rr[]): Rr[] {
  if (rrset.length === 0) return []
  return [...rrset, ...sigsFor(records, rrset[0]!.name, rrset[0]!.type)]
}

export class Responder {
  readonly zone: string
  readonly records: Rr[]
  private readonly data: Rr[]
  private readonly nsecs: NsecRecord[]
  private readonly nsec3s: Nsec3Record[]

  constructor(zone: string, records: Rr[]) {
    this.zone = shownName(zone)
    this.records = records
    this.data = records.filter(r => !['RRSIG', 'NSEC', 'NSEC3'].some(t => sameType(r.type, t)))
    this.nsecs = records.filter((r): r is NsecRecord => sameType(r.type, 'NSEC'))
    this.nsec3s = records.filter((r): r is Nsec3Record => sameType(r.type, 'NSEC3'))
  }

  private rrset(name: string, type: string): Rr[] {
    return this.data.filter(r => nameEquals(r.name, name) && sameType(r.type, type))
  }

  private cutAbove(qname: string, qtype: string): string | undefined {
    const labels = labelCount(qname)
    for (let k = labelCount(this.zone) + 1; k <= labels; k++) {
      const name = ancestorAt(qname, k)
      if (this.rrset(name, 'NS').length === 0) continue
      if (k === labels && sameType(qtype, 'DS')) return undefined
      return name
    }
    return undefined
  }

  private exists(name: string): boolean {
    return this.data.some(r => isSubdomain(r.name, name))
  }

  private soa(): Rr[] {
    return withSigs(this.records, this.rrset(this.zone, 'SOA'))
  }

  private nsecMatch(name: string): Rr[] {
    const m = this.nsecs.find(r => nameEquals(r.name, name))
    return m ? withSigs(this.records, [m]) : []
  }

  private nsecCover(name: string): Rr[] {
    const c = this.nsecs.find(r => nsecCovers(r, name))
    return c ? withSigs(this.records, [c]) : []
  }

  private hashOf(name: string): Buffer {
    const p = this.nsec3s[0]!.data
    return nsec3HashRaw(name, p.salt, p.iterations)
  }

  private nsec3Match(name: string): Rr[] {
    const h = this.hashOf(name)
    const m = this.nsec3s.find(r => base32HexDecode(nameLabels(r.name)[0]!.toString()).equals(h))
    return m ? withSigs(this.records, [m]) : []
  }

  private nsec3Cover(name: string): Rr[] {
    const h = this.hashOf(name)
    const c = this.nsec3s.find(r => {
      const o = base32HexDecode(nameLabels(r.name)[0]!.toString())
      const nx = r.data.nextDomain
      if (Buffer.compare(nx, o) <= 0) return Buffer.compare(o, h) < 0 || Buffer.compare(h, nx) < 0
      return Buffer.compare(o, h) < 0 && Buffer.compare(h, nx) < 0
    })
    return c ? withSigs(this.records, [c]) : []
  }

  /** Closest encloser proof records for a non-existent name (NSEC3). */
  private nsec3CeProof(qname: string): {ce: string; records: Rr[]} {
    for (let k = labelCount(qname) - 1; k >= labelCount(this.zone); k--) {
      const ce = ancestorAt(qname, k)
      const m = this.nsec3Match(ce)
      if (m.length === 0) continue
      return {ce, records: [...m, ...this.nsec3Cover(ancestorAt(qname, k + 1))]}
    }
    throw new Error('no closest encloser')
  }

  private closestEncloser(qname: string): string {
    for (let k = labelCount(qname) - 1; k >= labelCount(this.zone); k--) {
      const ce = ancestorAt(qname, k)
      if (this.exists(ce)) return ce
    }
    return this.zone
  }

  private dedupe(records: Rr[]): Rr[] {
    return records.filter((r, i) => records.indexOf(r) === i)
  }

  /** Answer a query like an authoritative server for this zone. */
  query(qname: string, qtype: string): Response {
    const nsec3 = this.nsec3s.length > 0
    const cut = this.cutAbove(qname, qtype)
    if (cut) {
      const ns = this.rrset(cut, 'NS')
      const ds = this.rrset(cut, 'DS')
      let proof: Rr[] = []
      if (ds.length > 0) proof = withSigs(this.records, ds)
      else if (!nsec3) proof = this.nsecMatch(cut)
      else {
        proof = this.nsec3Match(cut)
        if (proof.length === 0) proof = this.nsec3CeProof(cut).records
      }
      return {rcode: 'NOERROR', answers: [], authority: this.dedupe([...ns, ...proof])}
    }
    const exact = this.rrset(qname, qtype)
    if (exact.length > 0) return {rcode: 'NOERROR', answers: withSigs(this.records, exact), authority: []}
    const cname = this.rrset(qname, 'CNAME')
    if (cname.length > 0) {
      const target = String(cname[0]!.data)
      const chased = isSubdomain(target, this.zone) ? this.rrset(target, qtype) : []
      return {rcode: 'NOERROR', answers: [...withSigs(this.records, cname), ...withSigs(this.records, chased)], authority: []}
    }
    if (this.exists(qname)) {
      let proof: Rr[]
      if (nsec3) proof = this.nsec3Match(qname)
      else proof = this.nsecMatch(qname).length > 0 ? this.nsecMatch(qname) : this.nsecCover(qname)
      return {rcode: 'NOERROR', answers: [], authority: this.dedupe([...this.soa(), ...proof])}
    }
    const ce = this.closestEncloser(qname)
    const wildcard = prependLabel('*', ce)
    if (this.exists(wildcard)) {
      const wdata = this.rrset(wildcard, qtype)
      if (wdata.length > 0) {
        const synth = wdata.map(r => ({...r, name: qname}))
        const sigs = sigsFor(this.records, wildcard, qtype).map(s => ({...s, name: qname}))
        const proof = nsec3 ? this.nsec3Cover(ancestorAt(qname, labelCount(ce) + 1)) : this.nsecCover(qname)
        return {rcode: 'NOERROR', answers: [...synth, ...sigs], authority: this.dedupe(proof)}
      }
      const proof = nsec3
        ? [...this.nsec3CeProof(qname).records, ...this.nsec3Match(wildcard)]
        : [...this.nsecCover(qname), ...this.nsecMatch(wildcard)]
      return {rcode: 'NOERROR', answers: [], authority: this.dedupe([...this.soa(), ...proof])}
    }
    const proof = nsec3
      ? (() => {
          const p = this.nsec3CeProof(qname)
          return [...p.records, ...this.nsec3Cover(prependLabel('*', p.ce))]
        })()
      : [...this.nsecCover(qname), ...this.nsecCover(wildcard)]
    return {rcode: 'NXDOMAIN', answers: [], authority: this.dedupe([...this.soa(), ...proof])}
  }
}

/** Sort helper for readable assertions. */
export function names(records: readonly Rr[]): string[] {
  return records.map(r => `${shownName(r.name)}/${r.type}`).sort((a, b) => compareNames(a.split('/')[0]!, b.split('/')[0]!))
}

/** Parse zone text written indented inside a template literal (every line carries its owner). */
export function zone(text: string, origin?: string): Rr[] {
  return parseZoneFile(text.replace(/^[ \t]+/gm, ''), origin ? {origin} : {})
}
