/**
 * `dnsx lab` and `dnsx lab serve` as a user meets them (the built bin): the description in text and
 * JSON; the served lab answering dig on the printed loopback port; and, in a network namespace the
 * test makes (unshare -rnm, loopback only), --bind-virtual --configure-lo with dig +trace, drill -T
 * and dnsx trace --root-hints following real addresses.
 */
import {execFile, spawn, spawnSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {isolationProblem} from '../../src/lib/lab/virtual.js'
import {BIN, ROOT, available, runCli} from '../helpers/cli.js'

function which(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name} || test -x /usr/sbin/${name} || test -x /sbin/${name}`], {stdio: 'ignore'}).status === 0
}

function run(cmd: string, args: string[], timeoutMs = 20_000): Promise<{code: number | null, stdout: string, stderr: string}> {
  return new Promise((resolve) => {
    execFile(cmd, args, {timeout: timeoutMs, encoding: 'utf8', maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0
      resolve({code, stdout, stderr})
    })
  })
}

describe('dnsx lab', () => {
  it('describes the world in grouped text', async () => {
    const r = await runCli(['lab'])
    expect(r.code, r.stderr).toBe(0)
    for (const section of ['ROOT SERVERS', 'AUTHORITATIVE SERVERS', 'RESOLVERS', 'ANYCAST SERVICES', 'DUAL-STACK CONNECT TARGETS', 'BROKEN ON PURPOSE', 'DNSSEC', 'NAMES WORTH TRYING', 'TRY']) {
      expect(r.stdout).toContain(section)
    }

    expect(r.stdout).toMatch(/a\.root\.test\s+192\.0\.2\.1 2001:db8::1\s+\.\s+12 ms/)
    expect(r.stdout).toMatch(/k-nrt\s+site nrt\s+118 ms\s+nsid ns1\.jp-nrt\.k\.ripe\.net/)
    expect(r.stdout).toMatch(/noglue\.test\.\s+in-domain NS/)
    expect(r.stdout).toMatch(/\. 172800 IN DS \d+ 13 2 [0-9A-F]{64}/)
    expect(r.stdout).toContain('dnsx trace shop.example.test --lab')
    expect(r.stdout).not.toMatch(/\u001B\[/)
  })

  it('--json returns the description, with commands that exist', async () => {
    const r = await runCli(['lab', '--json'])
    expect(r.code, r.stderr).toBe(0)
    const d = JSON.parse(r.stdout)
    expect(d.rootHints).toContainEqual({name: 'a.root.test', address: '192.0.2.1'})
    expect(d.servers.find((s: {id: string}) => s.id === 'example-ns1')).toMatchObject({name: 'ns1.example.test', addresses: ['192.0.2.20', '2001:db8::20'], zones: ['example.test', 'glueless.test', '2.0.192.in-addr.arpa']})
    expect(d.anycast.map((a: {id: string}) => a.id)).toEqual(['k', 'l', 'cf', 'flap'])
    expect(d.broken.length).toBeGreaterThan(10)
    expect(d.dnssec.trustAnchor.ds).toMatch(/DS/)
    const commands = fs.readdirSync(path.join(ROOT, 'dist', 'commands')).filter((f) => f.endsWith('.js')).map((f) => f.replace(/\.js$/, ''))
    expect(d.commands.length).toBeGreaterThan(5)
    for (const c of d.commands as {command: string}[]) {
      expect(commands).toContain(c.command.split(' ')[1])
    }
  })
})

describe('dnsx lab serve (loopback)', () => {
  it('prints endpoints, answers dig on a printed port, stops after --duration with exit 0', async () => {
    const child = spawn(process.execPath, [BIN, 'lab', 'serve', '--json', '--duration', '8s', '--latency-scale', '0'], {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += d))
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    const firstLine = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        stdout += d
        if (stdout.includes('\n')) resolve(stdout.slice(0, stdout.indexOf('\n')))
      })
      child.on('close', () => reject(new Error(`lab serve ended early: ${stderr}`)))
    })
    const info = JSON.parse(firstLine)
    expect(info.mode).toBe('loopback')
    const ns1 = info.servers.find((s: {id: string}) => s.id === 'example-ns1')
    expect(ns1.listener.host).toBe('127.0.0.1')
    expect(ns1.dig).toBe(`dig @127.0.0.1 -p ${ns1.listener.port} www.example.test +norecurse`)

    const dig = await run('dig', ['@127.0.0.1', '-p', String(ns1.listener.port), 'www.example.test', '+norecurse', '+time=2', '+tries=1'])
    expect(dig.stdout).toMatch(/flags: qr aa/)
    expect(dig.stdout).toMatch(/^www\.example\.test\.\s+3600\s+IN\s+A\s+192\.0\.2\.80$/m)

    const resolver = info.resolvers[0]
    const rec = await run('dig', ['@127.0.0.1', '-p', String(resolver.listener.port), 'shop.example.test', '+recurse', '+time=2', '+tries=1'])
    expect(rec.stdout).toMatch(/flags: qr rd ra/)
    expect(rec.stdout).toMatch(/cdn\.other\.test\.\s+\d+\s+IN\s+A\s+192\.0\.2\.86/)

    expect(await exited).toBe(0)
    expect(stdout.trim().split('\n')).toHaveLength(1)
    expect(stderr).toMatch(/8 s elapsed, stopping/)
  })

  it('stops cleanly on SIGTERM (text mode)', async () => {
    const child = spawn(process.execPath, [BIN, 'lab', 'serve', '--latency-scale', '0'], {cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: {...process.env, NO_COLOR: '1'}})
    let stdout = ''
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d) => {
        stdout += d
        if (stdout.includes('TRY')) resolve()
      })
    })
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(stdout).toMatch(/^ROOT HINTS/m)
    expect(stdout).toMatch(/a\.root\.test\s+192\.0\.2\.1 2001:db8::1\s+127\.0\.0\.1:\d+\s+dig @127\.0\.0\.1 -p \d+ www\.example\.test \+norecurse/)
  })

  it.skipIf(isolationProblem() === null)('--configure-lo refuses outside a namespace of its own, in one line, exit 2', async () => {
    const r = await runCli(['lab', 'serve', '--bind-virtual', '--configure-lo', '--duration', '1'])
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/^error: --configure-lo (needs root|refuses)/)
  })
})

const TOOLS = ['unshare', 'mount', 'ip', 'dig', 'drill', 'kdig']
const missing = TOOLS.filter((t) => !which(t))
const namespaces = missing.length === 0 && spawnSync('unshare', ['-rnm', 'true'], {stdio: 'ignore'}).status === 0

describe.skipIf(!available(namespaces, `network namespaces or tools (${missing.join(', ') || 'unshare'})`))('dnsx lab serve --bind-virtual (in a network namespace)', () => {
  let dir: string
  let result: {code: number | null, stdout: string, stderr: string}
  const section = (name: string): string => {
    const m = new RegExp(`=== ${name}\\n([\\s\\S]*?)(?:\\n=== |$)`).exec(result.stdout)
    return m ? m[1] : ''
  }

  beforeAll(async () => {
    if (!namespaces) throw new Error(`namespaces unavailable (missing: ${missing.join(', ') || 'unshare -rnm'})`)
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnsx-lab-ns-'))
    fs.writeFileSync(path.join(dir, 'resolv.conf'), 'nameserver 192.0.2.53\noptions timeout:2 attempts:1\n')
    // Everything below runs inside one user+network+mount namespace with only lo.
    const script = `
set -u
node "$1" lab serve --bind-virtual --configure-lo --write-hints "$2/lab.hints" --json --latency-scale 0 > "$2/serve.json" 2> "$2/serve.err" &
pid=$!
i=0
while [ ! -s "$2/serve.json" ] && [ $i -lt 300 ]; do sleep 0.05; i=$((i+1)); done
mount --bind "$2/resolv.conf" /etc/resolv.conf
echo "=== dig"
dig +trace +time=2 +tries=1 www.example.test 2>&1
echo "=== drill"
drill -T -r "$2/lab.hints" www.example.test 2>&1
echo "=== kdig"
kdig @192.0.2.201 anycast.test SOA +norecurse +nsid 2>&1
echo "=== dnsx"
node "$1" trace www.example.test --root-hints "$2/lab.hints" --json 2>&1
echo "=== serve"
kill -TERM $pid
wait $pid
echo "exit $?"
`
    fs.writeFileSync(path.join(dir, 'run.sh'), script)
    result = await run('unshare', ['-rnm', 'sh', path.join(dir, 'run.sh'), BIN, dir], 60_000)
  }, 90_000)

  afterAll(() => {
    if (dir) fs.rmSync(dir, {recursive: true, force: true})
  })

  it('serves on the virtual addresses and writes the hints', () => {
    expect(result.code, result.stderr).toBe(0)
    const info = JSON.parse(fs.readFileSync(path.join(dir, 'serve.json'), 'utf8').split('\n')[0])
    expect(info.mode).toBe('virtual')
    expect(info.virtual.port).toBe(53)
    expect(info.virtual.listeners).toContainEqual({address: '192.0.2.1', port: 53, serves: 'root-a', kind: 'authoritative'})
    expect(info.virtual.listeners).toContainEqual({address: '2001:db8::53', port: 53, serves: 'resolver', kind: 'resolver'})
    expect(info.hintsFile).toBe(path.join(dir, 'lab.hints'))
    expect(fs.readFileSync(path.join(dir, 'lab.hints'), 'utf8')).toMatch(/^A\.ROOT\.TEST\.\s+3600000\s+A\s+192\.0\.2\.1$/m)
    expect(fs.readFileSync(path.join(dir, 'serve.err'), 'utf8')).toMatch(/configured \d+ addresses on lo/)
  })

  it('dig +trace follows the delegations to the answer', () => {
    const dig = section('dig')
    expect(dig).toMatch(/^\.\s+\d+\s+IN\s+NS\s+a\.root\.test\.$/m)
    expect(dig).toMatch(/^test\.\s+\d+\s+IN\s+NS\s+ns1\.nic\.test\.$/m)
    expect(dig).toMatch(/^example\.test\.\s+\d+\s+IN\s+NS\s+ns1\.example\.test\.$/m)
    expect(dig).toMatch(/^www\.example\.test\.\s+3600\s+IN\s+A\s+192\.0\.2\.80$/m)
    expect(dig).toMatch(/Received \d+ bytes from [0-9a-f.:]+#53\((ns[12]\.example\.test)\)/)
  })

  it('drill -T with the written hints reaches the answer', () => {
    const drill = section('drill')
    expect(drill).toMatch(/^test\.\s+\d+\s+IN\s+NS\s+ns[12]\.nic\.test\.$/m)
    expect(drill).toMatch(/^www\.example\.test\.\s+3600\s+IN\s+A\s+192\.0\.2\.80$/m)
  })

  it('kdig reaches an anycast service on its virtual address, and the default site\'s instance answers', () => {
    const kdig = section('kdig')
    expect(kdig).toMatch(/NSID: [0-9A-F]+ "ns1\.nl-ams\.k\.ripe\.net"/)
    expect(kdig).toMatch(/From 192\.0\.2\.201@53\(UDP\)/)
  })

  it('dnsx trace --root-hints (no --lab) gets the authoritative answer over real sockets', () => {
    const j = JSON.parse(section('dnsx'))
    expect(j.answer.authoritative).toBe(true)
    expect(j.answer.records).toContainEqual(expect.objectContaining({name: 'www.example.test.', type: 'A', data: '192.0.2.80'}))
  })

  it('stops cleanly on SIGTERM', () => {
    expect(section('serve')).toMatch(/exit 0/)
  })
})
