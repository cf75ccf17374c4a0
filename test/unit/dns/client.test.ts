import {afterEach, describe, expect, it} from 'vitest'
import dgram from 'node:dgram'
import dnsPacket from 'dns-packet'
import {DnsClient} from '../../../src/lib/dns/client.js'
import {makeQuestion} from '../../../src/lib/dns/message.js'
import {NodeTransport} from '../../../src/lib/dns/transport.js'
import {answerFor, startFakeServer, type FakeServer} from '../../helpers/fake-server.js'

const A = (name: string, ip: string) => ({name, type: 'A', class: 'IN', ttl: 60, data: ip})
let server: FakeServer | null = null
afterEach(async () => {
  await server?.close()
  server = null
})

function client() {
  return new DnsClient({transport: new NodeTransport()})
}

describe('DnsClient over UDP', () => {
  it('accepts a matching reply and reports the exchange', async () => {
    server = await startFakeServer((q) => ({kind: 'reply', packet: answerFor(q, {answers: [A(q.questions[0].name, '192.0.2.1')]})}))
    const ex = await client().exchange({server: {address: '127.0.0.1', port: server.port}, question: makeQuestion('www.example.test')})
    expect(ex.error).toBeNull()
    expect(ex.message?.answers[0]).toMatchObject({data: '192.0.2.1'})
    expect(ex.transport).toBe('udp')
    expect(ex.transportReason).toBe('udp')
    expect(ex.retries).toBe(0)
    expect(ex.bytesSent).toBeGreaterThan(12)
    expect(ex.bytesReceived).toBeGreaterThan(ex.bytesSent)
    expect(ex.wire.reply).toMatch(/^[0-9a-f]+$/)
    expect(ex.attempts[0].localPort).toBeGreaterThan(0)
  })

  it('ignores a wrong-ID reply, keeps waiting, and counts it (RFC 5452)', async () => {
    server = await startFakeServer((q) => [
      {kind: 'reply', packet: answerFor({...q, id: (q.id + 1) & 0xffff}, {answers: [A('www.example.test', '203.0.113.66')]})},
      {kind: 'reply', packet: answerFor(q, {answers: [A('www.example.test', '192.0.2.1')]})},
    ])
    const ex = await client().exchange({server: {address: '127.0.0.1', port: server.port}, question: makeQuestion('www.example.test')})
    expect(ex.message?.answers[0]).toMatchObject({data: '192.0.2.1'})
    expect(ex.ignored).toHaveLength(1)
    expect(ex.ignored[0].reason).toMatch(/wrong ID/)
  })

  it('ignores a reply with the wrong question, and garbage, then accepts the right one', async () => {
    server = await startFakeServer((q) => [
      {kind: 'reply', packet: answerFor({...q, questions: [{name: 'evil.test', type: 'A', class: 'IN'}]})},
      {kind: 'raw', data: Buffer.concat([Buffer.from([q.id >> 8, q.id & 0xff]), Buffer.from('8180ffff0000', 'hex'), Buffer.alloc(8)])},
      {kind: 'reply', packet: answerFor(q, {answers: [A('WWW.Example.TEST', '192.0.2.1')]})},
    ])
    // The question is echoed with different case: still a match (case-insensitive).
    const ex = await client().exchange({server: {address: '127.0.0.1', port: server.port}, question: makeQuestion('www.example.test')})
    expect(ex.error).toBeNull()
    expect(ex.ignored.map((i) => i.reason)).toEqual([expect.stringMatching(/wrong question evil\.test/), expect.stringMatching(/malformed|short|exceed/)])
  })

  it('never accepts a reply from an unexpected source port (the connected socket does not even see it)', async () => {
    let spoofed: Buffer | null = null
    server = await startFakeServer((q) => {
      spoofed = dnsPacket.encode(answerFor(q, {answers: [A('www.example.test', '203.0.113.66')]}))
      return {kind: 'silent'}
    })
    const c = client()
    const p = c.exchange({server: {address: '127.0.0.1', port: server.port}, question: makeQuestion('www.example.test'), timeoutMs: 400, retries: 0})
    // Wait until the query has arrived, then spoof from another port.
    for (let i = 0; i < 50 && !spoofed; i++) await new Promise((r) => setTimeout(r, 5))
    await server.spoofFromOtherPort(spoofed!)
    const ex = await p
    expect(ex.message).toBeNull()
    expect(ex.error?.code).toBe('timeout')
    // The kernel drops a datagram from any other address or port before it reaches the socket.
    expect(ex.ignored).toEqual([])
  })

  it('a port nothing listens on is "connection refused" at once (ICMP port unreachable), not a timeout', async () => {
    const probe = dgram.createSocket('udp4')
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve))
    const port = probe.address().port
    probe.close()
    const ex = await client().exchange({server: {address: '127.0.0.1', port}, question: makeQuestion('www.example.test'), timeoutMs: 2000, retries: 2})
    // One attempt, ended by the refusal: neither the 2 s timeout nor the two retries were waited out.
    expect(ex.error).toEqual({code: 'refused', message: `127.0.0.1 port ${port}: connection refused (ICMP port unreachable: nothing listens there)`})
    expect(ex.attempts).toHaveLength(1)
  })

  it('gives up at the deadline on silence, after bounded retries with fresh IDs', async () => {
    server = await startFakeServer(() => ({kind: 'silent'}))
    const ids: number[] = []
    let n = 100
    const c = new DnsClient({idGenerator: () => {
      ids.push(n)
      return n++
    }})
    const ex = await c.exchange({server: {address: '127.0.0.1', port: server.port}, question: makeQuestion('x.test'), timeoutMs: 150, retries: 2})
    expect(ex.error?.code).toBe('timeout')
    expect(ex.attempts).toHaveLength(3)
    expect(ids).toEqual([100, 101, 102])
    expect(server.udpCount).toBe(3)
    // A fresh socket per try: the source ports are not all the same.
    const ports = new Set(ex.attempts.map((a) => a.localPort))
    expect(ports.size).toBeGreaterThan(1)
  })

  it('honours one absolute deadline across tries', async () => {
    server = await startFakeServer(() => ({kind: 'silent'}))
    const c = client()
    const start = performance.now()
    const ex = await c.exchange({server: {address: '127.0.0.1', port: server.port}, question: makeQuestion('x.test'), timeoutMs: 1000, retries: 5, deadline: start + 200})
    expect(ex.error?.code).toBe('timeout')
    expect(ex.attempts.length).toBe(1)
  })

  it('repeats over TCP after TC=1 (RFC 7766), with split TCP reads', async () => {
    server = await startFakeServer((q, ctx) => ctx.transport === 'udp'
      ? {kind: 'reply', packet: answerFor(q, {flags: dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.TRUNCATED_RESPONSE})}
      : {kind: 'reply', packet: answerFor(q, {answers: Array.from({length: 40}, (_, i) => A('big.test', `192.0.2.${i + 1}`))})}, {tcpSplit: true})
    const ex = await client().exchange({server: {address: '127.0.0.1', port: server.port}, question: makeQuestion('big.test')})
    expect(ex.transport).toBe('tcp')
    expect(ex.transportReason).toBe('tcp after TC')
    expect(ex.message?.answers).toHaveLength(40)
    expect(ex.attempts.map((a) => a.outcome)).toEqual(['truncated', 'reply'])
    expect(server.tcpCount).toBe(1)
  })

  it('skips a wrong-ID TCP frame coalesced before the right one', async () => {
    server = await startFakeServer((q) => [
      {kind: 'reply', packet: answerFor({...q, id: (q.id + 7) & 0xffff})},
      {kind: 'reply', packet: answerFor(q, {answers: [A('t.test', '192.0.2.9')]})},
    ])
    const ex = await client().exchange({server: {address: '127.0.0.1', port: server.port}, question: makeQuestion('t.test'), tcp: true})
    expect(ex.transportReason).toBe('tcp requested')
    expect(ex.message?.answers[0]).toMatchObject({data: '192.0.2.9'})
    expect(ex.ignored).toHaveLength(1)
  })

  it('retries once without EDNS after FORMERR (RFC 6891 §7)', async () => {
    const seen: boolean[] = []
    server = await startFakeServer((q) => {
      const hasOpt = (q.additionals ?? []).some((r: any) => r.type === 'OPT')
      seen.push(hasOpt)
      if (hasOpt) return {kind: 'reply', packet: {id: q.id, type: 'response', flags: 1, questions: [], answers: []}}
      return {kind: 'reply', packet: answerFor(q, {answers: [A('old.test', '192.0.2.7')]})}
    })
    const ex = await client().exchange({server: {address: '127.0.0.1', port: server.port}, question: makeQuestion('old.test'), edns: {nsid: true}})
    expect(seen).toEqual([true, false])
    expect(ex.ednsFallback).toBe(true)
    expect(ex.message?.rcode).toBe('NOERROR')
    expect(ex.message?.edns).toBeNull()
  })

  it('reports a refused TCP connection as an error, not a hang', async () => {
    // Find a closed port: bind and release.
    const s = dgram.createSocket('udp4')
    await new Promise<void>((r) => s.bind(0, '127.0.0.1', () => r()))
    const port = s.address().port
    s.close()
    const ex = await client().exchange({server: {address: '127.0.0.1', port}, question: makeQuestion('x.test'), tcp: true, timeoutMs: 500})
    expect(ex.error?.code).toBe('refused')
    expect(ex.message).toBeNull()
  })

  it('never sends to an address the route hook does not map', async () => {
    const c = new DnsClient({transport: new NodeTransport({route: () => null})})
    const ex = await c.exchange({server: {address: '192.0.2.1', port: 53}, question: makeQuestion('x.test')})
    expect(ex.error?.code).toBe('unmapped')
    expect(ex.bytesSent).toBe(0)
  })
})
