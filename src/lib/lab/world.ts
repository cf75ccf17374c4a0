/**
 * The lab's default world: one description, as data, of a small simulated DNS internet under the
 * special-use TLD `test.` (RFC 6761) with its own root. `dnsx lab` shows it and the tests run
 * against it. Virtual addresses come only from the documentation ranges 192.0.2.0/24,
 * 198.51.100.0/24, 203.0.113.0/24 and 2001:db8::/32; the lab maps them to loopback listeners.
 *
 * Address plan:
 * - 192.0.2.1-79, 2001:db8::N       name servers (the last octet repeated in the IPv6 address)
 * - 192.0.2.53, 2001:db8::53        the lab's recursive resolver; 192.0.2.9 an intercepted "public resolver"
 * - 192.0.2.80-199, 2001:db8:a::/48 answers (www, mail, geo answers ...)
 * - 192.0.2.201-204                 anycast services
 * - 203.0.113.0/24, 2001:db8:ee::/48 hosts for connection races (`routeConnect`)
 * - 198.51.100.0/24, 203.0.113.0/24, 2001:db8:aaaa::/48 also appear as ECS client subnets in geo.test
 *
 * Every item says what it demonstrates; the intentionally broken delegations are listed in
 * `broken` (the world check in check.ts must find a problem for each of them, and for nothing else).
 */
import type {AnswerPolicy} from './zone.js'

/** One zone's contents: zone-file text relative to `origin` (`$TTL` inside, 3600 otherwise). */
export interface WorldZone {
  /** Unique key; usually the origin, `origin#variant` when servers hold different versions. */
  id: string
  origin: string
  text: string
  policies?: AnswerPolicy[]
  /**
   * DNSSEC intent: `secure` (signed, DS in the parent), `insecure` (signed or not, no DS),
   * `bogus` (signed, DS in the parent, a broken signature). See dnssec.ts for the signer hook.
   */
  dnssec?: 'secure' | 'insecure' | 'bogus'
}

/** Network and protocol misbehaviour of one server. */
export interface ServerBehaviour {
  /** Delay before each reply (the server's RTT as seen from the lab's client). */
  latencyMs?: number
  /** Probability of silently dropping a query (seeded: repeatable). */
  loss?: number
  /** TC=1 with an empty answer over UDP: always, or when the response exceeds N bytes. */
  truncate?: 'always' | number
  /** REFUSED to everything. */
  refuse?: boolean
  /** Lame: answers without AA, or SERVFAIL. */
  lame?: 'noaa' | 'servfail'
  /** Never answers (UDP and TCP). */
  dead?: boolean
  /** Answers with malformed bytes. */
  garbage?: boolean
  /** Sends a reply with the wrong ID (and a bogus answer) first, then the real one. */
  spoofFirst?: boolean
  /** FORMERR to queries with EDNS; answers plain queries without EDNS. */
  formerrOnEdns?: boolean
  /** Refers every query to the root (an upward referral). */
  upwardReferral?: boolean
  /** Sets AA on referrals. */
  aaOnReferral?: boolean
  /** Zone-file lines added to the additional section of every referral (out-of-bailiwick junk). */
  poisonAdditional?: string
}

/** A name server (unicast): its addresses, the zones it serves and how it behaves. */
export interface WorldServer {
  id: string
  /** Host name, as NS records name it. */
  name: string
  addresses: string[]
  /** Zone ids it serves. */
  zones: string[]
  /** hostname.bind / id.server */
  identity?: string
  /** version.bind / version.server */
  version?: string
  nsid?: string
  behaviour?: ServerBehaviour
  demonstrates: string
}

/** One instance of an anycast service. */
export interface AnycastInstance {
  id: string
  /** Where the operator says it is (a city code, as in its NSID). */
  site: string
  /** The client sites routed to this instance. */
  catchment: string[]
  latencyMs: number
  nsid?: string
  identity?: string
  version?: string
  note?: string
}

/** Several instances behind the same addresses. */
export interface AnycastService {
  id: string
  name: string
  addresses: string[]
  zones: string[]
  /** `site`: the client's site picks the instance; `alternate`: instances take turns per query. */
  routing: 'site' | 'alternate'
  instances: AnycastInstance[]
  demonstrates: string
}

/** A recursive resolver (or something pretending to be one). */
export interface WorldResolver {
  id: string
  name: string
  addresses: string[]
  identity?: string
  nsid?: string
  version?: string
  latencyMs?: number
  demonstrates: string
}

/** What a TCP connection to an address meets (for `dnsx race`). */
export interface ConnectTarget {
  address: string
  /** Ports this entry applies to (all when absent). */
  ports?: number[]
  /** `http`: the lab's HTTP (80) and HTTPS (443) server; the other kinds fail as named. */
  kind: 'http' | 'blackhole' | 'refused' | 'unreachable'
  /** Extra delay before the connection is established (forwarded targets). */
  delayMs?: number
  demonstrates: string
}

/** A name worth querying, and what it shows. */
export interface WorldName {
  name: string
  type: string
  demonstrates: string
}

/** The whole simulated internet. */
export interface World {
  description: string
  /** The client's site when none is chosen (anycast routing). */
  defaultSite: string
  sites: {id: string, city: string}[]
  /** The root letters: the first resolver step. */
  rootHints: {name: string, address: string}[]
  zones: WorldZone[]
  servers: WorldServer[]
  anycast: AnycastService[]
  /** The first is `lab.resolver`. */
  resolvers: WorldResolver[]
  connect: ConnectTarget[]
  names: WorldName[]
  /** Intentionally broken or odd delegations (by zone origin) and why. */
  broken: {zone: string, reason: string}[]
}

function soa(primary: string, serial = 2_026_112_201, negative = 300): string {
  return `@ SOA ${primary}. hostmaster.${primary.split('.').slice(1).join('.')}. ${serial} 7200 900 1209600 ${negative}`
}

/** `name A v4` and `name AAAA v6` lines. */
function host(name: string, v4?: string, v6?: string): string {
  return [v4 ? `${name} A ${v4}` : '', v6 ? `${name} AAAA ${v6}` : ''].filter(Boolean).join('\n')
}

function zone(id: string, origin: string, lines: string[], extra: Partial<WorldZone> = {}): WorldZone {
  return {id, origin, text: `${lines.join('\n')}\n`, ...extra}
}

/** Six 250-octet strings: 1506 octets of TXT RDATA, more than a 1232-byte UDP answer can hold. */
const BIG_TXT = Array.from({length: 6}, (_, i) => `"${String.fromCharCode(0x61 + i).repeat(250)}"`).join(' ')

const ROOT = zone('root', '.', [
  '$TTL 86400',
  '@ SOA a.root.test. hostmaster.root.test. 2026112201 1800 900 604800 86400',
  '@ 518400 NS a.root.test.',
  '@ 518400 NS b.root.test.',
  '@ 518400 NS c.root.test.',
  host('a.root.test.', '192.0.2.1', '2001:db8::1'),
  host('b.root.test.', '192.0.2.2', '2001:db8::2'),
  host('c.root.test.', '192.0.2.3', '2001:db8::3'),
  'test. 172800 NS ns1.nic.test.',
  'test. 172800 NS ns2.nic.test.',
  host('ns1.nic.test.', '192.0.2.10', '2001:db8::10'),
  host('ns2.nic.test.', '192.0.2.11', '2001:db8::11'),
  '; the reverse zone of the answer addresses (dnsx query -x), delegated from the root itself',
  '2.0.192.in-addr.arpa. 172800 NS ns1.example.test.',
  '2.0.192.in-addr.arpa. 172800 NS ns2.example.test.',
])

const REVERSE = zone('2.0.192.in-addr.arpa', '2.0.192.in-addr.arpa', [
  '$TTL 3600',
  soa('ns1.example.test'),
  '@ NS ns1.example.test.',
  '@ NS ns2.example.test.',
  '20 PTR ns1.example.test.',
  '21 PTR ns2.example.test.',
  '80 PTR www.example.test.',
  '81 PTR mail.example.test.',
])

const TEST = zone('test', 'test', [
  '$TTL 86400',
  '@ SOA ns1.nic.test. hostmaster.nic.test. 2026112201 1800 900 604800 3600',
  '@ NS ns1.nic',
  '@ NS ns2.nic',
  host('ns1.nic', '192.0.2.10', '2001:db8::10'),
  host('ns2.nic', '192.0.2.11', '2001:db8::11'),
  host('a.root', '192.0.2.1', '2001:db8::1'),
  host('b.root', '192.0.2.2', '2001:db8::2'),
  host('c.root', '192.0.2.3', '2001:db8::3'),
  '; example.test: an ordinary delegation with glue',
  'example NS ns1.example',
  'example NS ns2.example',
  host('ns1.example', '192.0.2.20', '2001:db8::20'),
  host('ns2.example', '192.0.2.21', '2001:db8::21'),
  '; glueless.test: NS names that only example.test itself knows (dns1/dns2 are not',
  '; name servers of example.test, so this zone has no address for them): no glue,',
  '; not even sibling glue. The resolver must resolve dns1.example.test first.',
  'glueless NS dns1.example.test.',
  'glueless NS dns2.example.test.',
  'other NS ns1.other',
  'other NS ns2.other',
  host('ns1.other', '192.0.2.30', '2001:db8::30'),
  host('ns2.other', '192.0.2.31', '2001:db8::31'),
  '; noglue.test: in-domain NS without glue: a dead end',
  'noglue NS ns1.noglue.test.',
  '; lame.test: the server has no such zone (REFUSED)',
  'lame NS ns1.lame',
  host('ns1.lame', '192.0.2.40'),
  '; noaa.test: the server answers, but without AA',
  'noaa NS ns1.noaa',
  host('ns1.noaa', '192.0.2.41'),
  '; dead.test: nobody answers',
  'dead NS ns1.dead',
  'dead NS ns2.dead',
  host('ns1.dead', '192.0.2.42'),
  host('ns2.dead', '192.0.2.43'),
  '; partial.test: one dead server, one good',
  'partial NS ns1.partial',
  'partial NS ns2.partial',
  host('ns1.partial', '192.0.2.44'),
  host('ns2.partial', '192.0.2.45'),
  '; loop.test: two servers referring deep.loop.test to each other',
  'loop NS a.loop',
  host('a.loop', '192.0.2.46'),
  '; up.test: the server refers everything back to the root',
  'up NS ns1.up',
  host('ns1.up', '192.0.2.48'),
  '; aaref.test: sets AA on its referrals',
  'aaref NS ns1.aaref',
  host('ns1.aaref', '192.0.2.49'),
  '; bailiwick.test: its referrals carry an out-of-bailiwick A for www.example.test',
  'bailiwick NS ns1.bailiwick',
  host('ns1.bailiwick', '192.0.2.50'),
  '; mismatch.test: the parent says ns1+ns2, the child says ns1+ns3',
  'mismatch NS ns1.mismatch',
  'mismatch NS ns2.mismatch',
  host('ns1.mismatch', '192.0.2.54'),
  host('ns2.mismatch', '192.0.2.55'),
  '; glue.test: the glue says 192.0.2.57, the zone itself says 192.0.2.58',
  'glue NS ns1.glue',
  host('ns1.glue', '192.0.2.57'),
  '; disagree.test: two servers with different versions of the zone',
  'disagree NS ns1.disagree',
  'disagree NS ns2.disagree',
  host('ns1.disagree', '192.0.2.59'),
  host('ns2.disagree', '192.0.2.60'),
  '; hostile and odd servers',
  'garbage NS ns1.garbage',
  host('ns1.garbage', '192.0.2.61'),
  'spoof NS ns1.spoof',
  host('ns1.spoof', '192.0.2.62'),
  'formerr NS ns1.formerr',
  host('ns1.formerr', '192.0.2.63'),
  'lossy NS ns1.lossy',
  host('ns1.lossy', '192.0.2.64'),
  'tc NS ns1.tc',
  host('ns1.tc', '192.0.2.65'),
  '; geo.test: Route 53-style answers by client subnet, weights, multivalue, failover',
  'geo NS ns1.geo',
  host('ns1.geo', '192.0.2.70', '2001:db8::70'),
  '; race.test: dual-stack hosts for connection races',
  'race NS ns1.race',
  host('ns1.race', '192.0.2.75', '2001:db8::75'),
  '; anycast.test: served by three anycast services',
  'anycast NS k.anycast',
  'anycast NS l.anycast',
  'anycast NS cf.anycast',
  host('k.anycast', '192.0.2.201', '2001:db8::201'),
  host('l.anycast', '192.0.2.202', '2001:db8::202'),
  host('cf.anycast', '192.0.2.203', '2001:db8::203'),
  '; DNSSEC demonstrations: the DS records for secure.test and bogus.test are added by the',
  '; lab signer (src/lib/lab/dnssec.ts).',
  'secure NS ns1.secure',
  host('ns1.secure', '192.0.2.24', '2001:db8::24'),
  'insecure NS ns1.insecure',
  host('ns1.insecure', '192.0.2.25', '2001:db8::25'),
  'bogus NS ns1.bogus',
  host('ns1.bogus', '192.0.2.26', '2001:db8::26'),
])

const EXAMPLE = zone('example.test', 'example.test', [
  '$TTL 3600',
  soa('ns1.example.test'),
  '@ NS ns1',
  '@ NS ns2',
  '@ MX 10 mail',
  '@ TXT "v=spf1 ip4:192.0.2.0/24 -all"',
  '@ CAA 0 issue "ca.example.test"',
  host('ns1', '192.0.2.20', '2001:db8::20'),
  host('ns2', '192.0.2.21', '2001:db8::21'),
  '; the same two servers under other names: the NS names of glueless.test',
  host('dns1', '192.0.2.20', '2001:db8::20'),
  host('dns2', '192.0.2.21', '2001:db8::21'),
  host('www', '192.0.2.80', '2001:db8:a::80'),
  'www HTTPS 1 . alpn="h2,h3" ipv4hint=192.0.2.80 ipv6hint=2001:db8:a::80',
  host('mail', '192.0.2.81', '2001:db8:a::81'),
  host('host', '192.0.2.82', '2001:db8:a::82'),
  'alias CNAME host',
  'shop CNAME cdn.other.test.',
  'chain CNAME chain2',
  'chain2 CNAME chain3',
  'chain3 CNAME www',
  'loop1 CNAME loop2',
  'loop2 CNAME loop1',
  'legacy DNAME example.test.',
  host('a-only', '192.0.2.83'),
  `big TXT ${BIG_TXT}`,
  '*.wild A 192.0.2.84',
  '*.wild TXT "synthesized from *.wild.example.test"',
  '_sip._udp SRV 0 5 5060 sip',
  host('sip', '192.0.2.85'),
  '; café.example.test, as DNS carries it (an A-label, RFC 5891)',
  'xn--caf-dma A 192.0.2.150',
])

const GLUELESS = zone('glueless.test', 'glueless.test', [
  '$TTL 3600',
  soa('dns1.example.test'),
  '@ NS dns1.example.test.',
  '@ NS dns2.example.test.',
  host('www', '192.0.2.90'),
])

const OTHER = zone('other.test', 'other.test', [
  '$TTL 3600',
  soa('ns1.other.test'),
  '@ NS ns1',
  '@ NS ns2',
  host('ns1', '192.0.2.30', '2001:db8::30'),
  host('ns2', '192.0.2.31', '2001:db8::31'),
  host('cdn', '192.0.2.86', '2001:db8:a::86'),
  host('web', '192.0.2.87', '2001:db8:a::87'),
])

const simple = (origin: string, ns: string[], body: string[], serial?: number): WorldZone =>
  zone(origin, origin, ['$TTL 3600', soa(ns[0], serial), ...ns.map((n) => `@ NS ${n}.`), ...body])

const NOAA = simple('noaa.test', ['ns1.noaa.test'], [host('ns1', '192.0.2.41'), host('www', '192.0.2.91')])
const DEAD = simple('dead.test', ['ns1.dead.test', 'ns2.dead.test'], [host('ns1', '192.0.2.42'), host('ns2', '192.0.2.43'), host('www', '192.0.2.92')])
const PARTIAL = simple('partial.test', ['ns1.partial.test', 'ns2.partial.test'], [host('ns1', '192.0.2.44'), host('ns2', '192.0.2.45'), host('www', '192.0.2.93')])

const LOOP_A = zone('loop.test#a', 'loop.test', [
  '$TTL 3600',
  soa('a.loop.test'),
  '@ NS a.loop.test.',
  host('a', '192.0.2.46'),
  host('b', '192.0.2.47'),
  'deep NS b.loop.test.',
])
const LOOP_B = zone('loop.test#b', 'loop.test', [
  '$TTL 3600',
  soa('a.loop.test'),
  '@ NS a.loop.test.',
  host('a', '192.0.2.46'),
  host('b', '192.0.2.47'),
  'deep NS a.loop.test.',
])

const AAREF = simple('aaref.test', ['ns1.aaref.test'], [host('ns1', '192.0.2.49'), 'sub NS ns1.other.test.', 'sub NS ns2.other.test.'])
const SUB_AAREF = simple('sub.aaref.test', ['ns1.other.test', 'ns2.other.test'], [host('www', '192.0.2.94')])
const BAILIWICK = simple('bailiwick.test', ['ns1.bailiwick.test'], [host('ns1', '192.0.2.50'), host('www', '192.0.2.95'), 'child NS ns1.other.test.', 'child NS ns2.other.test.'])
const CHILD_BAILIWICK = simple('child.bailiwick.test', ['ns1.other.test', 'ns2.other.test'], [host('www', '192.0.2.96')])
const MISMATCH = simple('mismatch.test', ['ns1.mismatch.test', 'ns3.mismatch.test'], [
  host('ns1', '192.0.2.54'), host('ns2', '192.0.2.55'), host('ns3', '192.0.2.56'), host('www', '192.0.2.97'),
])
const GLUE = simple('glue.test', ['ns1.glue.test'], [host('ns1', '192.0.2.58'), host('www', '192.0.2.98')])
const DISAGREE_1 = {...simple('disagree.test', ['ns1.disagree.test', 'ns2.disagree.test'], [host('ns1', '192.0.2.59'), host('ns2', '192.0.2.60'), host('www', '192.0.2.88')]), id: 'disagree.test#new'}
const DISAGREE_2 = {
  ...simple('disagree.test', ['ns1.disagree.test', 'ns2.disagree.test'], [host('ns1', '192.0.2.59'), host('ns2', '192.0.2.60'), host('www', '192.0.2.89')], 2_026_110_101),
  id: 'disagree.test#old',
}
const GARBAGE = simple('garbage.test', ['ns1.garbage.test'], [host('ns1', '192.0.2.61'), host('www', '192.0.2.120')])
const SPOOF = simple('spoof.test', ['ns1.spoof.test'], [host('ns1', '192.0.2.62'), host('www', '192.0.2.121')])
const FORMERR = simple('formerr.test', ['ns1.formerr.test'], [host('ns1', '192.0.2.63'), host('www', '192.0.2.122')])
const LOSSY = simple('lossy.test', ['ns1.lossy.test'], [host('ns1', '192.0.2.64'), host('www', '192.0.2.123')])
const TC = simple('tc.test', ['ns1.tc.test'], [host('ns1', '192.0.2.65'), host('www', '192.0.2.124')])

const GEO_POLICIES: AnswerPolicy[] = [
  {
    kind: 'subnet', name: 'www.geo.test', type: 'A', ttl: 60,
    rules: [
      {subnet: '198.51.100.0/24', answers: ['192.0.2.101'], label: 'eu-west-1'},
      {subnet: '203.0.113.0/24', answers: ['192.0.2.102'], label: 'us-east-1'},
      {subnet: '2001:db8:aaaa::/48', answers: ['192.0.2.148'], label: 'ap-southeast-2'},
    ],
    fallback: ['192.0.2.100'],
  },
  {
    kind: 'subnet', name: 'api.geo.test', type: 'A', ttl: 60,
    rules: [
      {subnet: '198.51.100.0/24', answers: ['192.0.2.111'], label: 'eu-west-1'},
      {subnet: '198.51.100.128/25', answers: ['192.0.2.112'], label: 'eu-central-1'},
      {subnet: '203.0.113.0/26', answers: ['192.0.2.113'], label: 'us-west-2'},
    ],
    fallback: ['192.0.2.110'],
  },
  {kind: 'weighted', name: 'weighted.geo.test', type: 'A', ttl: 30, choices: [{weight: 70, answers: ['192.0.2.170']}, {weight: 30, answers: ['192.0.2.130']}]},
  {
    kind: 'multivalue', name: 'multi.geo.test', type: 'A', ttl: 60, max: 8,
    pool: Array.from({length: 12}, (_, i) => ({value: `192.0.2.${150 + i}`, healthy: i !== 3 && i !== 8})),
  },
  {kind: 'failover', name: 'failover.geo.test', type: 'A', ttl: 60, primary: {value: '192.0.2.140', healthy: true}, secondary: {value: '192.0.2.141'}},
  {kind: 'failover', name: 'failover-down.geo.test', type: 'A', ttl: 60, primary: {value: '192.0.2.142', healthy: false}, secondary: {value: '192.0.2.143'}},
]

const GEO = {...simple('geo.test', ['ns1.geo.test'], [host('ns1', '192.0.2.70', '2001:db8::70'), 'www AAAA 2001:db8:a::100']), policies: GEO_POLICIES}

const RACE = zone('race.test', 'race.test', [
  '$TTL 300',
  soa('ns1.race.test', undefined, 60),
  '@ NS ns1',
  host('ns1', '192.0.2.75', '2001:db8::75'),
  host('dual', '203.0.113.10', '2001:db8:ee::10'),
  'dual HTTPS 1 . alpn="h2,http/1.1" ipv4hint=203.0.113.10 ipv6hint=2001:db8:ee::10',
  host('v6-blackhole', '203.0.113.11', '2001:db8:ee::11'),
  host('v6-slow', '203.0.113.12', '2001:db8:ee::12'),
  host('refused', '203.0.113.13', '2001:db8:ee::13'),
  'multi A 203.0.113.20',
  'multi A 203.0.113.21',
  'multi A 203.0.113.22',
  'multi AAAA 2001:db8:ee::20',
  'multi AAAA 2001:db8:ee::21',
  host('v4only', '203.0.113.30'),
  host('v6only', undefined, '2001:db8:ee::31'),
])

const ANYCAST = simple('anycast.test', ['k.anycast.test', 'l.anycast.test', 'cf.anycast.test'], [
  host('k', '192.0.2.201', '2001:db8::201'),
  host('l', '192.0.2.202', '2001:db8::202'),
  host('cf', '192.0.2.203', '2001:db8::203'),
  host('flap', '192.0.2.204', '2001:db8::204'),
  'www A 192.0.2.180',
])

const SECURE = {...simple('secure.test', ['ns1.secure.test'], [host('ns1', '192.0.2.24', '2001:db8::24'), host('www', '192.0.2.190', '2001:db8:a::190')]), dnssec: 'secure' as const}
const INSECURE = {...simple('insecure.test', ['ns1.insecure.test'], [host('ns1', '192.0.2.25', '2001:db8::25'), host('www', '192.0.2.191')]), dnssec: 'insecure' as const}
const BOGUS = {...simple('bogus.test', ['ns1.bogus.test'], [host('ns1', '192.0.2.26', '2001:db8::26'), host('www', '192.0.2.192')]), dnssec: 'bogus' as const}

const server = (
  id: string, name: string, addresses: string[], zones: string[], demonstrates: string, extra: Partial<WorldServer> = {},
): WorldServer => ({id, name, addresses, zones, demonstrates, identity: name, nsid: name, ...extra})

const SERVERS: WorldServer[] = [
  server('root-a', 'a.root.test', ['192.0.2.1', '2001:db8::1'], ['root'], 'a root letter (fast)', {behaviour: {latencyMs: 12}, nsid: 'a1.ams.root.test', identity: 'a1.ams.root.test'}),
  server('root-b', 'b.root.test', ['192.0.2.2', '2001:db8::2'], ['root'], 'a root letter (farther)', {behaviour: {latencyMs: 35}, nsid: 'b2.lhr.root.test', identity: 'b2.lhr.root.test'}),
  server('root-c', 'c.root.test', ['192.0.2.3', '2001:db8::3'], ['root'], 'a root letter (far: across an ocean)', {behaviour: {latencyMs: 85}, nsid: 'c1.iad.root.test', identity: 'c1.iad.root.test'}),
  server('tld-ns1', 'ns1.nic.test', ['192.0.2.10', '2001:db8::10'], ['test'], 'the test. TLD', {behaviour: {latencyMs: 15}, version: 'lab-tld'}),
  server('tld-ns2', 'ns2.nic.test', ['192.0.2.11', '2001:db8::11'], ['test'], 'the test. TLD (second server)', {behaviour: {latencyMs: 28}}),
  server('example-ns1', 'ns1.example.test', ['192.0.2.20', '2001:db8::20'], ['example.test', 'glueless.test', '2.0.192.in-addr.arpa'], 'example.test with glue; also serves glueless.test and the reverse zone', {behaviour: {latencyMs: 9}}),
  server('example-ns2', 'ns2.example.test', ['192.0.2.21', '2001:db8::21'], ['example.test', 'glueless.test', '2.0.192.in-addr.arpa'], 'example.test second server', {behaviour: {latencyMs: 21}}),
  server('other-ns1', 'ns1.other.test', ['192.0.2.30', '2001:db8::30'], ['other.test', 'sub.aaref.test', 'child.bailiwick.test'], 'target of a cross-zone CNAME; hosts child zones', {behaviour: {latencyMs: 14}}),
  server('other-ns2', 'ns2.other.test', ['192.0.2.31', '2001:db8::31'], ['other.test', 'sub.aaref.test', 'child.bailiwick.test'], 'second server of other.test', {behaviour: {latencyMs: 19}}),
  server('lame', 'ns1.lame.test', ['192.0.2.40'], [], 'lame delegation: no zone here, answers REFUSED', {behaviour: {latencyMs: 10}}),
  server('noaa', 'ns1.noaa.test', ['192.0.2.41'], ['noaa.test'], 'lame: answers without the AA bit', {behaviour: {latencyMs: 10, lame: 'noaa'}}),
  server('dead-ns1', 'ns1.dead.test', ['192.0.2.42'], ['dead.test'], 'dead server: silent over UDP and TCP', {behaviour: {dead: true}}),
  server('dead-ns2', 'ns2.dead.test', ['192.0.2.43'], ['dead.test'], 'dead server: silent over UDP and TCP', {behaviour: {dead: true}}),
  server('partial-ns1', 'ns1.partial.test', ['192.0.2.44'], ['partial.test'], 'the dead half of partial.test', {behaviour: {dead: true}}),
  server('partial-ns2', 'ns2.partial.test', ['192.0.2.45'], ['partial.test'], 'the good half of partial.test', {behaviour: {latencyMs: 11}}),
  server('loop-a', 'a.loop.test', ['192.0.2.46'], ['loop.test#a'], 'referral loop: refers deep.loop.test to b.loop.test', {behaviour: {latencyMs: 8}}),
  server('loop-b', 'b.loop.test', ['192.0.2.47'], ['loop.test#b'], 'referral loop: refers deep.loop.test back to a.loop.test', {behaviour: {latencyMs: 8}}),
  server('up', 'ns1.up.test', ['192.0.2.48'], ['root'], 'upward referral: answers every query with the root NS set', {behaviour: {latencyMs: 10, upwardReferral: true}}),
  server('aaref', 'ns1.aaref.test', ['192.0.2.49'], ['aaref.test'], 'sets AA on its referral for sub.aaref.test', {behaviour: {latencyMs: 10, aaOnReferral: true}}),
  server('bailiwick', 'ns1.bailiwick.test', ['192.0.2.50'], ['bailiwick.test'], 'referral for child.bailiwick.test carries a bogus A for www.example.test', {
    behaviour: {latencyMs: 10, poisonAdditional: 'www.example.test. 86400 IN A 203.0.113.66'},
  }),
  server('mismatch-ns1', 'ns1.mismatch.test', ['192.0.2.54'], ['mismatch.test'], 'parent/child NS sets differ', {behaviour: {latencyMs: 10}}),
  server('mismatch-ns2', 'ns2.mismatch.test', ['192.0.2.55'], ['mismatch.test'], 'only the parent lists ns2', {behaviour: {latencyMs: 10}}),
  server('mismatch-ns3', 'ns3.mismatch.test', ['192.0.2.56'], ['mismatch.test'], 'only the child lists ns3', {behaviour: {latencyMs: 10}}),
  server('glue-old', 'ns1.glue.test', ['192.0.2.57'], ['glue.test'], 'the address in the parent glue (stale)', {behaviour: {latencyMs: 10}, nsid: 'ns1.glue.test-old', identity: 'ns1.glue.test-old'}),
  server('glue-new', 'ns1.glue.test', ['192.0.2.58'], ['glue.test'], 'the address the child zone gives for its own NS', {behaviour: {latencyMs: 10}, nsid: 'ns1.glue.test-new', identity: 'ns1.glue.test-new'}),
  server('disagree-ns1', 'ns1.disagree.test', ['192.0.2.59'], ['disagree.test#new'], 'serves serial 2026112201: www A 192.0.2.88', {behaviour: {latencyMs: 10}}),
  server('disagree-ns2', 'ns2.disagree.test', ['192.0.2.60'], ['disagree.test#old'], 'serves serial 2026110101: www A 192.0.2.89', {behaviour: {latencyMs: 12}}),
  server('garbage', 'ns1.garbage.test', ['192.0.2.61'], ['garbage.test'], 'hostile: answers with malformed bytes', {behaviour: {latencyMs: 5, garbage: true}}),
  server('spoof', 'ns1.spoof.test', ['192.0.2.62'], ['spoof.test'], 'hostile: a wrong-ID reply (A 203.0.113.66) first, then the real one', {behaviour: {latencyMs: 5, spoofFirst: true}}),
  server('formerr', 'ns1.formerr.test', ['192.0.2.63'], ['formerr.test'], 'pre-EDNS server: FORMERR to EDNS, answers plain queries', {behaviour: {latencyMs: 5, formerrOnEdns: true}}),
  server('lossy', 'ns1.lossy.test', ['192.0.2.64'], ['lossy.test'], 'drops half the queries (seeded), slow', {behaviour: {latencyMs: 150, loss: 0.5}}),
  server('tc', 'ns1.tc.test', ['192.0.2.65'], ['tc.test'], 'always truncates over UDP: TCP is needed', {behaviour: {latencyMs: 5, truncate: 'always'}}),
  server('geo', 'ns1.geo.test', ['192.0.2.70', '2001:db8::70'], ['geo.test'], 'ECS-aware: geolocation, weighted, multivalue and failover answers', {
    behaviour: {latencyMs: 8}, nsid: 'geo-ams-1', identity: 'geo-ams-1', version: 'lab-geo',
  }),
  server('race', 'ns1.race.test', ['192.0.2.75', '2001:db8::75'], ['race.test'], 'dual-stack hosts for dnsx race', {behaviour: {latencyMs: 6}}),
  server('secure', 'ns1.secure.test', ['192.0.2.24', '2001:db8::24'], ['secure.test'], 'DNSSEC: a good chain of trust', {behaviour: {latencyMs: 9}}),
  server('insecure', 'ns1.insecure.test', ['192.0.2.25', '2001:db8::25'], ['insecure.test'], 'DNSSEC: no DS in the parent (insecure)', {behaviour: {latencyMs: 9}}),
  server('bogus', 'ns1.bogus.test', ['192.0.2.26', '2001:db8::26'], ['bogus.test'], 'DNSSEC: a broken signature (bogus)', {behaviour: {latencyMs: 9}}),
]

// Each instance's latency must be physically possible from every site in its
// catchment (light in fibre: ~98.6 km per ms of RTT), except cf-syd-claim,
// which lies on purpose: the speed-of-light check must catch it and nothing else.
const ANYCAST_SERVICES: AnycastService[] = [
  {
    id: 'k', name: 'k.anycast.test', addresses: ['192.0.2.201', '2001:db8::201'], zones: ['anycast.test'], routing: 'site',
    demonstrates: 'K-root style anycast: NSIDs name the instance (ns1.nl-ams.k.ripe.net); each site reaches its nearest instance',
    instances: [
      {id: 'k-ams', site: 'ams', catchment: ['ams'], latencyMs: 6, nsid: 'ns1.nl-ams.k.ripe.net', identity: 'ns1.nl-ams.k.ripe.net'},
      {id: 'k-fra', site: 'fra', catchment: ['fra'], latencyMs: 9, nsid: 'ns2.de-fra.k.ripe.net', identity: 'ns2.de-fra.k.ripe.net'},
      {id: 'k-mia', site: 'mia', catchment: ['mia', 'lax'], latencyMs: 42, nsid: 'ns1.us-mia.k.ripe.net', identity: 'ns1.us-mia.k.ripe.net'},
      {id: 'k-nrt', site: 'nrt', catchment: ['nrt', 'syd'], latencyMs: 118, nsid: 'ns1.jp-nrt.k.ripe.net', identity: 'ns1.jp-nrt.k.ripe.net', note: 'Sydney clients land in Tokyo: no closer instance'},
    ],
  },
  {
    id: 'l', name: 'l.anycast.test', addresses: ['192.0.2.202', '2001:db8::202'], zones: ['anycast.test'], routing: 'site',
    demonstrates: 'L-root style identities (aa.de-ham.l.root)',
    instances: [
      {id: 'l-ham', site: 'ham', catchment: ['ams', 'fra'], latencyMs: 14, nsid: 'aa.de-ham.l.root', identity: 'aa.de-ham.l.root'},
      {id: 'l-lax', site: 'lax', catchment: ['lax', 'mia'], latencyMs: 48, nsid: 'aa.us-lax.l.root', identity: 'aa.us-lax.l.root'},
      {id: 'l-syd', site: 'syd', catchment: ['syd', 'nrt'], latencyMs: 96, nsid: 'aa.au-syd.l.root', identity: 'aa.au-syd.l.root'},
    ],
  },
  {
    id: 'cf', name: 'cf.anycast.test', addresses: ['192.0.2.203', '2001:db8::203'], zones: ['anycast.test'], routing: 'site',
    demonstrates: 'Cloudflare-style short identities (ams01); from Frankfurt, an instance claims Sydney at 2 ms: impossible',
    instances: [
      {id: 'cf-ams', site: 'ams', catchment: ['ams'], latencyMs: 4, nsid: 'ams01', identity: 'ams01'},
      {id: 'cf-syd-claim', site: 'syd', catchment: ['fra'], latencyMs: 2, nsid: 'syd01', identity: 'syd01', note: 'claims Sydney but answers Frankfurt in 2 ms: the label lies'},
      {id: 'cf-lax', site: 'lax', catchment: ['lax', 'mia'], latencyMs: 46, nsid: 'lax03', identity: 'lax03'},
      {id: 'cf-nrt', site: 'nrt', catchment: ['nrt', 'syd'], latencyMs: 94, nsid: 'nrt02', identity: 'nrt02'},
    ],
  },
  {
    id: 'flap', name: 'flap.anycast.test', addresses: ['192.0.2.204', '2001:db8::204'], zones: ['anycast.test'], routing: 'alternate',
    demonstrates: 'route flapping / ECMP: consecutive queries reach different instances',
    instances: [
      {id: 'flap-fra', site: 'fra', catchment: [], latencyMs: 12, nsid: 'fra01', identity: 'fra01'},
      {id: 'flap-lhr', site: 'lhr', catchment: [], latencyMs: 19, nsid: 'lhr01', identity: 'lhr01'},
    ],
  },
]

const RESOLVERS: WorldResolver[] = [
  {
    id: 'resolver', name: 'resolver.lab.test', addresses: ['192.0.2.53', '2001:db8::53'], latencyMs: 3,
    identity: 'res1.ams.resolver.test', nsid: 'res1.ams.resolver.test', version: 'dnsx-lab-resolver',
    demonstrates: 'the lab recursive resolver: RA=1, answers from the lab zones with TTLs decremented as if cached',
  },
  {
    id: 'middlebox', name: 'public-resolver (intercepted)', addresses: ['192.0.2.9', '2001:db8::9'], latencyMs: 1, version: 'dnsmasq-2.90',
    demonstrates: 'an intercepting middlebox: queries to this "public resolver" are answered by a home router (version.bind dnsmasq-2.90, 1 ms)',
  },
]

const CONNECT: ConnectTarget[] = [
  {address: '203.0.113.10', kind: 'http', demonstrates: 'dual.race.test IPv4: works'},
  {address: '2001:db8:ee::10', kind: 'http', demonstrates: 'dual.race.test IPv6: works (Happy Eyeballs prefers it)'},
  {address: '203.0.113.11', kind: 'http', demonstrates: 'v6-blackhole.race.test IPv4: works'},
  {address: '2001:db8:ee::11', kind: 'blackhole', demonstrates: 'v6-blackhole.race.test IPv6: SYNs vanish'},
  {address: '203.0.113.12', kind: 'http', demonstrates: 'v6-slow.race.test IPv4: works'},
  {address: '2001:db8:ee::12', kind: 'http', delayMs: 400, demonstrates: 'v6-slow.race.test IPv6: connects after 400 ms (> 250 ms Connection Attempt Delay)'},
  {address: '203.0.113.13', ports: [443], kind: 'http', demonstrates: 'refused.race.test: HTTPS works'},
  {address: '203.0.113.13', kind: 'refused', demonstrates: 'refused.race.test: port 80 (and others) refused (RST)'},
  {address: '2001:db8:ee::13', kind: 'refused', demonstrates: 'refused.race.test IPv6: refused'},
  {address: '203.0.113.20', kind: 'blackhole', demonstrates: 'multi.race.test: first IPv4 address black-holed'},
  {address: '203.0.113.21', kind: 'refused', demonstrates: 'multi.race.test: second IPv4 address refused'},
  {address: '203.0.113.22', kind: 'http', demonstrates: 'multi.race.test: third IPv4 address works'},
  {address: '2001:db8:ee::20', kind: 'unreachable', demonstrates: 'multi.race.test: first IPv6 address unreachable (ICMP)'},
  {address: '2001:db8:ee::21', kind: 'http', demonstrates: 'multi.race.test: second IPv6 address works'},
  {address: '203.0.113.30', kind: 'http', demonstrates: 'v4only.race.test'},
  {address: '2001:db8:ee::31', kind: 'http', demonstrates: 'v6only.race.test'},
]

const NAMES: WorldName[] = [
  {name: 'www.example.test', type: 'A', demonstrates: 'a plain answer (A and AAAA) through a delegation with glue'},
  {name: 'example.test', type: 'MX', demonstrates: 'MX with the exchange address in additional'},
  {name: 'example.test', type: 'TXT', demonstrates: 'SPF-style TXT'},
  {name: 'www.example.test', type: 'HTTPS', demonstrates: 'an HTTPS record with alpn and address hints'},
  {name: 'nxdomain.example.test', type: 'A', demonstrates: 'NXDOMAIN with the SOA in authority'},
  {name: 'a-only.example.test', type: 'AAAA', demonstrates: 'NODATA: the name exists, the type does not'},
  {name: 'alias.example.test', type: 'A', demonstrates: 'CNAME followed inside the zone'},
  {name: 'shop.example.test', type: 'A', demonstrates: 'CNAME into another zone (cdn.other.test)'},
  {name: 'chain.example.test', type: 'A', demonstrates: 'a CNAME chain of three'},
  {name: 'loop1.example.test', type: 'A', demonstrates: 'a CNAME loop'},
  {name: '80.2.0.192.in-addr.arpa', type: 'PTR', demonstrates: 'a reverse lookup (dnsx query -x 192.0.2.80)'},
  {name: 'café.example.test', type: 'A', demonstrates: 'an internationalized name, sent as xn--caf-dma (UTS 46)'},
  {name: 'www.legacy.example.test', type: 'A', demonstrates: 'DNAME: a synthesized CNAME to www.example.test'},
  {name: 'anything.wild.example.test', type: 'A', demonstrates: 'a wildcard answer'},
  {name: 'big.example.test', type: 'TXT', demonstrates: 'a 1.5 KB TXT RRset: truncated over UDP, whole over TCP'},
  {name: 'www.glueless.test', type: 'A', demonstrates: 'a glueless delegation: the resolver must resolve ns1.example.test first'},
  {name: 'www.noglue.test', type: 'A', demonstrates: 'in-domain NS without glue: unresolvable'},
  {name: 'www.lame.test', type: 'A', demonstrates: 'lame delegation (REFUSED)'},
  {name: 'www.noaa.test', type: 'A', demonstrates: 'lame server answering without AA'},
  {name: 'www.dead.test', type: 'A', demonstrates: 'every server silent: timeouts'},
  {name: 'www.partial.test', type: 'A', demonstrates: 'one dead server, one good: retry elsewhere'},
  {name: 'www.deep.loop.test', type: 'A', demonstrates: 'a referral loop between a.loop.test and b.loop.test'},
  {name: 'www.up.test', type: 'A', demonstrates: 'an upward referral (back to the root)'},
  {name: 'www.sub.aaref.test', type: 'A', demonstrates: 'a referral with AA set'},
  {name: 'www.child.bailiwick.test', type: 'A', demonstrates: 'out-of-bailiwick glue to ignore (www.example.test A 203.0.113.66)'},
  {name: 'mismatch.test', type: 'NS', demonstrates: 'parent and child NS sets differ'},
  {name: 'www.glue.test', type: 'A', demonstrates: 'glue address differs from the authoritative address'},
  {name: 'www.disagree.test', type: 'A', demonstrates: 'two servers of one zone disagree (serial and answer)'},
  {name: 'www.garbage.test', type: 'A', demonstrates: 'a server answering garbage'},
  {name: 'www.spoof.test', type: 'A', demonstrates: 'a wrong-ID reply arrives first'},
  {name: 'www.formerr.test', type: 'A', demonstrates: 'FORMERR to EDNS: retry without EDNS'},
  {name: 'www.lossy.test', type: 'A', demonstrates: 'packet loss: retries'},
  {name: 'www.tc.test', type: 'A', demonstrates: 'always truncated over UDP'},
  {name: 'www.geo.test', type: 'A', demonstrates: 'geolocation by ECS: 198.51.100.0/24 EU, 203.0.113.0/24 US, 2001:db8:aaaa::/48 APAC, else fallback (scope 0)'},
  {name: 'api.geo.test', type: 'A', demonstrates: 'longest-prefix ECS rules with scopes 24, 25 and 26'},
  {name: 'weighted.geo.test', type: 'A', demonstrates: 'weighted 70/30 answers'},
  {name: 'multi.geo.test', type: 'A', demonstrates: 'multivalue: up to 8 random healthy records of 12'},
  {name: 'failover.geo.test', type: 'A', demonstrates: 'failover: healthy primary'},
  {name: 'failover-down.geo.test', type: 'A', demonstrates: 'failover: primary down, secondary answers'},
  {name: 'dual.race.test', type: 'AAAA', demonstrates: 'both families work: IPv6 wins the race'},
  {name: 'v6-blackhole.race.test', type: 'AAAA', demonstrates: 'IPv6 black-holed: IPv4 wins after the delay'},
  {name: 'v6-slow.race.test', type: 'AAAA', demonstrates: 'IPv6 slower than 250 ms'},
  {name: 'multi.race.test', type: 'A', demonstrates: 'several addresses per family, some failing'},
  {name: 'anycast.test', type: 'SOA', demonstrates: 'anycast name servers (query k/l/cf.anycast.test with NSID)'},
  {name: 'www.secure.test', type: 'A', demonstrates: 'DNSSEC secure: a signed chain from the lab root (trace --dnssec)'},
  {name: 'www.insecure.test', type: 'A', demonstrates: 'DNSSEC insecure: no DS'},
  {name: 'www.bogus.test', type: 'A', demonstrates: 'DNSSEC bogus: a corrupted RRSIG on www (trace --dnssec)'},
]

const BROKEN: {zone: string, reason: string}[] = [
  {zone: 'noglue.test', reason: 'in-domain NS ns1.noglue.test without glue: no address can be found'},
  {zone: 'lame.test', reason: 'lame: ns1.lame.test does not serve the zone (REFUSED)'},
  {zone: 'noaa.test', reason: 'lame: answers without AA'},
  {zone: 'dead.test', reason: 'both servers are silent'},
  {zone: 'partial.test', reason: 'ns1.partial.test is silent'},
  {zone: 'loop.test', reason: 'a.loop.test and b.loop.test hold different versions of loop.test'},
  {zone: 'deep.loop.test', reason: 'referral loop: each of a.loop.test and b.loop.test refers it to the other'},
  {zone: 'up.test', reason: 'upward referral: ns1.up.test refers to the root'},
  {zone: 'aaref.test', reason: 'AA set on referrals'},
  {zone: 'bailiwick.test', reason: 'out-of-bailiwick records in referrals'},
  {zone: 'mismatch.test', reason: 'parent NS {ns1, ns2} vs child NS {ns1, ns3}'},
  {zone: 'glue.test', reason: 'glue 192.0.2.57 vs authoritative 192.0.2.58 for ns1.glue.test'},
  {zone: 'disagree.test', reason: 'the two servers serve different versions (serial and www)'},
  {zone: 'garbage.test', reason: 'hostile: garbage replies'},
  {zone: 'spoof.test', reason: 'hostile: wrong-ID reply first'},
  {zone: 'formerr.test', reason: 'FORMERR to EDNS queries'},
  {zone: 'lossy.test', reason: 'drops half the queries'},
  {zone: 'tc.test', reason: 'always truncates over UDP'},
]

/** The default world. */
export const DEFAULT_WORLD: World = {
  description: 'dnsx lab: a simulated DNS internet under test. with its own root, on loopback',
  defaultSite: 'ams',
  sites: [
    {id: 'ams', city: 'Amsterdam'},
    {id: 'fra', city: 'Frankfurt'},
    {id: 'mia', city: 'Miami'},
    {id: 'lax', city: 'Los Angeles'},
    {id: 'nrt', city: 'Tokyo'},
    {id: 'syd', city: 'Sydney'},
  ],
  rootHints: [
    {name: 'a.root.test', address: '192.0.2.1'},
    {name: 'a.root.test', address: '2001:db8::1'},
    {name: 'b.root.test', address: '192.0.2.2'},
    {name: 'b.root.test', address: '2001:db8::2'},
    {name: 'c.root.test', address: '192.0.2.3'},
    {name: 'c.root.test', address: '2001:db8::3'},
  ],
  zones: [
    ROOT, TEST, EXAMPLE, GLUELESS, OTHER, NOAA, DEAD, PARTIAL, LOOP_A, LOOP_B, AAREF, SUB_AAREF, BAILIWICK, CHILD_BAILIWICK,
    MISMATCH, GLUE, DISAGREE_1, DISAGREE_2, GARBAGE, SPOOF, FORMERR, LOSSY, TC, GEO, RACE, ANYCAST, SECURE, INSECURE, BOGUS, REVERSE,
  ],
  servers: SERVERS,
  anycast: ANYCAST_SERVICES,
  resolvers: RESOLVERS,
  connect: CONNECT,
  names: NAMES,
  broken: BROKEN,
}
