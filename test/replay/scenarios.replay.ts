/**
 * Replays every .rpl scenario in REPLAY_DIR and prints one line per scenario and a total; fails
 * when REPLAY_MIN_PASS (a count) is given and not reached. Scenarios that need what a trace does
 * not do (validation, forwarding, caching across queries, raw wire replies) are listed as skipped.
 */
import fs from 'node:fs'
import path from 'node:path'
import {expect, it} from 'vitest'
import {parseRpl, replay} from './rpl.js'

const DIR = process.env.REPLAY_DIR ?? process.argv.find((a) => fs.existsSync(a) && fs.statSync(a).isDirectory() && a.includes('rpl')) ?? ''

it(`replays the scenarios in ${DIR || '(set REPLAY_DIR)'}`, async () => {
  expect(DIR, 'set REPLAY_DIR to a directory of .rpl files').not.toBe('')
  let pass = 0
  let fail = 0
  const skipped: string[] = []
  for (const f of fs.readdirSync(DIR).filter((x) => x.endsWith('.rpl')).sort()) {
    const text = fs.readFileSync(path.join(DIR, f), 'utf8')
    const sc = parseRpl(text, f)
    // Configurations a trace does not have: validation, forwarding, and harden-glue: no (dnsx
    // never uses glue from outside a delegation's bailiwick, by design).
    // With REPLAY_DNSSEC=1, scenarios with trust anchors are replayed with trace --dnssec.
    const dnssecOk = process.env.REPLAY_DNSSEC === '1'
    const why = sc.config.some((c) => (dnssecOk ? /^(forward|domain-insecure|do-not-query|qname-minimisation: on|query-minimization: on|trust-anchor-file|auto-trust)/ : /^(trust-anchor|val-|forward|domain-insecure|do-not-query|qname-minimisation: on|query-minimization: on)/).test(c)) ? 'config'
      : sc.config.some((c) => /^harden-glue:\s*"?no/.test(c)) ? 'harden-glue: no' : null
    const out = why ? null : await replay(sc)
    if (!out) {
      skipped.push(`${f}${why ? ` (${why})` : ''}`)
      continue
    }
    if (out.pass) pass++
    else fail++
    const probs = out.result.problems.map((p) => p.code).join(',')
    const ad = (x: {ad?: boolean}) => (out.dnssec ? (x.ad ? ' AD' : ' no-AD') : '')
    const dn = out.dnssec ? `; dnssec ${out.dnssec.status}: ${out.dnssec.reason}` : ''
    console.log(`${out.pass ? 'PASS' : 'FAIL'} ${f}: ${out.question.name} ${out.question.type}: expected ${out.expected.rcode}${ad(out.expected)} [${out.expected.answer.join(' | ')}], got ${out.got.rcode}${ad(out.got)} [${out.got.answer.join(' | ')}] (${out.queries} queries${probs ? `; ${probs}` : ''}${dn})`)
  }
  console.log(`replay: ${pass} passed, ${fail} failed, ${skipped.length} skipped (${skipped.join(', ')})`)
  if (process.env.REPLAY_MIN_PASS) expect(pass).toBeGreaterThanOrEqual(Number(process.env.REPLAY_MIN_PASS))
})
