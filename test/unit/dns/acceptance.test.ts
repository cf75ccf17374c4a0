/**
 * Reply acceptance and strict decoding (the way dnspython's Message.is_response and miekg/dns's
 * unpacking are strict). The client is driven through a scripted transport on a fake clock: each
 * condition for accepting a reply has its own test, and a malformed reply is ignored whole.
 */
import {describe, expect, it} from 'vitest'
import {DnsClient, summarizeIgnored, type Exchange, type ExchangeOptions} from '../../../src/lib/dns/client.js'
import {decodeMessage, encodePacket, makeQuestion, MalformedMessageError, type DecodedPacket, type Packet} from '../../../src/lib/dns/message.js'
import type {Endpoint} from '../../../src/lib/dns/transport.js'
import {ScriptedTransport, type Script, type Send} from '../../helpers/scripted-transport.js'

const SERVER: Endpoint = {address: '192.0.2.61', port: 53}
const A = (name: string, ip: string) => ({name, type: 'A', class: 'IN', ttl: 60, data: ip})

/** A reply to `q` in dns-packet's shape, with `extra` over it. */
const reply = (q: DecodedPacket, extra: Partial<Packet> = {}): Packet => ({id: q.id, type: 'response', flags: 0x0400, questions: q.questions, answers: [A(q.questions[0]!.name, '192.0.2.1')], ...extra})

async function exchange(script: Script, opts: Partial<ExchangeOptions> = {}): Promise<{ex: Exchange, t: ScriptedTransport}> {
  const t = new ScriptedTransport(script)
  const ex = await new DnsClient({transport: t}).exchange({server: SERVER, question: makeQuestion('www.example.test'), timeoutMs: 1000, retries: 1, ...opts})
  return {ex, t}
}

/** A reply the acceptor must ignore, then the right one: the right one wins and the bad is counted. */
async function ignoredThenGood(bad: (q: DecodedPacket) => Send): Promise<{ex: Exchange, reasons: string[]}> {
  const {ex} = await exchange((q) => [bad(q), encodePacket(reply(q))])
  expect(ex.error).toBeNull()
  expect(ex.message?.answers[0]).toMatchObject({data: '192.0.2.1'})
  return {ex, reasons: ex.ignored.map((i) => i.reason)}
}

describe('a reply is accepted only if every condition holds', () => {
  it('QR=1', async () => {
    const {reasons} = await ignoredThenGood((q) => encodePacket({...reply(q), type: 'query'}))
    expect(reasons).toEqual(['not a response (QR=0)'])
  })

  it('the query\'s opcode', async () => {
    const {reasons} = await ignoredThenGood((q) => encodePacket({...reply(q), flags: 0x0400 | (2 << 11)}))
    expect(reasons).toEqual(['wrong opcode STATUS (expected QUERY)'])
  })

  it('the query\'s ID', async () => {
    const {reasons} = await ignoredThenGood((q) => encodePacket({...reply(q), id: (q.id + 1) & 0xffff}))
    expect(reasons[0]).toMatch(/^wrong ID /)
  })

  it('the source address', async () => {
    const {reasons} = await ignoredThenGood((q) => ({data: encodePacket(reply(q)), from: {address: '192.0.2.66', port: 53}}))
    expect(reasons).toEqual(['from unexpected source 192.0.2.66 port 53'])
  })

  it('the source port', async () => {
    const {reasons} = await ignoredThenGood((q) => ({data: encodePacket(reply(q)), from: {address: SERVER.address, port: 5353}}))
    expect(reasons).toEqual(['from unexpected source 192.0.2.61 port 5353'])
  })

  it('the question name, compared without case', async () => {
    const {ex} = await exchange((q) => [encodePacket(reply(q, {questions: [{name: 'WWW.eXample.TEST', type: 'A', class: 'IN'}]}))])
    expect(ex.error).toBeNull()
    const {reasons} = await ignoredThenGood((q) => encodePacket(reply(q, {questions: [{name: 'www.example.evil', type: 'A', class: 'IN'}]})))
    expect(reasons).toEqual(['wrong question www.example.evil IN A'])
  })

  it('the question type', async () => {
    const {reasons} = await ignoredThenGood((q) => encodePacket(reply(q, {questions: [{name: 'www.example.test', type: 'AAAA', class: 'IN'}]})))
    expect(reasons).toEqual(['wrong question www.example.test IN AAAA'])
  })

  it('the question class', async () => {
    const {reasons} = await ignoredThenGood((q) => encodePacket(reply(q, {questions: [{name: 'www.example.test', type: 'A', class: 'CH'}]})))
    expect(reasons).toEqual(['wrong question www.example.test CH A'])
  })

  it('a question: a NOERROR reply without one is ignored', async () => {
    const {reasons} = await ignoredThenGood((q) => encodePacket(reply(q, {questions: []})))
    expect(reasons).toEqual(['reply has no question'])
  })
})

describe('a malformed reply is ignored whole, as a spoof would be', () => {
  // The good reply's wire, patched.
  const patched = (patch: (b: Buffer) => Buffer) => (q: DecodedPacket) => patch(encodePacket(reply(q)))
  const rdlengthAt = (b: Buffer) => b.length - 6

  it('an RDLENGTH that disagrees with the RDATA its type defines (A with 5 octets)', async () => {
    const {reasons} = await ignoredThenGood(patched((b) => {
      const c = Buffer.concat([b, Buffer.from([9])])
      c.writeUInt16BE(5, rdlengthAt(b))
      return c
    }))
    expect(reasons).toHaveLength(1)
    expect(reasons[0]).toMatch(/malformed/)
  })

  it('counts larger than the records present', async () => {
    const {reasons} = await ignoredThenGood(patched((b) => {
      b.writeUInt16BE(2, 6)
      return b
    }))
    expect(reasons[0]).toMatch(/malformed/)
  })

  it('trailing bytes', async () => {
    const {reasons} = await ignoredThenGood(patched((b) => Buffer.concat([b, Buffer.from([0, 0])])))
    expect(reasons[0]).toMatch(/trail/)
  })

  it('every malformed reply is counted in the error when nothing acceptable came', async () => {
    const {ex} = await exchange((q) => [Buffer.from([q.id >> 8, q.id & 0xff, 0x84]), encodePacket({...reply(q), id: q.id ^ 1}), encodePacket(reply(q, {questions: []})).subarray(0, 20)], {retries: 0, timeoutMs: 2000})
    expect(ex.message).toBeNull()
    expect(ex.error).toEqual({code: 'timeout', message: 'no acceptable reply from 192.0.2.61 port 53 in 2000 ms (2 malformed, 1 wrong ID ignored)', ignoredSummary: '2 malformed, 1 wrong ID'})
  })

  it('summarizes ignored packets by kind, most frequent first', () => {
    const r = (reason: string) => ({reason})
    expect(summarizeIgnored([r('wrong ID 1 (expected 2)'), r('malformed DNS message: x'), r('short packet (3 bytes)'), r('malformed DNS message: y')])).toBe('3 malformed, 1 wrong ID')
  })
})

describe('strict decoding (RFC 1035 §4.1, RFC 6891 §6.1.1)', () => {
  const header = (qd: number, an: number, ns = 0, ar = 0) => Buffer.from([0x12, 0x34, 0x84, 0x00, 0, qd, 0, an, 0, ns, 0, ar])
  const question = Buffer.from('03777777047465737400000100 01'.replace(/ /g, ''), 'hex')
  const malformed = (wire: Buffer, re: RegExp) => {
    expect(() => decodeMessage(wire)).toThrow(MalformedMessageError)
    expect(() => decodeMessage(wire)).toThrow(re)
  }

  it('a label over 63 octets', () => {
    malformed(Buffer.concat([header(1, 0), Buffer.from([64]), Buffer.alloc(64, 0x61), Buffer.from([0, 0, 1, 0, 1])]), /label|0x40|type/)
  })

  it('a name over 255 octets after decompression', () => {
    const label = Buffer.concat([Buffer.from([63]), Buffer.alloc(63, 0x61)])
    // 4 × 64 + 1 = 257 octets.
    malformed(Buffer.concat([header(1, 0), label, label, label, label, Buffer.from([0, 0, 1, 0, 1])]), /255/)
  })

  it('a compression pointer loop, and a forward pointer', () => {
    // The question name is a pointer to itself (offset 12).
    malformed(Buffer.concat([header(1, 0), Buffer.from([0xc0, 12, 0, 1, 0, 1])]), /backwards/)
    // A pointer to offset 20, beyond itself.
    malformed(Buffer.concat([header(1, 0), Buffer.from([0xc0, 20, 0, 1, 0, 1]), Buffer.from([3, 0x61, 0x62, 0x63, 0])]), /backwards/)
  })

  it('OPT outside the additional section, twice, or with an owner other than the root', () => {
    const opt = Buffer.from('0000290200000000000000', 'hex')
    malformed(Buffer.concat([header(1, 1), question, opt]), /OPT record in the answer section/)
    malformed(Buffer.concat([header(1, 0, 0, 2), question, opt, opt]), /more than one OPT/)
    malformed(Buffer.concat([header(1, 0, 0, 1), question, Buffer.from('01610000290200000000000000', 'hex')]), /owner other than the root/)
  })

  it('counts a message cannot hold (the 64-byte amplification input of the hostile-server run)', () => {
    const wire = Buffer.from('123401000000010466757a7a04746573740000100001c00c00010606060600002904d000000000000000010000012c00040606060600002904d0000000000000', 'hex')
    const t0 = performance.now()
    malformed(wire, /more than \d+ octets can hold|malformed/)
    expect(performance.now() - t0).toBeLessThan(100)
  })

  it('a well-formed reply decodes', () => {
    const m = decodeMessage(Buffer.concat([header(1, 1), question, Buffer.from('c00c000100010000003c0004c0000201', 'hex')]))
    expect(m.answers[0]).toMatchObject({name: 'www.test', type: 'A', data: '192.0.2.1'})
  })
})

describe('EDNS fallback (RFC 6891 §6.1.3, §7)', () => {
  const hasOpt = (q: DecodedPacket) => q.additionals.some((r) => r.type === 'OPT')
  const version = (q: DecodedPacket) => (q.additionals.find((r) => r.type === 'OPT') as any)?.ednsVersion as number | undefined

  for (const rcode of ['NOTIMP', 'FORMERR']) {
    it(`${rcode} to an EDNS query: once more without EDNS`, async () => {
      const code = rcode === 'NOTIMP' ? 4 : 1
      const {ex, t} = await exchange((q) => [encodePacket(hasOpt(q) ? {id: q.id, type: 'response', flags: code, questions: []} : reply(q))])
      expect(t.queries.map(hasOpt)).toEqual([true, false])
      expect(ex).toMatchObject({ednsFallback: true, error: null})
      expect(ex.message?.rcode).toBe('NOERROR')
    })
  }

  it('BADVERS: once more at the version the server advertises, before EDNS is dropped', async () => {
    // The server implements version 0 only; we ask at version 1.
    const badvers = (q: DecodedPacket) => encodePacket({id: q.id, type: 'response', flags: 0, questions: q.questions, additionals: [{type: 'OPT', extendedRcode: 1, ednsVersion: 0}]})
    const {ex, t} = await exchange((q) => [version(q) === 1 ? badvers(q) : encodePacket(reply(q, {additionals: [{type: 'OPT', ednsVersion: 0}]}))], {edns: {version: 1}})
    expect(t.queries.map(version)).toEqual([1, 0])
    expect(ex.ednsFallback).toBe(false)
    expect(ex.message?.edns?.version).toBe(0)
    expect(ex.notes).toEqual(['BADVERS to EDNS version 1; retried at version 0, the server\'s'])
  })

  it('BADVERS that advertises no lower version: EDNS is dropped', async () => {
    const {ex, t} = await exchange((q) =>
      [encodePacket(hasOpt(q) ? {id: q.id, type: 'response', flags: 0, questions: q.questions, additionals: [{type: 'OPT', extendedRcode: 1, ednsVersion: 0}]} : reply(q))])
    expect(t.queries.map(version)).toEqual([0, undefined])
    expect(ex.ednsFallback).toBe(true)
  })
})

describe('truncation (RFC 7766)', () => {
  const truncated = (q: DecodedPacket) => encodePacket({...reply(q), flags: 0x0400 | 0x0200, answers: []})

  it('TC=1 and the TCP retry fails: the exchange fails with that reason', async () => {
    const {ex} = await exchange((q, tr) => (tr === 'udp' ? [truncated(q)] : 'refuse'))
    expect(ex.message).toBeNull()
    expect(ex.error?.code).toBe('refused')
    expect(ex.error?.message).toBe('the UDP reply was truncated (TC=1) and TCP failed: connection refused')
  })

  it('TC=1 then TCP: not a retry; the bytes received are the answer\'s, the UDP reply kept in its attempt', async () => {
    const {ex} = await exchange((q, tr) => (tr === 'udp' ? [truncated(q)] : [encodePacket(reply(q))]))
    expect(ex).toMatchObject({transport: 'tcp', transportReason: 'tcp after TC', retries: 0})
    const tcp = Buffer.from(ex.wire.reply!, 'hex').length
    expect(ex.bytesReceived).toBe(tcp)
    expect(ex.attempts.map((a) => [a.transport, a.outcome, a.bytesReceived])).toEqual([['udp', 'truncated', 34], ['tcp', 'reply', tcp]])
    expect(tcp).not.toBe(34)
  })

  it('an EDNS fallback is not a retry either; a timeout is', async () => {
    const formerr = await exchange((q) => (q.additionals.length ? [encodePacket({...reply(q), flags: 0x0001, answers: []})] : [encodePacket(reply(q))]))
    expect(formerr.ex).toMatchObject({ednsFallback: true, retries: 0})
    let n = 0
    const silentOnce = await exchange((q) => (n++ === 0 ? [] : [encodePacket(reply(q))]))
    expect(silentOnce.ex.retries).toBe(1)
  })

  it('the truncated reply only when asked for (tcpOnTruncation: false)', async () => {
    const {ex, t} = await exchange((q, tr) => (tr === 'udp' ? [truncated(q)] : 'refuse'), {tcpOnTruncation: false})
    expect(ex.message?.flags.tc).toBe(true)
    expect(t.queries).toHaveLength(1)
  })
})

describe('the transport readies its path before the clock starts', () => {
  it('time spent in prepare (an on-demand lab opening a listener) is in neither the RTT nor the total', async () => {
    const t = new ScriptedTransport((q) => [encodePacket(reply(q))])
    const prepared: Endpoint[] = []
    const readied = Object.assign(t, {
      prepare: async (server: Endpoint) => {
        prepared.push(server)
        t.t += 250
      },
    })
    const ex = await new DnsClient({transport: readied}).exchange({server: SERVER, question: makeQuestion('www.example.test'), timeoutMs: 1000})
    expect(prepared).toEqual([SERVER])
    expect(ex.error).toBeNull()
    expect(ex.rttMs).toBe(1)
    expect(ex.totalMs).toBe(1)
  })
})
