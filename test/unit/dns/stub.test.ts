/**
 * The system's resolvers, asked as its stub asks them (resolv.conf(5), glibc's res_send): every
 * nameserver in turn, one try each per round, `attempts` rounds, `timeout` per try, `rotate`.
 */
import {describe, expect, it} from 'vitest'
import {DnsClient} from '../../../src/lib/dns/client.js'
import {parseResolvConf} from '../../../src/lib/dns/endpoint.js'
import {encodePacket, makeQuestion} from '../../../src/lib/dns/message.js'
import {exchangeInTurn, stubOrder, type ResolverSet} from '../../../src/lib/dns/stub.js'
import {ScriptedTransport} from '../../helpers/scripted-transport.js'

describe('parseResolvConf', () => {
  it('every nameserver in order (scope IDs dropped, junk skipped), and timeout, attempts, rotate', () => {
    const conf = parseResolvConf([
      '# a comment', 'search example.test', 'nameserver 192.0.2.1', 'nameserver fe80::1%eth0', 'nameserver not-an-address',
      '  nameserver 2001:db8::53  # trailing comment', 'options ndots:2 timeout:3 attempts:4 rotate', '',
    ].join('\n'))
    expect(conf).toEqual({servers: ['192.0.2.1', 'fe80::1', '2001:db8::53'], timeoutMs: 3000, attempts: 4, rotate: true})
  })

  it('bounds timeout (1-30 s) and attempts (1-5) as glibc does; RES_OPTIONS amends the file', () => {
    expect(parseResolvConf('nameserver 192.0.2.1\noptions timeout:99 attempts:9')).toMatchObject({timeoutMs: 30_000, attempts: 5})
    expect(parseResolvConf('options timeout:0 attempts:0')).toMatchObject({timeoutMs: 1000, attempts: 1})
    expect(parseResolvConf('nameserver 192.0.2.1\noptions timeout:3', 'timeout:1 rotate')).toMatchObject({timeoutMs: 1000, rotate: true, attempts: null})
    expect(parseResolvConf('')).toEqual({servers: [], timeoutMs: null, attempts: null, rotate: false})
  })
})

const A = (q: {questions: {name: string}[]}, ip: string) => ({name: q.questions[0]!.name, type: 'A', class: 'IN', ttl: 60, data: ip})
const set = (servers: string[], extra: Partial<ResolverSet> = {}): ResolverSet => ({servers: servers.map((address) => ({address, port: 53})), timeoutMs: null, attempts: null, rotate: false, ...extra})

describe('exchangeInTurn: the nameservers in turn', () => {
  /** 192.0.2.1 is silent, 192.0.2.2 answers; every query is logged with its server. */
  function world(silent = new Set(['192.0.2.1'])) {
    const asked: string[] = []
    let server = ''
    const t = new ScriptedTransport((q) => {
      asked.push(server)
      return silent.has(server) ? [] : [encodePacket({id: q.id, type: 'response', flags: 0x8180, questions: q.questions, answers: [A(q, '192.0.2.80')]})]
    })
    const udp = t.udp.bind(t)
    t.udp = (req) => {
      server = req.server.address
      return udp(req)
    }
    return {t, asked, client: new DnsClient({transport: t})}
  }

  it('passes over a silent server, after one try of the resolv.conf timeout, to the next', async () => {
    const {t, asked, client} = world()
    const r = await exchangeInTurn(client, set(['192.0.2.1', '192.0.2.2'], {timeoutMs: 1000}), {question: makeQuestion('www.example.test'), rd: true, timeoutMs: 5000})
    expect(asked).toEqual(['192.0.2.1', '192.0.2.2'])
    expect(r.server).toEqual({address: '192.0.2.2', port: 53})
    expect(r.exchange.message?.answers[0]).toMatchObject({data: '192.0.2.80'})
    expect(r.passedOver).toEqual([{server: {address: '192.0.2.1', port: 53}, error: expect.objectContaining({code: 'timeout', message: expect.stringMatching(/^no reply from 192\.0\.2\.1 port 53 over UDP in 1000 ms$/)})}])
    // resolv.conf's timeout, not the caller's 5 s: the silent try cost 1 s on the fake clock.
    expect(t.t).toBeGreaterThanOrEqual(1000)
    expect(t.t).toBeLessThan(2000)
  })

  it('--timeout given by the user wins over resolv.conf\'s', async () => {
    const {t, client} = world()
    await exchangeInTurn(client, set(['192.0.2.1', '192.0.2.2'], {timeoutMs: 1000}), {question: makeQuestion('x.test'), rd: true, timeoutMs: 300}, {ownTimeout: true})
    expect(t.t).toBeLessThan(1000)
  })

  it('attempts rounds over every server, then the last failure; -4 and --port shape the servers asked', async () => {
    const {asked, client} = world(new Set(['192.0.2.1', '192.0.2.2']))
    const r = await exchangeInTurn(client, set(['192.0.2.1', '192.0.2.2', '2001:db8::53'], {attempts: 3, timeoutMs: 1000}), {question: makeQuestion('x.test'), rd: true, timeoutMs: 1000}, {family: 4, port: 5353})
    expect(asked).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.1', '192.0.2.2', '192.0.2.1', '192.0.2.2'])
    expect(r.exchange.message).toBeNull()
    expect(r.passedOver).toHaveLength(6)
    expect(r.server).toEqual({address: '192.0.2.2', port: 5353})
    await expect(exchangeInTurn(client, set(['2001:db8::53']), {question: makeQuestion('x.test'), rd: true, timeoutMs: 1000}, {family: 4})).rejects.toThrow(/^no IPv4 nameserver in \/etc\/resolv\.conf/)
  })

  it('rotate starts at another server, keeping the order around it', () => {
    const s = set(['192.0.2.1', '192.0.2.2', '192.0.2.3'], {rotate: true})
    expect(stubOrder(s, 1).map((e) => e.address)).toEqual(['192.0.2.2', '192.0.2.3', '192.0.2.1'])
    expect(stubOrder({...s, rotate: false}, 1).map((e) => e.address)).toEqual(['192.0.2.1', '192.0.2.2', '192.0.2.3'])
  })
})
