/**
 * The standard real DNS hierarchy for integration tests, under the special-use TLD `test.`
 * (RFC 6761). Use with startRealWorld(STANDARD_WORLD) and assert against
 * STANDARD_EXPECTATIONS, so the facts live in one place.
 *
 *   .               a.root-servers.test  198.51.100.1  Knot  (NSID root-a-knot, id a1.root.test)
 *                   b.root-servers.test  198.51.100.2  NSD   (NSID root-b-nsd,  id b1.root.test)
 *   test.           ns1.nic.test 198.51.100.10 NSD; ns2.nic.test 198.51.100.11 + 2001:db8:100::11 BIND
 *   example.test    ns1.example.test 192.0.2.53 BIND; ns2.example.test 192.0.2.54 Knot   (glue)
 *   glueless.test   NS ns1/ns2.example.test (no glue possible)
 *   other.test      ns1.other.test 203.0.113.10 NSD (target of www.example.test's CNAME)
 *   ecs.test        ns1.ecs.test 192.0.2.60 Knot, mod-geoip subnet mode
 *   weighted.test   NS ns1.ecs.test, mod-geoip weighted mode 70/30
 *   lame.test       ns1.lame.test 203.0.113.20: NSD without the zone -> REFUSED
 *   dead.test       ns1.dead.test 203.0.113.30: address exists, nothing listens (ICMP port unreachable / TCP RST)
 *   blackhole.test  ns1.blackhole.test 203.0.113.40: packets vanish (timeouts)
 *   resolver        Unbound at 127.0.0.53 (also /etc/resolv.conf inside the namespace)
 */
import type {ServerSpec, WorldSpec} from './realdns.js'

const SOA_TIMERS = '1 3600 900 604800 300'

/** 6 strings of 250 octets: 1506 octets of RDATA, so any answer exceeds 1232 bytes. */
const BIG_TXT_STRINGS = Array.from({length: 6}, (_, i) => `${String.fromCharCode(0x61 + i)}`.repeat(250))

export const STANDARD_EXPECTATIONS = {
  resolver: '127.0.0.53',
  roots: [
    {name: 'a.root-servers.test', address: '198.51.100.1', software: 'knot', nsid: 'root-a-knot', identity: 'a1.root.test', serverId: 'root-a'},
    {name: 'b.root-servers.test', address: '198.51.100.2', software: 'nsd', nsid: 'root-b-nsd', identity: 'b1.root.test', serverId: 'root-b'},
  ],
  tld: {
    zone: 'test',
    servers: [
      {name: 'ns1.nic.test', addresses: ['198.51.100.10'], software: 'nsd', nsid: 'tld-ns1-nsd', identity: 'ns1.nic.test', serverId: 'tld-ns1'},
      {
        name: 'ns2.nic.test',
        addresses: ['198.51.100.11', '2001:db8:100::11'],
        software: 'bind',
        nsid: 'tld-ns2-bind',
        identity: 'ns2.nic.test',
        serverId: 'tld-ns2',
      },
    ],
  },
  example: {
    zone: 'example.test',
    servers: [
      {name: 'ns1.example.test', addresses: ['192.0.2.53'], software: 'bind', nsid: 'example-ns1-bind', identity: 'ns1.example.test', serverId: 'example-ns1'},
      {name: 'ns2.example.test', addresses: ['192.0.2.54'], software: 'knot', nsid: 'example-ns2-knot', identity: 'ns2.example.test', serverId: 'example-ns2'},
    ],
  },
  other: {
    zone: 'other.test',
    servers: [{name: 'ns1.other.test', addresses: ['203.0.113.10'], software: 'nsd', nsid: 'other-ns1-nsd', identity: 'ns1.other.test', serverId: 'other-ns1'}],
  },
  /** www.example.test CNAME web.other.test (another zone, other servers). */
  www: {name: 'www.example.test', cname: 'web.other.test', a: ['192.0.2.80'], aaaa: ['2001:db8:80::80']},
  /** In-zone A and AAAA. */
  host: {name: 'host.example.test', a: ['192.0.2.81'], aaaa: ['2001:db8:80::81']},
  /** In-zone CNAME to host.example.test. */
  alias: {name: 'alias.example.test', cname: 'host.example.test'},
  nxdomain: {name: 'nxdomain.example.test', soaZone: 'example.test'},
  /** The name exists with an A only: AAAA is NODATA (NOERROR, empty answer, SOA in authority). */
  nodata: {name: 'a-only.example.test', a: ['192.0.2.82'], emptyType: 'AAAA'},
  /** A TXT RRset larger than 1232 bytes: truncated (TC) over UDP, whole over TCP. */
  bigTxt: {name: 'big.example.test', strings: BIG_TXT_STRINGS, rdataBytes: BIG_TXT_STRINGS.reduce((n, s) => n + 1 + s.length, 0)},
  /** One record of each type dig decodes beyond the common ones, at types.example.test (RFC examples). */
  types: {
    name: 'types.example.test',
    records: [
      ['LOC', '52 22 23.000 N 4 53 32.000 E -2.00m 0m 10000m 10m'],
      ['URI', '10 1 "ftp://ftp1.example.com/public"'],
      ['CERT', 'PGP 0 0 AQIDBAUGBwgJCgsMDQ4P'],
      ['DHCID', 'AAIBY2/AuCccgoJbsaxcQc9TUapptP69lOjxfNuVAA2kjEA='],
      ['OPENPGPKEY', 'mQINBFVHm5sBEACTwLTf'],
      ['SMIMEA', '3 0 1 0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF'],
      ['CSYNC', '66 3 A NS AAAA'],
      ['EUI48', '00-00-5e-00-53-2a'],
      ['EUI64', '00-00-5e-ef-10-00-00-2a'],
      ['NID', '10 0014:4fff:ff20:ee64'],
      ['L32', '10 10.1.2.0'],
      ['L64', '10 2001:0db8:1140:1000'],
      ['LP', '10 l64-subnet1.example.test.'],
      ['AFSDB', '1 afs.example.test.'],
      ['KX', '10 kx.example.test.'],
      ['RT', '10 relay.example.test.'],
    ] as [string, string][],
  },
  glueless: {zone: 'glueless.test', ns: ['ns1.example.test', 'ns2.example.test'], name: 'www.glueless.test', a: ['192.0.2.90']},
  lame: {zone: 'lame.test', ns: 'ns1.lame.test', address: '203.0.113.20', rcode: 'REFUSED', serverId: 'lame-ns1', nsid: 'lame-ns1-nsd'},
  dead: {zone: 'dead.test', ns: 'ns1.dead.test', address: '203.0.113.30'},
  blackhole: {zone: 'blackhole.test', ns: 'ns1.blackhole.test', address: '203.0.113.40'},
  ecs: {
    zone: 'ecs.test',
    server: '192.0.2.60',
    serverId: 'geo',
    nsid: 'geo-knot',
    name: 'www.ecs.test',
    ttl: 30,
    /** Answer when no rule matches (no ECS and a source address outside the rules,
     *  or an ECS source prefix shorter than the rule): scope 0. */
    fallback: {a: '192.0.2.100', scope: 0},
    /** ECS (or, without ECS, the query's source address) inside `subnet` -> `a`, SCOPE `scope`.
     *  A query sent straight to 192.0.2.60 has source 192.0.2.60 (no rule); `dig -b ADDR` picks
     *  another source (any world address: they are all on lo). Unbound sends no ECS. */
    rules: [
      {subnet: '198.51.100.0/24', a: '192.0.2.101', scope: 24},
      {subnet: '203.0.113.0/24', a: '192.0.2.102', scope: 24},
      {subnet: '198.18.0.0/15', a: '192.0.2.115', scope: 15},
      {subnet: '2001:db8:aaaa::/48', a: '192.0.2.148', scope: 48},
    ],
  },
  weighted: {
    zone: 'weighted.test',
    server: '192.0.2.60',
    name: 'www.weighted.test',
    ttl: 30,
    answers: [
      {a: '192.0.2.170', weight: 70},
      {a: '192.0.2.130', weight: 30},
    ],
  },
} as const

const E = STANDARD_EXPECTATIONS

function zone(origin: string, primaryNs: string, body: string[]): {origin: string; text: string} {
  return {
    origin,
    text: ['$TTL 3600', `@ IN SOA ${primaryNs}. hostmaster.${origin === '.' ? '' : `${origin}.`} ${SOA_TIMERS}`, ...body].join('\n') + '\n',
  }
}

function addr(name: string, address: string): string {
  return `${name}. IN ${address.includes(':') ? 'AAAA' : 'A'} ${address}`
}

const ROOT_ZONE = zone('.', E.roots[0].name, [
  ...E.roots.map((r) => `@ IN NS ${r.name}.`),
  ...E.roots.map((r) => addr(r.name, r.address)),
  ...E.tld.servers.map((s) => `test. IN NS ${s.name}.`),
  ...E.tld.servers.flatMap((s) => s.addresses.map((a) => addr(s.name, a))),
])

const TEST_ZONE = zone('test', E.tld.servers[0].name, [
  ...E.tld.servers.map((s) => `@ IN NS ${s.name}.`),
  ...E.tld.servers.flatMap((s) => s.addresses.map((a) => addr(s.name, a))),
  ...E.roots.map((r) => addr(r.name, r.address)),
  // example.test, with glue
  ...E.example.servers.map((s) => `example.test. IN NS ${s.name}.`),
  ...E.example.servers.flatMap((s) => s.addresses.map((a) => addr(s.name, a))),
  // glueless.test: NS names in another zone
  ...E.glueless.ns.map((n) => `glueless.test. IN NS ${n}.`),
  // other.test
  ...E.other.servers.map((s) => `other.test. IN NS ${s.name}.`),
  ...E.other.servers.flatMap((s) => s.addresses.map((a) => addr(s.name, a))),
  // ecs.test and weighted.test on the same Knot
  'ecs.test. IN NS ns1.ecs.test.',
  addr('ns1.ecs.test', E.ecs.server),
  'weighted.test. IN NS ns1.ecs.test.',
  // broken delegations
  `lame.test. IN NS ${E.lame.ns}.`,
  addr(E.lame.ns, E.lame.address),
  `dead.test. IN NS ${E.dead.ns}.`,
  addr(E.dead.ns, E.dead.address),
  `blackhole.test. IN NS ${E.blackhole.ns}.`,
  addr(E.blackhole.ns, E.blackhole.address),
])

const EXAMPLE_ZONE = zone('example.test', E.example.servers[0].name, [
  '$TTL 300',
  ...E.example.servers.map((s) => `@ IN NS ${s.name}.`),
  ...E.example.servers.flatMap((s) => s.addresses.map((a) => addr(s.name, a))),
  `www IN CNAME ${E.www.cname}.`,
  ...E.host.a.map((a) => addr(E.host.name, a)),
  ...E.host.aaaa.map((a) => addr(E.host.name, a)),
  `alias IN CNAME ${E.alias.cname}.`,
  ...E.nodata.a.map((a) => addr(E.nodata.name, a)),
  `big IN TXT ${E.bigTxt.strings.map((s) => `"${s}"`).join(' ')}`,
  ...E.types.records.map(([type, data]) => `types IN ${type} ${data}`),
])

const GLUELESS_ZONE = zone('glueless.test', E.glueless.ns[0], [
  '$TTL 300',
  ...E.glueless.ns.map((n) => `@ IN NS ${n}.`),
  ...E.glueless.a.map((a) => addr(E.glueless.name, a)),
])

const OTHER_ZONE = zone('other.test', E.other.servers[0].name, [
  '$TTL 300',
  ...E.other.servers.map((s) => `@ IN NS ${s.name}.`),
  ...E.other.servers.flatMap((s) => s.addresses.map((a) => addr(s.name, a))),
  ...E.www.a.map((a) => addr(E.www.cname, a)),
  ...E.www.aaaa.map((a) => addr(E.www.cname, a)),
])

const ECS_ZONE = zone('ecs.test', 'ns1.ecs.test', [
  '$TTL 300',
  '@ IN NS ns1.ecs.test.',
  addr('ns1.ecs.test', E.ecs.server),
  addr(E.ecs.name, E.ecs.fallback.a),
])

const WEIGHTED_ZONE = zone('weighted.test', 'ns1.ecs.test', [
  '$TTL 300',
  '@ IN NS ns1.ecs.test.',
  // The module answers every query for this name (so this is never seen while it works);
  // the zone keeps a default RRset as the module's docs ask.
  addr(E.weighted.name, E.weighted.answers[0].a),
])

const ECS_RULES = [
  `${E.ecs.name}:`,
  ...E.ecs.rules.flatMap((r) => [`  - net: ${r.subnet}`, `    A: ${r.a}`]),
].join('\n')

const WEIGHTED_RULES = [
  `${E.weighted.name}:`,
  ...E.weighted.answers.flatMap((r) => [`  - weight: ${r.weight}`, `    A: ${r.a}`]),
].join('\n')

const SERVERS: ServerSpec[] = [
  {
    id: E.roots[0].serverId,
    software: 'knot',
    addresses: [E.roots[0].address],
    zones: [ROOT_ZONE],
    nsid: E.roots[0].nsid,
    identity: E.roots[0].identity,
    version: 'root-a',
  },
  {
    id: E.roots[1].serverId,
    software: 'nsd',
    addresses: [E.roots[1].address],
    zones: [ROOT_ZONE],
    nsid: E.roots[1].nsid,
    identity: E.roots[1].identity,
    version: 'root-b',
  },
  ...E.tld.servers.map(
    (s): ServerSpec => ({
      id: s.serverId,
      software: s.software,
      addresses: [...s.addresses],
      zones: [TEST_ZONE],
      nsid: s.nsid,
      identity: s.identity,
    }),
  ),
  ...E.example.servers.map(
    (s): ServerSpec => ({
      id: s.serverId,
      software: s.software,
      addresses: [...s.addresses],
      zones: [EXAMPLE_ZONE, GLUELESS_ZONE],
      nsid: s.nsid,
      identity: s.identity,
    }),
  ),
  ...E.other.servers.map(
    (s): ServerSpec => ({
      id: s.serverId,
      software: s.software,
      addresses: [...s.addresses],
      zones: [OTHER_ZONE],
      nsid: s.nsid,
      identity: s.identity,
    }),
  ),
  {
    id: E.ecs.serverId,
    software: 'knot',
    addresses: [E.ecs.server],
    zones: [ECS_ZONE, WEIGHTED_ZONE],
    nsid: E.ecs.nsid,
    identity: 'ns1.ecs.test',
    knotGeoip: [
      {zone: E.ecs.zone, mode: 'subnet', rules: ECS_RULES, ttl: E.ecs.ttl},
      {zone: E.weighted.zone, mode: 'weighted', rules: WEIGHTED_RULES, ttl: E.weighted.ttl},
    ],
  },
  // Lame: has no zone at all, so it answers REFUSED for lame.test.
  {id: E.lame.serverId, software: 'nsd', addresses: [E.lame.address], zones: [], nsid: E.lame.nsid, identity: E.lame.ns},
]

export const STANDARD_WORLD: WorldSpec = {
  servers: SERVERS,
  resolver: {
    software: 'unbound',
    address: E.resolver,
    rootHints: E.roots.map((r) => ({name: r.name, address: r.address})),
  },
  deadAddresses: [E.dead.address],
  blackholes: [E.blackhole.address],
}
