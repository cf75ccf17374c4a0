/**
 * The race driver's adapters on loopback only: the real TCP connector, the lab connector (with a
 * fake router and a ManualClock for the path delay), TLS over a raced socket (the lab's shipped
 * self-signed certificate, which names 127.0.0.1 and localhost), the undici request over a handed-
 * over socket (HTTP/1.1 and HTTP/2), OS source addresses and HTTPS record decoding.
 */
import {readFileSync} from 'node:fs'
import http from 'node:http'
import http2 from 'node:http2'
import net from 'node:net'
import type {AddressInfo} from 'node:net'
import tls from 'node:tls'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ManualClock} from '../../../src/lib/clock.js'
import {parseRecord} from '../../../src/lib/dns/zonefile.js'
import {
  type LabConnectRoute,
  labConnector,
  labSourceFor,
  osSourceFor,
  tcpConnector,
  tlsConnector,
  tlsHint,
} from '../../../src/lib/race/connect.js'
import {httpsInfo} from '../../../src/lib/race/dns.js'
import {parseHeaders, requestOverSocket} from '../../../src/lib/race/http.js'

const CERT = readFileSync(new URL('../../../data/lab/tls/lab-cert.pem', import.meta.url), 'utf8')
const KEY = readFileSync(new URL('../../../data/lab/tls/lab-key.pem', import.meta.url), 'utf8')

const servers: {close(): void}[] = []
afterAll(() => {
  for (const s of servers) s.close()
})

async function listen<T extends net.Server>(server: T): Promise<number> {
  servers.push(server)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  return (server.address() as AddressInfo).port
}

/** A port with nothing listening (bound, then closed). */
async function closedPort(): Promise<number> {
  const s = net.createServer()
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()))
  const port = (s.address() as AddressInfo).port
  await new Promise<void>((resolve) => s.close(() => resolve()))
  return port
}

let httpPort = 0
let tlsPort = 0
let h2Port = 0
beforeAll(async () => {
  httpPort = await listen(http.createServer((req, res) => res.end(`hello ${req.method} ${req.url} ${req.headers['x-test'] ?? ''}`)))
  tlsPort = await listen(tls.createServer({cert: CERT, key: KEY, ALPNProtocols: ['http/1.1']}, (s) => s.end()))
  h2Port = await listen(http2.createSecureServer({cert: CERT, key: KEY, allowHTTP1: true}, (req, res) => res.end(`h${req.httpVersion}`)))
})

describe('tcpConnector', () => {
  it('connects, reports the local address, and hands the socket over', async () => {
    const r = await tcpConnector().connect('127.0.0.1', httpPort, new AbortController().signal)
    expect(r).toMatchObject({ok: true, localAddress: '127.0.0.1'})
    r.socket!.destroy()
  })

  it('reports a refusal as ECONNREFUSED', async () => {
    const r = await tcpConnector().connect('127.0.0.1', await closedPort(), new AbortController().signal)
    expect(r).toEqual({ok: false, error: 'ECONNREFUSED'})
  })

  it('abort cancels the attempt', async () => {
    const ac = new AbortController()
    const p = tcpConnector().connect('127.0.0.1', httpPort, ac.signal)
    ac.abort()
    expect(await p).toEqual({ok: false, error: 'cancelled'})
    const pre = new AbortController()
    pre.abort()
    expect(await tcpConnector().connect('127.0.0.1', httpPort, pre.signal)).toEqual({ok: false, error: 'cancelled'})
  })
})

describe('labConnector', () => {
  const routes: Record<string, LabConnectRoute | null> = {}
  const lab = {routeConnect: (address: string) => routes[address] ?? null}

  it('forwards to the loopback listener after the path delay, reporting the synthesized source', async () => {
    routes['2001:db8:ee::12'] = {kind: 'forward', host: '127.0.0.1', port: httpPort, delayMs: 400}
    const clock = new ManualClock()
    const c = labConnector(lab, {clock, sourceFor: labSourceFor})
    let settled = false
    const p = c.connect('2001:db8:ee::12', 80, new AbortController().signal).finally(() => (settled = true))
    await clock.advance(399)
    await new Promise((r) => setTimeout(r, 20))
    expect(settled).toBe(false)
    await clock.advance(1)
    const r = await p
    expect(r).toMatchObject({ok: true, localAddress: '2001:db8:ff::7'})
    r.socket!.destroy()
  })

  it('refused, unreachable and unknown addresses fail at once; nothing is sent for an unknown one', async () => {
    routes['203.0.113.13'] = {kind: 'refused'}
    routes['2001:db8:ee::20'] = {kind: 'unreachable'}
    const c = labConnector(lab)
    const signal = new AbortController().signal
    expect(await c.connect('203.0.113.13', 80, signal)).toEqual({ok: false, error: 'ECONNREFUSED'})
    expect(await c.connect('2001:db8:ee::20', 80, signal)).toEqual({ok: false, error: 'EHOSTUNREACH'})
    expect(await c.connect('8.8.8.8', 80, signal)).toEqual({ok: false, error: '8.8.8.8 is not in the lab (nothing was sent)'})
  })

  it('a black hole answers nothing until the attempt is cancelled', async () => {
    routes['2001:db8:ee::11'] = {kind: 'blackhole'}
    const ac = new AbortController()
    let settled = false
    const p = labConnector(lab).connect('2001:db8:ee::11', 80, ac.signal).finally(() => (settled = true))
    await new Promise((r) => setTimeout(r, 30))
    expect(settled).toBe(false)
    ac.abort()
    expect(await p).toEqual({ok: false, error: 'cancelled'})
  })
})

describe('tlsConnector: success means the handshake completed', () => {
  it('verifies with --cacert, reports version, ALPN, certificate and the TCP part', async () => {
    const c = await tlsConnector(tcpConnector(), {servername: 'localhost', alpn: ['h2', 'http/1.1'], insecure: false, ca: [CERT]})
    const r = await c.connect('127.0.0.1', tlsPort, new AbortController().signal)
    expect(r.ok).toBe(true)
    expect(r.tcpMs).toBeGreaterThanOrEqual(0)
    expect(r.tls).toMatchObject({version: 'TLSv1.3', alpn: 'http/1.1', servername: 'localhost', verified: true, verifyError: null})
    expect(r.tls!.certificate).toMatchObject({subject: 'dnsx lab *.test', issuer: 'dnsx lab *.test'})
    expect(r.tls!.certificate!.subjectAltName).toContain('DNS:*.race.test')
    r.socket!.destroy()
  })

  it('an untrusted certificate fails the attempt, with a hint', async () => {
    const c = await tlsConnector(tcpConnector(), {servername: 'localhost', alpn: [], insecure: false})
    const r = await c.connect('127.0.0.1', tlsPort, new AbortController().signal)
    expect(r.ok).toBe(false)
    expect(r.error).toMatch(/^tls: (DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)$/)
    expect(tlsHint(r.error!)).toMatch(/--cacert FILE, or accept it with --insecure/)
  })

  it('a name the certificate does not cover fails verification', async () => {
    const c = await tlsConnector(tcpConnector(), {servername: 'www.example.com', alpn: [], insecure: false, ca: [CERT]})
    const r = await c.connect('127.0.0.1', tlsPort, new AbortController().signal)
    expect(r).toMatchObject({ok: false, error: 'tls: ERR_TLS_CERT_ALTNAME_INVALID'})
    expect(tlsHint(r.error!)).toBe('the certificate does not name this host')
  })

  it('--insecure finishes the handshake and reports it unverified; an IP literal sends no SNI', async () => {
    const c = await tlsConnector(tcpConnector(), {servername: '127.0.0.1', alpn: [], insecure: true})
    const r = await c.connect('127.0.0.1', tlsPort, new AbortController().signal)
    expect(r.ok).toBe(true)
    expect(r.tls).toMatchObject({servername: null, verified: false})
    expect(r.tls!.verifyError).toMatch(/SELF_SIGNED/)
    r.socket!.destroy()
  })

  it('cancelling during the handshake closes the connection', async () => {
    let closed!: () => void
    const serverSaw = new Promise<void>((resolve) => (closed = resolve))
    let accepted!: () => void
    const connected = new Promise<void>((resolve) => (accepted = resolve))
    // Accepts TCP, never answers the ClientHello.
    const silent = net.createServer((s) => {
      accepted()
      s.on('close', () => closed())
      s.on('error', () => {})
    })
    const port = await listen(silent)
    const c = await tlsConnector(tcpConnector(), {servername: 'localhost', alpn: [], insecure: true})
    const ac = new AbortController()
    const p = c.connect('127.0.0.1', port, ac.signal)
    await connected
    ac.abort()
    expect(await p).toEqual({ok: false, error: 'cancelled'})
    await serverSaw
  })

  it('a TCP failure stays a TCP failure', async () => {
    const c = await tlsConnector(tcpConnector(), {servername: 'localhost', alpn: [], insecure: true})
    expect(await c.connect('127.0.0.1', await closedPort(), new AbortController().signal)).toEqual({ok: false, error: 'ECONNREFUSED'})
  })
})

describe('requestOverSocket (undici over the raced socket)', () => {
  it('HTTP/1.1 over a plain socket: status, body size, headers sent', async () => {
    const r0 = await tcpConnector().connect('127.0.0.1', httpPort, new AbortController().signal)
    const url = new URL(`http://dual.race.test:${httpPort}/path?q=1`)
    const res = await requestOverSocket(url, r0.socket!, {timeoutMs: 5000, headers: ['X-Test: yes']})
    expect(res).toMatchObject({method: 'GET', httpVersion: '1.1', status: 200, error: null, truncated: false})
    expect(res.bytes).toBe('hello GET /path?q=1 yes'.length)
    expect(res.ttfbMs).toBeGreaterThanOrEqual(0)
    expect(r0.socket!.destroyed).toBe(true)
  })

  it('HTTP/2 when ALPN chose h2', async () => {
    const c = await tlsConnector(tcpConnector(), {servername: 'localhost', alpn: ['h2', 'http/1.1'], insecure: false, ca: [CERT]})
    const r = await c.connect('127.0.0.1', h2Port, new AbortController().signal)
    expect(r.tls!.alpn).toBe('h2')
    const res = await requestOverSocket(new URL(`https://localhost:${h2Port}/`), r.socket!, {timeoutMs: 5000})
    expect(res).toMatchObject({httpVersion: '2', status: 200, bytes: 'h2.0'.length, error: null})
  })

  it('a dead socket is an error in the result, never a rejection', async () => {
    const r0 = await tcpConnector().connect('127.0.0.1', httpPort, new AbortController().signal)
    r0.socket!.destroy()
    const res = await requestOverSocket(new URL(`http://127.0.0.1:${httpPort}/`), r0.socket!, {timeoutMs: 2000})
    expect(res.status).toBeNull()
    expect(res.error).toBeTruthy()
  })

  it('parses request headers', () => {
    expect(parseHeaders(['Accept: */*', 'x-a:b'])).toEqual({accept: '*/*', 'x-a': 'b'})
    expect(() => parseHeaders(['no colon'])).toThrow(/bad header/)
  })
})

describe('sources and HTTPS records', () => {
  it('the OS source for loopback is loopback; the lab synthesizes one per family', async () => {
    expect(await osSourceFor('127.0.0.1')).toBe('127.0.0.1')
    expect(labSourceFor('203.0.113.10')).toBe('198.51.100.7')
    expect(labSourceFor('2001:db8:ee::10')).toBe('2001:db8:ff::7')
  })

  it('decodes ALPN, port, hints and ECH from HTTPS RDATA', () => {
    const rr = parseRecord('x.test. 60 IN HTTPS 1 . alpn="h2,h3" port=8443 ipv4hint=192.0.2.1,192.0.2.2 ech=AAAA ipv6hint=2001:db8::1,2001:db8:0:0:1::2')
    expect(httpsInfo(rr.data)).toEqual({
      priority: 1,
      target: '.',
      alpn: ['h2', 'h3'],
      port: 8443,
      ipv4hint: ['192.0.2.1', '192.0.2.2'],
      ipv6hint: ['2001:db8::1', '2001:db8::1:0:0:2'],
      ech: true,
      data: '1 . alpn="h2,h3" port=8443 ipv4hint=192.0.2.1,192.0.2.2 ech=AAAA ipv6hint=2001:db8::1,2001:db8::1:0:0:2',
    })
    expect(httpsInfo(Buffer.from([0, 0, 7, 120])).priority).toBe(0)
  })
})
