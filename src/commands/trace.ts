// Subpath imports: loading the whole of @oclif/core costs start-up time.
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {setFlagsFromString} from 'node:v8'
import {DnsxCommand} from '../lib/cli/base.js'
import {createContext} from '../lib/context.js'
import {validatePort} from '../lib/dns/endpoint.js'
import {authorityFlags} from '../lib/cli/flags.js'
import {parseType} from '../lib/dns/message.js'
import {validateName} from '../lib/dns/names.js'
import {UsageError} from '../lib/errors.js'
import {bogusLine, traceExpectations, traceFailure, type TraceExpectOptions} from '../lib/trace/expect.js'
import {failLine, parseExpectedRcode} from '../lib/expect.js'
import {fitLine} from '../lib/words.js'
import {parseTraceFields, projectTrace, TRACE_FIELDS, type TraceJson} from '../lib/trace/json.js'
import {renderComparison, renderDnssecMermaid, renderMermaid, renderStep, renderTrace, renderTraceHead, renderTraceTail} from '../lib/render/trace.js'
import {stepJson} from '../lib/trace/json.js'
import {fqdn} from '../lib/dns/names.js'
import {parseDuration, parseInstant} from '../lib/time.js'
import {runTraceJob, type TraceJobOptions} from '../lib/trace/run.js'

export default class Trace extends DnsxCommand {
  static override summary = 'Resolve a name iteratively from the root, step by step, marking what is authoritative.'
  static override description = `A true iterative resolver (never the system's): primes the root from the hints (RFC 9609), follows
referrals using only in-bailiwick glue, resolves glueless NS names in nested sub-traces, follows CNAME and
DNAME chains across zones, retries over TCP on truncation, and names lame, dead and inconsistent servers.
Every step shows the server, transport, RTT, rcode and whether the reply was authoritative (AA).`

  static override examples = [
    '<%= config.bin %> trace www.example.test --lab',
    '<%= config.bin %> trace www.example.test AAAA --all --lab',
    '<%= config.bin %> trace www.example.test --lab --format mermaid',
    '<%= config.bin %> trace example.com --expect-authoritative --expect-answer 93.184.215.14',
  ]

  static override args = {
    name: Args.string({ignoreStdin: true, description: 'Domain name to resolve (omit with --file).'}),
    type: Args.string({ignoreStdin: true, description: 'Record type (default A).'}),
  }

  static override flags = {
    ...authorityFlags,
    all: Flags.boolean({description: 'Query every NS and address at each cut in parallel; report lame servers, NS and glue mismatches, disagreements.'}),
    format: Flags.string({description: 'Output format.', options: ['text', 'mermaid', 'json'], default: 'text'}),
    verbose: Flags.boolean({char: 'v', description: 'Show referral records too.'}),
    'compare-recursive': Flags.string({description: 'Also ask a recursive resolver and compare (ADDR, or "default": the first in /etc/resolv.conf, or the lab\'s).', helpValue: 'ADDR|default'}),
    dnssec: Flags.boolean({description: 'Request DNSSEC records and validate the chain of trust (DS → DNSKEY → RRSIG, NSEC/NSEC3).'}),
    'trust-anchor': Flags.string({description: 'Trust anchor file (DS/DNSKEY records or root-anchors.xml) instead of IANA\'s root KSKs.'}),
    'dnssec-time': Flags.string({description: 'With --dnssec: validate signatures as of TIME (ISO 8601, Unix seconds or YYYYMMDDHHmmSS) instead of now.', helpValue: 'TIME'}),
    'warn-expiry': Flags.string({description: 'With --dnssec: warn (dnssec-expiring) about signatures that expire within DURATION (default 7d).', helpValue: 'DURATION'}),
    qmin: Flags.boolean({description: 'QNAME minimisation (RFC 9156): reveal one label per zone cut, with fallbacks.'}),
    'max-queries': Flags.integer({description: 'Stop after this many queries.', default: 200, min: 1}),
    'max-referrals': Flags.integer({description: 'Stop after this many referrals per name.', default: 30, min: 1}),
    'max-cnames': Flags.integer({description: 'Longest CNAME/DNAME chain followed.', default: 12, min: 0}),
    'max-glueless': Flags.integer({description: 'Glueless NS names resolved per delegation before its servers are given up (NXNS bound; default 5, 20 with --all).', min: 0}),
    deadline: Flags.integer({description: 'Overall deadline for one trace, in ms.', default: 30_000, min: 1}),
    file: Flags.string({description: 'Trace every name in FILE (one "NAME [TYPE]" per line; - for stdin).'}),
    concurrency: Flags.integer({description: 'Parallel traces with --file.', default: 8, min: 1, max: 4096}),
    'answer-cache': Flags.boolean({description: 'With --file: answer a name asked again within its TTL from the run\'s cache (negative answers too, RFC 2308).', default: true, allowNo: true}),
    fields: Flags.string({description: `One compact JSON line per name with only these fields, comma-separated: ${Object.keys(TRACE_FIELDS).join(', ')}.`, helpValue: 'LIST'}),
    'expect-answer': Flags.string({description: 'Every VALUE must be in the final answer\'s data (repeatable).', multiple: true, helpGroup: 'EXPECTATIONS'}),
    'expect-rcode': Flags.string({description: 'The final rcode must be RCODE.', helpGroup: 'EXPECTATIONS'}),
    'expect-authoritative': Flags.boolean({description: 'The final answer must be authoritative (AA).', helpGroup: 'EXPECTATIONS'}),
    'expect-no-problems': Flags.boolean({description: 'No problem may be reported.', helpGroup: 'EXPECTATIONS'}),
    'expect-dnssec': Flags.string({description: 'With --dnssec: the answer\'s validation status must be STATUS.', options: ['secure', 'insecure', 'indeterminate', 'bogus'], helpGroup: 'EXPECTATIONS'}),
  }

  /**
   * Could not complete (no answer, a chain that ended in a loop or a failure, or a bogus answer
   * under --dnssec not expected to be): exit 3, over an unmet expectation's 1.
   */
  private exitForFailure(j: TraceJson, expect: TraceExpectOptions): void {
    const failure = traceFailure(j, expect)
    if (failure === 'bogus') this.note(bogusLine(j))
    if (failure !== null) process.exitCode = 3
  }

  async run(): Promise<TraceJson | undefined> {
    const {args, flags} = await this.parse(Trace)
    const port = validatePort(flags.port)!
    const fields = flags.fields === undefined ? undefined : parseTraceFields(flags.fields)
    const json = this.jsonEnabled() || flags.format === 'json' || fields !== undefined
    const line = (j: TraceJson) => JSON.stringify(fields ? projectTrace(j, fields) : j) + '\n'
    const expect: TraceExpectOptions = {
      answer: flags['expect-answer'],
      rcode: flags['expect-rcode'] === undefined ? undefined : parseExpectedRcode(flags['expect-rcode']),
      authoritative: flags['expect-authoritative'],
      noProblems: flags['expect-no-problems'],
      dnssec: flags['expect-dnssec'],
    }
    if (flags.file && args.name) throw new UsageError('give either NAME or --file, not both')
    if (!flags.file && !args.name) throw new UsageError('missing NAME (or --file)')
    if (flags['trust-anchor'] && !flags.dnssec) throw new UsageError('--trust-anchor needs --dnssec')
    if (flags['expect-dnssec'] && !flags.dnssec) throw new UsageError('--expect-dnssec needs --dnssec')
    const compare = flags['compare-recursive']
    const name = flags.file ? '' : validateName(args.name!)
    const type = parseType(args.type ?? 'A')
    const ctx = await createContext({lab: flags.lab})
    try {
      const job: TraceJobOptions = {
        ctx,
        rootHintsFile: flags['root-hints'],
        servers: flags.server,
        port,
        family: flags.ipv4 ? 4 : flags.ipv6 ? 6 : undefined,
        timeoutMs: flags.timeout,
        all: flags.all,
        dnssec: flags.dnssec,
        trustAnchorFile: flags['trust-anchor'],
        dnssecTime: flags['dnssec-time'] === undefined ? undefined : parseInstant(flags['dnssec-time'], '--dnssec-time'),
        warnExpiryS: flags['warn-expiry'] === undefined ? undefined : Math.round(parseDuration(flags['warn-expiry'], '--warn-expiry') / 1000),
        qmin: flags.qmin,
        limits: {maxQueries: flags['max-queries'], maxReferrals: flags['max-referrals'], maxCnames: flags['max-cnames'], deadlineMs: flags.deadline,
          ...(flags['max-glueless'] === undefined ? {} : {maxGlueless: flags['max-glueless'], maxGluelessAll: flags['max-glueless']})},
        compareRecursive: compare === undefined ? undefined : compare === 'default' ? '' : compare,
        // A --fields line shows none of the steps: do not build them as JSON.
        leanSteps: fields !== undefined,
      }
      if (flags.file) {
        const [{runBulk}, {renderBulkLine, renderBulkSummary, renderProgress}] = await Promise.all([import('../lib/trace/bulk.js'), import('../lib/render/trace.js')])
        // Hundreds of traces in flight outlive young-generation collections, so their garbage is
        // promoted, and V8 lets the old generation grow to about four times what is live (some
        // 25 MB) before collecting it. Growing it by 30% at a time keeps peak RSS near 150 MiB
        // rather than 240 at 512 in flight, for some 10% fewer names per second (bench/bulk.mjs).
        setFlagsFromString('--heap-growing-percent=30')
        const progress = Boolean(process.stderr.isTTY) && !json
        // Lines are written in batches (one write per 64 KiB), not one write per name.
        let out = ''
        const flush = () => {
          if (out) process.stdout.write(out)
          out = ''
        }
        const summary = await runBulk(job, {
          file: flags.file, concurrency: flags.concurrency, expect, answerCache: flags['answer-cache'],
          onResult: (j, failed, done, total) => {
            if (failed.length > 0) flush()
            for (const f of failed) this.note(`${progress ? '\r' : ''}${j.name} ${j.type}: ${failLine(f)}`)
            if (traceFailure(j, expect) === 'bogus') this.note(`${progress ? '\r' : ''}${bogusLine(j)}`)
            out += json ? line(j) : renderBulkLine(j)
            if (out.length >= 65_536 || progress) flush()
            if (progress) process.stderr.write(`\r${fitLine(renderProgress(done, total).slice(1), process.stderr.columns)}`)
          },
        }).finally(flush)
        if (progress) process.stderr.write('\n')
        if (!json) this.note(renderBulkSummary(summary))
        // Any name that could not be resolved makes the run incomplete: 3 wins over 1.
        if (summary.errors > 0) process.exitCode = 3
        else if (summary.failedExpectations > 0) process.exitCode = 1
        return undefined
      }
      // On a terminal, each step is printed as it completes, as dig +trace does: a dead server's
      // timeouts show while they are being waited out, not after the whole walk.
      const streaming = Boolean(process.stdout.isTTY) && !json && flags.format === 'text' && fields === undefined
      if (streaming) {
        process.stdout.write(renderTraceHead({name: fqdn(name), type}))
        // The engine announces every step before it returns: the tail is all that is left.
        job.onStep = (s) => process.stdout.write(renderStep(stepJson(s), {verbose: flags.verbose}))
      }
      const j = await runTraceJob(job, name, type)
      const results = traceExpectations(j, expect)
      if (results.length) j.expectations = results
      if (fields) {
        // The compact line replaces the full shape, --json or not.
        process.stdout.write(line(j))
        this.reportExpectations(results)
        this.exitForFailure(j, expect)
        return undefined
      }
      if (flags.format === 'json' && !this.jsonEnabled()) process.stdout.write(line(j))
      else if (!json) {
        // With --dnssec the picture is the chain of trust (as DNSViz draws it); else the exchanges.
        if (streaming) this.out(renderTraceTail(j, {verbose: flags.verbose}))
        else this.out(flags.format === 'mermaid' ? (j.dnssec ? renderDnssecMermaid(j.dnssec) : renderMermaid(j)) : renderTrace(j, {verbose: flags.verbose}))
        if (j.recursive) {
          this.out(renderComparison(j.recursive))
        }
      }
      this.reportExpectations(results)
      this.exitForFailure(j, expect)
      return j
    } finally {
      await ctx.close()
    }
  }
}
