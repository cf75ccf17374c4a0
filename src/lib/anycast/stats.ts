/**
 * RTT statistics and identity-flip counting for anycast probing.
 */

/** Summary of a series of RTT samples, in ms. */
export interface RttStats {
  min: number
  median: number
  /** 95th percentile, linear interpolation between closest ranks. */
  p95: number
  max: number
  mean: number
  /** Mean absolute difference between consecutive samples (in the order given). */
  jitter: number
  /** Number of samples used. */
  count: number
}

/**
 * Percentile by linear interpolation between closest ranks (the "R-7" /
 * spreadsheet PERCENTILE.INC method) over an ascending array.
 */
function percentile(sorted: number[], p: number): number {
  const pos = (sorted.length - 1) * p
  const lo = Math.floor(pos)
  const hi = Math.ceil(pos)
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo)
}

/**
 * Summarise RTT samples (ms). Non-finite and negative values (timeouts written
 * as NaN/Infinity/-1) are left out. Jitter is the mean of |x[i] - x[i-1]| over
 * consecutive kept samples, in the order given: the RFC 3550 idea of
 * inter-arrival variation without its 1/16 smoothing, and 0 with fewer than two
 * samples. With no usable sample, every figure is NaN and count is 0.
 */
export function rttStats(samples: number[]): RttStats {
  const xs = samples.filter((x) => Number.isFinite(x) && x >= 0)
  if (xs.length === 0) return {min: NaN, median: NaN, p95: NaN, max: NaN, mean: NaN, jitter: NaN, count: 0}
  const sorted = [...xs].sort((a, b) => a - b)
  let jitter = 0
  for (let i = 1; i < xs.length; i++) jitter += Math.abs(xs[i]! - xs[i - 1]!)
  jitter = xs.length > 1 ? jitter / (xs.length - 1) : 0
  return {
    min: sorted[0]!,
    median: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    max: sorted[sorted.length - 1]!,
    mean: xs.reduce((a, b) => a + b, 0) / xs.length,
    jitter,
    count: xs.length,
  }
}

/** Result of {@link flips}. */
export interface Flips {
  /** Number of times the identity changed between consecutive answered probes. */
  count: number
  /** Distinct identities with how often each was seen, most frequent first (ties: first seen first). */
  distinct: Array<{identity: string; count: number}>
  /** Probes without an identity (null). */
  missing: number
}

/**
 * Count identity flips over a sequence of probes. A null (no answer, no
 * identity) is skipped: it neither counts as a change nor breaks the
 * comparison, so [a, null, b] is one flip and [a, null, a] is none.
 */
export function flips(identities: (string | null)[]): Flips {
  let count = 0
  let missing = 0
  let previous: string | null = null
  const tally = new Map<string, number>()
  for (const id of identities) {
    if (id === null) {
      missing++
      continue
    }
    if (previous !== null && id !== previous) count++
    previous = id
    tally.set(id, (tally.get(id) ?? 0) + 1)
  }
  const order = [...tally.keys()]
  const distinct = [...tally.entries()]
    .map(([identity, n]) => ({identity, count: n}))
    .sort((a, b) => b.count - a.count || order.indexOf(a.identity) - order.indexOf(b.identity))
  return {count, distinct, missing}
}
