import {afterEach, describe, expect, it} from 'vitest'
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

const ask = async (c: DnsClient, name = 'www.example.test', timeoutMs?: number) => {
  const ex = await c.exchange({server: {address: '127.0.0.1', port: server!.port}, question: makeQuestion(name), ...(timeoutMs ? {timeoutMs, retries: 0} : {})})
  return {ex, port: ex.attempts[0]!.localPort ?? null}
}

describe('NodeTransport: pooled UDP sockets (bulk runs bind one socket per few queries, not per query)', () => {
  it('a socket whose query got its reply serves the next query, up to socketReuse queries, then a new one is bound', async () => {
    server = await startFakeServer((q) => ({kind: 'reply', packet: answerFor(q, {answers: [A(q.questions[0].name, '192.0.2.1')]})}))
    const transport = new NodeTransport({socketReuse: 3})
    const c = new DnsClient({transport})
    const ports: (number | null)[] = []
    for (let i = 0; i < 6; i++) ports.push((await ask(c)).port)
    expect(ports[0]).toBeGreaterThan(0)
    expect(ports.slice(0, 3)).toEqual([ports[0], ports[0], ports[0]])
    expect(ports.slice(3)).toEqual([ports[3], ports[3], ports[3]])
    expect(ports[3]).not.toBe(ports[0])
    transport.close()
  })

  it('a socket whose query timed out is closed, never reused: a late reply cannot meet another query', async () => {
    let n = 0
    server = await startFakeServer((q) => (n++ === 0 ? {kind: 'silent'} : {kind: 'reply', packet: answerFor(q, {answers: [A(q.questions[0].name, '192.0.2.1')]})}))
    const transport = new NodeTransport()
    const c = new DnsClient({transport})
    const first = await ask(c, 'www.example.test', 150)
    expect(first.ex.error?.code).toBe('timeout')
    const second = await ask(c)
    expect(second.ex.error).toBeNull()
    expect(second.port).not.toBe(first.port)
    transport.close()
  })

  it('concurrent queries each get a socket of their own, and every reply is matched to its query', async () => {
    server = await startFakeServer((q) => ({kind: 'reply', packet: answerFor(q, {answers: [A(q.questions[0].name, '192.0.2.1')]})}))
    const transport = new NodeTransport({socketReuse: 100})
    const c = new DnsClient({transport})
    const results = await Promise.all(Array.from({length: 20}, (_, i) => ask(c, `n${i}.example.test`)))
    expect(new Set(results.map((r) => r.port)).size).toBe(20)
    expect(results.every((r, i) => r.ex.message?.answers[0]?.name === `n${i}.example.test`)).toBe(true)
    // The second round reuses those sockets (random among the idle ones).
    const again = await Promise.all(Array.from({length: 20}, (_, i) => ask(c, `m${i}.example.test`)))
    expect(again.every((r) => results.some((x) => x.port === r.port))).toBe(true)
    transport.close()
  })
})
