/**
 * Drives the trace engine with a DNS client: every query the engine yields is
 * sent (RD=0, EDNS, DO when validating), in parallel when it yields several.
 */
import type {DnsClient, Exchange} from '../dns/client.js'
import {traceEngine, type TraceOptions, type TraceOutcome, type TraceQuery, type TraceResult} from './engine.js'

export interface DriveOptions {
  client: DnsClient
  /** Port for every server queried (NS records carry no port), as dig -p. */
  port: number
  timeoutMs: number
  retries?: number
  dnssec?: boolean
  /** Called with every exchange, for debugging and DNSSEC data collection. */
  onExchange?: (q: TraceQuery, ex: Exchange) => void
}

export async function runTrace(opts: Omit<TraceOptions, 'now'> & {now?: () => number}, drive: DriveOptions): Promise<TraceResult> {
  const now = opts.now ?? (() => drive.client.transport.clock.now())
  return driveGenerator(traceEngine({...opts, now}), drive)
}

/** Run any query-yielding generator (the walk, the DNSSEC pass) to completion. */
export async function driveGenerator<T>(gen: Generator<TraceQuery[], T, TraceOutcome[]>, drive: DriveOptions): Promise<T> {
  let r = gen.next()
  while (!r.done) {
    const outs = await Promise.all(r.value.map((q) => exchange(q, drive)))
    r = gen.next(outs)
  }
  return r.value
}

async function exchange(q: TraceQuery, drive: DriveOptions): Promise<TraceOutcome> {
  const retries = drive.retries ?? 1
  // The client's own bound for the exchange (every try, plus TCP after TC), capped by the
  // trace's overall deadline so that no query in flight outlives --deadline.
  const own = drive.client.transport.clock.now() + drive.timeoutMs * (retries + 2)
  const ex = await drive.client.exchange({
    server: {address: q.server.address, port: drive.port},
    question: {name: q.qname, type: q.qtype, class: 'IN'},
    rd: false,
    edns: {do: Boolean(drive.dnssec)},
    timeoutMs: drive.timeoutMs,
    retries,
    ...(q.deadline !== undefined ? {deadline: Math.min(q.deadline, own)} : {}),
  })
  drive.onExchange?.(q, ex)
  return {
    message: ex.message,
    error: ex.error,
    rttMs: ex.rttMs,
    totalMs: ex.totalMs,
    transport: ex.transport,
    transportReason: ex.transportReason,
    retries: ex.retries,
    ednsFallback: ex.ednsFallback,
    ignored: ex.ignored.map((i) => i.reason),
  }
}
