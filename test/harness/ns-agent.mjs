// The in-namespace half of the real-DNS test harness (see realdns.ts).
//
// Runs as PID 1 of a private user+network+mount+PID namespace made by
//   unshare -rnmpf --mount-proc --kill-child node ns-agent.mjs PLAN.json
// Plain JavaScript on purpose: no TypeScript loader is needed inside.
//
// 1. brings up lo, adds the plan's addresses to it, builds the black-hole device;
// 2. bind-mounts the private resolv.conf / hosts / nsswitch.conf over /etc;
// 3. starts every daemon in the foreground (stdout+stderr appended to its log file)
//    and polls each listening address with a tiny CH TXT query until it answers;
// 4. prints one JSON line: {type:'ready', ms, pids} or {type:'error', message};
// 5. serves JSON-line requests on stdin:
//      {op:'exec', id, argv, env?, cwd?, timeoutMs?, input?}
//        -> {type:'exec', id, code, signal, stdout, stderr, ms, timedOut, error?}
//      {op:'stop'} -> exits.
//    On stdin EOF it exits too. Exiting PID 1 makes the kernel kill every daemon.
//
// Nothing here may print anything but protocol lines on stdout; diagnostics go to stderr.

import {spawn, spawnSync} from 'node:child_process'
import dgram from 'node:dgram'
import fs from 'node:fs'
import net from 'node:net'
import readline from 'node:readline'

const t0 = Date.now()
const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))

function send(obj) {
  process.stdout.write(JSON.stringify(obj) + '\n')
}

function diag(msg) {
  process.stderr.write(`[ns-agent +${Date.now() - t0}ms] ${msg}\n`)
}

function fail(message) {
  send({type: 'error', message})
  // Let stdout drain before PID 1 goes away (and takes every daemon with it).
  process.stdout.write('', () => process.exit(1))
  setTimeout(() => process.exit(1), 500).unref()
}

function run(cmd, args, input) {
  const r = spawnSync(cmd, args, {input, encoding: 'utf8'})
  if (r.error) throw new Error(`${cmd} ${args.join(' ')}: ${r.error.message}`)
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr.trim()}`)
}

// ---- 1. network ------------------------------------------------------------

function setupNetwork() {
  const cmds = ['link set lo up']
  for (const a of plan.addresses) {
    // ip -batch takes no -4/-6 options: the family comes from the address.
    if (net.isIPv6(a)) cmds.push(`addr add ${a}/128 dev lo nodad`)
    else cmds.push(`addr add ${a}/32 dev lo`)
  }
  if (plan.blackholes.length > 0) {
    // A veth pair whose far end never answers: packets routed into it with a permanent
    // neighbour entry for a MAC nobody owns are silently dropped (timeouts, no ICMP).
    cmds.push('link add bh0 type veth peer name bh1', 'link set bh0 up', 'link set bh1 up')
    for (const a of plan.blackholes) {
      const six = net.isIPv6(a)
      cmds.push(
        `route add ${a}/${six ? 128 : 32} dev bh0`,
        `neigh add ${a} lladdr 02:00:5e:00:53:ff dev bh0 nud permanent`,
      )
    }
  }
  run(plan.ip, ['-batch', '-'], cmds.join('\n') + '\n')
}

// ---- 2. private /etc files ---------------------------------------------------

function setupMounts() {
  for (const m of plan.mounts) {
    if (!fs.existsSync(m.target)) {
      diag(`skip mount over missing ${m.target}`)
      continue
    }
    run(plan.mount, ['--bind', m.source, m.target])
  }
}

// ---- 3. daemons -------------------------------------------------------------

const daemons = new Map() // id -> {child, exited: null | string}

function startDaemon(d) {
  const fd = fs.openSync(d.log, 'a')
  const child = spawn(d.argv[0], d.argv.slice(1), {
    cwd: d.cwd,
    stdio: ['ignore', fd, fd],
    env: {...process.env, ...d.env},
  })
  fs.closeSync(fd)
  const rec = {child, exited: null}
  child.on('error', (e) => {
    rec.exited = `failed to start: ${e.message}`
  })
  child.on('exit', (code, signal) => {
    rec.exited = `exited with ${signal ?? `code ${code}`}`
  })
  daemons.set(d.id, rec)
}

function encodeName(name) {
  const labels = name.replace(/\.$/, '').split('.').filter(Boolean)
  return Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'ascii')])), Buffer.from([0])])
}

/** RD=0 query: `zone` SOA IN if a zone is given, else id.server CH TXT. */
function probeQuery(id, zone) {
  const h = Buffer.alloc(12)
  h.writeUInt16BE(id, 0)
  h.writeUInt16BE(1, 4)
  const tail = Buffer.alloc(4)
  tail.writeUInt16BE(zone ? 6 : 16, 0)
  tail.writeUInt16BE(zone ? 1 : 3, 2)
  return Buffer.concat([h, encodeName(zone ?? 'id.server'), tail])
}

/**
 * Resolves when the server answers over UDP: for a zone, an authoritative NOERROR SOA
 * answer (so the zone is loaded); without one, any DNS reply. Rejects on deadline/exit.
 */
function probe(d, p, deadline) {
  const {address, port, zone} = p
  return new Promise((resolve, reject) => {
    const sock = dgram.createSocket(net.isIPv6(address) ? 'udp6' : 'udp4')
    const qid = Math.floor(Math.random() * 65536)
    const msg = probeQuery(qid, zone)
    let last = 'no reply'
    let timer
    const done = (err) => {
      clearInterval(timer)
      try {
        sock.close()
      } catch {}
      if (err) reject(err)
      else resolve()
    }
    sock.on('error', () => {}) // ICMP port unreachable etc.: keep polling
    sock.on('message', (buf) => {
      if (buf.length < 12 || buf.readUInt16BE(0) !== qid) return
      const flags = buf.readUInt16BE(2)
      const rcode = flags & 0xf
      const aa = (flags & 0x0400) !== 0
      if (!zone || (rcode === 0 && aa && buf.readUInt16BE(6) > 0)) return done()
      last = `rcode ${rcode}${aa ? ' aa' : ''}, ${buf.readUInt16BE(6)} answers`
    })
    const what = zone ? `zone ${zone} SOA` : 'id.server'
    const tick = () => {
      const rec = daemons.get(d.id)
      if (rec.exited) return done(new Error(`${d.id} ${rec.exited} before answering ${what} on ${address}#${port}`))
      if (Date.now() > deadline) {
        return done(new Error(`${d.id} did not answer ${what} on ${address}#${port} within ${plan.startupTimeoutMs} ms (last: ${last})`))
      }
      sock.send(msg, port, address, () => {})
    }
    timer = setInterval(tick, 15)
    tick()
  })
}

// ---- 5. exec service --------------------------------------------------------

const running = new Set()

function exec(req) {
  const started = Date.now()
  const timeoutMs = req.timeoutMs ?? 15_000
  let stdout = ''
  let stderr = ''
  let timedOut = false
  let replied = false
  const reply = (extra) => {
    if (replied) return
    replied = true
    send({type: 'exec', id: req.id, stdout, stderr, ms: Date.now() - started, timedOut, ...extra})
  }
  let child
  try {
    child = spawn(req.argv[0], req.argv.slice(1), {
      cwd: req.cwd,
      env: {...process.env, ...req.env},
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true, // own process group, so a timeout kills grandchildren too
    })
  } catch (e) {
    return reply({code: null, signal: null, error: e.message})
  }
  running.add(child)
  child.stdout.setEncoding('utf8').on('data', (s) => (stdout += s))
  child.stderr.setEncoding('utf8').on('data', (s) => (stderr += s))
  child.stdin.on('error', () => {})
  child.stdin.end(req.input ?? '')
  const timer = setTimeout(() => {
    timedOut = true
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {}
  }, timeoutMs)
  child.on('error', (e) => {
    clearTimeout(timer)
    running.delete(child)
    reply({code: null, signal: null, error: e.message})
  })
  child.on('close', (code, signal) => {
    clearTimeout(timer)
    running.delete(child)
    reply({code, signal})
  })
}

function serve() {
  const rl = readline.createInterface({input: process.stdin})
  rl.on('line', (line) => {
    if (!line.trim()) return
    let req
    try {
      req = JSON.parse(line)
    } catch {
      diag(`bad request line: ${line.slice(0, 200)}`)
      return
    }
    if (req.op === 'exec') exec(req)
    else if (req.op === 'stop') process.exit(0)
    else diag(`unknown op ${req.op}`)
  })
  rl.on('close', () => process.exit(0))
}

// ---- main -------------------------------------------------------------------

async function main() {
  setupNetwork()
  setupMounts()
  diag('network and mounts ready')
  for (const d of plan.daemons) startDaemon(d)
  const deadline = Date.now() + plan.startupTimeoutMs
  await Promise.all(
    plan.daemons.map(async (d) => {
      await Promise.all(d.probes.map((p) => probe(d, p, deadline)))
      diag(`${d.id} answers`)
    }),
  )
  const pids = Object.fromEntries([...daemons].map(([id, r]) => [id, r.child.pid]))
  send({type: 'ready', ms: Date.now() - t0, pids})
  // A daemon dying later is worth a line in the agent log.
  for (const [id, rec] of daemons) rec.child.on('exit', () => diag(`daemon ${id} ${rec.exited}`))
  serve()
}

process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))
main().catch((e) => fail(e.message))
