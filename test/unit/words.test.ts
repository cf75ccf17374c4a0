import {describe, expect, it} from 'vitest'
import {count, pluralOf} from '../../src/lib/words.js'

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
