/**
 * A scripted DNS world for the trace engine's unit tests: server address → handler, the engine
 * driven by hand with the handlers' replies (no I/O, no clock).
 */
import type {DnsMessage, Rr} from '../../../src/lib/dns/message.js'
import {rcodeValue} from '../../../src/lib/dns/types.js'
import {traceEngine, type TraceOptions, type TraceOutcome, type TraceQuery, type TraceResult} from '../../../src/lib/trace/engine.js'

export type Reply = Partial<DnsMessage> & {aa?: boolean}
/** A scripted server: (qname, qtype) → reply, or null for silence. */
export type Handler = (qname: string, qtype: string) => Reply | null
/** A scripted outcome for odd exchanges (EDNS fallback, ignored packets). */
export type Extra = Pick<TraceOutcome, 'retries' | 'totalMs' | 'ednsFallback' | 'ignored'>

export const rr = (name: string, type: string, data: unknown, ttl = 300): Rr => ({name, type, class: 'IN', ttl, data} as any)
export const soa = (zone: string) => rr(zone, 'SOA', {mname: `ns.${zone}`, rname: `h.${zone}`, serial: 1, refresh: 1, retry: 1, expire: 1, minimum: 60})

export function msg(p: Reply): DnsMessage {
  return {
    id: 1,
    opcode: 'QUERY',
    flags: {qr: true, aa: p.aa ?? false, tc: false, rd: false, ra: false, z: false, ad: false, cd: false},
    rcode: p.rcode ?? 'NOERROR',
    rcodeValue: rcodeValue(p.rcode ?? 'NOERROR') ?? 0,
    questions: [],
    answers: p.answers ?? [],
    authorities: p.authorities ?? [],
    additionals: p.additionals ?? [],
    edns: null,
    counts: {question: 0, answer: 0, authority: 0, additional: 0},
    size: 0,
  }
}

export function run(world: Record<string, Handler>, opts: Partial<TraceOptions> & {name: string}, extra: Record<string, Extra> = {}): {r: TraceResult, sent: TraceQuery[]} {
  const gen = traceEngine({type: 'A', rootHints: [{name: 'a.root.test', address: '198.51.100.1'}], family: 'both', now: () => 0, prime: false, ...opts} as TraceOptions)
  const sent: TraceQuery[] = []
  let it = gen.next()
  while (!it.done) {
    const outs = it.value.map((q): TraceOutcome => {
      sent.push(q)
      const m = world[q.server.address]?.(q.qname, q.qtype) ?? null
      const more = extra[q.server.address] ?? {}
      return m
        ? {message: msg(m), error: null, rttMs: 5, transport: 'udp', transportReason: 'udp', ...more}
        : {message: null, error: {code: 'timeout', message: 'timeout'}, rttMs: 100, transport: 'udp', transportReason: 'udp', ...more}
    })
    it = gen.next(outs)
  }
  return {r: it.value, sent}
}

