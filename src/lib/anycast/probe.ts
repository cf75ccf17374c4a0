/**
 * The probing engine of `dnsx anycast-probe`: per address, `count` probes at
 * `interval`, each an ordinary query carrying the EDNS NSID option plus (unless
 * told not to) CHAOS TXT hostname.bind, id.server, version.bind and
 * version.server; every target probed concurrently; then RTT statistics,
 * identity decoding, site choice, flips, interception hints and the
 * speed-of-light checks.
 *
 * The engine talks to the network only through an injected client (anything
 * with DnsClient's `exchange`) and keeps time only with an injected Clock, so
 * tests drive it with fake servers, fake clients and fake time. It never throws
 * for network trouble: a probe that got nothing is a lost probe.
 *
 * {@link summarizeTarget} and {@link clientRegion} are pure: they turn samples
 * into the reported result, and are usable (and tested) without any I/O.
 */
import type {Question} from '../dns/message.js'
import {type IdentitySource} from './catalogue.js'
import {CHAOS_MIN_GAP_MS, CHAOS_NAMES, PLAUSIBILITY_MARGIN_KM, SILENT_AFTER, SOURCE_ORDER, type ChaosName, type ProbeIdentity, type ProbeOptions, type ProbeRun, type ProbeTarget, type Sample, type TargetResult} from './model.js'
import {answeredAnything, claimRtt, clientRegion, Decoder, r3, sampleIdentity, summarizeTarget, txtValues} from './summary.js'

// ---------------------------------------------------------------------------------------------
// The engine
// ---------------------------------------------------------------------------------------------

function chaosQuestion(name: ChaosName): Question {
  return {name, type: 'TXT', class: 'CH'}
}

/** One probe: the ordinary query with NSID and the CHAOS questions, sent together. */
async function probeOnce(target: ProbeTarget, index: number, atMs: number, opts: ProbeOptions, timeoutMs: number, askChaos: boolean): Promise<Sample> {
  const server = {address: target.address, port: target.port}
  const q = target.query ?? {name: '', type: 'SOA'}
  const base = {server, rd: false, tcp: Boolean(opts.tcp), timeoutMs, retries: 0}
  const main = opts.client.exchange({...base, question: {name: q.name, type: q.type, class: 'IN'}, edns: {nsid: true}})
  const chaos = !askChaos ? [] : CHAOS_NAMES.map((name) => opts.client.exchange({...base, question: chaosQuestion(name), edns: false}))
  const [ex, ...cx] = await Promise.all([main, ...chaos])
  const m = ex!.message
  const nsid = m?.edns?.nsid ?? null
  const nsidHex = nsid && nsid.hex !== '' ? nsid.hex : null
  const sample: Sample = {
    index,
    atMs,
    rttMs: m ? ex!.rttMs : null,
    rcode: m ? m.rcode : null,
    aa: m ? m.flags.aa : null,
    transport: ex!.transport,
    localPort: ex!.attempts[ex!.attempts.length - 1]?.localPort ?? null,
    nsid: nsidHex === null ? null : nsid!.text ?? `0x${nsidHex}`,
    nsidHex,
    error: m ? null : ex!.error ?? {code: 'timeout', message: 'no reply'},
    chaos: {},
  }
  cx.forEach((c, i) => {
    const name = CHAOS_NAMES[i]!
    sample.chaos[name] = {
      values: c.message ? txtValues(c, name) : [],
      rcode: c.message ? c.message.rcode : null,
      rttMs: c.message ? c.rttMs : null,
      error: c.message ? null : c.error ?? {code: 'timeout', message: 'no reply'},
    }
  })
  return sample
}

class AbortedError extends Error {}

function abortable<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return p
  if (signal.aborted) return Promise.reject(new AbortedError())
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortedError())
    signal.addEventListener('abort', onAbort, {once: true})
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort)
        resolve(v)
      },
      (e) => {
        signal.removeEventListener('abort', onAbort)
        reject(e)
      },
    )
  })
}

/**
 * Probe every target concurrently and summarise. Resolves when every target
 * has sent `count` probes, or the deadline passed, or the signal fired
 * (the samples gathered so far are summarised in every case).
 */
export async function probeTargets(targets: ProbeTarget[], opts: ProbeOptions): Promise<ProbeRun> {
  const clock = opts.clock
  const start = clock.now()
  const deadline = opts.deadlineMs === undefined ? Infinity : start + opts.deadlineMs
  const marginKm = opts.marginKm ?? PLAUSIBILITY_MARGIN_KM
  const keep = opts.keepSamples ?? 1000
  const emit = opts.onEvent ?? (() => {})
  let stopped: ProbeRun['stopped'] = 'complete'
  // A timer-free deadline: sleeps are cut short, and no probe starts after it.
  const stopCtl = new AbortController()
  const onOuterAbort = () => stopCtl.abort()
  opts.signal?.addEventListener('abort', onOuterAbort, {once: true})
  if (opts.signal?.aborted) stopCtl.abort()

  const results: TargetResult[] = new Array(targets.length)

  async function runTarget(t: ProbeTarget, slot: number): Promise<void> {
    const samples: Sample[] = []
    const decoder = new Decoder(t.address, opts.book)
    let sent = 0
    let omitted = 0
    const last: Partial<Record<IdentitySource, ProbeIdentity>> = {}
    let lastId: ProbeIdentity | null = null
    let lostRun = 0
    let silent = false
    let lastChaos = -Infinity
    const chaosGap = opts.chaosGapMs ?? CHAOS_MIN_GAP_MS
    const tStart = clock.now()
    for (let i = 0; i < opts.count; i++) {
      if (stopCtl.signal.aborted) break
      const now = clock.now()
      if (now >= deadline) {
        if (stopped === 'complete') stopped = 'deadline'
        break
      }
      const timeoutMs = Math.max(1, Math.min(opts.timeoutMs, deadline - now))
      const askChaos = opts.chaos !== false && now - lastChaos >= chaosGap
      if (askChaos) lastChaos = now
      let sample: Sample
      try {
        sample = await abortable(probeOnce(t, i, now - start, opts, timeoutMs, askChaos), stopCtl.signal)
      } catch (err) {
        if (err instanceof AbortedError) break
        throw err
      }
      if (timeoutMs < opts.timeoutMs && clock.now() >= deadline && !answeredAnything(sample)) {
        // cut short by the overall deadline (the end of --watch): not a lost probe
        if (stopped === 'complete') stopped = 'deadline'
        break
      }
      sent++
      samples.push(sample)
      if (samples.length > keep * 2) {
        // Long --watch runs: keep RTT statistics honest by summarising only what is kept.
        const drop = samples.length - keep
        samples.splice(0, drop)
        omitted += drop
      }
      // events
      // the probe's identity: prefer a source that answered before too, so a missing NSID is not a change
      const present = SOURCE_ORDER.filter((source) => sampleIdentity(sample, source) !== null)
      const src = present.find((source) => last[source] !== undefined) ?? present[0]
      let id: ProbeIdentity | null = null
      if (src) {
        const v = sampleIdentity(sample, src)!
        id = {source: src, identity: v, siteCode: decoder.decode(v, src).siteCode}
      }
      emit({type: 'sample', target: t, sample, identity: id})
      if (answeredAnything(sample)) {
        if (silent) emit({type: 'back', target: t, atMs: sample.atMs, index: i})
        silent = false
        lostRun = 0
      } else if (++lostRun === SILENT_AFTER && !silent) {
        silent = true
        emit({type: 'silent', target: t, atMs: sample.atMs, index: i})
      }
      if (id) {
        const prev = last[id.source] ?? null
        if (prev === null && lastId === null) {
          emit({type: 'change', target: t, atMs: sample.atMs, index: i, from: null, to: id, siteChanged: true, rttMs: claimRtt(sample, id.source)})
        } else if (prev !== null && prev.identity !== id.identity) {
          emit({type: 'change', target: t, atMs: sample.atMs, index: i, from: prev, to: id, siteChanged: prev.siteCode !== id.siteCode, rttMs: claimRtt(sample, id.source)})
        }
        lastId = id
      }
      for (const source of SOURCE_ORDER) {
        const v = sampleIdentity(sample, source)
        if (v !== null) last[source] = {source, identity: v, siteCode: decoder.decode(v, source).siteCode}
      }
      if (i + 1 >= opts.count) break
      const next = tStart + (i + 1) * opts.intervalMs
      const wait = Math.min(next, deadline) - clock.now()
      if (wait > 0) await clock.sleep(wait, stopCtl.signal)
    }
    const result = summarizeTarget(t, samples, {from: opts.from, marginKm, transport: opts.tcp ? 'tcp' : 'udp', sent, omitted, keepSamples: keep, book: opts.book})
    results[slot] = result
    emit({type: 'target-done', target: t, result})
  }

  // bounded concurrency
  const limit = Math.max(1, opts.concurrency ?? 256)
  let next = 0
  const workers = Array.from({length: Math.min(limit, targets.length)}, async () => {
    while (next < targets.length) {
      const slot = next++
      await runTarget(targets[slot]!, slot)
    }
  })
  try {
    await Promise.all(workers)
  } finally {
    opts.signal?.removeEventListener('abort', onOuterAbort)
  }
  if (opts.signal?.aborted) stopped = 'aborted'
  return {
    targets: results,
    client: clientRegion(results, {from: opts.from, marginKm}),
    marginKm,
    elapsedMs: r3(clock.now() - start),
    stopped,
  }
}
