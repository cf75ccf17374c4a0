import dgram from 'node:dgram'

import dnsPacket from 'dns-packet'
import {afterEach, describe, expect, it} from 'vitest'

import {startNanoServer, type NanoHandler, type NanoServer, type NanoServerOptions} from '../../../src/lib/lab/nanoserver.js'
import {makeQuery, tcpExchange, udpExchange, udpQuery} from './helpers.js'

const running: NanoServer[] = []

async function serve(handler: NanoHandler, opts: NanoServerOptions = {}): Promise<NanoServer> {
  const server = await startNanoServer(handler, opts)
  running.push(server)
  return server
}

afterEach(async () => {
  await Promise.all(running.splice(0).map((s) => s.close()))
})

/** A handler answering A 192.0.2.N where N counts the queries. */
function counting(): NanoHandler {
  let n = 0
  return (query) => ({
    flags: dnsPacket.AUTHORITATIVE_ANSWER,
    answers: [{name: query!.questions![0].name, type: 'A', class: 'IN', ttl: 60, data: `192.0.2.${++n}`}],
  })
}

describe('UDP', () => {
  it('answers on loopback with the ID, QR and question filled in from the query', async () => {
    const server = await serve(counting())
    expect(server.host).toBe('127.0.0.1')
    expect(server.port).toBeGreaterThan(0)
    expect(server.udpPort).toBe(server.port)
    const r = await udpQuery(server, makeQuery('www.example.test', 'A', {id: 4242}))
    expect(r).toMatchObject({id: 4242, type: 'response', flag_aa: true, questions: [{name: 'www.example.test', type: 'A'}]})
    expect((r!.answers![0] as {data: string}).data).toBe('192.0.2.1')
    expect(server.stats.udp).toBe(1)
  })

  it('sends raw bytes as they are (garbage)', async () => {
    const junk = Buffer.from('definitely not DNS')
    const server = await serve(() => junk)
    const [reply] = await udpExchange(server, dnsPacket.encode(makeQuery('x.test')))
    expect(reply).toEqual(junk)
    expect(() => dnsPacket.decode(reply)).toThrow()
  })

  it('stays silent when the handler returns null', async () => {
    const server = await serve(() => null)
    const replies = await udpExchange(server, dnsPacket.encode(makeQuery('x.test')), {waitMs: 150})
    expect(replies).toEqual([])
    expect(server.stats.udp).toBe(1)
  })

  it('sends several datagrams in order: a wrong-ID reply first, then the right one', async () => {
    const server = await serve((query) => [
      {id: (query!.id! + 1) & 0xffff, answers: [{name: 'x.test', type: 'A', class: 'IN', ttl: 1, data: '203.0.113.66'}]},
      {answers: [{name: 'x.test', type: 'A', class: 'IN', ttl: 1, data: '192.0.2.1'}]},
    ])
    const replies = await udpExchange(server, dnsPacket.encode(makeQuery('x.test', 'A', {id: 100})), {count: 2})
    expect(replies.map((b) => dnsPacket.decode(b).id)).toEqual([101, 100])
    expect(replies.map((b) => (dnsPacket.decode(b).answers![0] as {data: string}).data)).toEqual(['203.0.113.66', '192.0.2.1'])
  })

  it('gives the handler null for bytes that do not decode, with the raw bytes and the remote', async () => {
    const seen: {query: unknown, raw: Buffer, transport: string, port: number}[] = []
    const server = await serve((query, ctx) => {
      seen.push({query, raw: ctx.raw, transport: ctx.transport, port: ctx.remote.port})
      return Buffer.from('ok')
    })
    await udpExchange(server, Buffer.from([1, 2, 3]))
    expect(seen).toHaveLength(1)
    expect(seen[0].query).toBeNull()
    expect(seen[0].raw).toEqual(Buffer.from([1, 2, 3]))
    expect(seen[0].transport).toBe('udp')
    expect(seen[0].port).toBeGreaterThan(0)
  })

  it('delays a reply through the injected sleep', async () => {
    const asked: number[] = []
    let release!: () => void
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    const server = await serve(() => ({delayMs: 250, reply: {answers: []}}), {
      sleep: (ms) => {
        asked.push(ms)
        return gate
      },
    })
    const pending = udpExchange(server, dnsPacket.encode(makeQuery('x.test')), {waitMs: 2000})
    await new Promise((resolve) => {
      setTimeout(resolve, 50)
    })
    expect(asked).toEqual([250])
    release()
    const replies = await pending
    expect(replies).toHaveLength(1)
  })

  it('waits for real with the default sleep', async () => {
    const server = await serve(() => ({delayMs: 60, reply: {answers: []}}))
    const start = performance.now()
    const replies = await udpExchange(server, dnsPacket.encode(makeQuery('x.test')))
    expect(replies).toHaveLength(1)
    expect(performance.now() - start).toBeGreaterThanOrEqual(50)
  })

  it('serves on ::1 too', async () => {
    const server = await serve(counting(), {host: '::1'}).catch(() => null)
    if (!server) return // no IPv6 loopback on this machine
    expect((await udpQuery({host: '::1', port: server.port}, makeQuery('x.test')))!.rcode).toBe('NOERROR')
  })
})

describe('TCP', () => {
  it('shares the UDP port and answers several queries on one connection', async () => {
    const server = await serve(counting())
    expect(server.tcpPort).toBe(server.udpPort)
    const replies = await tcpExchange(server, [1, 2, 3].map((id) => dnsPacket.encode(makeQuery('x.test', 'A', {id}))))
    expect(replies.map((b) => dnsPacket.decode(b).id).sort()).toEqual([1, 2, 3])
    expect(server.stats).toMatchObject({tcp: 3, tcpConnections: 1})
  })

  it('reassembles queries split across reads (one byte per write)', async () => {
    const server = await serve(counting())
    const replies = await tcpExchange(server, [dnsPacket.encode(makeQuery('split.test', 'A', {id: 9})), dnsPacket.encode(makeQuery('two.test', 'A', {id: 10}))], {writeChunk: 1})
    expect(replies.map((b) => dnsPacket.decode(b).questions![0].name).sort()).toEqual(['split.test', 'two.test'])
  })

  it('can split its replies across several writes for client tests', async () => {
    const server = await serve(counting(), {tcpChunkSize: 3, tcpChunkDelayMs: 1})
    const chunks: number[] = []
    const net = await import('node:net')
    const reply = await new Promise<Buffer>((resolve, reject) => {
      const sock = net.connect(server.port, '127.0.0.1', () => {
        const q = dnsPacket.encode(makeQuery('x.test', 'A', {id: 77}))
        const frame = Buffer.alloc(q.length + 2)
        frame.writeUInt16BE(q.length)
        q.copy(frame, 2)
        sock.write(frame)
      })
      let buf = Buffer.alloc(0)
      sock.on('error', reject)
      sock.on('data', (d: Buffer) => {
        chunks.push(d.length)
        buf = Buffer.concat([buf, d])
        if (buf.length >= 2 && buf.length >= buf.readUInt16BE(0) + 2) {
          sock.destroy()
          resolve(buf.subarray(2))
        }
      })
    })
    expect(dnsPacket.decode(reply).id).toBe(77)
    expect(chunks.length).toBeGreaterThan(3)
    expect(Math.max(...chunks)).toBeLessThanOrEqual(6)
  })

  it('frames raw garbage and stays silent on null; {close: true} ends the connection', async () => {
    const server = await serve((query) => {
      const name = query?.questions?.[0].name
      if (name === 'garbage.test') return Buffer.from([0xde, 0xad])
      if (name === 'close.test') return {close: true}
      return null
    })
    const [garbage] = await tcpExchange(server, [dnsPacket.encode(makeQuery('garbage.test'))])
    expect(garbage).toEqual(Buffer.from([0xde, 0xad]))
    expect(await tcpExchange(server, [dnsPacket.encode(makeQuery('silent.test'))], {waitMs: 150})).toEqual([])
    let ended = false
    const replies = await tcpExchange(server, [dnsPacket.encode(makeQuery('close.test'))], {count: 1, waitMs: 3000, onEnd: () => {
      ended = true
    }})
    expect(replies).toEqual([])
    expect(ended).toBe(true)
  })
})

describe('lifecycle', () => {
  it('close() frees the port', async () => {
    const server = await startNanoServer(counting())
    const {port} = server
    await server.close()
    const sock = dgram.createSocket('udp4')
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject)
      sock.bind(port, '127.0.0.1', () => resolve())
    })
    sock.close()
  })

  it('binds a requested port and fails when it is taken', async () => {
    const first = await serve(counting())
    await expect(startNanoServer(counting(), {port: first.port})).rejects.toThrow()
  })

  it('reports handler errors through onError and sends nothing', async () => {
    const errors: unknown[] = []
    const server = await serve(() => {
      throw new Error('boom')
    }, {onError: (e) => errors.push(e)})
    expect(await udpExchange(server, dnsPacket.encode(makeQuery('x.test')), {waitMs: 150})).toEqual([])
    expect(String(errors[0])).toContain('boom')
  })
})
