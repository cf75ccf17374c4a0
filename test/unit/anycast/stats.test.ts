import {describe, expect, it} from 'vitest'
import {flips, rttStats} from '../../../src/lib/anycast/index.js'

describe('rttStats', () => {
  it('summarises a fixed series', () => {
    const s = rttStats([10, 12, 11, 30, 10])
    expect(s.count).toBe(5)
    expect(s.min).toBe(10)
    expect(s.max).toBe(30)
    expect(s.median).toBe(11)
    expect(s.mean).toBeCloseTo(14.6, 10)
    // sorted 10 10 11 12 30: rank 0.95 x 4 = 3.8 -> 12 + 0.8 x 18
    expect(s.p95).toBeCloseTo(26.4, 10)
    // |12-10| + |11-12| + |30-11| + |10-30| = 42 over 4 steps
    expect(s.jitter).toBeCloseTo(10.5, 10)
  })

  it('interpolates the median of an even count', () => {
    expect(rttStats([4, 1, 3, 2]).median).toBe(2.5)
  })

  it('takes jitter in probe order, not sorted order', () => {
    expect(rttStats([1, 2, 3, 4]).jitter).toBe(1)
    expect(rttStats([1, 3, 2, 4]).jitter).toBeCloseTo(5 / 3, 10)
  })

  it('drops timeouts and has zero jitter for one sample', () => {
    const s = rttStats([Number.NaN, 7, Number.POSITIVE_INFINITY, -1])
    expect(s).toEqual({min: 7, median: 7, p95: 7, max: 7, mean: 7, jitter: 0, count: 1})
  })

  it('gives NaN figures and count 0 for no usable sample', () => {
    const s = rttStats([])
    expect(s.count).toBe(0)
    expect(Number.isNaN(s.min) && Number.isNaN(s.median) && Number.isNaN(s.jitter)).toBe(true)
  })
})

describe('flips', () => {
  it('counts changes between consecutive answered probes', () => {
    const f = flips(['a', 'a', 'b', null, 'b', 'a'])
    expect(f.count).toBe(2)
    expect(f.missing).toBe(1)
    expect(f.distinct).toEqual([
      {identity: 'a', count: 3},
      {identity: 'b', count: 2},
    ])
  })

  it('does not count a gap as a flip', () => {
    expect(flips(['a', null, 'a']).count).toBe(0)
    expect(flips(['a', null, 'b']).count).toBe(1)
  })

  it('orders ties by first appearance', () => {
    expect(flips(['x', 'y', 'x', 'y']).distinct.map((d) => d.identity)).toEqual(['x', 'y'])
    expect(flips(['y', 'x', 'x', 'y']).count).toBe(2)
  })

  it('handles empty and all-missing input', () => {
    expect(flips([])).toEqual({count: 0, distinct: [], missing: 0})
    expect(flips([null, null])).toEqual({count: 0, distinct: [], missing: 2})
  })
})
