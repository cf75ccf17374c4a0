import {describe, expect, it} from 'vitest'
import {count, fitLine, pluralOf} from '../../src/lib/words.js'

describe('count: the number and a noun that agrees with it', () => {
  it('singular for exactly one, plural otherwise (zero too), with the irregular plurals dnsx prints', () => {
    expect(count(1, 'query')).toBe('1 query')
    expect(count(2, 'query')).toBe('2 queries')
    expect(count(0, 'record')).toBe('0 records')
    expect(count(1, 'address')).toBe('1 address')
    expect(count(3, 'address')).toBe('3 addresses')
    expect(count(2, 'reply')).toBe('2 replies')
    expect(count(2, 'NS lookup')).toBe('2 NS lookups')
    expect(count(2, 'server address', 'server addresses')).toBe('2 server addresses')
    expect(pluralOf('box')).toBe('boxes')
  })
})

describe('fitLine: a progress line never longer than the terminal', () => {
  it('keeps one column free and marks the cut; leaves the line whole without a terminal width', () => {
    expect(fitLine('12/40 checks done (last: www is 192.0.2.80: pass)', 20)).toBe('12/40 checks done …')
    expect(fitLine('12/40 checks done (last: www is 192.0.2.80: pass)', 20)).toHaveLength(19)
    expect(fitLine('short', 80)).toBe('short')
    expect(fitLine('exactly nineteen ch', 20)).toBe('exactly nineteen ch')
    expect(fitLine('a long line', undefined)).toBe('a long line')
    expect(fitLine('café ☃ and more text', 8)).toBe('café ☃…')
  })
})
