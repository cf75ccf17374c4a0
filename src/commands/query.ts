// Subpath imports: loading the whole of @oclif/core costs start-up time.
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {DnsxCommand} from '../lib/cli/base.js'
import {createContext} from '../lib/context.js'
import {validatePort} from '../lib/dns/endpoint.js'
import {parseSubnet, reverseName, subnetNote} from '../lib/net/cidr.js'
import {makeQuestion} from '../lib/dns/message.js'
import {NetworkError, UsageError} from '../lib/errors.js'
import {parseExpectedRcode, type ExpectationResult} from '../lib/expect.js'
import {queryExpectations, type QueryExpectOptions} from '../lib/query-expect.js'
import {queryEndpoint, runDefaultQuery, runQuery, type QueryResult} from '../lib/query.js'
import {renderQuery, renderShort} from '../lib/render/query.js'
import {fromDigArgs, DIG_OPTION_NAMES} from '../lib/cli/dig-args.js'
import {parseType} from '../lib/dns/types.js'
import {parseEdnsOption} from '../lib/dns/edns.js'

export default class Query extends DnsxCommand {
  static override summary = 'Send one DNS query to one server and show the whole reply (a dig for scripts).'
  static override description = `Arguments may come in any order, as dig takes them: @SERVER, NAME, record types (several: one
query each; numbers too, 65000 or TYPE65000) and a class (IN, CH, HS or CLASSnnn). dig's own
options work as well: -t TYPE, -q NAME, -x ADDRESS (reverse lookup), -c CLASS, -p PORT and
${DIG_OPTION_NAMES.join(' ')}.
Without a server, every nameserver of /etc/resolv.conf is asked in turn, with its timeout, attempts and rotate options (the lab's resolver under --lab).
Queries carry EDNS(0) with a 1232-byte payload by default (--no-edns sends none); --nsid, --subnet and --dnssec add their options to it.
A reply is accepted only from the server queried, with our ID and question; others are ignored and counted.
TC=1 makes dnsx repeat the query over TCP; FORMERR to EDNS makes it retry without EDNS.`

  static override examples = [
    '<%= config.bin %> query www.example.test --lab',
    '<%= config.bin %> query example.test SOA @192.0.2.1 --norecurse --lab',
    '<%= config.bin %> query hostname.bind TXT CH @192.0.2.201 --lab',
    '<%= config.bin %> query geo.test A --subnet 198.51.100.0/24 --nsid --lab --json',
    '<%= config.bin %> query www.example.test @192.0.2.20 --norecurse --lab --expect-authoritative --expect-answer 192.0.2.80',
    '<%= config.bin %> query @192.0.2.20 example.test SOA NS MX +norec +short --lab',
    '<%= config.bin %> query -x 192.0.2.80 +short --lab',
  ]

  static override args = {
    name: Args.string({ignoreStdin: true, description: 'Domain name to query (@SERVER may come first, as in dig; or -q NAME, -x ADDRESS).'}),
    type: Args.string({ignoreStdin: true, description: 'Record type (default A), class or @SERVER.'}),
    extra: Args.string({ignoreStdin: true, description: 'Class or @SERVER.'}),
    extra2: Args.string({ignoreStdin: true, description: '@SERVER.', hidden: true}),
  }

  // Any number of types after NAME, and dig's words: the positional arguments are read in run().
  static override strict = false

  static override flags = {
    server: Flags.string({char: 's', description: 'Server to ask (address or name; also @SERVER).'}),
    short: Flags.boolean({description: 'Print only the answer data, one record per line (dig +short).'}),
    cookie: Flags.boolean({description: 'Send a DNS cookie (RFC 7873) and show the server\'s (dig +cookie).'}),
    padding: Flags.integer({description: 'Pad the query to a multiple of N octets (RFC 7830, RFC 8467; dig +padding).', helpValue: 'N', min: 0, max: 512}),
    ednsopt: Flags.string({description: 'Send EDNS option CODE[:HEX] (dig +ednsopt; repeatable).', multiple: true, helpValue: 'CODE[:HEX]'}),
    bufsize: Flags.integer({description: 'EDNS UDP payload size to advertise (dig +bufsize; default 1232).', min: 0, max: 65535}),
    reverse: Flags.string({description: 'Reverse lookup (dig -x): the in-addr.arpa or ip6.arpa name of ADDRESS, type PTR.', helpValue: 'ADDRESS'}),
    qtype: Flags.string({description: 'Record type (dig -t TYPE); repeatable.', multiple: true, helpValue: 'TYPE'}),
    qname: Flags.string({description: 'Name to query (dig -q NAME).', helpValue: 'NAME'}),
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

  async run(): Promise<(QueryResult & {expectations?: ExpectationResult[]}) | undefined> {
    // dig's syntax (+norec, +short, -t MX, -x ADDR ...) as dnsx's flags, before oclif parses them.
    const valueFlags = new Set(Object.entries(Query.flags).filter(([, f]) => f.type === 'option').flatMap(([n, f]) => [`--${n}`, ...(f.char ? [`-${f.char}`] : [])]))
    this.argv = fromDigArgs(this.argv, valueFlags)
    const {argv, flags, metadata} = await this.parse(Query)
    const expect: QueryExpectOptions = {
      answer: flags['expect-answer'],
      rcode: flags['expect-rcode'] === undefined ? undefined : parseExpectedRcode(flags['expect-rcode']),
      authoritative: flags['expect-authoritative'],
      nsid: flags['expect-nsid'],
      scope: flags['expect-scope'],
    }
    // Positional arguments, in any order as dig takes them: @SERVER, NAME (the first other word,
    // unless -q or -x gave it), then record types (several: one query each) and a class.
    let klass = flags.class
    let server = flags.server
    let name: string | undefined = flags.reverse === undefined ? flags.qname : reverseName(flags.reverse)
    if (flags.reverse !== undefined && flags.qname !== undefined) throw new UsageError('give either -x ADDRESS or -q NAME, not both')
    const types: string[] = (flags.qtype ?? []).map(parseType)
    for (const a of argv as string[]) {
      if (a.startsWith('@')) {
        if (server) throw new UsageError(`two servers given (${server} and ${a})`)
        server = a.slice(1)
      } else if (name === undefined) {
        name = a
      } else if (/^(IN|CH|CHAOS|HS|CLASS\d+)$/i.test(a)) {
        klass = a
      } else {
        // Not a class: a record type, or parseType's one-line "unknown record type" (exit 2).
        types.push(parseType(a))
      }
    }
    if (name === undefined) throw new UsageError('no name to query (give NAME as well as @SERVER)')
    if (types.length === 0) types.push(flags.reverse === undefined ? 'A' : 'PTR')
    const questions = types.map((type) => makeQuestion(name!, type, klass))
    const port = validatePort(flags.port)
    const subnet = flags.subnet === undefined ? null : parseSubnet(flags.subnet)
    const subnetSaid = subnet && subnetNote(subnet)
    if (subnetSaid) this.note(`note: ${subnetSaid}`)
    const family = flags.ipv4 ? 4 : flags.ipv6 ? 6 : undefined
    const ednsOptions = (flags.ednsopt ?? []).map(parseEdnsOption)
    const ctx = await createContext({lab: flags.lab})
    try {
      // One server for every type: @SERVER, or the system's resolvers asked in turn (their
      // timeout yields to --timeout given on the command line).
      const named = server === undefined ? undefined : await queryEndpoint(ctx, server, port, family)
      const results: (QueryResult & {expectations?: ExpectationResult[]})[] = []
      for (const question of questions) {
        const req = {
          question,
          tcp: Boolean(flags.tcp),
          ignoreTc: flags['ignore-tc'],
          rd: !flags.norecurse,
          dnssec: Boolean(flags.dnssec),
          nsid: Boolean(flags.nsid) || expect.nsid !== undefined,
          subnet,
          edns: flags.edns,
          udpPayload: flags.bufsize,
          cookie: flags.cookie,
          padBlock: flags.padding,
          ednsOptions: ednsOptions,
          timeoutMs: flags.timeout,
          retries: flags.retries,
        }
        const result = named
          ? await runQuery(ctx.client, {...req, server: named.endpoint, serverInput: named.serverInput})
          : await runDefaultQuery(ctx, req, {ownTimeout: !metadata.flags.timeout?.setFromDefault, port, family})
        if (result.status === 'error') {
          throw new NetworkError(result.error?.message ?? 'no reply', result.error?.code === 'unmapped' ? 'unmapped' : 'no-reply')
        }
        const expectations = queryExpectations(result, expect)
        results.push(expectations.length ? {...result, expectations} : result)
        if (!this.jsonEnabled()) this.out(flags.short ? renderShort(result) : renderQuery(result))
        this.reportExpectations(expectations)
      }
      // Several types under --json: one document per line, as trace --file writes them.
      if (results.length === 1) return results[0]
      if (this.jsonEnabled()) process.stdout.write(results.map((r) => JSON.stringify(r)).join('\n') + '\n')
      return undefined
    } finally {
      await ctx.close()
    }
  }
}
