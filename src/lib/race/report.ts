/**
 * The stable JSON shape of `dnsx race --json` (README, schemas/race.json), and the verdicts
 * refined by follow-up probes.
 *
 * Times are milliseconds since the race began (the moment the DNS queries were sent, or the
 * attempts could start when addresses were pinned), rounded to 0.1 ms.
 */
import type {ExpectationResult} from '../expect.js'
import type {TlsInfo} from './connect.js'
import type {DnsStatus, HttpsRecordInfo} from './dns.js'
import type {HttpResult} from './http.js'
import type {Family} from './rfc6724.js'
import type {AttemptOutcome, AttemptRecord, AttemptTrigger, DoneReason} from './scheduler.js'
import type {RaceOptions} from './run.js'
import type {GetaddrinfoComparison} from './target.js'
import {formatMs} from '../clock.js'
import type {FamilyVerdict, VerdictStatus} from './verdict.js'
import {count} from '../words.js'

/** "ipv4" / "ipv6", as --expect-family spells them. */
export type FamilyName = 'ipv4' | 'ipv6'

export function familyName(f: Family): FamilyName {
  return f === 4 ? 'ipv4' : 'ipv6'
}

/** One A or AAAA query. */
export interface DnsJson {
  /** When the answer arrived; null when it was not asked or never came. */
  ms: number | null
  /** `pinned` (--resolve or an IP literal: no query), `not-asked` (-4/-6), `pending` (no answer by the end). */
  status: DnsStatus | 'pinned' | 'not-asked' | 'pending'
  addresses: string[]
  rcode?: string | null
  error?: string
  cnames?: string[]
}

/** The HTTPS query (https URLs and --tls). */
export interface HttpsJson extends DnsJson {
  qname: string
  records: HttpsRecordInfo[]
}

export interface SortedJson {
  address: string
  family: FamilyName
  /** The source address RFC 6724 assumed (the OS's, or the lab's synthesized one); null = no route. */
  source: string | null
  /** Why it sits after the one before it ("rule 6: prefer higher precedence (40 > 35)"); null for the first. */
  rule: string | null
  ruleNumber: number | null
  precedence: number
  label: number
  scope: string
}

export interface AttemptJson {
  id: number
  address: string
  family: FamilyName
  /** The connection's local address when it connected, else the RFC 6724 source. */
  source: string | null
  /** When the connection was actually started. */
  startMs: number
  /** When the stagger schedule alone would have started it (later than startMs when a failure hurried it). */
  plannedStartMs: number
  endMs: number
  outcome: AttemptOutcome
  error?: string
  trigger: AttemptTrigger
  /** With TLS, for attempts that got that far: TCP connect time and handshake time. */
  tcpMs?: number
  tlsMs?: number
}

export interface ProbeJson {
  address: string
  family: FamilyName
  startMs: number
  endMs: number
  outcome: Exclude<AttemptOutcome, 'cancelled'>
  error?: string
}

export interface WinnerJson {
  address: string
  family: FamilyName
  /** The winning attempt's own duration (TCP, plus the TLS handshake with TLS). */
  connectMs: number
  /** When it connected, since the race began: what a user of the connection waited. */
  atMs: number
  tcpMs: number | null
  tlsMs: number | null
  localAddress: string | null
}

export interface VerdictJson {
  family: FamilyName
  /** verdict.ts's statuses, plus `tls-failed`: TCP connected but every handshake failed. */
  status: VerdictStatus | 'tls-failed'
  message: string
  addresses: string[]
  attempts: number
  /** How many of `addresses` were attempted: the verdict speaks for those only. */
  triedAddresses?: number
  connectMs: number | null
  waitedMs: number | null
  hiddenByFallback: boolean
  /** The follow-up probe that refined this verdict, if any. */
  probe: {address: string, outcome: ProbeJson['outcome'], ms: number} | null
}

export interface RaceJson {
  target: string
  port: number
  url: string | null
  lab: boolean
  options: Pick<RaceOptions, 'policy' | 'attemptDelayMs' | 'resolutionDelayMs' | 'firstAddressFamilyCount' | 'timeoutMs' | 'probeTimeoutMs' | 'tls'> & {
    families: FamilyName[]
    alpn: string[]
  }
  resolver: {address: string, port: number} | null
  /** Addresses given by --resolve (or the IP literal): DNS was skipped. */
  pinned: string[] | null
  dns: {AAAA: DnsJson, A: DnsJson, HTTPS?: HttpsJson}
  /** Where the RFC 6724 sources came from. */
  sources: {origin: 'os' | 'lab', note: string}
  /** Every address in RFC 6724 order, with the reason for each position. */
  sorted: SortedJson[]
  /** The order after family interleaving (RFC 8305 §4): the order attempts are planned in. */
  attemptOrder: string[]
  /** The OS's getaddrinfo order (only outside the lab, for host names). */
  getaddrinfo: GetaddrinfoComparison | null
  attempts: AttemptJson[]
  /** Follow-up connections, after the race, to addresses whose attempt was cancelled unanswered. */
  probes: ProbeJson[]
  result: DoneReason
  winner: WinnerJson | null
  verdicts: VerdictJson[]
  tls: (TlsInfo & {handshakeMs: number | null}) | null
  http: HttpResult | null
  elapsedMs: number
  warnings: string[]
  expectations?: ExpectationResult[]
}

/** Rounds to 0.1 ms. */
export function ms(x: number): number {
  return Math.round(x * 10) / 10
}

const NAME: Record<Family, string> = {4: 'IPv4', 6: 'IPv6'}

/**
 * Refines the race's verdicts with the follow-up probes: a family whose attempts were all cancelled
 * unanswered (so the race alone cannot tell black-holed from slow) gets the probe's answer. Other
 * verdicts keep their status and gain a note per probed address.
 */
export function refineVerdicts(
  verdicts: readonly FamilyVerdict[],
  probes: readonly ProbeJson[],
  attempts: readonly AttemptRecord[],
  ctx: {attemptDelayMs: number, probeTimeoutMs: number, winner: AttemptRecord | null},
): VerdictJson[] {
  return verdicts.map((v) => covered(refine(v), attempts))

  function refine(v: FamilyVerdict): VerdictJson {
    const base: VerdictJson = {
      family: familyName(v.family),
      status: v.status,
      message: v.message,
      addresses: [...v.addresses],
      attempts: v.attempts,
      connectMs: v.connectMs === null ? null : ms(v.connectMs),
      waitedMs: v.waitedMs === null ? null : ms(v.waitedMs),
      hiddenByFallback: v.hiddenByFallback,
      probe: null,
    }
    const own = attempts.filter((a) => a.family === v.family)
    const tlsFailed = own.filter((a) => a.error?.startsWith('tls: '))
    if (v.status === 'unreachable' && tlsFailed.length > 0 && own.every((a) => a.outcome === 'cancelled' || a.outcome === 'timed out' || a.error?.startsWith('tls: '))) {
      // verdict.ts calls any other error "unreachable"; a failed handshake deserves its own words.
      const details = tlsFailed.map((a) => `${a.address}: ${a.error!.slice(5)}`).join(', ')
      return {...base, status: 'tls-failed', message: `${NAME[v.family]}: TCP connected but the TLS handshake failed (${details})${hiddenClause(v.family, attempts, ctx.winner)}`}
    }
    const mine = probes.filter((p) => p.family === familyName(v.family))
    if (mine.length === 0) return base
    const tried = new Set(attempts.filter((a) => a.family === v.family).map((a) => a.address))
    const untried = v.addresses.filter((a) => !tried.has(a))
    const rest = untried.length > 0 ? `; not tried: ${untried.join(', ')}` : ''
    const name = NAME[v.family]
    const hidden = hiddenClause(v.family, attempts, ctx.winner)
    const took = (p: ProbeJson) => p.endMs - p.startMs
    const unanswered = v.status === 'slow' || v.status === 'not-tried'
    const ownAttemptsSilent = attempts.filter((a) => a.family === v.family).every((a) => a.outcome === 'cancelled')
    if (unanswered && ownAttemptsSilent) {
      const connected = mine.find((p) => p.outcome === 'connected')
      if (connected) {
        const t = took(connected)
        const probe = {address: connected.address, outcome: connected.outcome, ms: ms(t)}
        if (t > ctx.attemptDelayMs) {
          return {
            ...base,
            status: 'slow',
            probe,
            hiddenByFallback: hidden !== '',
            message:
              `${name}: slow, ${connected.address} connected in ${formatMs(t)} on a follow-up probe, ` +
              `slower than the ${formatMs(ctx.attemptDelayMs)} attempt delay${rest}${hidden}`,
          }
        }
        if (v.status === 'not-tried') {
          // It just started too late to win; the probe shows the path works.
          return {...base, probe, message: `${v.message}; ${connected.address} connects in ${formatMs(t)} (follow-up probe)${rest}`}
        }
        // Fast now, silent during the race: a lost SYN, or a path that changed.
        return {
          ...base,
          status: 'slow',
          probe,
          hiddenByFallback: hidden !== '',
          message:
            `${name}: slow in the race (no answer in ${formatMs(v.waitedMs ?? 0)}), but ${connected.address} connected in ` +
            `${formatMs(t)} on a follow-up probe (a lost SYN?)${rest}${hidden}`,
        }
      }
      if (mine.every((p) => p.outcome === 'timed out')) {
        const p = mine[0]!
        const from = mine.length === 1 ? ` from ${p.address}` : ` from any of ${mine.length} addresses`
        return {
          ...base,
          status: 'black-holed',
          probe: {address: p.address, outcome: p.outcome, ms: ms(took(p))},
          hiddenByFallback: hidden !== '',
          waitedMs: ms(Math.max(...mine.map(took))),
          message: `${name}: black-holed, no answer${from} in ${formatMs(ctx.probeTimeoutMs)} (race and follow-up probe)${rest}${hidden}`,
        }
      }
      const failed = mine.find((p) => p.outcome !== 'timed out')!
      const status: VerdictStatus = failed.outcome === 'refused' ? 'refused' : 'unreachable'
      return {
        ...base,
        status,
        probe: {address: failed.address, outcome: failed.outcome, ms: ms(took(failed))},
        hiddenByFallback: hidden !== '',
        message: `${name}: ${status}, ${failed.address} ${failed.outcome === 'refused' ? 'refused the connection' : `failed (${failed.error ?? failed.outcome})`} on a follow-up probe${rest}${hidden}`,
      }
    }
    const notes = mine.map((p) =>
      p.outcome === 'timed out'
        ? `${p.address} black-holed (no answer in ${formatMs(took(p))} on a follow-up probe)`
        : p.outcome === 'connected'
          ? `${p.address} connects in ${formatMs(took(p))} (follow-up probe)`
          : `${p.address} ${p.outcome} (follow-up probe)`,
    )
    return {...base, message: `${v.message}; ${notes.join('; ')}`}
  }
}

/**
 * A family's verdict covers only the addresses tried: when some were not, it says so ("IPv4: 1 of
 * 3 addresses tried: black-holed, ..."). A family that connected needs no such caveat.
 */
function covered(v: VerdictJson, attempts: readonly AttemptRecord[]): VerdictJson {
  const family = v.family === 'ipv4' ? 4 : 6
  const tried = new Set(attempts.filter((a) => a.family === family).map((a) => a.address)).size
  const out = {...v, triedAddresses: tried}
  if (v.status === 'ok' || tried === 0 || tried >= v.addresses.length) return out
  const name = `${NAME[family]}: `
  return {...out, message: v.message.startsWith(name) ? `${name}${tried} of ${count(v.addresses.length, 'address')} tried: ${v.message.slice(name.length)}` : v.message}
}

/** "; Happy Eyeballs hid it by falling back to IPv4 after 250 ms" (the same words as verdict.ts). */
function hiddenClause(family: Family, attempts: readonly AttemptRecord[], winner: AttemptRecord | null): string {
  if (!winner || winner.family === family) return ''
  const mine = attempts.filter((a) => a.family === family)
  if (mine.length === 0) return ''
  const first = Math.min(...mine.map((a) => a.startMs))
  const fallback = Math.min(...attempts.filter((a) => a.family === winner.family).map((a) => a.startMs))
  if (first > fallback) return ''
  return `; Happy Eyeballs hid it by falling back to ${NAME[winner.family]} after ${formatMs(fallback - first)}`
}
