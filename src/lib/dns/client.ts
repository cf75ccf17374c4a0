/**
 * The DNS client: one exchange with one server, done the way a careful
 * resolver does it (RFC 5452, RFC 7766, RFC 6891) and reported in full.
 *
 * - UDP with a random ID and a fresh source port per try; a reply is accepted
 *   only from the address and port queried, with our ID and our question;
 *   everything else is ignored (and counted) while we keep waiting.
 * - TC=1 → the same query to the same server over TCP; if that fails, the exchange fails
 *   (a truncated reply is not an answer) unless the caller keeps truncated replies.
 * - BADVERS → once more at the EDNS version the server advertises (RFC 6891 §6.1.3), when it
 *   is lower than ours; FORMERR, NOTIMP or BADVERS to an EDNS query → once more without EDNS.
 * - Bounded tries, and one absolute deadline for the whole exchange.
 */
import {randomInt} from 'node:crypto'
import {decodeMessage, encodeQuery, MalformedMessageError, questionMatches, type DnsMessage, type EdnsRequest, type Question} from './message.js'
import {NodeTransport, type Datagram, type DnsTransport, type Endpoint, type IgnoredPacket, type Verdict} from './transport.js'

export type IdGenerator = () => number
export const randomId: IdGenerator = () => randomInt(0, 65536)

export interface ExchangeOptions {
  server: Endpoint
  question: Question
  /** Recursion desired (default true). */
  rd?: boolean
  cd?: boolean
  /** EDNS settings; `false` sends a plain DNS query. Default: EDNS(0), 1232 bytes. */
  edns?: EdnsRequest | false
  /** Use TCP from the start. */
  tcp?: boolean
  /** Per-try timeout in ms (default 2000). */
  timeoutMs?: number
  /** UDP tries after the first when a try times out (default 1). */
  retries?: number
  /** Absolute deadline on the transport's clock for the whole exchange. */
  deadline?: number
  /** Retry without EDNS on FORMERR/NOTIMP/BADVERS (default true). */
  ednsFallback?: boolean
  /** Retry over TCP when TC=1 (default true); false keeps the truncated UDP reply (dig +ignore). */
  tcpOnTruncation?: boolean
}

export interface AttemptReport {
  transport: 'udp' | 'tcp'
  edns: boolean
  id: number
  outcome: 'reply' | 'timeout' | 'error' | 'truncated' | 'edns-rejected'
  rttMs: number
  bytesSent: number
  bytesReceived: number
  localPort?: number | null
  error?: string
}

export interface ExchangeError {
  /** 'timeout' | 'unmapped' | 'refused' | 'unreachable' | 'no-route' | 'closed' | 'malformed' | 'socket' */
  code: string
  message: string
  /** Set when the message already says what was ignored ("3 malformed, 1 wrong ID"). */
  ignoredSummary?: string
}

/** Everything that happened in one exchange. */
export interface Exchange {
  server: Endpoint
  question: Question
  /** Transport of the final reply (or of the last try). */
  transport: 'udp' | 'tcp'
  /** Why that transport: "udp", "tcp requested", "tcp after TC". */
  transportReason: string
  /** True when the server rejected EDNS and the answer came without it. */
  ednsFallback: boolean
  /** RTT of the try that produced the reply (ms), or of the last try. */
  rttMs: number
  /** Wall time of the whole exchange (ms). */
  totalMs: number
  /** The same query sent again after a try timed out (a switch to TCP after TC, or an EDNS
   * fallback, is not a retry: see transportReason, ednsFallback and attempts). */
  retries: number
  /** Octets sent over every attempt. */
  bytesSent: number
  /** Octets of the accepted reply (the answer's size). */
  bytesReceived: number
  ignored: IgnoredPacket[]
  attempts: AttemptReport[]
  /** Raw wire bytes of the last query sent and of the accepted reply, hex. */
  wire: {query: string, reply: string | null}
  message: DnsMessage | null
  error: ExchangeError | null
  /** Notes a user should see (e.g. "TCP after TC failed; showing the truncated UDP reply"). */
  notes: string[]
}

export interface ClientOptions {
  transport?: DnsTransport
  idGenerator?: IdGenerator
}

const EDNS_REJECTING = new Set(['FORMERR', 'NOTIMP', 'BADVERS'])

/** A DNS client bound to a transport. */
export class DnsClient {
  readonly transport: DnsTransport
  private readonly nextId: IdGenerator

  constructor(opts: ClientOptions = {}) {
    this.transport = opts.transport ?? new NodeTransport()
    this.nextId = opts.idGenerator ?? randomId
  }

  /** Perform one exchange. Never throws for network or server misbehaviour. */
  async exchange(opts: ExchangeOptions): Promise<Exchange> {
    const clock = this.transport.clock
    await this.transport.prepare?.(opts.server)
    const start = clock.now()
    const timeoutMs = opts.timeoutMs ?? 2000
    const retries = Math.max(0, opts.retries ?? 1)
    const deadline = opts.deadline ?? start + timeoutMs * (retries + 1) + timeoutMs
    let edns: EdnsRequest | false = opts.edns === undefined ? {} : opts.edns
    const report: Exchange = {
      server: opts.server,
      question: opts.question,
      transport: opts.tcp ? 'tcp' : 'udp',
      transportReason: opts.tcp ? 'tcp requested' : 'udp',
      ednsFallback: false,
      rttMs: 0,
      totalMs: 0,
      retries: 0,
      bytesSent: 0,
      bytesReceived: 0,
      ignored: [],
      attempts: [],
      wire: {query: '', reply: null},
      message: null,
      error: null,
      notes: [],
    }
    let useTcp = Boolean(opts.tcp)
    let udpTriesLeft = retries + 1
    let truncated = false
    let triedWithoutEdns = false
    let triedVersion = false
    const noAcceptableReply = (): ExchangeError => {
      const what = summarizeIgnored(report.ignored)
      return {code: 'timeout', message: `no acceptable reply from ${opts.server.address} port ${opts.server.port} in ${Math.max(0, Math.round(clock.now() - start))} ms (${what} ignored)`, ignoredSummary: what}
    }

    for (;;) {
      const now = clock.now()
      if (now >= deadline) {
        report.error ??= report.ignored.length ? noAcceptableReply() : {code: 'timeout', message: `no reply from ${opts.server.address} port ${opts.server.port} before the deadline`}
        break
      }
      const tryDeadline = Math.min(deadline, now + timeoutMs)
      const id = this.nextId() & 0xffff
      const wire = encodeQuery({id, question: opts.question, rd: opts.rd, cd: opts.cd, edns})
      report.wire.query = wire.toString('hex')
      // The acceptor decodes each candidate reply; keep the one it accepts.
      let accepted: DnsMessage | null = null
      const accept = makeAcceptor(id, opts.question, (m) => (accepted = m))
      const sentVersion = edns === false ? null : edns.version ?? 0
      const t0 = clock.now()
      const transportName = useTcp ? 'tcp' : 'udp'
      const result = useTcp
        ? await this.transport.tcp({server: opts.server, wire, deadline: tryDeadline, accept})
        : await this.transport.udp({server: opts.server, wire, deadline: tryDeadline, accept})
      const rtt = clock.now() - t0
      report.ignored.push(...result.ignored)
      report.bytesSent += result.bytesSent
      report.transport = transportName
      report.rttMs = rtt
      const attempt: AttemptReport = {transport: transportName, edns: edns !== false, id, outcome: 'timeout', rttMs: rtt, bytesSent: result.bytesSent, bytesReceived: 0}
      if ('localPort' in result) attempt.localPort = result.localPort
      report.attempts.push(attempt)

      if (result.kind === 'error') {
        attempt.outcome = 'error'
        attempt.error = result.error.message
        report.error = {code: result.error.code, message: result.error.message}
        // Unmapped, refused, unreachable: another try would meet the same fate.
        break
      }
      if (result.kind === 'timeout') {
        attempt.outcome = 'timeout'
        const what = useTcp ? 'TCP' : 'UDP'
        report.error = report.ignored.length ? noAcceptableReply() : {code: 'timeout', message: `no reply from ${opts.server.address} port ${opts.server.port} over ${what} in ${Math.max(0, Math.round(rtt))} ms`}
        // A try cut short by the exchange's deadline ends the exchange (timers
        // may fire a fraction of a millisecond early: do not start a sliver of a try).
        if (!useTcp && udpTriesLeft > 1 && tryDeadline < deadline) {
          udpTriesLeft--
          report.retries++
          continue
        }
        break
      }
      // An accepted reply: bytesReceived is the answer's size (a truncated UDP reply or an EDNS
      // rejection before it is in its attempt, not added to it).
      attempt.bytesReceived = result.data.length
      report.bytesReceived = result.data.length
      const msg = accepted ?? decodeMessage(result.data)
      report.error = null
      if (!useTcp && msg.flags.tc && (opts.tcpOnTruncation ?? true)) {
        attempt.outcome = 'truncated'
        truncated = true
        useTcp = true
        report.transportReason = 'tcp after TC'
        // Not a retry (the same question again after silence): a switch of transport.
        continue
      }
      // BADVERS carries the highest version the server implements (RFC 6891 §6.1.3): ask at
      // that version once before giving EDNS up.
      const advertised = msg.edns?.version
      if (edns !== false && msg.rcode === 'BADVERS' && !triedVersion && advertised !== undefined && sentVersion !== null && advertised < sentVersion && (opts.ednsFallback ?? true)) {
        attempt.outcome = 'edns-rejected'
        report.notes.push(`BADVERS to EDNS version ${sentVersion}; retried at version ${advertised}, the server's`)
        edns = {...edns, version: advertised}
        triedVersion = true
        continue
      }
      if (edns !== false && EDNS_REJECTING.has(msg.rcode) && !triedWithoutEdns && (opts.ednsFallback ?? true)) {
        attempt.outcome = 'edns-rejected'
        report.notes.push(`${msg.rcode} to an EDNS query; retried without EDNS`)
        edns = false
        triedWithoutEdns = true
        report.ednsFallback = true
        continue
      }
      attempt.outcome = 'reply'
      report.message = msg
      report.wire.reply = result.data.toString('hex')
      break
    }

    if (!report.message && truncated && report.error) {
      // TCP after TC failed: the exchange failed. A truncated reply is not an answer (its
      // sections may be cut anywhere); callers who want it ask with tcpOnTruncation: false.
      report.error = {...report.error, message: `the UDP reply was truncated (TC=1) and TCP failed: ${report.error.message}`}
    }
    report.totalMs = clock.now() - start
    return report
  }
}

/**
 * Build the acceptance test for replies (RFC 5452 §9.1): QR set, our ID, our
 * question (name case-insensitively, type, class), and well-formed. FORMERR
 * and NOTIMP replies may omit the question (RFC 6891 §7 servers often do).
 */
export function makeAcceptor(id: number, question: Question, onAccept?: (msg: DnsMessage) => void): (d: Datagram) => Verdict {
  return (d) => {
    if (d.data.length < 12) return `short packet (${d.data.length} bytes)`
    const rid = d.data.readUInt16BE(0)
    if (rid !== id) return `wrong ID ${rid} (expected ${id})`
    let msg: DnsMessage
    try {
      msg = decodeMessage(d.data)
    } catch (err) {
      return err instanceof MalformedMessageError ? err.message : `undecodable reply: ${(err as Error).message}`
    }
    if (!msg.flags.qr) return 'not a response (QR=0)'
    if (msg.opcode !== 'QUERY') return `wrong opcode ${msg.opcode} (expected QUERY)`
    const questionlessError = msg.questions.length === 0 && (msg.rcode === 'FORMERR' || msg.rcode === 'NOTIMP' || msg.rcode === 'BADVERS')
    if (!questionlessError && !questionMatches(msg, question)) {
      const q = msg.questions[0]
      return q ? `wrong question ${q.name} ${q.class} ${q.type}` : 'reply has no question'
    }
    onAccept?.(msg)
    return true
  }
}

/** The kinds of packet an acceptor ignores, as the reasons it gives begin. */
const IGNORED_KINDS: [RegExp, string][] = [
  [/^wrong ID/, 'wrong ID'],
  [/^wrong question|^reply has no question/, 'wrong question'],
  [/^from unexpected source/, 'wrong source'],
  [/^not a response/, 'not a response'],
  [/^wrong opcode/, 'wrong opcode'],
]

/** "3 malformed, 1 wrong ID": what was ignored, by kind, most frequent first. */
export function summarizeIgnored(ignored: readonly {reason: string}[]): string {
  const counts = new Map<string, number>()
  for (const i of ignored) {
    const kind = IGNORED_KINDS.find(([re]) => re.test(i.reason))?.[1] ?? 'malformed'
    counts.set(kind, (counts.get(kind) ?? 0) + 1)
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${n} ${k}`).join(', ')
}
