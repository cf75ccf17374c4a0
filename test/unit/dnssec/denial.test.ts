import {describe, expect, it} from 'vitest'
import type {Rr} from '../../../src/lib/dns/record.js'
import {base32HexDecode, base32HexEncode, nsec3Hash, proveDenial, proveInsecureDelegation, proveNsec3Nodata, proveNsec3Nxdomain, proveNsec3WildcardAnswer, proveNsecNodata, proveNsecNxdomain, proveNsecWildcardAnswer, proveWildcardAnswer} from '../../../src/lib/dnssec/index.js'
import {zone} from './helpers.js'

describe('NSEC3 hash (RFC 5155 Appendix A)', () => {
  const vectors: Array<[string, string]> = [
    ['example', '0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TOM'],
    ['a.example', '35MTHGPGCU1QG68FAB165KLNSNK3DPVL'],
    ['ai.example', 'GJEQE526PLBF1G8MKLP59ENFD789NJGI'],
    ['ns1.example', '2T7B4G4VSA5SMI47K61MV5BV1A22BOJR'],
    ['ns2.example', 'Q04JKCEVQVMU85R014C7DKBA38O0JI5R'],
    ['w.example', 'K8UDEMVP1J2F7EG6JEBPS17VP3N8I58H'],
    ['*.w.example', 'R53BQ7CC2UVMUBFU5OCMM6PERS9TK9EN'],
    ['x.w.example', 'B4UM86EGHHDS6NEA196SMVMLO4ORS995'],
    ['y.w.example', 'JI6NEOAEPV8B5O6K4EV33ABHA8HT9FGC'],
    ['x.y.w.example', '2VPTU5TIMAMQTTGL4LUU9KG21E0AOR3S'],
    ['xx.example', 'T644EBQK9BIBCNA874GIVR6JOJ62MLHV'],
    ['2t7b4g4vsa5smi47k61mv5bv1a22bojr.example', 'KOHAR7MBB8DC2CE8A9QVL8HON4K53UHI'],
  ]
  for (const [name, hash] of vectors) {
    it(`H(${name}) = ${hash}`, () => {
      expect(nsec3Hash(name, 'aabbccdd', 12)).toBe(hash)
    })
  }

  it('folds case, accepts the salt as a Buffer, and differs per parameter', () => {
    expect(nsec3Hash('X.W.Example.', Buffer.from('aabbccdd', 'hex'), 12)).toBe('B4UM86EGHHDS6NEA196SMVMLO4ORS995')
    expect(nsec3Hash('example', 'aabbccdd', 11)).not.toBe('0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TOM')
    expect(nsec3Hash('example', '-', 12)).not.toBe('0P9MHAVEQVM6T7VBL5LOP2U3T2RP3TOM')
  })

  it('base32hex follows RFC 4648 §10 test vectors', () => {
    const vectors: Array<[string, string]> = [['', ''], ['f', 'CO'], ['fo', 'CPNG'], ['foo', 'CPNMU'], ['foob', 'CPNMUOG'], ['fooba', 'CPNMUOJ1'], ['foobar', 'CPNMUOJ1E8']]
    for (const [plain, enc] of vectors) {
      expect(base32HexEncode(Buffer.from(plain))).toBe(enc)
      expect(base32HexDecode(enc.toLowerCase()).toString()).toBe(plain)
    }
    expect(() => base32HexDecode('WXYZ')).toThrow(/base32hex/)
  })
})

// The NSEC3 chain of the RFC 5155 Appendix A example zone (every record has Opt-Out set).
const CHAIN: Record<string, [string, string]> = {
  '0p9m': ['0p9mhaveqvm6t7vbl5lop2u3t2rp3tom', '2t7b4g4vsa5smi47k61mv5bv1a22bojr MX DNSKEY NS SOA NSEC3PARAM RRSIG'],
  '2t7b': ['2t7b4g4vsa5smi47k61mv5bv1a22bojr', '2vptu5timamqttgl4luu9kg21e0aor3s A RRSIG'],
  '2vpt': ['2vptu5timamqttgl4luu9kg21e0aor3s', '35mthgpgcu1qg68fab165klnsnk3dpvl MX RRSIG'],
  '35mt': ['35mthgpgcu1qg68fab165klnsnk3dpvl', 'b4um86eghhds6nea196smvmlo4ors995 NS DS RRSIG'],
  b4um: ['b4um86eghhds6nea196smvmlo4ors995', 'gjeqe526plbf1g8mklp59enfd789njgi MX RRSIG'],
  gjeq: ['gjeqe526plbf1g8mklp59enfd789njgi', 'ji6neoaepv8b5o6k4ev33abha8ht9fgc A HINFO AAAA RRSIG'],
  ji6n: ['ji6neoaepv8b5o6k4ev33abha8ht9fgc', 'k8udemvp1j2f7eg6jebps17vp3n8i58h'],
  k8ud: ['k8udemvp1j2f7eg6jebps17vp3n8i58h', 'kohar7mbb8dc2ce8a9qvl8hon4k53uhi'],
  koha: ['kohar7mbb8dc2ce8a9qvl8hon4k53uhi', 'q04jkcevqvmu85r014c7dkba38o0ji5r A RRSIG'],
  q04j: ['q04jkcevqvmu85r014c7dkba38o0ji5r', 'r53bq7cc2uvmubfu5ocmm6pers9tk9en A RRSIG'],
  r53b: ['r53bq7cc2uvmubfu5ocmm6pers9tk9en', 't644ebqk9bibcna874givr6joj62mlhv MX RRSIG'],
  t644: ['t644ebqk9bibcna874givr6joj62mlhv', '0p9mhaveqvm6t7vbl5lop2u3t2rp3tom A HINFO AAAA RRSIG'],
}

function nsec3(keys: string[], flags = 1, overrides: Record<string, string> = {}): Rr[] {
  return zone(keys.map(k => {
    const [owner, rest] = CHAIN[k]!
    const next = rest.split(' ')[0]!
    const types = overrides[k] ?? rest.split(' ').slice(1).join(' ')
    return `${owner}.example. 3600 IN NSEC3 1 ${flags} 12 aabbccdd ${next} ${types}`
  }).join('\n'))
}

describe('NSEC3 proofs (RFC 5155 Appendix B)', () => {
  it('the chain is consistent with the hashes', () => {
    const all = nsec3(Object.keys(CHAIN))
    expect(all).toHaveLength(12)
  })

  it('B.1 name error: a.c.x.w.example (Opt-Out → insecure; without Opt-Out → secure)', () => {
    const r = proveNsec3Nxdomain('a.c.x.w.example', nsec3(['0p9m', 'b4um', '35mt']), 'example')
    expect(r).toMatchObject({ok: true, kind: 'nxdomain', optOut: true, closestEncloser: 'x.w.example'})
    expect(r.reason).toMatch(/next closer c\.x\.w\.example/)
    expect(proveNsec3Nxdomain('a.c.x.w.example', nsec3(['0p9m', 'b4um', '35mt'], 0), 'example')).toMatchObject({ok: true, optOut: false})
  })

  it('B.1 with a record missing fails with a reason', () => {
    expect(proveNsec3Nxdomain('a.c.x.w.example', nsec3(['0p9m', '35mt']), 'example').reason).toMatch(/closest encloser/)
    expect(proveNsec3Nxdomain('a.c.x.w.example', nsec3(['b4um', '35mt']), 'example').reason).toMatch(/next closer name c\.x\.w\.example/)
    expect(proveNsec3Nxdomain('a.c.x.w.example', nsec3(['0p9m', 'b4um']), 'example').reason).toMatch(/wildcard \*\.x\.w\.example/)
    expect(proveNsec3Nxdomain('x.w.example', nsec3(['b4um']), 'example').reason).toMatch(/the name exists/)
  })

  it('B.1 rejects a closest encloser that is a delegation or DNAME (RFC 5155 §8.3)', () => {
    expect(proveNsec3Nxdomain('a.c.x.w.example', nsec3(['0p9m', 'b4um', '35mt'], 1, {b4um: 'NS'}), 'example')).toMatchObject({ok: false})
    expect(proveNsec3Nxdomain('a.c.x.w.example', nsec3(['0p9m', 'b4um', '35mt'], 1, {b4um: 'DNAME RRSIG'}), 'example').reason).toMatch(/DNAME/)
  })

  it('B.2 no data: ns1.example MX; CNAME or the type in the bitmap break it', () => {
    expect(proveNsec3Nodata('ns1.example', 'MX', nsec3(['2t7b']), 'example')).toMatchObject({ok: true, kind: 'nodata'})
    expect(proveNsec3Nodata('ns1.example', 'A', nsec3(['2t7b']), 'example').reason).toMatch(/lists A/)
    expect(proveNsec3Nodata('ns1.example', 'MX', nsec3(['2t7b'], 1, {'2t7b': 'CNAME RRSIG'}), 'example').reason).toMatch(/CNAME/)
    expect(proveNsec3Nodata('ns1.example', 'MX', nsec3(['2t7b'], 1, {'2t7b': 'NS'}), 'example').reason).toMatch(/delegation point/)
  })

  it('B.2.1 no data at an empty non-terminal: y.w.example', () => {
    expect(proveNsec3Nodata('y.w.example', 'A', nsec3(['ji6n']), 'example')).toMatchObject({ok: true, kind: 'nodata'})
    expect(proveNsec3Nodata('y.w.example', 'A', nsec3(['35mt']), 'example').ok).toBe(false)
  })

  it('B.3 referral to the Opt-Out unsigned zone c.example', () => {
    const r = proveInsecureDelegation('c.example', nsec3(['0p9m', '35mt']), 'example')
    expect(r).toMatchObject({ok: true, optOut: true, insecureDelegation: true, closestEncloser: 'example'})
    expect(proveInsecureDelegation('c.example', nsec3(['0p9m', '35mt'], 0), 'example').reason).toMatch(/lacks Opt-Out/)
  })

  it('secure delegation a.example: a DS exists, nothing to deny; names below it are not deniable', () => {
    expect(proveNsec3Nodata('a.example', 'DS', nsec3(['35mt']), 'example').reason).toMatch(/lists DS/)
    expect(proveNsec3Nodata('a.example', 'MX', nsec3(['35mt']), 'example').reason).toMatch(/delegation point/)
    expect(proveNsec3Nxdomain('x.a.example', nsec3(['35mt', '0p9m', '2t7b', 'b4um', 'gjeq', 'ji6n', 'k8ud', 'koha', 'q04j', 'r53b', 't644', '2vpt']), 'example').reason).toMatch(/delegation point/)
  })

  it('B.4 wildcard expansion: a.z.w.example MX from *.w.example', () => {
    // RFC 5155 B.4's NSEC3 has Opt-Out; a covered next closer still makes the expansion secure
    // (Unbound's val_nsec3_b4_wild expects AD).
    expect(proveNsec3WildcardAnswer('a.z.w.example', 2, nsec3(['q04j']), 'example')).toMatchObject({ok: true, kind: 'wildcard-answer', optOut: false})
    expect(proveNsec3WildcardAnswer('a.z.w.example', 2, nsec3(['q04j'], 0), 'example')).toMatchObject({ok: true, optOut: false})
    expect(proveNsec3WildcardAnswer('a.z.w.example', 2, nsec3(['r53b']), 'example').ok).toBe(false)
    expect(proveNsec3WildcardAnswer('a.z.w.example', 4, nsec3(['q04j']), 'example').ok).toBe(false)
  })

  it('B.5 wildcard no data: a.z.w.example AAAA, secure in an Opt-Out span too', () => {
    expect(proveNsec3Nodata('a.z.w.example', 'AAAA', nsec3(['k8ud', 'q04j', 'r53b']), 'example')).toMatchObject({ok: true, kind: 'wildcard-nodata', optOut: false})
    const r = proveNsec3Nodata('a.z.w.example', 'AAAA', nsec3(['k8ud', 'q04j', 'r53b'], 0), 'example')
    expect(r).toMatchObject({ok: true, kind: 'wildcard-nodata', closestEncloser: 'w.example', optOut: false})
    expect(proveNsec3Nodata('a.z.w.example', 'MX', nsec3(['k8ud', 'q04j', 'r53b'], 0), 'example').reason).toMatch(/wildcard \*\.w\.example has MX/)
    expect(proveNsec3Nodata('a.z.w.example', 'AAAA', nsec3(['k8ud', 'q04j'], 0), 'example').ok).toBe(false)
  })

  it('B.6 DS of the apex, answered from the child side, is refused (RFC 6840 §4.1)', () => {
    const r = proveNsec3Nodata('example', 'DS', nsec3(['0p9m']), 'example')
    expect(r.ok).toBe(false)
    expect(r.reason).toMatch(/child zone apex/)
  })

  it('unknown hash algorithms, unknown flags and high iteration counts', () => {
    const unknown = nsec3(['2t7b']).map(r => ({...r, data: {...(r.data as object), algorithm: 2}}))
    expect(proveNsec3Nodata('ns1.example', 'MX', unknown, 'example')).toMatchObject({ok: false, insecure: true})
    const flags = nsec3(['2t7b']).map(r => ({...r, data: {...(r.data as object), flags: 2}}))
    expect(proveNsec3Nodata('ns1.example', 'MX', flags, 'example')).toMatchObject({ok: false})
    const r = proveNsec3Nodata('ns1.example', 'MX', nsec3(['2t7b']), 'example', {maxIterations: 10})
    expect(r).toMatchObject({ok: false, insecure: true})
    expect(r.reason).toMatch(/12 iterations.*RFC 9276/)
    expect(proveNsec3Nodata('ns1.example', 'MX', nsec3(['2t7b']), 'example.org').ok).toBe(false)
  })
})

// An NSEC-signed zone modelled on the RFC 4035 Appendix A example.
const NSEC = zone(`
  example. 3600 IN NSEC a.example. NS SOA MX RRSIG NSEC DNSKEY
  a.example. 3600 IN NSEC ai.example. NS DS RRSIG NSEC
  ai.example. 3600 IN NSEC b.example. A HINFO AAAA RRSIG NSEC
  b.example. 3600 IN NSEC ns1.example. NS RRSIG NSEC
  ns1.example. 3600 IN NSEC ns2.example. A RRSIG NSEC
  ns2.example. 3600 IN NSEC *.w.example. A RRSIG NSEC
  *.w.example. 3600 IN NSEC x.w.example. MX RRSIG NSEC
  x.w.example. 3600 IN NSEC x.y.w.example. MX RRSIG NSEC
  x.y.w.example. 3600 IN NSEC xx.example. MX RRSIG NSEC
  xx.example. 3600 IN NSEC example. A HINFO AAAA RRSIG NSEC`)
const nsec = (...owners: string[]): Rr[] => NSEC.filter(r => owners.includes(r.name))

describe('NSEC proofs', () => {
  it('name error: ml.example (covered by b.example, wildcard covered by the apex NSEC)', () => {
    const r = proveNsecNxdomain('ml.example', nsec('b.example', 'example'), 'example')
    expect(r).toMatchObject({ok: true, kind: 'nxdomain', closestEncloser: 'example'})
    expect(proveNsecNxdomain('ml.example', nsec('b.example'), 'example').reason).toMatch(/wildcard \*\.example/)
    expect(proveNsecNxdomain('ml.example', nsec('example'), 'example').reason).toMatch(/no NSEC covers ml\.example/)
    expect(proveNsecNxdomain('ns1.example', nsec('ns1.example'), 'example').reason).toMatch(/exists/)
  })

  it('name error is refused where a wildcard exists or the name is an empty non-terminal', () => {
    expect(proveNsecNxdomain('a.z.w.example', NSEC, 'example').reason).toMatch(/wildcard \*\.w\.example exists/)
    expect(proveNsecNxdomain('y.w.example', NSEC, 'example').reason).toMatch(/empty non-terminal/)
  })

  it('the last NSEC wraps around to the apex', () => {
    expect(proveNsecNxdomain('zz.example', nsec('xx.example', 'example'), 'example')).toMatchObject({ok: true})
  })

  it('no data: ns1.example MX; CNAME, the type, or a parent-side NSEC break it', () => {
    expect(proveNsecNodata('ns1.example', 'MX', nsec('ns1.example'), 'example')).toMatchObject({ok: true, kind: 'nodata'})
    expect(proveNsecNodata('ns1.example', 'A', nsec('ns1.example'), 'example').reason).toMatch(/lists A/)
    const cname = zone('ns1.example. 3600 IN NSEC ns2.example. CNAME RRSIG NSEC')
    expect(proveNsecNodata('ns1.example', 'MX', cname, 'example').reason).toMatch(/CNAME/)
    expect(proveNsecNodata('b.example', 'A', nsec('b.example'), 'example').reason).toMatch(/parent side of a delegation/)
  })

  it('no data at an empty non-terminal: y.w.example', () => {
    expect(proveNsecNodata('y.w.example', 'A', nsec('x.w.example'), 'example')).toMatchObject({ok: true, kind: 'ent-nodata'})
  })

  it('wildcard no data: a.z.w.example AAAA', () => {
    expect(proveNsecNodata('a.z.w.example', 'AAAA', nsec('x.y.w.example', '*.w.example'), 'example')).toMatchObject({ok: true, kind: 'wildcard-nodata', closestEncloser: 'w.example'})
    expect(proveNsecNodata('a.z.w.example', 'MX', nsec('x.y.w.example', '*.w.example'), 'example').ok).toBe(false)
  })

  it('wildcard answer: a.z.w.example MX from *.w.example (Labels 2)', () => {
    expect(proveNsecWildcardAnswer('a.z.w.example', 2, nsec('x.y.w.example'), 'example')).toMatchObject({ok: true, kind: 'wildcard-answer'})
    // claiming expansion from *.example while w.example exists
    expect(proveNsecWildcardAnswer('a.z.w.example', 1, nsec('x.y.w.example'), 'example').reason).toMatch(/closest encloser w\.example/)
    expect(proveWildcardAnswer('a.z.w.example', 2, [], 'example').ok).toBe(false)
  })

  it('DS: insecure delegation b.example, secure delegation a.example, child apex refused', () => {
    expect(proveInsecureDelegation('b.example', nsec('b.example'), 'example')).toMatchObject({ok: true, insecureDelegation: true})
    expect(proveNsecNodata('a.example', 'DS', nsec('a.example'), 'example').reason).toMatch(/lists DS/)
    expect(proveNsecNodata('example', 'DS', nsec('example'), 'example').reason).toMatch(/child zone apex/)
    // ns1.example has no DS but is no delegation either: not an insecure delegation proof
    expect(proveInsecureDelegation('ns1.example', nsec('ns1.example'), 'example').reason).toMatch(/NS bit/)
  })

  it('a delegation NSEC cannot deny names inside the child (RFC 6840 §4.1)', () => {
    const r = proveNsecNxdomain('www.a.example', NSEC, 'example')
    expect(r.ok).toBe(false)
    expect(r.reason).toMatch(/delegation or DNAME above it/)
    expect(proveNsecNxdomain('www.b.example', NSEC, 'example').ok).toBe(false)
    const dname = zone('alias.example. 3600 IN NSEC b.example. DNAME RRSIG NSEC\nexample. 3600 IN NSEC a.example. NS SOA RRSIG NSEC DNSKEY')
    expect(proveNsecNxdomain('x.alias.example', dname, 'example').ok).toBe(false)
  })

  it('proveDenial dispatches on the record types present', () => {
    expect(proveDenial({qname: 'ml.example', qtype: 'A', rcode: 'NXDOMAIN', records: NSEC, zone: 'example'})).toMatchObject({ok: true, kind: 'nxdomain'})
    expect(proveDenial({qname: 'ns1.example', qtype: 'MX', rcode: 'NOERROR', records: nsec3(['2t7b']), zone: 'example'})).toMatchObject({ok: true, kind: 'nodata'})
    expect(proveDenial({qname: 'ns1.example', qtype: 'MX', rcode: 'NOERROR', records: [], zone: 'example'}).reason).toMatch(/no NSEC or NSEC3/)
    expect(proveDenial({qname: 'ml.example.org', qtype: 'A', rcode: 'NXDOMAIN', records: NSEC, zone: 'example'}).reason).toMatch(/not in zone/)
  })
})
