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
import {join} from 'node:path'
import {shippedFile} from '../paths.js'

/** Finds the package's data/lab directory from this module's location (src/ or dist/). */
export function labDataDir(): string {
  const dir = shippedFile('data/lab')
  if (!existsSync(join(dir, 'tls', 'lab-cert.pem'))) throw new InternalError('dnsx lab: data/lab/tls not found in the package')
  return dir
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

  const server = virtualPort === 443 ? https.createServer(handler) : http.createServer(handler)
  if (server instanceof https.Server) {
    // The certificate is read and its key parsed on the first connection, not at start-up: most
    // --lab runs never connect to a web server. This runs before TLS wraps the socket.
    server.prependOnceListener('connection', () => server.setSecureContext({...(tls ?? labTlsCredentials())}))
  }
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
