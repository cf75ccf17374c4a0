/**
 * Time as dnsx sees it. Engines take a Clock so tests can drive time by hand;
 * adapters that really wait use `sleep`, which a test clock can also provide.
 */
export interface Clock {
  /** Monotonic milliseconds (fractional allowed). */
  now(): number
  /** Resolve after `ms` milliseconds of this clock's time. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve()
      const t = setTimeout(done, Math.max(0, ms))
      function done() {
        signal?.removeEventListener('abort', done)
        clearTimeout(t)
        resolve()
      }
      signal?.addEventListener('abort', done, {once: true})
    }),
}

/**
 * A manually advanced clock for tests: `advance(ms)` moves time forward and
 * wakes every sleeper whose time has come, in order.
 */
export class ManualClock implements Clock {
  private t: number
  private sleepers: {at: number, resolve: () => void}[] = []

  constructor(start = 0) {
    this.t = start
  }

  now(): number {
    return this.t
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) return resolve()
      const entry = {at: this.t + Math.max(0, ms), resolve}
      this.sleepers.push(entry)
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((s) => s !== entry)
        resolve()
      }, {once: true})
    })
  }

  /** Move time forward, waking sleepers due by the new time. */
  async advance(ms: number): Promise<void> {
    const target = this.t + ms
    for (;;) {
      this.sleepers.sort((a, b) => a.at - b.at)
      const next = this.sleepers[0]
      if (!next || next.at > target) break
      this.sleepers.shift()
      this.t = next.at
      next.resolve()
      await Promise.resolve()
    }
    this.t = target
  }
}

/** A long span for people, in seconds: "3 d 4 h", "5 h", "12 min" (signature lifetimes). */
export function formatSpan(s: number): string {
  if (s >= 86400) return `${Math.floor(s / 86400)} d${s % 86400 >= 3600 ? ` ${Math.floor((s % 86400) / 3600)} h` : ''}`
  if (s >= 3600) return `${Math.floor(s / 3600)} h`
  return `${Math.max(1, Math.floor(s / 60))} min`
}

/**
 * Every duration dnsx prints, in one format: at most three significant digits, no trailing
 * zeros, ms below a second and s above: "0.412 ms", "4.21 ms", "12.3 ms", "30 ms", "263 ms",
 * "2.05 s", "2 s"; "-" for none.
 */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '-'
  const x = Math.max(0, ms)
  const trim = (digits: string) => (digits.includes('.') ? digits.replace(/\.?0+$/, '') : digits)
  // Each step's bound is where rounding would carry into the next digit (999.6 ms is 1 s).
  if (x >= 999.5) return `${trim((x / 1000).toFixed(x >= 99_950 ? 0 : x >= 9995 ? 1 : 2))} s`
  if (x >= 99.95) return `${Math.round(x)} ms`
  if (x >= 9.995) return `${trim(x.toFixed(1))} ms`
  if (x >= 0.9995) return `${trim(x.toFixed(2))} ms`
  return `${trim(x.toFixed(3))} ms`
}
