/**
 * Does this host have a route for a family? A connected UDP socket asks the
 * kernel for a source address without sending anything (RFC 6724's "source
 * address the OS would use").
 */
import dgram from 'node:dgram'

export function sourceAddressFor(address: string, port = 53): Promise<string | null> {
  return new Promise((resolve) => {
    const sock = dgram.createSocket(address.includes(':') ? 'udp6' : 'udp4')
    const done = (v: string | null) => {
      try {
        sock.close()
      } catch {
        // closed already
      }
      resolve(v)
    }
    sock.on('error', () => done(null))
    try {
      sock.connect(port, address, () => {
        try {
          done(sock.address().address)
        } catch {
          done(null)
        }
      })
    } catch {
      done(null)
    }
  })
}

/** Families with a route: probes a documentation address of each (nothing is sent). */
export async function routedFamilies(): Promise<{v4: boolean, v6: boolean}> {
  const [v4, v6] = await Promise.all([sourceAddressFor('192.0.2.1'), sourceAddressFor('2001:db8::1')])
  return {v4: v4 !== null, v6: v6 !== null}
}
