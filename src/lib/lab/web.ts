/**
 * The lab's web servers: what a connection to a working dual-stack host reaches. One HTTP and one
 * HTTPS listener on loopback per virtual address, so the page can say which virtual address the
 * client connected to. HTTPS uses the pre-generated self-signed certificate in data/lab/tls.
 */
import {InternalError} from '../errors.js'
import {existsSync, readFileSync} from 'node:fs'
import http from 'node:http'
import https from 'node:https'
import type {AddressInfo, Socket} from 'node:net'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

/** Finds the package's data/lab directory from this module's location (src/ or dist/). */
export function labDataDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'data', 'lab')
    if (existsSync(join(candidate, 'tls', 'lab-cert.pem'))) return candidate
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }

  throw new InternalError('dnsx lab: data/lab/tls not found next to the package')
}

/** The lab's self-signed certificate and key (PEM). */
export function labTlsCredentials(): {cert: string, key: string} {
  const dir = join(labDataDir(), 'tls')
  return {cert: readFileSync(join(dir, 'lab-cert.pem'), 'utf8'), key: readFileSync(join(dir, 'lab-key.pem'), 'utf8')}
}

/** A running HTTP or HTTPS listener standing in for one virtual address and port. */
export interface WebListener {
  virtualAddress: string
  virtualPort: number
  host: string
  port: number
  close(): Promise<void>
}

/** The page every lab web server returns. */
export function labPage(virtualAddress: string, virtualPort: number, hostHeader: string | undefined): string {
  return `dnsx lab web server\naddress: ${virtualAddress}\nport: ${virtualPort}\nhost: ${hostHeader ?? '-'}\n`
}

/** Starts a listener for `virtualAddress:virtualPort` (443 → HTTPS, anything else → HTTP). */
export async function startWebListener(virtualAddress: string, virtualPort: number, bind: string, tls?: {cert: string, key: string}): Promise<WebListener> {
  const handler: http.RequestListener = (req, res) => {
    const body = labPage(virtualAddress, virtualPort, req.headers.host)
    res.writeHead(200, {
      'content-type': 'text/plain; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'x-dnsx-lab-address': virtualAddress,
      connection: 'close',
    })
    res.end(body)
  }

  const server = virtualPort === 443 ? https.createServer({...(tls ?? labTlsCredentials())}, handler) : http.createServer(handler)
  const sockets = new Set<Socket>()
  server.on('connection', (sock: Socket) => {
    sockets.add(sock)
    sock.on('close', () => sockets.delete(sock))
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, bind, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const {port} = server.address() as AddressInfo
  return {
    virtualAddress,
    virtualPort,
    host: bind,
    port,
    close: () => new Promise<void>((resolve) => {
      for (const sock of sockets) sock.destroy()
      server.close(() => resolve())
    }),
  }
}
