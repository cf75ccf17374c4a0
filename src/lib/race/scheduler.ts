/**
 * RFC 8305 (Happy Eyeballs v2) connection racing as a sans-I/O state machine.
 *
 * The driver owns sockets, DNS and clocks. It feeds events in with `process(input, nowMs)` and
 * carries out the returned outputs: start or cancel a connection attempt, arm or disarm a timer,
 * and stop at `done`. Times are plain milliseconds on any monotonic clock; tests script them.
 *
 * Behaviour, and the choices made where RFC 8305 leaves room:
 * - §3 Resolution Delay: a positive AAAA answer starts the race at once; a positive A answer that
 *   arrives while AAAA is outstanding arms a `resolution-delay` timer (default 50 ms). A positive
 *   AAAA within it starts the race at once; a negative AAAA, or the timer, starts it with IPv4.
 * - §4 ordering: the addresses not yet attempted are passed to the injected `sort` (preference
 *   order; default: DNS order with IPv6 first) and then interleaved by family with
 *   `firstAddressFamilyCount`. Addresses arriving mid-race join that list, and the interleaving
 *   continues from the families already attempted, so a late AAAA is tried right after an IPv4
 *   attempt. An address seen twice is attempted once.
 * - §5 staggering: the next attempt starts `attemptDelayMs` (default 250 ms) after the previous one
 *   started; earlier attempts keep running. When an attempt fails the next one starts at once and
 *   the stagger restarts from it, except that two attempts never start within 10 ms of each other
 *   (RFC 8305 §5's MUST), so a failure within 10 ms of the last start waits for the 10 ms mark.
 * - The first successful attempt wins; every other in-flight attempt is cancelled, and so is every
 *   timer. Attempts left when the overall timeout (`timeoutMs`, optional) fires are cancelled and
 *   logged as "timed out".
 * - When DNS is complete (every awaited rrtype answered) and every address has failed: done, no winner.
 * - HTTPS answers are recorded (see `dnsResults()`) but do not change the race: RFC 8305 predates
 *   HTTPS records, and using their ipv4hint/ipv6hint is Happy Eyeballs v3 (still a draft).
 * - Inputs after `done` produce no outputs (late results of cancelled attempts, late timers); late
 *   DNS answers are still recorded.
 */
import {InternalError} from '../errors.js'
import {type Family, interleaveFamilies, other, parseAddress, weave} from './rfc6724.js'

/** RFC 8305's recommended defaults, in milliseconds. */
export const HAPPY_EYEBALLS_DEFAULTS = Object.freeze({
  attemptDelayMs: 250,
  resolutionDelayMs: 50,
  firstAddressFamilyCount: 1,
})

/** RFC 8305 §5: a subsequent attempt MUST NOT start within 10 ms of the previous one. */
export const MIN_ATTEMPT_SPACING_MS = 10
/** RFC 8305 §5: recommended minimum Connection Attempt Delay. */
export const RECOMMENDED_MIN_ATTEMPT_DELAY_MS = 100
/** RFC 8305 §5: recommended maximum Connection Attempt Delay. */
export const MAX_ATTEMPT_DELAY_MS = 2000

/**
 * Checks a Connection Attempt Delay against RFC 8305 §5: below 10 ms is raised to 10 ms (a MUST);
 * 10 to 99 ms is kept but warned about (below the recommended 100 ms minimum); above 2000 ms is
 * lowered to 2000 ms (the recommended maximum). Each change or concern comes with a warning.
 * Throws a RangeError for NaN or infinities.
 */
export function clampAttemptDelay(ms: number): {ms: number; warning?: string} {
  if (!Number.isFinite(ms)) throw new RangeError(`attempt delay must be a finite number of ms, got ${ms}`)
  if (ms < MIN_ATTEMPT_SPACING_MS) {
    return {
      ms: MIN_ATTEMPT_SPACING_MS,
      warning: `attempt delay ${ms} ms is below the 10 ms floor of RFC 8305 §5; using 10 ms`,
    }
  }
  if (ms < RECOMMENDED_MIN_ATTEMPT_DELAY_MS) {
    return {ms, warning: `attempt delay ${ms} ms is below the 100 ms minimum RFC 8305 §5 recommends`}
  }
  if (ms > MAX_ATTEMPT_DELAY_MS) {
    return {
      ms: MAX_ATTEMPT_DELAY_MS,
      warning: `attempt delay ${ms} ms is above the 2 s maximum RFC 8305 §5 recommends; using 2000 ms`,
    }
  }
  return {ms}
}

/** DNS record types the machine understands. */
export type RaceRrtype = 'AAAA' | 'A' | 'HTTPS'

/** Events fed to {@link HappyEyeballs.process}. */
export type Input =
  | {readonly kind: 'start'}
  | {
      readonly kind: 'dns'
      readonly rrtype: RaceRrtype
      /** Addresses in the answer (empty for NODATA or an error). */
      readonly addresses: readonly string[]
      /** Set when the query failed (SERVFAIL, timeout...). */
      readonly error?: string
    }
  | {
      readonly kind: 'attempt-result'
      readonly id: number
      readonly ok: boolean
      /** 'refused' | 'unreachable' | 'timeout', a Node error code (ECONNREFUSED...), or any text. */
      readonly error?: string
    }
  | {readonly kind: 'timer'; readonly id: number}

/** Why a timer was armed. */
export type TimerPurpose = 'resolution-delay' | 'attempt-delay' | 'overall-timeout'

/** Why the race ended. */
export type DoneReason = 'connected' | 'all-failed' | 'no-addresses' | 'timeout'

/** The final output. */
export interface DoneOutput {
  readonly kind: 'done'
  readonly winner: {readonly id: number; readonly address: string} | null
  readonly reason: DoneReason
}

/** Actions for the driver. Attempt ids and timer ids are separate sequences, each starting at 1. */
export type Output =
  | {readonly kind: 'start-attempt'; readonly id: number; readonly address: string; readonly family: Family}
  | {readonly kind: 'set-timer'; readonly id: number; readonly atMs: number; readonly purpose: TimerPurpose}
  | {readonly kind: 'cancel-attempt'; readonly id: number}
  | {readonly kind: 'cancel-timer'; readonly id: number}
  | DoneOutput

/** How an attempt ended. */
export type AttemptOutcome = 'connected' | 'refused' | 'unreachable' | 'timed out' | 'cancelled' | 'failed'

/** What made an attempt start when it did. */
export type AttemptTrigger =
  /** The first attempt of the race. */
  | 'first'
  /** The Connection Attempt Delay since the previous start ran out. */
  | 'attempt-delay'
  /** An earlier attempt failed. */
  | 'previous-failed'
  /** New addresses arrived while nothing else was waiting to start. */
  | 'new-address'

/** The log entry of one connection attempt. */
export interface AttemptRecord {
  readonly id: number
  readonly address: string
  readonly family: Family
  /** When the stagger schedule alone would have started it (later than startMs if a failure hurried it). */
  readonly plannedStartMs: number
  readonly startMs: number
  /** null while the attempt is in flight. */
  readonly endMs: number | null
  /** null while the attempt is in flight. */
  readonly outcome: AttemptOutcome | null
  /** The error text the driver reported, if any. */
  readonly error?: string
  readonly trigger: AttemptTrigger
}

/** One DNS answer as the machine received it. */
export interface DnsRecord {
  readonly rrtype: RaceRrtype
  readonly addresses: readonly string[]
  readonly error?: string
  readonly atMs: number
}

/** Options for {@link HappyEyeballs}. */
export interface HappyEyeballsOptions {
  /** Connection Attempt Delay, checked by {@link clampAttemptDelay}. Default 250 ms. */
  readonly attemptDelayMs?: number
  /** Resolution Delay (RFC 8305 §3). Default 50 ms; 0 starts IPv4 without waiting for AAAA. */
  readonly resolutionDelayMs?: number
  /** Overall deadline from `start`; none by default. */
  readonly timeoutMs?: number
  /** RFC 8305 §4 First Address Family Count. Default 1. */
  readonly firstAddressFamilyCount?: number
  /**
   * Preference order of the not-yet-attempted addresses (e.g. RFC 6724 via sortDestinations). It is
   * given the addresses as received (IPv6 first, then IPv4) and must return some or all of the same
   * strings; addresses it leaves out are not attempted. Default: keep the given order, so only
   * interleaving applies. Family interleaving is always applied to its result.
   */
  readonly sort?: (addresses: string[]) => string[]
  /** The answers to wait for before declaring DNS complete. Default ['AAAA', 'A']. */
  readonly rrtypes?: readonly ('AAAA' | 'A')[]
}

interface Known {
  readonly address: string
  readonly key: string
  readonly family: Family
}

interface MutableAttempt {
  id: number
  address: string
  family: Family
  key: string
  plannedStartMs: number
  startMs: number
  endMs: number | null
  outcome: AttemptOutcome | null
  error?: string
  trigger: AttemptTrigger
}

type Phase = 'idle' | 'resolving' | 'racing' | 'done'

function keyOf(address: string): {key: string; family: Family} {
  const parsed = parseAddress(address)
  if (parsed.kind() === 'ipv4') return {key: parsed.toString(), family: 4}
  const zone = (parsed as {zoneId?: string}).zoneId
  return {key: parsed.toNormalizedString() + (zone ? `%${zone}` : ''), family: 6}
}

/** Maps a driver's error text to an attempt outcome. */
export function outcomeOf(error: string | undefined): Exclude<AttemptOutcome, 'connected' | 'cancelled'> {
  switch (error) {
    case 'refused':
    case 'ECONNREFUSED':
      return 'refused'
    case 'unreachable':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EADDRNOTAVAIL':
      return 'unreachable'
    case 'timeout':
    case 'ETIMEDOUT':
      return 'timed out'
    default:
      return 'failed'
  }
}

/**
 * The Happy Eyeballs state machine (see the module comment). Feed it `{kind: 'start'}` first, then
 * DNS answers, attempt results and expired timers, each with the current time.
 */
export class HappyEyeballs {
  /** The Connection Attempt Delay in use, after clamping. */
  readonly attemptDelayMs: number
  readonly resolutionDelayMs: number
  readonly timeoutMs: number | null
  readonly firstAddressFamilyCount: number
  /** Warnings about the options (e.g. a clamped attempt delay). */
  readonly warnings: readonly string[]

  private readonly sortFn: (addresses: string[]) => string[]
  private readonly awaited: ReadonlySet<'AAAA' | 'A'>
  private phase: Phase = 'idle'
  private nowMs = Number.NEGATIVE_INFINITY
  private startMs: number | null = null
  private readonly known: Known[] = []
  private readonly knownKeys = new Set<string>()
  private readonly attemptedKeys = new Set<string>()
  private readonly log: MutableAttempt[] = []
  private readonly inFlight = new Set<number>()
  private readonly timers = new Map<number, {atMs: number; purpose: TimerPurpose}>()
  private staggerTimer: number | null = null
  private staggerTrigger: AttemptTrigger = 'attempt-delay'
  private resolutionTimer: number | null = null
  private readonly answered = new Set<'AAAA' | 'A'>()
  private readonly dnsLog: DnsRecord[] = []
  private lastStartMs: number | null = null
  private nextAttemptId = 1
  private nextTimerId = 1
  private final: DoneOutput | null = null

  constructor(opts: HappyEyeballsOptions = {}) {
    const warnings: string[] = []
    const clamped = clampAttemptDelay(opts.attemptDelayMs ?? HAPPY_EYEBALLS_DEFAULTS.attemptDelayMs)
    if (clamped.warning) warnings.push(clamped.warning)
    this.attemptDelayMs = clamped.ms
    const resolutionDelayMs = opts.resolutionDelayMs ?? HAPPY_EYEBALLS_DEFAULTS.resolutionDelayMs
    if (!Number.isFinite(resolutionDelayMs) || resolutionDelayMs < 0) {
      throw new RangeError(`resolutionDelayMs must be a finite number >= 0, got ${resolutionDelayMs}`)
    }
    this.resolutionDelayMs = resolutionDelayMs
    if (opts.timeoutMs !== undefined && !(Number.isFinite(opts.timeoutMs) && opts.timeoutMs > 0)) {
      throw new RangeError(`timeoutMs must be a finite number > 0, got ${opts.timeoutMs}`)
    }
    this.timeoutMs = opts.timeoutMs ?? null
    const fafc = opts.firstAddressFamilyCount ?? HAPPY_EYEBALLS_DEFAULTS.firstAddressFamilyCount
    if (!Number.isInteger(fafc) || fafc < 1) {
      throw new RangeError(`firstAddressFamilyCount must be an integer >= 1, got ${fafc}`)
    }
    this.firstAddressFamilyCount = fafc
    this.sortFn = opts.sort ?? ((addresses) => addresses)
    const rrtypes = opts.rrtypes ?? ['AAAA', 'A']
    if (rrtypes.length === 0) throw new RangeError('rrtypes must name at least one of AAAA, A')
    this.awaited = new Set(rrtypes)
    this.warnings = Object.freeze(warnings)
  }

  /**
   * Feeds one event at time `nowMs` (never earlier than the previous call's) and returns what to
   * do, in order. Throws on misuse: time going backwards, `start` twice, events before `start`, an
   * attempt id never issued, or an address that does not parse.
   */
  process(input: Input, nowMs: number): Output[] {
    if (!Number.isFinite(nowMs)) throw new RangeError(`nowMs must be finite, got ${nowMs}`)
    if (nowMs < this.nowMs) throw new RangeError(`time went backwards: ${nowMs} < ${this.nowMs}`)
    this.nowMs = nowMs
    const out: Output[] = []
    if (input.kind === 'start') {
      if (this.phase !== 'idle') throw new InternalError('the race has already started')
      this.phase = 'resolving'
      this.startMs = nowMs
      if (this.timeoutMs !== null) this.arm(out, nowMs + this.timeoutMs, 'overall-timeout')
      return out
    }
    if (this.phase === 'idle') throw new InternalError(`got ${input.kind} before start`)
    switch (input.kind) {
      case 'dns':
        this.onDns(out, input)
        break
      case 'attempt-result':
        this.onAttemptResult(out, input)
        break
      case 'timer':
        this.onTimer(out, input.id)
        break
    }
    return out
  }

  /** The attempt log, oldest first (copies). */
  attempts(): AttemptRecord[] {
    return this.log.map(({key: _key, ...rest}) => ({...rest}))
  }

  /** Every DNS answer received, in arrival order (copies). */
  dnsResults(): DnsRecord[] {
    return this.dnsLog.map((r) => ({...r, addresses: [...r.addresses]}))
  }

  /** Addresses not yet attempted, in the order they would be tried now. Empty once done. */
  pending(): string[] {
    return this.plan().map((k) => k.address)
  }

  /** The `done` output once the race has ended, else null. */
  result(): DoneOutput | null {
    return this.final
  }

  /** Whether the race has ended. */
  get done(): boolean {
    return this.phase === 'done'
  }

  /** The time `start` was processed, or null before that. */
  get startedAtMs(): number | null {
    return this.startMs
  }

  // ------------------------------------------------------------------------------------------

  private onDns(out: Output[], input: Extract<Input, {kind: 'dns'}>): void {
    const parsed = input.addresses.map((address) => ({address, ...keyOf(address)}))
    this.dnsLog.push({
      rrtype: input.rrtype,
      addresses: [...input.addresses],
      ...(input.error === undefined ? {} : {error: input.error}),
      atMs: this.nowMs,
    })
    if (this.phase === 'done' || input.rrtype === 'HTTPS') return
    for (const k of parsed) {
      if (this.knownKeys.has(k.key)) continue
      this.knownKeys.add(k.key)
      this.known.push(k)
    }
    this.answered.add(input.rrtype)
    if (this.phase === 'racing') {
      this.advance(out, 'new-address', false)
      return
    }
    // Resolving: RFC 8305 §3.
    const hasV6 = this.known.some((k) => k.family === 6)
    const hasV4 = this.known.some((k) => k.family === 4)
    const aaaaSettled = this.answered.has('AAAA') || !this.awaited.has('AAAA')
    if (hasV6 || (aaaaSettled && (hasV4 || this.dnsComplete()))) {
      this.beginRacing(out)
    } else if (hasV4 && this.resolutionTimer === null) {
      if (this.resolutionDelayMs === 0) this.beginRacing(out)
      else this.resolutionTimer = this.arm(out, this.nowMs + this.resolutionDelayMs, 'resolution-delay')
    }
  }

  private onAttemptResult(out: Output[], input: Extract<Input, {kind: 'attempt-result'}>): void {
    const rec = this.log.find((r) => r.id === input.id)
    if (!rec) throw new InternalError(`unknown attempt id ${input.id}`)
    if (rec.outcome !== null) return // already ended: cancelled, or a duplicate report
    this.inFlight.delete(rec.id)
    rec.endMs = this.nowMs
    if (input.error !== undefined) rec.error = input.error
    if (input.ok) {
      rec.outcome = 'connected'
      this.finish(out, {id: rec.id, address: rec.address}, 'connected')
      return
    }
    rec.outcome = outcomeOf(input.error)
    this.advance(out, 'previous-failed', true)
  }

  private onTimer(out: Output[], id: number): void {
    const timer = this.timers.get(id)
    if (!timer || this.phase === 'done') return // stale: already cancelled or fired
    this.timers.delete(id)
    switch (timer.purpose) {
      case 'overall-timeout':
        this.finish(out, null, 'timeout')
        return
      case 'resolution-delay':
        this.resolutionTimer = null
        this.beginRacing(out)
        return
      case 'attempt-delay': {
        this.staggerTimer = null
        const next = this.plan()[0]
        // Planned by the stagger schedule, even when the timer fired late (so lateness shows).
        if (next) this.startNext(out, next, this.staggerTrigger, this.lastStartMs! + this.attemptDelayMs)
        else this.finishIfExhausted(out)
        return
      }
    }
  }

  private beginRacing(out: Output[]): void {
    this.phase = 'racing'
    if (this.resolutionTimer !== null) {
      this.disarm(out, this.resolutionTimer)
      this.resolutionTimer = null
    }
    this.advance(out, 'first', false)
  }

  /**
   * Starts the next attempt now, or arms the stagger timer for when it is due. `hurry` (a failure)
   * replaces a pending stagger timer and only keeps the 10 ms spacing.
   */
  private advance(out: Output[], trigger: AttemptTrigger, hurry: boolean): void {
    if (this.phase !== 'racing') return
    const next = this.plan()[0]
    if (!next) {
      this.finishIfExhausted(out)
      return
    }
    if (this.staggerTimer !== null) {
      if (!hurry) return
      this.disarm(out, this.staggerTimer)
      this.staggerTimer = null
    }
    if (this.lastStartMs === null) {
      this.startNext(out, next, 'first')
      return
    }
    const gap = hurry || this.inFlight.size === 0 ? MIN_ATTEMPT_SPACING_MS : this.attemptDelayMs
    const due = this.lastStartMs + gap
    if (this.nowMs >= due) {
      this.startNext(out, next, trigger)
    } else {
      this.staggerTrigger = trigger
      this.staggerTimer = this.arm(out, due, 'attempt-delay')
    }
  }

  private startNext(out: Output[], next: Known, trigger: AttemptTrigger, plannedMs?: number): void {
    const now = this.nowMs
    const planned = plannedMs ?? (this.lastStartMs === null ? now : Math.max(now, this.lastStartMs + this.attemptDelayMs))
    const id = this.nextAttemptId++
    this.log.push({
      id,
      address: next.address,
      family: next.family,
      key: next.key,
      plannedStartMs: planned,
      startMs: now,
      endMs: null,
      outcome: null,
      trigger,
    })
    this.attemptedKeys.add(next.key)
    this.inFlight.add(id)
    this.lastStartMs = now
    out.push({kind: 'start-attempt', id, address: next.address, family: next.family})
    if (this.plan().length > 0) {
      this.staggerTrigger = 'attempt-delay'
      this.staggerTimer = this.arm(out, now + this.attemptDelayMs, 'attempt-delay')
    }
  }

  private finishIfExhausted(out: Output[]): void {
    if (this.staggerTimer !== null) {
      this.disarm(out, this.staggerTimer)
      this.staggerTimer = null
    }
    if (this.inFlight.size === 0 && this.dnsComplete()) {
      this.finish(out, null, this.log.length > 0 ? 'all-failed' : 'no-addresses')
    }
  }

  private finish(out: Output[], winner: DoneOutput['winner'], reason: DoneReason): void {
    this.phase = 'done'
    for (const id of [...this.inFlight].sort((a, b) => a - b)) {
      const rec = this.log.find((r) => r.id === id)!
      rec.outcome = reason === 'timeout' ? 'timed out' : 'cancelled'
      rec.endMs = this.nowMs
      out.push({kind: 'cancel-attempt', id})
    }
    this.inFlight.clear()
    for (const id of this.timers.keys()) out.push({kind: 'cancel-timer', id})
    this.timers.clear()
    this.staggerTimer = null
    this.resolutionTimer = null
    this.final = {kind: 'done', winner, reason}
    out.push(this.final)
  }

  private dnsComplete(): boolean {
    for (const rrtype of this.awaited) if (!this.answered.has(rrtype)) return false
    return true
  }

  private arm(out: Output[], atMs: number, purpose: TimerPurpose): number {
    const id = this.nextTimerId++
    this.timers.set(id, {atMs, purpose})
    out.push({kind: 'set-timer', id, atMs, purpose})
    return id
  }

  private disarm(out: Output[], id: number): void {
    if (this.timers.delete(id)) out.push({kind: 'cancel-timer', id})
  }

  /** Not-yet-attempted addresses in attempt order: preference sort, then family interleaving. */
  private plan(): Known[] {
    if (this.phase === 'done') return []
    const candidates = [
      ...this.known.filter((k) => k.family === 6),
      ...this.known.filter((k) => k.family === 4),
    ].filter((k) => !this.attemptedKeys.has(k.key))
    if (candidates.length === 0) return []
    const byAddress = new Map(candidates.map((k) => [k.address, k]))
    const preferred: Known[] = []
    for (const address of this.sortFn(candidates.map((k) => k.address))) {
      const k = byAddress.get(address)
      if (k) {
        preferred.push(k)
        byAddress.delete(address)
      }
    }
    if (this.log.length === 0) return interleaveFamilies(preferred, this.firstAddressFamilyCount)
    // Continue the interleaving from the families already attempted.
    const first = this.log[0]!.family
    let lead = 0
    while (lead < this.log.length && this.log[lead]!.family === first) lead++
    const owed = lead === this.log.length && lead < this.firstAddressFamilyCount ? this.firstAddressFamilyCount - lead : 0
    const start = owed > 0 ? first : other(this.log[this.log.length - 1]!.family)
    return weave(preferred, start, owed)
  }
}
