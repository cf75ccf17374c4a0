/** Durations and instants given by users, for every command that takes one. */
import {UsageError} from './errors.js'

/** "30s", "10m", "1h", "7d", "500ms"; a plain number is seconds. Milliseconds. */
export function parseDuration(input: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/i.exec(input)
  if (!m) throw new UsageError(`${what}: expected a duration such as 30s, 10m, 1h or 7d (a plain number is seconds), got "${input}"`, 'bad-duration')
  const n = Number(m[1])
  const unit = (m[2] ?? 's').toLowerCase()
  const ms = n * ({ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000} as Record<string, number>)[unit]!
  if (!(ms > 0)) throw new UsageError(`${what} must be more than 0`, 'bad-duration')
  return ms
}

/**
 * An instant: ISO 8601 (`2026-12-11T09:00:00Z`, `2026-12-11`), Unix seconds (`1796979600`), or
 * the RRSIG form YYYYMMDDHHmmSS (UTC). Unix seconds.
 */
export function parseInstant(input: string, what: string): number {
  const s = input.trim()
  let ms: number
  if (/^\d{14}$/.test(s)) ms = Date.UTC(+s.slice(0, 4), +s.slice(4, 6) - 1, +s.slice(6, 8), +s.slice(8, 10), +s.slice(10, 12), +s.slice(12, 14))
  else if (/^\d{1,11}$/.test(s)) ms = Number(s) * 1000
  else if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(s)) ms = Date.parse(/[T ]\d{2}:\d{2}/.test(s) && !/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? `${s}Z` : s)
  else ms = NaN
  if (!Number.isFinite(ms)) throw new UsageError(`${what}: expected an ISO 8601 time (2026-12-11T09:00:00Z), Unix seconds or YYYYMMDDHHmmSS, got "${input}"`, 'bad-time')
  return Math.floor(ms / 1000)
}
