/** Expectations for `dnsx query` (and `dnsx check`'s query checks), in the style of trace's. */
import {expectation, listOrNone, type ExpectationResult} from './expect.js'
import type {QueryResult} from './query.js'
import {sameData} from './trace/expect.js'

export interface QueryExpectOptions {
  /** Every value must be the data of some record in the answer section. */
  answer?: string[]
  /** The reply's rcode. */
  rcode?: string
  /** The reply must have AA set. */
  authoritative?: boolean
  /** The reply's NSID (as text, or as hex with or without 0x). */
  nsid?: string
  /** The ECS scope prefix length of the reply. */
  scope?: number
}

export function queryExpectations(r: QueryResult, e: QueryExpectOptions): ExpectationResult[] {
  const out: ExpectationResult[] = []
  const data = r.answers.map((a) => a.data)
  for (const v of e.answer ?? []) {
    out.push(expectation(`answer=${v}`, data.some((d) => sameData(d, v)), `${v} in the answer`, listOrNone(data)))
  }
  if (e.rcode !== undefined) {
    const want = e.rcode.toUpperCase()
    const got = r.rcode ?? 'no reply'
    out.push(expectation(`rcode=${want}`, got.toUpperCase() === want, want, got))
  }
  if (e.authoritative) {
    const got = r.authoritative === null ? 'no reply' : r.authoritative ? 'authoritative' : 'non-authoritative'
    out.push(expectation('authoritative', r.authoritative === true, 'an authoritative answer (AA)', got))
  }
  if (e.nsid !== undefined) {
    const nsid = r.edns?.nsid ?? null
    const hex = (s: string) => s.toLowerCase().replace(/^0x/, '')
    const ok = nsid !== null && (nsid.text === e.nsid || hex(nsid.hex) === hex(e.nsid))
    const got = nsid === null ? (r.edns ? 'no NSID in the reply' : 'no EDNS in the reply') : nsid.text !== null ? nsid.text : `0x${nsid.hex}`
    out.push(expectation(`nsid=${e.nsid}`, ok, e.nsid, got))
  }
  if (e.scope !== undefined) {
    const ecs = r.edns?.ecs ?? null
    const got = ecs === null ? (r.edns ? 'no ECS in the reply' : 'no EDNS in the reply') : `/${ecs.scopePrefix}`
    out.push(expectation(`scope=${e.scope}`, ecs !== null && ecs.scopePrefix === e.scope, `/${e.scope}`, got))
  }
  return out
}
