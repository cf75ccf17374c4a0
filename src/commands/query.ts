// Subpath imports: loading the whole of @oclif/core costs start-up time.
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {DnsxCommand} from '../lib/cli/base.js'
import {createContext} from '../lib/context.js'
import {validatePort} from '../lib/dns/endpoint.js'
import {parseSubnet, subnetNote} from '../lib/net/cidr.js'
import {makeQuestion} from '../lib/dns/message.js'
import {NetworkError, UsageError} from '../lib/errors.js'
import {parseExpectedRcode, type ExpectationResult} from '../lib/expect.js'
import {queryExpectations, type QueryExpectOptions} from '../lib/query-expect.js'
import {queryEndpoint, runDefaultQuery, runQuery, type QueryResult} from '../lib/query.js'
import {renderQuery} from '../lib/render/query.js'

export default class Query extends DnsxCommand {
  static override summary = 'Send one DNS query to one server and show the whole reply (a dig for scripts).'
  static override description = `Arguments may come in any order after NAME: a record type, a class (IN, CH, HS or CLASSnnn) and @SERVER (which may also come first, as in dig).
Without a server, the first nameserver of /etc/resolv.conf is asked (the lab's resolver under --lab).
Queries carry EDNS(0) with a 1232-byte payload by default (--no-edns sends none); --nsid, --subnet and --dnssec add their options to it.
A reply is accepted only from the server queried, with our ID and question; others are ignored and counted.
TC=1 makes dnsx repeat the query over TCP; FORMERR to EDNS makes it retry without EDNS.`

  static override examples = [
    '<%= config.bin %> query www.example.test --lab',
    '<%= config.bin %> query example.test SOA @192.0.2.1 --norecurse --lab',
    '<%= config.bin %> query hostname.bind TXT CH @192.0.2.201 --lab',
    '<%= config.bin %> query geo.test A --subnet 198.51.100.0/24 --nsid --lab --json',
    '<%= config.bin %> query www.example.test @192.0.2.20 --norecurse --lab --expect-authoritative --expect-answer 192.0.2.80',
  ]

  static override args = {
    name: Args.string({ignoreStdin: true, description: 'Domain name to query (@SERVER may come first, as in dig).', required: true}),
    type: Args.string({ignoreStdin: true, description: 'Record type (default A), class or @SERVER.'}),
    extra: Args.string({ignoreStdin: true, description: 'Class or @SERVER.'}),
    extra2: Args.string({ignoreStdin: true, description: '@SERVER.', hidden: true}),
  }

  static override flags = {
    server: Flags.string({char: 's', description: 'Server to ask (address or name; also @SERVER).'}),
    port: Flags.integer({char: 'p', description: 'Server port (default 53).'}),
    class: Flags.string({char: 'c', description: 'Query class: IN, CH, HS, ANY or CLASSnnn.', default: 'IN'}),
    tcp: Flags.boolean({description: 'Use TCP from the start.', exclusive: ['ignore-tc']}),
    'ignore-tc': Flags.boolean({description: 'Keep a truncated UDP reply instead of retrying over TCP (dig +ignore).'}),
    nsid: Flags.boolean({description: 'Ask for the server\'s NSID (RFC 5001).'}),
    subnet: Flags.string({description: 'Send EDNS Client Subnet CIDR (RFC 7871); host bits are zeroed; a bare address means its /24 or /56 (RFC 7871 §11.1), as in dnsx ecs.'}),
    dnssec: Flags.boolean({description: 'Set the DNSSEC OK bit (shows RRSIGs).'}),
    norecurse: Flags.boolean({description: 'Clear RD (ask the server for its own data only).'}),
    edns: Flags.boolean({description: 'Send EDNS(0) (the default); --no-edns sends a plain query.', allowNo: true, default: true}),
    retries: Flags.integer({description: 'UDP retries after a timeout.', default: 1, min: 0, max: 10}),
    'expect-answer': Flags.string({description: 'VALUE must be the data of a record in the answer section (repeatable: every value).', multiple: true, helpGroup: 'EXPECTATIONS'}),
    'expect-rcode': Flags.string({description: 'The reply\'s rcode must be RCODE.', helpGroup: 'EXPECTATIONS'}),
    'expect-authoritative': Flags.boolean({description: 'The reply must be authoritative (AA).', helpGroup: 'EXPECTATIONS'}),
    'expect-nsid': Flags.string({description: 'The reply\'s NSID must be TEXT (or its hex); implies --nsid.', helpValue: 'TEXT', helpGroup: 'EXPECTATIONS'}),
    'expect-scope': Flags.integer({description: 'The reply\'s ECS scope prefix length must be N; needs --subnet (a scope comes back only for a subnet sent).', helpValue: 'N', min: 0, max: 128, dependsOn: ['subnet'], helpGroup: 'EXPECTATIONS'}),
  }

  async run(): Promise<QueryResult & {expectations?: ExpectationResult[]}> {
    const {args, flags, metadata} = await this.parse(Query)
    const expect: QueryExpectOptions = {
      answer: flags['expect-answer'],
      rcode: flags['expect-rcode'] === undefined ? undefined : parseExpectedRcode(flags['expect-rcode']),
      authoritative: flags['expect-authoritative'],
      nsid: flags['expect-nsid'],
      scope: flags['expect-scope'],
    }
    // Positional arguments: @server anywhere (as dig: `dig @192.0.2.1 name`), then NAME, then
    // type and class in any order.
    let type = 'A'
    let klass = flags.class
    let server = flags.server
    let sawType = false
    let name: string | undefined
    for (const a of [args.name, args.type, args.extra, args.extra2]) {
      if (a === undefined) continue
      if (a.startsWith('@')) {
        if (server) throw new UsageError(`two servers given (${server} and ${a})`)
        server = a.slice(1)
      } else if (name === undefined) {
        name = a
      } else if (/^(IN|CH|CHAOS|HS|CLASS\d+)$/i.test(a)) {
        klass = a
      } else if (!sawType) {
        type = a
        sawType = true
      } else throw new UsageError(`unexpected argument "${a}"`)
    }
    if (name === undefined) throw new UsageError('no name to query (give NAME as well as @SERVER)')
    const question = makeQuestion(name, type, klass)
    const port = validatePort(flags.port)
    const subnet = flags.subnet === undefined ? null : parseSubnet(flags.subnet)
    const subnetSaid = subnet && subnetNote(subnet)
    if (subnetSaid) this.note(`note: ${subnetSaid}`)
    const family = flags.ipv4 ? 4 : flags.ipv6 ? 6 : undefined
    const ctx = await createContext({lab: flags.lab})
    try {
      const req = {
        question,
        tcp: Boolean(flags.tcp),
        ignoreTc: flags['ignore-tc'],
        rd: !flags.norecurse,
        dnssec: Boolean(flags.dnssec),
        nsid: Boolean(flags.nsid) || expect.nsid !== undefined,
        subnet,
        edns: flags.edns,
        timeoutMs: flags.timeout,
        retries: flags.retries,
      }
      // Without @SERVER: every nameserver of resolv.conf in turn, as the system's stub asks them;
      // its timeout yields to --timeout given on the command line.
      let result
      if (server === undefined) {
        result = await runDefaultQuery(ctx, req, {ownTimeout: !metadata.flags.timeout?.setFromDefault, port, family})
      } else {
        const {endpoint, serverInput} = await queryEndpoint(ctx, server, port, family)
        result = await runQuery(ctx.client, {...req, server: endpoint, serverInput})
      }
      if (result.status === 'error') {
        throw new NetworkError(result.error?.message ?? 'no reply', result.error?.code === 'unmapped' ? 'unmapped' : 'no-reply')
      }
      const expectations = queryExpectations(result, expect)
      if (!this.jsonEnabled()) this.out(renderQuery(result))
      this.reportExpectations(expectations)
      return expectations.length ? {...result, expectations} : result
    } finally {
      await ctx.close()
    }
  }
}
