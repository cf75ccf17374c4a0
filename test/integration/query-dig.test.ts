/**
 * dig's habits in `dnsx query` (issue 13), on the lab: dig's word order and options, several
 * types in one run, numeric types, reverse lookups, +short and +bufsize on the wire.
 */
import dnsPacket from 'dns-packet'
import {describe, it} from 'vitest'
import {runCli} from '../helpers/cli.js'

describe.concurrent('dnsx query takes dig\'s syntax', () => {
  it('@SERVER first, +norec +nsid, several types: one answer block each, in order', async ({expect}) => {
    const r = await runCli(['query', '@192.0.2.20', 'example.test', 'SOA', 'NS', 'MX', '+norec', '+short', '--lab'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toBe('ns1.example.test. hostmaster.example.test. 2026112201 7200 900 1209600 300\nns1.example.test.\nns2.example.test.\n10 mail.example.test.\n')
    const full = await runCli(['query', 'example.test', 'SOA', 'MX', '@192.0.2.20', '+norecurse', '+nsid', '--lab'])
    const heads = full.stdout.split('\n').filter((l) => l.startsWith(';; dnsx query'))
    expect(heads).toEqual([';; dnsx query example.test. IN SOA @192.0.2.20 port 53', ';; dnsx query example.test. IN MX @192.0.2.20 port 53'])
    expect(full.stdout).toMatch(/; NSID: .* "ns1\.example\.test"/)
    expect(full.stdout).toMatch(/;; flags: qr aa;/)
  })

  it('-t, -q and -x as dig has them; a reverse lookup is a PTR of the in-addr.arpa name', async ({expect}) => {
    const mx = await runCli(['query', '-t', 'MX', '-q', 'example.test', '+short', '--lab'])
    expect(mx.stdout).toBe('10 mail.example.test.\n')
    const ptr = await runCli(['query', '-x', '192.0.2.80', '--lab', '--json'])
    const j = JSON.parse(ptr.stdout)
    expect(j.query).toMatchObject({name: '80.2.0.192.in-addr.arpa.', type: 'PTR'})
    expect(j.answers.map((a: any) => a.data)).toEqual(['www.example.test.'])
  })

  it('several types under --json: one JSON document per line', async ({expect}) => {
    const r = await runCli(['query', 'www.example.test', 'A', 'AAAA', '--lab', '--json'])
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l))
    expect(lines.map((l) => [l.query.type, l.answers[0].data])).toEqual([['A', '192.0.2.80'], ['AAAA', '2001:db8:a::80']])
  })

  it('a numeric type is TYPEnnn; +bufsize is the payload size the query advertises', async ({expect}) => {
    const n = await runCli(['query', 'www.example.test', '65000', '--lab', '--json'])
    expect(JSON.parse(n.stdout).query.type).toBe('TYPE65000')
    const b = await runCli(['query', 'www.example.test', '+bufsize=4096', '--lab', '--json'])
    const sent = dnsPacket.decode(Buffer.from(JSON.parse(b.stdout).wire.query, 'hex'))
    expect((sent.additionals as any[]).find((a) => a.type === 'OPT').udpPayloadSize).toBe(4096)
  })

  it('an unknown +option or a stray word is exit 2 with one line', async ({expect}) => {
    const bad = await runCli(['query', 'www.example.test', '+shrot', '--lab'])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toMatch(/^error: unknown dig option \+shrot; did you mean \+short\? \(dnsx query takes \+tcp .*\)\n$/)
    const stray = await runCli(['query', 'www.example.test', 'A', 'frob', '--lab'])
    expect(stray.code).toBe(2)
    expect(stray.stderr).toBe('error: unknown record type "frob"\n')
  })
})
