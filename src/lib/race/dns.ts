/**
 * The DNS side of `dnsx race`: A, AAAA and HTTPS queries to one recursive resolver, each
 * reported as soon as it is answered, with the HTTPS record's ALPN, port and address hints
 * decoded (the Happy Eyeballs v3 draft's inputs).
 */
import type {DnsClient} from '../dns/client.js'
import type {Endpoint} from '../dns/transport.js'
import {typeName} from '../dns/types.js'
import {decodeSvcb, formatRdata} from '../dns/zonefile.js'
import {familyOf} from './rfc6724.js'

/** The record types `dnsx race` asks for. */
export type RaceQueryType = 'AAAA' | 'A' | 'HTTPS'

/** What a query came back with. */
export type DnsStatus = 'answer' | 'nodata' | 'nxdomain' | 'error' | 'timeout'

/** One decoded HTTPS record (RFC 9460). */
export interface HttpsRecordInfo {
  priority: number
  /** "." when the target is the owner itself. */
  target: string
  alpn: string[]
  port: number | null
  ipv4hint: string[]
  ipv6hint: string[]
  ech: boolean
  /** The record's RDATA in presentation format. */
  data: string
}

/** One answer, as the race driver sees it. */
export interface DnsAnswer {
  status: DnsStatus
  /** A/AAAA addresses of the queried family, in answer order (empty for HTTPS). */
  addresses: string[]
  rcode: string | null
  /** Set for status error/timeout/nxdomain. */
  error?: string
  /** CNAMEs the resolver followed (owner → target), in answer order. */
  cnames: string[]
  /** HTTPS answers only. */
  https?: HttpsRecordInfo[]
}

/** Where the race gets its DNS answers. `query` never rejects. */
export interface DnsSource {
  /** The resolver, for the report. */
  readonly server: Endpoint
  query(type: RaceQueryType, name: string): Promise<DnsAnswer>
}

/** A {@link DnsSource} over dnsx's DNS client (real sockets, or the lab's routed transport). */
export function resolverSource(client: DnsClient, server: Endpoint, timeoutMs: number): DnsSource {
  return {
    server,
    async query(type, name) {
      // One retry after half the budget; the whole exchange ends by the race's timeout.
      const deadline = client.transport.clock.now() + timeoutMs
      const ex = await client.exchange({
        server,
        question: {name, type, class: 'IN'},
        rd: true,
        timeoutMs: Math.max(1, Math.ceil(timeoutMs / 2)),
        retries: 1,
        deadline,
      })
      const m = ex.message
      if (!m) {
        const timeout = ex.error?.code === 'timeout'
        return {status: timeout ? 'timeout' : 'error', addresses: [], rcode: null, error: ex.error?.message ?? 'no reply', cnames: []}
      }
      const cnames = m.answers
        .filter((rr) => typeName(String(rr.type)) === 'CNAME')
        .map((rr) => `${rr.name} → ${String((rr as {data: unknown}).data)}`)
      if (m.rcode === 'NXDOMAIN') return {status: 'nxdomain', addresses: [], rcode: m.rcode, error: 'NXDOMAIN', cnames}
      if (m.rcode !== 'NOERROR') return {status: 'error', addresses: [], rcode: m.rcode, error: m.rcode, cnames}
      if (type === 'HTTPS') {
        const https = m.answers.filter((rr) => typeName(String(rr.type)) === 'HTTPS').map((rr) => httpsInfo((rr as {data: unknown}).data))
        return {status: https.length > 0 ? 'answer' : 'nodata', addresses: [], rcode: m.rcode, cnames, https}
      }
      const want = type === 'A' ? 4 : 6
      const addresses: string[] = []
      for (const rr of m.answers) {
        if (typeName(String(rr.type)) !== type) continue
        const a = String((rr as {data: unknown}).data)
        try {
          if (familyOf(a) === want && !addresses.includes(a)) addresses.push(a)
        } catch {
          // not an address: ignore
        }
      }
      return {status: addresses.length > 0 ? 'answer' : 'nodata', addresses, rcode: m.rcode, cnames}
    },
  }
}

/** Decodes one HTTPS record's RDATA (raw octets) into the fields the race reports. */
export function httpsInfo(data: unknown): HttpsRecordInfo {
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data as Uint8Array)
  const info: HttpsRecordInfo = {priority: 0, target: '.', alpn: [], port: null, ipv4hint: [], ipv6hint: [], ech: false, data: ''}
  try {
    info.data = formatRdata({type: 'HTTPS', data: buf} as Parameters<typeof formatRdata>[0])
  } catch {
    info.data = `\\# ${buf.length} ${buf.toString('hex')}`
  }
  let svcb
  try {
    svcb = decodeSvcb(buf)
  } catch {
    return info
  }
  info.priority = svcb.priority
  info.target = svcb.target === '' || svcb.target === '.' ? '.' : svcb.target
  for (const {key, value} of svcb.params) {
    switch (key) {
      case 1: // alpn: length-prefixed protocol ids
        for (let i = 0; i < value.length; ) {
          const n = value[i]!
          info.alpn.push(value.subarray(i + 1, i + 1 + n).toString('latin1'))
          i += 1 + n
        }
        break
      case 3: // port
        if (value.length === 2) info.port = value.readUInt16BE(0)
        break
      case 4: // ipv4hint
        for (let i = 0; i + 4 <= value.length; i += 4) info.ipv4hint.push([...value.subarray(i, i + 4)].join('.'))
        break
      case 5: // ech
        info.ech = true
        break
      case 6: // ipv6hint
        for (let i = 0; i + 16 <= value.length; i += 16) info.ipv6hint.push(ipv6Text(value.subarray(i, i + 16)))
        break
    }
  }
  return info
}

function ipv6Text(bytes: Buffer): string {
  const groups: string[] = []
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i).toString(16))
  // Compress the longest run of zero groups (RFC 5952).
  let best = -1
  let bestLen = 0
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++
      continue
    }
    let j = i
    while (j < 8 && groups[j] === '0') j++
    if (j - i > bestLen && j - i > 1) {
      best = i
      bestLen = j - i
    }
    i = j
  }
  if (best < 0) return groups.join(':')
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`
}
