// Subpath imports: loading the whole of @oclif/core costs start-up time.
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {DnsxCommand} from '../lib/cli/base.js'
import {createContext} from '../lib/context.js'
import {validatePort} from '../lib/dns/endpoint.js'
import {authorityFlags} from '../lib/cli/flags.js'
import {fqdn, validateName} from '../lib/dns/names.js'
import {parseType} from '../lib/dns/message.js'
import {UsageError} from '../lib/errors.js'
import {listPresets, type FamilySelection} from '../lib/ecs/presets.js'
import {buildEcsJson, ecsExpectations, parseAnswerExpectation, POLICY_KINDS, type EcsJson} from '../lib/ecs/report.js'
import {DEFAULT_CONCURRENCY, DEFAULT_COUNTRIES, DEFAULT_MAX_QUERIES, DEFAULT_QPS, planSubnets, runEcs, type EcsServerTarget} from '../lib/ecs/run.js'
import {findAuthoritativeServers, serversFromFlags} from '../lib/ecs/servers.js'
import {parseSubnet} from '../lib/net/cidr.js'
import {count} from '../lib/words.js'

export default class Ecs extends DnsxCommand {
  static override summary = 'Reveal geo, latency and weighted routing policies by asking the authoritative servers with EDNS Client Subnets.'
  static override description = [
    "Finds the name's authoritative servers iteratively (or takes --server ADDR, repeatable) and asks every address of every server directly (RD=0) with each client subnet (RFC 7871), plus two baselines: no ECS at all, and the opt-out source 0.0.0.0/0. Each reply's answers, TTL, rcode and ECS echo are checked: was ECS echoed, do family, source prefix and address match what was sent, and what the scope means (0 = valid for every client; shorter than the source = covers a wider network; longer = the server wants more bits).",
    'Subnets with identical answers are grouped and the policy is named: uniform (ECS changes nothing), subnet-dependent (geolocation or latency routing), weighted (answers vary for a fixed subnet; each share is estimated with a 95% Wilson interval, so use --repeat), multivalue (random subsets of a pool), mixed, or inconclusive (no usable reply at all: exit 3). Servers of the zone that behave or answer differently are named.',
    `A bare address in --subnet means the /24 (IPv4) or /56 (IPv6) around it, what resolvers send for one client (RFC 7871 §11.1); Host bits are zeroed, with a note on stderr. Without --subnet, --countries or --preset, access-ISP subnets of ${DEFAULT_COUNTRIES.join(', ')} are used. Country subnets come from data/ecs/prefixes.json: one access-ISP /24 and /56 per country, from BGP-announced prefixes (the file credits its source).`,
    'Queries are polite: at most --qps per second to each server (all its addresses together) and --concurrency in flight. --explore walks a range with /24 (/56) subnets, skips the space each reply\'s scope covers, and prints a map of the range to answer groups.',
  ].join('\n\n')

  static override examples = [
    '<%= config.bin %> ecs www.geo.test --lab',
    '<%= config.bin %> ecs www.geo.test --subnet 198.51.100.0/24 --subnet 203.0.113.0/24 --lab',
    '<%= config.bin %> ecs weighted.geo.test --repeat 100 --qps 200 --lab',
    '<%= config.bin %> ecs www.example.com --countries US,DE,JP,BR',
    '<%= config.bin %> ecs www.example.com --preset world --json',
    '<%= config.bin %> ecs www.geo.test --explore 198.51.100.0/22 --lab',
    '<%= config.bin %> ecs www.geo.test --expect-answer 198.51.100.0/24=192.0.2.101 --expect-policy subnet-dependent --lab',
  ]

  static override args = {
    name: Args.string({ignoreStdin: true, description: 'Domain name to ask about.', required: true}),
    type: Args.string({ignoreStdin: true, description: 'Record type (default A; also --type).'}),
  }

  static override flags = {
    ...authorityFlags,
    server: Flags.string({
      char: 's',
      description: 'Ask this authoritative server address instead of finding the servers iteratively (repeatable).',
      helpValue: 'ADDR',
      multiple: true,
      helpGroup: 'RESOLUTION',
    }),
    type: Flags.string({char: 't', description: 'Record type (default A).'}),
    subnet: Flags.string({
      description: 'Client subnet to send, CIDR (repeatable; IPv4 or IPv6). A bare address means its /24 or /56.',
      multiple: true,
      helpValue: 'CIDR',
      helpGroup: 'SUBNETS',
    }),
    countries: Flags.string({
      description: 'Country codes (ISO 3166-1, comma-separated): an access-ISP subnet of each.',
      multiple: true,
      helpValue: 'CC,CC',
      delimiter: ',',
      aliases: ['country'],
      helpGroup: 'SUBNETS',
    }),
    preset: Flags.string({description: 'A shipped set of country subnets: the world, or one region.', options: listPresets(), helpGroup: 'SUBNETS'}),
    'subnet-family': Flags.string({description: 'Families of --countries/--preset subnets.', options: ['ipv4', 'ipv6', 'both'], default: 'both', helpGroup: 'SUBNETS'}),
    repeat: Flags.integer({description: 'Ask each (server, subnet) N times, to tell weighted or random answers from subnet-dependent ones.', default: 1, min: 1, max: 10_000, helpGroup: 'QUERYING'}),
    qps: Flags.integer({description: 'Queries per second to each server (all its addresses together).', default: DEFAULT_QPS, min: 1, max: 10_000, helpGroup: 'QUERYING'}),
    concurrency: Flags.integer({description: 'Queries in flight at once.', default: DEFAULT_CONCURRENCY, min: 1, max: 256, helpGroup: 'QUERYING'}),
    'max-queries': Flags.integer({description: 'Refuse to start when servers × subnets × repeat exceeds this.', default: DEFAULT_MAX_QUERIES, min: 1, helpGroup: 'QUERYING'}),
    retries: Flags.integer({description: 'UDP retries after a timeout.', default: 1, min: 0, max: 10, helpGroup: 'QUERYING'}),
    explore: Flags.string({description: 'Walk this range with scope-aware queries and map it to answer groups.', helpValue: 'CIDR', helpGroup: 'EXPLORE'}),
    'explore-max-queries': Flags.integer({description: 'Most queries the walk may send.', default: 256, min: 1, max: 100_000, helpGroup: 'EXPLORE'}),
    'explore-prefix': Flags.integer({description: 'Source prefix the walk sends, and its smallest block (default 24 for IPv4, 56 for IPv6).', min: 0, max: 128, helpGroup: 'EXPLORE'}),
    'explore-server': Flags.string({helpValue: 'ADDR', description: 'Server address to walk against (default: the first that answered, preferring one that tailors).', helpGroup: 'EXPLORE'}),
    verbose: Flags.boolean({char: 'v', description: 'Also list every reply.'}),
    'expect-answer': Flags.string({
      description: 'Every reply for SUBNET must contain VALUE; SUBNET is a CIDR, an address, a country code or "none" (repeatable).',
      multiple: true,
      helpValue: 'SUBNET=VALUE',
      helpGroup: 'EXPECTATIONS',
    }),
    'expect-policy': Flags.string({description: 'The policy must be KIND.', helpValue: 'KIND', options: [...POLICY_KINDS], helpGroup: 'EXPECTATIONS'}),
  }

  async run(): Promise<EcsJson> {
    const {args, flags} = await this.parse(Ecs)
    const name = validateName(args.name)
    if (args.type && flags.type && parseType(args.type) !== parseType(flags.type)) throw new UsageError(`two record types given (${args.type} and --type ${flags.type})`)
    const type = parseType(flags.type ?? args.type ?? 'A')
    const port = validatePort(flags.port)!
    const family = flags.ipv4 ? 4 : flags.ipv6 ? 6 : undefined
    const subnetFamily = flags['subnet-family'] as FamilySelection
    const answerExpectations = (flags['expect-answer'] ?? []).map((e) => parseAnswerExpectation(e, subnetFamily))
    const plan = planSubnets({
      subnets: flags.subnet,
      countries: flags.countries,
      preset: flags.preset,
      family: subnetFamily,
      extra: answerExpectations.flatMap((e) => e.probes),
    })
    const explicitServers = flags.server?.length ? serversFromFlags(flags.server, family) : null
    if (flags['explore-server'] !== undefined && flags.explore === undefined) throw new UsageError('--explore-server needs --explore')
    const notes: string[] = [...plan.notes]
    if (flags.explore !== undefined) {
      const r = parseSubnet(flags.explore, {requirePrefix: true})
      if (r.hostBitsCleared) notes.push(`--explore ${flags.explore} had host bits set; walking ${r.cidr}`)
      const max = r.family === 1 ? 32 : 128
      if (flags['explore-prefix'] !== undefined && flags['explore-prefix'] > max) throw new UsageError(`--explore-prefix ${flags['explore-prefix']} is longer than an ${r.family === 1 ? 'IPv4' : 'IPv6'} address`)
    }
    const perServer = plan.probes.length * flags.repeat
    const minServers = explicitServers?.length ?? 1
    if (perServer * minServers > flags['max-queries']) {
      throw new UsageError(`${count(plan.probes.length, 'subnet')} × ${count(flags.repeat, 'repeat')}${minServers > 1 ? ` × ${minServers} servers` : ''} = ${count(perServer * minServers, 'query')}, more than --max-queries ${flags['max-queries']}`, 'ecs-too-many-queries')
    }
    // Every input is checked before anything is printed or sent.
    for (const n of notes) this.note(`note: ${n}`)

    const ctx = await createContext({lab: flags.lab})
    try {
      let servers: EcsServerTarget[]
      let zone: string | null = null
      let discoveryQueries = 0
      if (explicitServers) {
        servers = explicitServers
      } else {
        const found = await findAuthoritativeServers(
          {ctx, rootHintsFile: flags['root-hints'], port, family, timeoutMs: flags.timeout},
          name,
          type,
        )
        servers = found.servers
        zone = found.zone
        discoveryQueries = found.queries
        for (const n of found.notes) this.note(`note: ${n}`)
      }
      const progress = process.stderr.isTTY && !this.jsonEnabled()
      const run = await runEcs({
        client: ctx.client,
        name,
        type,
        port,
        servers,
        subnets: plan.probes,
        repeat: flags.repeat,
        qps: flags.qps,
        concurrency: flags.concurrency,
        maxQueries: flags['max-queries'],
        timeoutMs: flags.timeout,
        retries: flags.retries,
        explore:
          flags.explore === undefined
            ? undefined
            : {range: flags.explore, maxQueries: flags['explore-max-queries'], minPrefix: flags['explore-prefix'], server: flags['explore-server']},
        onProgress: progress ? (done, total) => process.stderr.write(`\r${done}/${total} queries`) : undefined,
      })
      if (progress) process.stderr.write('\r\u001b[K')
      const cnameOnly = run.replies.some((r) => r.usable && r.answers.length > 0) && run.replies.filter((r) => r.usable && r.answers.length > 0).every((r) => r.answers.every((a) => /^(CNAME|DNAME) /.test(a)))
      if (cnameOnly) {
        const n = `${fqdn(name)} is an alias here; the answers are the alias targets. Run dnsx ecs on the target to see its zone's policy`
        notes.push(n)
        if (explicitServers) this.note(`note: ${n}`) // found servers: discovery already said so
      }
      const j = buildEcsJson({name, type, zone, servers, probes: plan.probes, repeat: flags.repeat, qps: flags.qps, run, discoveryQueries, notes})
      const expectations = ecsExpectations(j, {answers: answerExpectations, policy: flags['expect-policy']})
      if (expectations.length > 0) j.expectations = expectations
      if (!this.jsonEnabled()) {
        const {renderEcs} = await import('../lib/render/ecs.js')
        this.out(await renderEcs(j, {verbose: flags.verbose}))
      }
      this.reportExpectations(expectations)
      if (j.stats.usable === 0) {
        // Nothing to analyse: the work could not be done (exit 3), but the document still shows why.
        const counts = new Map<string, number>()
        for (const r of run.replies) {
          const why = r.error !== null && (r.rcode === 'NOERROR' || r.rcode === 'NXDOMAIN') ? 'not authoritative' : r.rcode
          counts.set(why, (counts.get(why) ?? 0) + 1)
        }
        this.note(`error: no server gave a usable reply (${[...counts].map(([k, n]) => `${n} ${k}`).join(', ')})`)
        process.exitCode = 3
      }
      return j
    } finally {
      await ctx.close()
    }
  }
}
