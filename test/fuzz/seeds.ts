/**
 * Seed replies for the fuzzer: well-formed messages of the kinds servers really send, written
 * with the project's own zone-file reader and encoder (so every codec is exercised), with OPT
 * carrying NSID, ECS, COOKIE, EDE and padding, DNSSEC records, SVCB/HTTPS, referrals with glue,
 * CHAOS TXT and the questionless FORMERR some servers give to EDNS.
 */
import {encodeEcs} from '../../src/lib/dns/edns.js'
import {encodePacket, type Packet, type PacketOpt} from '../../src/lib/dns/message.js'
import type {Rr} from '../../src/lib/dns/record.js'
import {parseZoneFile} from '../../src/lib/dns/zonefile.js'

const ZONE = `$ORIGIN example.test.
$TTL 300
@ SOA ns1 hostmaster 2026120401 7200 3600 1209600 300
@ NS ns1
@ NS ns2.elsewhere.test.
ns1 A 192.0.2.53
ns1 AAAA 2001:db8::53
www A 192.0.2.1
www A 192.0.2.2
www AAAA 2001:db8::1
www RRSIG A 13 3 300 20270101000000 20261201000000 12345 example.test. dGVzdHNpZ25hdHVyZXRlc3RzaWduYXR1cmV0ZXN0c2lnbmF0dXJlMDEyMzQ1Njc4OQ==
svc HTTPS 1 . alpn=h2,h3 ipv4hint=192.0.2.1 ipv6hint=2001:db8::1 port=8443 ech=AEn+DQBFKwAgACA=
svc HTTPS 2 alt.example.test. alpn=h2
_x._tcp SVCB 1 svc.example.test. mandatory=alpn alpn=h2
txt TXT "hello" "world" "v=spf1 -all"
@ MX 10 mail
@ MX 20 mail.elsewhere.test.
@ CAA 0 issue "letsencrypt.org"
@ CAA 128 iodef "mailto:sec@example.test"
_443._tcp.www TLSA 3 1 1 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
www SSHFP 1 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
@ NSEC www.example.test. A NS SOA RRSIG NSEC DNSKEY
@ RRSIG NSEC 13 2 300 20270101000000 20261201000000 12345 example.test. c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl
@ DNSKEY 257 3 13 mdsswUyr3DPW132mOi8V9xESWE8jTo0dxCjjnopKl+GqJxpVXckHAeF+KkxLbxILfDLUT0rAK9iUzy1L53eKGQ==
@ DNSKEY 256 3 13 oJMRESz5E4gYzS/q6XDrvU1qMPYIjCWzJaOau8XNEZeqCYKD5ar0IRd8KqXXFJkqmVfRvMGPmM1x8fGAa2XhSA==
@ RRSIG DNSKEY 13 2 300 20270101000000 20261201000000 12345 example.test. c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl
sub NS ns.sub
sub DS 12345 13 2 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
sub RRSIG DS 13 3 300 20270101000000 20261201000000 12345 example.test. c2lnbmF0dXJlc2lnbmF0dXJlc2lnbmF0dXJl
ns.sub A 192.0.2.54
x NSEC3 1 1 0 - 2VPTU5TIMAMQTTGL4LUU9KG21E0AOR3S A RRSIG
n NAPTR 100 10 "U" "E2U+sip" "!^.*$!sip:info@example.test!" .
h HINFO "PC" "Linux"
d DNAME other.test.
c CNAME www
_sip._udp SRV 10 60 5060 sip
p PTR www
`

const RRS = parseZoneFile(ZONE, {origin: 'example.test'})
const pick = (name: string, type?: string): Rr[] => RRS.filter((r) => r.name === name && (!type || r.type === type))
const hex = (s: string) => Buffer.from(s, 'hex')

/** An OPT record with the options real servers attach. */
function opt(extra: {nsid?: string, ecs?: boolean, cookie?: boolean, ede?: boolean, pad?: number, version?: number, rcodeHigh?: number, dnssecOk?: boolean} = {}): PacketOpt {
  const options: {code: number, data: Buffer}[] = []
  if (extra.nsid !== undefined) options.push({code: 3, data: Buffer.from(extra.nsid)})
  if (extra.ecs) {
    options.push({code: 8, data: encodeEcs({family: 1, address: '198.51.100.0', sourcePrefix: 24, scopePrefix: 20})})
  }
  if (extra.cookie) options.push({code: 10, data: hex('0102030405060708a1a2a3a4a5a6a7a8b1b2b3b4b5b6b7b8')})
  if (extra.ede) options.push({code: 15, data: Buffer.concat([hex('0016'), Buffer.from('no reachable authority')])})
  if (extra.pad) options.push({code: 12, data: Buffer.alloc(extra.pad)})
  return {type: 'OPT', udpPayloadSize: 1232, ednsVersion: extra.version ?? 0, extendedRcode: extra.rcodeHigh ?? 0, flag_do: extra.dnssecOk ?? false, options}
}

const AA = 0x0400
const TC = 0x0200
const RD = 0x0100
const RA = 0x0080

/** The seed replies, each with the question it answers (the acceptor is built from it). */
export function seedReplies(): {name: string, wire: Buffer}[] {
  const q = (name: string, type: string, klass = 'IN') => [{name, type, class: klass}]
  const packets: [string, Packet][] = [
    ['A answer, NS, glue, OPT NSID+ECS+COOKIE', {
      id: 0x1234, type: 'response', flags: AA | RD, questions: q('www.example.test', 'A'),
      answers: [...pick('www.example.test', 'A'), ...pick('www.example.test', 'RRSIG')],
      authorities: pick('example.test', 'NS'),
      additionals: [...pick('ns1.example.test'), opt({nsid: 'fra1.anycast', ecs: true, cookie: true, dnssecOk: true})],
    }],
    ['referral with DS, RRSIG, NSEC3 and glue', {
      id: 0x2345, type: 'response', flags: 0, questions: q('www.sub.example.test', 'AAAA'),
      authorities: [...pick('sub.example.test'), ...pick('x.example.test')],
      additionals: [...pick('ns.sub.example.test'), opt({dnssecOk: true})],
    }],
    ['HTTPS and SVCB answers', {
      id: 0x3456, type: 'response', flags: AA, questions: q('svc.example.test', 'HTTPS'),
      answers: [...pick('svc.example.test'), ...pick('_x._tcp.example.test')],
      additionals: [...pick('www.example.test', 'A'), opt({pad: 40})],
    }],
    ['NXDOMAIN with SOA, NSEC, RRSIG and EDE', {
      id: 0x4567, type: 'response', flags: AA | 3, questions: q('nope.example.test', 'A'),
      authorities: [...pick('example.test', 'SOA'), ...pick('example.test', 'NSEC'), ...pick('example.test', 'RRSIG')],
      additionals: [opt({ede: true, dnssecOk: true})],
    }],
    ['CNAME, DNAME and synthesized CNAME', {
      id: 0x5678, type: 'response', flags: AA, questions: q('c.example.test', 'A'),
      answers: [...pick('c.example.test'), ...pick('d.example.test'), {name: 'x.d.example.test', type: 'CNAME', class: 'IN', ttl: 0, data: 'x.other.test'}, ...pick('www.example.test', 'A')],
      additionals: [opt()],
    }],
    ['every other RDATA codec', {
      id: 0x6789, type: 'response', flags: AA | RA, questions: q('example.test', 'ANY'),
      answers: [...pick('example.test', 'SOA'), ...pick('example.test', 'MX'), ...pick('example.test', 'CAA'), ...pick('txt.example.test'),
        ...pick('_443._tcp.www.example.test'), ...pick('www.example.test', 'SSHFP'), ...pick('n.example.test'), ...pick('h.example.test'),
        ...pick('_sip._udp.example.test'), ...pick('p.example.test'), ...pick('www.example.test', 'AAAA')],
    }],
    ['DNSKEY set with RRSIG', {
      id: 0x789a, type: 'response', flags: AA, questions: q('example.test', 'DNSKEY'),
      answers: [...pick('example.test', 'DNSKEY'), ...pick('example.test', 'RRSIG')],
      additionals: [opt({dnssecOk: true, nsid: 'ns1'})],
    }],
    ['CHAOS TXT hostname.bind', {
      id: 0x89ab, type: 'response', flags: AA, questions: q('hostname.bind', 'TXT', 'CH'),
      answers: [{name: 'hostname.bind', type: 'TXT', class: 'CH', ttl: 0, data: [Buffer.from('ams3.example')]}],
    }],
    ['truncated reply', {
      id: 0x9abc, type: 'response', flags: AA | TC, questions: q('txt.example.test', 'TXT'), additionals: [opt()],
    }],
    ['BADVERS (extended rcode)', {id: 0xabcd, type: 'response', flags: 0, questions: [], additionals: [opt({rcodeHigh: 1})]}],
    ['FORMERR without a question', {id: 0xbcde, type: 'response', flags: 1}],
  ]
  return packets.map(([name, p]) => ({name, wire: encodePacket(p)}))
}
