import {describe, expect, it} from 'vitest'
import {decodeIdentity, interceptionHints, lookupSite, matchSoftware, nsidToText} from '../../../src/lib/anycast/index.js'

describe('decodeIdentity: the strings from the issue', () => {
  it('B-root b1-lax -> Los Angeles', () => {
    const d = decodeIdentity('b1-lax', {source: 'hostname.bind'})
    expect(d).toMatchObject({operator: 'USC/ISI (B-root)', format: 'b-root', siteCode: 'LAX', codeSystem: 'iata', confidence: 'known', instance: '1'})
    expect(d.site).toMatchObject({name: 'Los Angeles', country: 'US'})
  })

  it('C-root lax1a.c.root-servers.org -> LAX', () => {
    const d = decodeIdentity('lax1a.c.root-servers.org', {source: 'hostname.bind', address: '192.33.4.12'})
    expect(d).toMatchObject({format: 'c-root', siteCode: 'LAX', instance: '1a', fitsOperator: true, confidence: 'known'})
  })

  it('K-root ns1.nl-ams.k.ripe.net -> UN/LOCODE NL AMS, Amsterdam', () => {
    const d = decodeIdentity('ns1.nl-ams.k.ripe.net', {source: 'nsid'})
    expect(d).toMatchObject({format: 'k-root', siteCode: 'NL AMS', codeSystem: 'unlocode', instance: 'ns1', confidence: 'known'})
    expect(d.site).toMatchObject({code: 'NL AMS', name: 'Amsterdam', country: 'NL'})
  })

  it('L-root aa.de-ham.l.root -> UN/LOCODE DE HAM, Hamburg', () => {
    const d = decodeIdentity('aa.de-ham.l.root', {source: 'id.server', address: '2001:500:9f::42'})
    expect(d).toMatchObject({operator: 'ICANN (L-root)', siteCode: 'DE HAM', codeSystem: 'unlocode', instance: 'aa', fitsOperator: true})
    expect(d.site).toMatchObject({name: 'Hamburg', country: 'DE'})
    expect(d.site!.lat).toBeCloseTo(53.63, 1)
  })

  it('M-root M-NRT-JPNAP-1 -> Tokyo Narita', () => {
    const d = decodeIdentity('M-NRT-JPNAP-1', {source: 'hostname.bind'})
    expect(d).toMatchObject({operator: 'WIDE Project (M-root)', siteCode: 'NRT', instance: '1'})
    expect(d.site).toMatchObject({name: 'Tokyo', country: 'JP'})
  })

  it('Google gpdns-ams -> AMS', () => {
    expect(decodeIdentity('gpdns-ams', {source: 'nsid', address: '8.8.8.8'})).toMatchObject({
      format: 'google-public-dns',
      siteCode: 'AMS',
      fitsOperator: true,
      confidence: 'known',
    })
  })

  it('Quad9 res200.vie.rrdns.pch.net -> Vienna, and the q-prefixed res120.qyul1.on.quad9.net -> Montreal', () => {
    const vie = decodeIdentity('res200.vie.rrdns.pch.net', {source: 'id.server', address: '9.9.9.9'})
    expect(vie).toMatchObject({format: 'quad9', siteCode: 'VIE', instance: '200', fitsOperator: true})
    expect(vie.site).toMatchObject({name: 'Vienna', country: 'AT'})
    const yul = decodeIdentity('res120.qyul1.on.quad9.net', {source: 'id.server', address: '2620:fe::fe'})
    expect(yul).toMatchObject({format: 'quad9', siteCode: 'YUL', instance: '120', fitsOperator: true})
    expect(yul.site).toMatchObject({name: 'Montreal', country: 'CA'})
  })

  it('Cloudflare yul01 is attributed only when asked at a Cloudflare address', () => {
    const at = decodeIdentity('yul01', {source: 'nsid', address: '1.1.1.1'})
    expect(at).toMatchObject({format: 'cloudflare-resolver', siteCode: 'YUL', instance: '01', fitsOperator: true, confidence: 'known'})
    const blind = decodeIdentity('yul01', {source: 'nsid'})
    expect(blind).toMatchObject({operator: null, siteCode: null, site: null, confidence: 'unknown'})
    expect(blind.fitsOperator).toBeUndefined()
    // CHAOS gives the bare IATA code, as at the end of a CF-RAY header
    expect(decodeIdentity('"AMS"', {source: 'id.server', address: '1.0.0.1'})).toMatchObject({siteCode: 'AMS', fitsOperator: true})
  })

  it('I-root uses Netnod codes, not airport codes: s1.bei is Beijing, not Beica (Ethiopia)', () => {
    const d = decodeIdentity('s1.bei', {source: 'hostname.bind', address: '192.36.148.17'})
    expect(d).toMatchObject({format: 'i-root', siteCode: 'BEI', codeSystem: 'private:netnod'})
    expect(d.site).toMatchObject({name: 'Beijing', country: 'CN'})
    // read as IATA it would not be Beijing (IATA BEI is Beica, Ethiopia, which the table does not list)
    expect(lookupSite('BEI', 'iata')?.country).not.toBe('CN')
  })

  it('D-root uses its own codes', () => {
    const d = decodeIdentity('sgsg2.droot', {source: 'hostname.bind'})
    expect(d).toMatchObject({format: 'd-root', siteCode: 'SGSG', codeSystem: 'private:droot', confidence: 'known'})
    expect(d.site).toMatchObject({country: 'SG'})
  })

  it('A and J share a scheme: the address tells them apart, the name alone does not', () => {
    const d = decodeIdentity('rootns-elpek3', {source: 'hostname.bind', address: '192.58.128.30'})
    expect(d).toMatchObject({format: 'verisign-aj-root', siteCode: 'PEK', fitsOperator: true})
    expect(decodeIdentity('nnn1-lon3', {source: 'hostname.bind'}).operator).toBe('Verisign (A-root / J-root)')
  })
})

describe('decodeIdentity: cleaning and honesty', () => {
  it('strips dig quoting and a trailing dot, keeping raw as given', () => {
    const d = decodeIdentity('"ns1.nl-ams.k.ripe.net."', {source: 'id.server'})
    expect(d.raw).toBe('"ns1.nl-ams.k.ripe.net."')
    expect(d.identity).toBe('ns1.nl-ams.k.ripe.net')
    expect(d.siteCode).toBe('NL AMS')
  })

  it('returns unknown, with nothing claimed, for strings in no catalogued format', () => {
    for (const s of ['my-resolver-01', 'ns1.example.net', 'amsterdam', '', '   ', 'xx.de-ham.l.roots']) {
      const d = decodeIdentity(s, {source: 'hostname.bind'})
      expect(d, s).toMatchObject({operator: null, format: null, siteCode: null, codeSystem: null, site: null, confidence: 'unknown'})
    }
  })

  it('keeps a site code that is not in the table, but does not invent a place for it', () => {
    const d = decodeIdentity('b9-zzq', {source: 'hostname.bind'})
    expect(d).toMatchObject({format: 'b-root', siteCode: 'ZZQ', site: null, confidence: 'unverified'})
    expect(d.note).toMatch(/not in the site table/)
  })

  it('reads an uncatalogued UN/LOCODE through the IATA code of the same country, as unverified', () => {
    const d = decodeIdentity('ns1.pl-gdn.k.ripe.net', {source: 'nsid'})
    expect(d).toMatchObject({siteCode: 'PL GDN', confidence: 'unverified'})
    expect(d.site).toMatchObject({name: 'Gdansk', country: 'PL'})
    // a different country must not borrow the airport
    expect(decodeIdentity('ns1.de-gdn.k.ripe.net', {source: 'nsid'})).toMatchObject({siteCode: 'DE GDN', site: null, confidence: 'unverified'})
  })

  it('reports unverified formats as unverified', () => {
    expect(decodeIdentity('m12.lon', {source: 'hostname.bind', address: '208.67.222.222'})).toMatchObject({
      format: 'opendns',
      siteCode: 'LON',
      confidence: 'unverified',
      fitsOperator: true,
    })
    expect(decodeIdentity('de-ham-aa', {source: 'hostname.bind'})).toMatchObject({format: 'l-root', siteCode: 'DE HAM', confidence: 'unverified'})
  })

  it('decodes the operator of a format that has no site', () => {
    expect(decodeIdentity('groot-con2-1', {source: 'id.server'})).toMatchObject({
      format: 'g-root',
      siteCode: null,
      site: null,
      instance: 'con2-1',
      confidence: 'known',
    })
  })

  it('says when the identity does not fit the operator of the address', () => {
    // Quad9's identity coming back from 1.1.1.1: decoded, but flagged
    const d = decodeIdentity('res100.ams.rrdns.pch.net', {source: 'id.server', address: '1.1.1.1'})
    expect(d).toMatchObject({format: 'quad9', siteCode: 'AMS', fitsOperator: false, expectedOperators: ['Cloudflare (1.1.1.1)']})
    // a home router answering for 1.1.1.1
    const r = decodeIdentity('dnsmasq-2.90', {source: 'id.server', address: '1.1.1.1'})
    expect(r).toMatchObject({operator: null, confidence: 'unknown', fitsOperator: false})
    expect(r.software).toMatchObject({id: 'dnsmasq', version: '2.90'})
    // an empty answer says nothing either way
    expect(decodeIdentity('""', {source: 'id.server', address: '1.1.1.1'}).fitsOperator).toBeUndefined()
    // an address nobody catalogued: no opinion
    expect(decodeIdentity('dnsmasq-2.90', {source: 'id.server', address: '192.0.2.53'}).fitsOperator).toBeUndefined()
  })

  it('tolerates a known format arriving through an unexpected source, at lower confidence', () => {
    const d = decodeIdentity('gpdns-fra', {source: 'id.server', address: '8.8.4.4'})
    expect(d).toMatchObject({format: 'google-public-dns', siteCode: 'FRA', fitsOperator: true, confidence: 'unverified'})
    expect(d.note).toMatch(/documented for nsid/)
  })

  it('matches IPv4-mapped IPv6 and bracketed addresses', () => {
    expect(decodeIdentity('fra08', {source: 'nsid', address: '::ffff:1.1.1.1'})).toMatchObject({siteCode: 'FRA', fitsOperator: true})
    expect(decodeIdentity('fra08', {source: 'nsid', address: '[2606:4700:4700::1001]'})).toMatchObject({siteCode: 'FRA', fitsOperator: true})
  })

  it('throws a clear error for an address that is not an IP', () => {
    expect(() => decodeIdentity('b1-lax', {source: 'nsid', address: 'one.one.one.one'})).toThrow(/not an IP address/)
  })
})

describe('lookupSite', () => {
  it('finds airports and metro codes in one IATA namespace, case-insensitively', () => {
    expect(lookupSite('lhr')).toMatchObject({code: 'LHR', name: 'London', country: 'GB', kind: 'iata', verified: true})
    expect(lookupSite('LON', 'iata')).toMatchObject({code: 'LON', kind: 'iata-metro'})
    expect(lookupSite('TYO', 'iata-metro')).toMatchObject({name: 'Tokyo', country: 'JP'})
  })

  it('accepts UN/LOCODE as "DE HAM", "de-ham" or "DEHAM"', () => {
    for (const c of ['DE HAM', 'de-ham', 'DEHAM']) expect(lookupSite(c, 'unlocode'), c).toMatchObject({code: 'DE HAM', name: 'Hamburg', kind: 'unlocode'})
  })

  it('keeps private tables apart from each other and from IATA', () => {
    expect(lookupSite('BEI', 'private:netnod')).toMatchObject({name: 'Beijing'})
    expect(lookupSite('BEI', 'private:droot')).toBeNull()
    expect(lookupSite('SGSG', 'iata')).toBeNull()
    expect(lookupSite('CPMD', 'private:droot')).toMatchObject({verified: false})
  })

  it('returns null for unknown codes and systems', () => {
    expect(lookupSite('QQQ')).toBeNull()
    expect(lookupSite('AMS', 'icao')).toBeNull()
  })
})

describe('matchSoftware', () => {
  it('recognises DNS software banners and router names', () => {
    expect(matchSoftware('dnsmasq-2.80')).toMatchObject({id: 'dnsmasq', version: '2.80'})
    expect(matchSoftware('"unbound 1.9.0"')).toMatchObject({id: 'unbound', version: '1.9.0'})
    expect(matchSoftware('9.16.1-Ubuntu')).toMatchObject({id: 'bind', version: '9.16.1-Ubuntu'})
    expect(matchSoftware('fritz.box')).toMatchObject({id: 'local-hostname'})
    expect(matchSoftware('ns1.nl-ams.k.ripe.net')).toBeNull()
  })
})

describe('interceptionHints', () => {
  const none = {nsid: [], 'hostname.bind': [], 'id.server': []}

  it('flags 1.1.1.1 answering like a home router', () => {
    const hints = interceptionHints('1.1.1.1', {...none, 'id.server': ['dnsmasq-2.90']})
    expect(hints).toHaveLength(1)
    expect(hints[0]!.code).toBe('software-identity')
    expect(hints[0]!.message).toContain('1.1.1.1')
    expect(hints[0]!.message).toContain('dnsmasq 2.90')
    expect(hints[0]!.message).toContain('Cloudflare')
    expect(hints[0]!.message).not.toContain('\n')
  })

  it('flags another operator\'s identity, and identities that fit nothing', () => {
    const hints = interceptionHints('9.9.9.9', {nsid: [], 'hostname.bind': ['my-isp-resolver-7'], 'id.server': ['gpdns-ams']})
    expect(hints.map((h) => h.code)).toEqual(['identity-mismatch', 'foreign-operator'])
    expect(hints[1]!.message).toContain('Google Public DNS')
    expect(hints[1]!.message).toContain('AMS (Amsterdam, NL)')
  })

  it('stays quiet for answers that fit, and for unknown addresses', () => {
    expect(interceptionHints('1.1.1.1', {nsid: ['ams01', 'ams01'], 'hostname.bind': [], 'id.server': ['AMS']})).toEqual([])
    expect(interceptionHints('193.0.14.129', {nsid: ['ns1.nl-ams.k.ripe.net'], 'hostname.bind': ['ns2.nl-ams.k.ripe.net'], 'id.server': []})).toEqual([])
    expect(interceptionHints('192.0.2.53', {...none, 'id.server': ['dnsmasq-2.90']})).toEqual([])
    expect(interceptionHints('8.8.8.8', none)).toEqual([])
  })

  it('reports NSID and CHAOS identities that decode to far-apart sites, once', () => {
    const hints = interceptionHints('1.1.1.1', {nsid: ['fra08', 'fra09'], 'hostname.bind': [], 'id.server': ['SYD', 'SYD']})
    expect(hints).toHaveLength(1)
    expect(hints[0]!.code).toBe('site-mismatch')
    expect(hints[0]!.message).toMatch(/FRA \(Frankfurt, DE\).*SYD \(Sydney, AU\)/)
  })

  it('does not call two names for the same metro a site mismatch', () => {
    // Frankfurt airport (FRA) vs UN/LOCODE DE FRA: same city
    expect(interceptionHints('193.0.14.129', {nsid: ['ns1.de-fra.k.ripe.net'], 'hostname.bind': [], 'id.server': ['ns2.de-fra.k.ripe.net']})).toEqual([])
    // NSID flipped between sites, one of which matches CHAOS: no contradiction
    expect(interceptionHints('8.8.8.8', {nsid: ['gpdns-ams', 'gpdns-fra'], 'hostname.bind': [], 'id.server': []})).toEqual([])
  })
})

describe('nsidToText', () => {
  it('renders printable NSIDs as text and always as hex', () => {
    expect(nsidToText(new TextEncoder().encode('gpdns-ams'))).toEqual({hex: '6770646e732d616d73', text: 'gpdns-ams'})
    expect(nsidToText(new TextEncoder().encode('café-1'))).toEqual({hex: '636166c3a92d31', text: 'café-1'})
  })

  it('gives no text for binary, invalid UTF-8, control characters or an empty payload', () => {
    expect(nsidToText(Uint8Array.from([0xa7, 0x62, 0xa8, 0xce]))).toEqual({hex: 'a762a8ce', text: null})
    expect(nsidToText(Uint8Array.from([0xff]))).toEqual({hex: 'ff', text: null})
    expect(nsidToText(Uint8Array.from([0x61, 0x00, 0x62]))).toEqual({hex: '610062', text: null})
    expect(nsidToText(Uint8Array.from([0x61, 0x0a]))).toEqual({hex: '610a', text: null})
    expect(nsidToText(new Uint8Array())).toEqual({hex: '', text: null})
  })
})
