import {describe, expect, it} from 'vitest'
import {DIG_OPTION_NAMES, fromDigArgs} from '../../../src/lib/cli/dig-args.js'
import {reverseName} from '../../../src/lib/net/cidr.js'

describe("dig's syntax for dnsx query", () => {
  it('+options become flags; -t, -q and -x become --qtype, --qname and --reverse; the rest is kept in order', () => {
    expect(fromDigArgs(['@192.0.2.1', 'example.test', '+norec', '+nsid', '+short', 'SOA', '--lab'])).toEqual(['@192.0.2.1', 'example.test', '--norecurse', '--nsid', '--short', 'SOA', '--lab'])
    expect(fromDigArgs(['+tcp', '+vc', '+dnssec', '+do', '+noedns', '+ignore'])).toEqual(['--tcp', '--tcp', '--dnssec', '--dnssec', '--no-edns', '--ignore-tc'])
    expect(fromDigArgs(['+subnet=198.51.100.0/24', '+client=192.0.2.1', '+bufsize=4096'])).toEqual(['--subnet', '198.51.100.0/24', '--subnet', '192.0.2.1', '--bufsize', '4096'])
    expect(fromDigArgs(['+tries=3', '+retry=0', '+time=2'])).toEqual(['--retries', '2', '--retries', '0', '--timeout', '2000'])
    expect(fromDigArgs(['+rec', '+recurse', '+notcp', '+edns'])).toEqual([])
    expect(fromDigArgs(['+cookie', '+padding', '+padding=468', '+ednsopt=65001:abcd', '+nocookie'])).toEqual(['--cookie', '--padding', '128', '--padding', '468', '--ednsopt', '65001:abcd'])
    expect(fromDigArgs(['-t', 'MX', '-q', 'example.test', '-x', '192.0.2.80', '-p', '5353', '-c', 'CH'])).toEqual(['--qtype', 'MX', '--qname', 'example.test', '--reverse', '192.0.2.80', '-p', '5353', '-c', 'CH'])
    // After --, nothing is dig's.
    expect(fromDigArgs(['x', '--', '+short'])).toEqual(['x', '--', '+short'])
    // A flag's value is its own, even when it starts with +.
    expect(fromDigArgs(['x', 'TXT', '--expect-answer', '+1 555', '+short'], new Set(['--expect-answer']))).toEqual(['x', 'TXT', '--expect-answer', '+1 555', '--short'])
  })

  it('an unknown +option is exit 2, naming the nearest and listing the ones taken; values are checked', () => {
    expect(() => fromDigArgs(['+shrot'])).toThrow(/^unknown dig option \+shrot; did you mean \+short\? \(dnsx query takes \+tcp .*\+time=…\)$/)
    expect(() => fromDigArgs(['+frobnicate'])).toThrow(/^unknown dig option \+frobnicate \(dnsx query takes /)
    expect(() => fromDigArgs(['+bufsize'])).toThrow('+bufsize needs a value (+bufsize=…)')
    expect(() => fromDigArgs(['+bufsize=70000'])).toThrow('+bufsize=70000: expected a number up to 65535')
    expect(() => fromDigArgs(['+short=1'])).toThrow('+short takes no value')
    expect(() => fromDigArgs(['-t'])).toThrow('-t needs a value')
    expect(DIG_OPTION_NAMES).toContain('+subnet=…')
  })
})

describe('reverseName (dig -x)', () => {
  it('IPv4 under in-addr.arpa (RFC 1035 §3.5), IPv6 as 32 nibbles under ip6.arpa (RFC 3596 §2.5)', () => {
    expect(reverseName('192.0.2.80')).toBe('80.2.0.192.in-addr.arpa')
    // RFC 3596 §2.5's own example.
    expect(reverseName('4321:0:1:2:3:4:567:89ab')).toBe('b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa')
    expect(() => reverseName('example.test')).toThrow('-x example.test: not an IPv4 or IPv6 address')
  })
})

describe('+ednsopt=CODE[:HEX]', () => {
  it('a number or a name, and hex digits two per octet', async () => {
    const {parseEdnsOption} = await import('../../../src/lib/dns/edns.js')
    expect(parseEdnsOption('65001:abcd')).toEqual({code: 65001, data: Buffer.from('abcd', 'hex')})
    expect(parseEdnsOption('nsid')).toEqual({code: 3, data: Buffer.alloc(0)})
    expect(parseEdnsOption('client-subnet:00010000')).toEqual({code: 8, data: Buffer.from('00010000', 'hex')})
    expect(() => parseEdnsOption('70000')).toThrow(/expected CODE\[:HEX\]/)
    expect(() => parseEdnsOption('12:abc')).toThrow(/two per octet/)
  })
})
