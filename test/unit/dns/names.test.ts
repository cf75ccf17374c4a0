import {describe, expect, it} from 'vitest'
import {fqdn, isSubdomain, nameEquals, parentName, unicodeName, validateName, wireLength} from '../../../src/lib/dns/names.js'
import {UsageError} from '../../../src/lib/errors.js'

describe('names (RFC 1035 §2.3.4)', () => {
  it('accepts a 63-octet label and a 255-octet name', () => {
    expect(validateName('a'.repeat(63) + '.test')).toBe('a'.repeat(63) + '.test')
    // 4 labels of 63 + 1 + (1+61) ... build exactly 255 octets: 3×(1+63) + (1+61) + 1 = 255
    const name = ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(61)].join('.')
    expect(wireLength(name)).toBe(255)
    expect(validateName(name)).toBe(name)
  })

  it('rejects an empty name, a 64-octet label and a 256-octet name with exit 2', () => {
    expect(() => validateName('')).toThrow(/empty/)
    expect(() => validateName('a'.repeat(64) + '.test')).toThrow(/64-octet label/)
    const long = ['a'.repeat(63), 'b'.repeat(63), 'c'.repeat(63), 'd'.repeat(62)].join('.')
    expect(wireLength(long)).toBe(256)
    expect(() => validateName(long)).toThrow(/256 octets/)
    expect(() => validateName('a..b')).toThrow(/empty label/)
    try {
      validateName('')
    } catch (err: any) {
      expect(err.exit).toBe(2)
    }
  })

  it('treats the root and trailing dots consistently', () => {
    expect(validateName('.')).toBe('')
    expect(validateName('Example.TEST.')).toBe('Example.TEST')
    expect(fqdn('')).toBe('.')
    expect(fqdn('a.test')).toBe('a.test.')
  })

  it('compares case-insensitively and knows ancestry', () => {
    expect(nameEquals('WWW.Example.test.', 'www.example.TEST')).toBe(true)
    expect(isSubdomain('www.example.test', 'example.test')).toBe(true)
    expect(isSubdomain('www.example.test', '')).toBe(true)
    expect(isSubdomain('badexample.test', 'example.test')).toBe(false)
    expect(parentName('example.test')).toBe('test')
    expect(parentName('test')).toBe('')
    expect(parentName('')).toBeNull()
  })
})

describe('internationalized names (UTS 46, non-transitional as IDNA 2008)', () => {
  it('a name typed in Unicode is sent as A-labels; ASCII names are left as they are', () => {
    expect(validateName('café.example')).toBe('xn--caf-dma.example')
    expect(validateName('Bücher.DE.')).toBe('xn--bcher-kva.de')
    // Non-transitional: ß is kept (IDNA 2008), not mapped to "ss" (IDNA 2003).
    expect(validateName('faß.de')).toBe('xn--fa-hia.de')
    expect(validateName('日本語.jp')).toBe('xn--wgv71a119e.jp')
    expect(validateName('Www.Example.TEST')).toBe('Www.Example.TEST')
  })

  it('what UTS 46 refuses is exit 2, in one line', () => {
    // U+0378 is unassigned: UTS 46 refuses it.
    expect(() => validateName('x\u0378.example')).toThrow(/^name "x\u0378\.example" is not a valid internationalized domain name \(UTS 46 \/ IDNA 2008\)$/)
    expect(() => validateName('x.\u0378.example')).toThrow(UsageError)
  })

  it('shows the Unicode form of a name with A-labels, and nothing for others', () => {
    expect(unicodeName('xn--caf-dma.example.test.')).toBe('café.example.test.')
    expect(unicodeName('www.example.test.')).toBeNull()
    expect(unicodeName('xn--zz.example.')).toBeNull()
  })
})
