/**
 * The .rpl replay harness (test/replay) on scenarios written here: it must pass a trace that
 * gets the checked answer and fail one that does not, or a measurement with it means nothing.
 */
import {describe, expect, it} from 'vitest'
import {parseRpl, replay} from '../../replay/rpl.js'

const scenario = (tldReply: string, check: string) => `
	stub-addr: 198.51.100.1
CONFIG_END
SCENARIO_BEGIN written for dnsx
RANGE_BEGIN 0 100
	ADDRESS 198.51.100.1
ENTRY_BEGIN
MATCH opcode qtype qname
REPLY QR AA NOERROR
SECTION QUESTION
. IN NS
SECTION ANSWER
. IN NS a.root.test.
SECTION ADDITIONAL
a.root.test. IN A 198.51.100.1
ENTRY_END
ENTRY_BEGIN
MATCH opcode subdomain
REPLY QR NOERROR
SECTION QUESTION
test. IN A
SECTION AUTHORITY
test. IN NS ns.nic.test.
SECTION ADDITIONAL
ns.nic.test. IN A 198.51.100.10
ENTRY_END
RANGE_END
RANGE_BEGIN 0 100
	ADDRESS 198.51.100.10
${tldReply}
RANGE_END
STEP 1 QUERY
ENTRY_BEGIN
REPLY RD
SECTION QUESTION
www.example.test. IN A
ENTRY_END
STEP 10 CHECK_ANSWER
ENTRY_BEGIN
MATCH all
REPLY QR RD RA ${check}
SECTION QUESTION
www.example.test. IN A
SECTION ANSWER
www.example.test. IN A 192.0.2.80
ENTRY_END
SCENARIO_END
`

const answer = `ENTRY_BEGIN
MATCH opcode qtype qname
REPLY QR AA NOERROR
SECTION QUESTION
www.example.test. IN A
SECTION ANSWER
www.example.test. 300 IN A 192.0.2.80
ENTRY_END`

describe('the .rpl replay harness', () => {
  it('parses stub addresses, ranges and steps', () => {
    const sc = parseRpl(scenario(answer, 'NOERROR'))
    expect(sc.stubAddrs).toEqual(['198.51.100.1'])
    expect(sc.ranges.map((r) => r.addresses)).toEqual([['198.51.100.1'], ['198.51.100.10']])
    expect(sc.steps.map((s) => s.kind)).toEqual(['QUERY', 'CHECK_ANSWER'])
    expect(sc.ranges[1]!.entries[0]).toMatchObject({rcode: 'NOERROR', question: {name: 'www.example.test', type: 'A'}})
  })

  it('passes a trace that gets the checked answer', async () => {
    expect(await replay(parseRpl(scenario(answer, 'NOERROR')))).toMatchObject({pass: true, got: {rcode: 'NOERROR'}})
  })

  it('fails one that does not (a different rcode, or a server that only refuses)', async () => {
    expect((await replay(parseRpl(scenario(answer, 'NXDOMAIN'))))!.pass).toBe(false)
    const refused = answer.replace('REPLY QR AA NOERROR', 'REPLY QR REFUSED').replace(/SECTION ANSWER\n.*\n/, '')
    expect(await replay(parseRpl(scenario(refused, 'NOERROR')))).toMatchObject({pass: false, got: {rcode: 'SERVFAIL'}})
  })
})
