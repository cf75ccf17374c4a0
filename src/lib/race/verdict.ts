/**
 * Per-family verdicts for a finished (or running) Happy Eyeballs race: what happened to IPv6 and to
 * IPv4, as data and as one line of text each, e.g.
 * "IPv6: black-holed, no answer in 2.0 s; Happy Eyeballs hid it by falling back to IPv4 after 250 ms".
 *
 * Statuses, decided per family from the attempt log and the DNS answers:
 * - `no-addresses`: DNS gave no address of that family (empty answer, error, or no answer yet).
 * - `not-tried`: there were addresses but no attempt ran to a result: none was started, or each was
 *   cancelled (the other family won) before waiting as long as the winner took to connect.
 * - `ok`: an attempt connected within `slowMs` (default 1000 ms).
 * - `slow`: an attempt connected but took longer than `slowMs`; or no attempt got an answer, they were
 *   cancelled after waiting longer than the winner took to connect, but for less than `blackholeMs`.
 * - `black-holed`: no attempt got any answer, and one either timed out (the driver's per-attempt
 *   timeout or the race's overall timeout) or waited at least `blackholeMs` (default 2000 ms).
 * - `refused` / `unreachable`: the attempts failed outright; refused if any was refused (TCP RST),
 *   unreachable otherwise (ICMP unreachable, or any other error, whose text is quoted).
 * When the other family won the race after this one had been tried, the message adds how Happy
 * Eyeballs hid the problem: "...; Happy Eyeballs hid it by falling back to IPv4 after 250 ms".
 */
import {formatMs} from '../clock.js'
import {type Family} from './rfc6724.js'
import {type AttemptRecord, type DnsRecord, type DoneOutput} from './scheduler.js'
import {count} from '../words.js'

/** What went on with one address family. */
export type VerdictStatus = 'ok' | 'slow' | 'black-holed' | 'refused' | 'unreachable' | 'not-tried' | 'no-addresses'

/** The verdict for one family, as data and as text. */
export interface FamilyVerdict {
  readonly family: Family
  readonly status: VerdictStatus
  /** One line, e.g. "IPv6: ok, 2001:db8::1 connected in 23 ms". */
  readonly message: string
  /** Distinct addresses of this family from DNS (and attempts), in order of appearance. */
  readonly addresses: readonly string[]
  /** Number of attempts started for this family. */
  readonly attempts: number
  /** Connect time of the attempt that connected, if one did. */
  readonly connectMs: number | null
  /** Longest time an attempt of this family waited without any answer, if one did. */
  readonly waitedMs: number | null
  /** Whether the other family won after this one was tried: Happy Eyeballs hid the problem. */
  readonly hiddenByFallback: boolean
}

/** What {@link familyVerdicts} looks at. */
export interface VerdictInput {
  readonly attempts: readonly AttemptRecord[]
  readonly dns: readonly DnsRecord[]
  /** The race's `done` output, if it has ended. */
  readonly result?: DoneOutput | null
  /** "Now", for attempts still in flight; default the latest time in the inputs. */
  readonly nowMs?: number
  /** A connect slower than this is `slow`. Default 1000 ms. */
  readonly slowMs?: number
  /** No answer for this long is `black-holed`. Default 2000 ms. */
  readonly blackholeMs?: number
}

const NAME: Record<Family, string> = {4: 'IPv4', 6: 'IPv6'}
const RRTYPE: Record<Family, 'A' | 'AAAA'> = {4: 'A', 6: 'AAAA'}


/** Verdicts for IPv6 and IPv4, in that order. */
export function familyVerdicts(input: VerdictInput): FamilyVerdict[] {
  const slowMs = input.slowMs ?? 1000
  const blackholeMs = input.blackholeMs ?? 2000
  const times = [
    ...input.attempts.flatMap((a) => [a.startMs, a.endMs ?? a.startMs]),
    ...input.dns.map((d) => d.atMs),
  ]
  const nowMs = input.nowMs ?? (times.length > 0 ? Math.max(...times) : 0)
  const result = input.result ?? null
  const winner = result?.winner ? input.attempts.find((a) => a.id === result.winner!.id) ?? null : null
  const firstStart = (family: Family) => {
    const starts = input.attempts.filter((a) => a.family === family).map((a) => a.startMs)
    return starts.length > 0 ? Math.min(...starts) : null
  }
  const ctx: Context = {slowMs, blackholeMs, nowMs, result, winner, firstStart: {4: firstStart(4), 6: firstStart(6)}}
  return ([6, 4] as const).map((family) => verdictFor(family, input, ctx))
}

interface Context {
  readonly slowMs: number
  readonly blackholeMs: number
  readonly nowMs: number
  readonly result: DoneOutput | null
  readonly winner: AttemptRecord | null
  /** When each family's first attempt started. */
  readonly firstStart: Readonly<Record<Family, number | null>>
}

function verdictFor(family: Family, input: VerdictInput, ctx: Context): FamilyVerdict {
  const name = NAME[family]
  const mine = input.attempts.filter((a) => a.family === family)
  const answers = input.dns.filter((d) => d.rrtype === RRTYPE[family])
  const addresses = [...new Set([...answers.flatMap((d) => d.addresses), ...mine.map((a) => a.address)])]
  const base = {family, addresses, attempts: mine.length, connectMs: null, waitedMs: null, hiddenByFallback: false}

  if (mine.length === 0) {
    if (addresses.length === 0) {
      const failed = answers.find((d) => d.error !== undefined)
      const why =
        answers.length === 0
          ? `no ${RRTYPE[family]} answer`
          : failed
            ? `${RRTYPE[family]} query failed: ${failed.error}`
            : `${RRTYPE[family]} answer was empty`
      return {...base, status: 'no-addresses', message: `${name}: no addresses (${why})`}
    }
    return {...base, status: 'not-tried', message: `${name}: not tried${notTriedReason(family, ctx)}`}
  }

  const connected = mine.find((a) => a.outcome === 'connected')
  if (connected) {
    const connectMs = connected.endMs! - connected.startMs
    const failedBefore = mine.filter((a) => a.id !== connected.id && a.outcome !== 'cancelled').length
    const status = connectMs > ctx.slowMs ? 'slow' : 'ok'
    const extra = failedBefore > 0 ? ` (after ${failedBefore} failed attempt${failedBefore === 1 ? '' : 's'})` : ''
    return {
      ...base,
      status,
      connectMs,
      message: `${name}: ${status}, ${connected.address} connected in ${formatMs(connectMs)}${extra}`,
    }
  }

  const hidden = hiddenClause(family, mine, ctx)
  const hiddenByFallback = hidden !== ''
  const waited = (a: AttemptRecord) => (a.endMs ?? ctx.nowMs) - a.startMs
  const silent = mine.filter((a) => a.outcome === null || a.outcome === 'cancelled' || a.outcome === 'timed out')
  const failed = mine.filter((a) => !silent.includes(a))
  const waitedMs = silent.length > 0 ? Math.max(...silent.map(waited)) : null

  if (failed.length === 0) {
    const wait = waitedMs!
    const from = mine.length === 1 ? '' : ` from any of ${count(mine.length, 'address')}`
    const timedOut = silent.some((a) => a.outcome === 'timed out')
    if (timedOut || wait >= ctx.blackholeMs) {
      return {
        ...base,
        status: 'black-holed',
        waitedMs,
        hiddenByFallback,
        message: `${name}: black-holed, no answer${from} in ${formatMs(wait)}${hidden}`,
      }
    }
    const inFlight = silent.some((a) => a.outcome === null)
    const winnerTook = ctx.winner && ctx.winner.family !== family ? ctx.winner.endMs! - ctx.winner.startMs : null
    if (!inFlight && winnerTook !== null && wait <= winnerTook) {
      return {
        ...base,
        status: 'not-tried',
        waitedMs,
        message:
          `${name}: not tried to the end, cancelled after ${formatMs(wait)} when ` +
          `${NAME[ctx.winner!.family]} connected (in ${formatMs(winnerTook)})`,
      }
    }
    const state = inFlight ? 'still waiting' : `cancelled when ${ctx.winner ? `${NAME[ctx.winner.family]} connected` : 'the race ended'}`
    return {
      ...base,
      status: 'slow',
      waitedMs,
      hiddenByFallback,
      message: `${name}: slow, no answer${from} in ${formatMs(wait)} (${state})${hidden}`,
    }
  }

  const refused = failed.filter((a) => a.outcome === 'refused')
  const silentNote = silent.length > 0 ? `; ${count(silent.length, 'address')} gave no answer` : ''
  if (refused.length > 0) {
    const who =
      refused.length === 1
        ? `${refused[0]!.address} refused the connection in ${formatMs(waited(refused[0]!))}`
        : `${count(refused.length, 'address')} refused the connection`
    return {...base, status: 'refused', waitedMs, hiddenByFallback, message: `${name}: refused, ${who}${silentNote}${hidden}`}
  }
  const details = failed.map((a) => `${a.address}: ${a.error ?? a.outcome}`).join(', ')
  return {
    ...base,
    status: 'unreachable',
    waitedMs,
    hiddenByFallback,
    message: `${name}: unreachable (${details})${silentNote}${hidden}`,
  }
}

function notTriedReason(family: Family, ctx: Context): string {
  if (ctx.winner && ctx.winner.family !== family) return `, ${NAME[ctx.winner.family]} connected first`
  if (ctx.result?.reason === 'timeout') return ', the race timed out first'
  return ''
}

/** "; Happy Eyeballs hid it by falling back to IPv4 after 250 ms" when the other family won. */
function hiddenClause(family: Family, mine: readonly AttemptRecord[], ctx: Context): string {
  const w = ctx.winner
  if (!w || w.family === family) return ''
  const first = Math.min(...mine.map((a) => a.startMs))
  const fallback = ctx.firstStart[w.family] ?? w.startMs
  if (first > fallback) return ''
  return `; Happy Eyeballs hid it by falling back to ${NAME[w.family]} after ${formatMs(fallback - first)}`
}

/** The verdicts as text, one line each. */
export function formatVerdicts(verdicts: readonly FamilyVerdict[]): string {
  return verdicts.map((v) => v.message).join('\n')
}
