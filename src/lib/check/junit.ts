/**
 * JUnit XML for `dnsx check --junit FILE`, in the shape CI systems read (Jenkins, GitLab,
 * GitHub Actions report actions, Azure): one <testsuite> for the file, one <testcase> per check;
 * <failure> carries the FAIL lines of unmet expectations, <error> a check that could not run;
 * <system-out> the command line, <system-err> the command's stderr.
 */
import {commandLine, type CheckResult, type Summary} from './run.js'

/**
 * Text safe in XML 1.0 content and attributes: the five entities escaped, characters XML
 * forbids (most C0 controls, lone surrogates, U+FFFE/U+FFFF) replaced by U+FFFD. In attributes,
 * tabs and line breaks become character references so attribute normalisation keeps them.
 */
export function xmlEscape(text: string, attribute = false): string {
  let out = ''
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    const ch = text[i]
    if (c >= 0xd800 && c <= 0xdbff) {
      const lo = text.charCodeAt(i + 1)
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        out += ch + text[i + 1]
        i++
      } else out += '\uFFFD'
      continue
    }
    if (c >= 0xdc00 && c <= 0xdfff) {
      out += '\uFFFD'
      continue
    }
    switch (ch) {
      case '&': out += '&amp;'; continue
      case '<': out += '&lt;'; continue
      case '>': out += '&gt;'; continue
      case '"': out += '&quot;'; continue
      case "'": out += '&apos;'; continue
    }
    if (c === 0x09 || c === 0x0a || c === 0x0d) {
      out += attribute ? `&#${c};` : ch
      continue
    }
    if (c < 0x20 || c === 0xfffe || c === 0xffff) {
      out += '\uFFFD'
      continue
    }
    out += ch
  }
  return out
}

function attrs(a: Record<string, string | number>): string {
  return Object.entries(a)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v), true)}"`)
    .join('')
}

const seconds = (ms: number) => (ms / 1000).toFixed(3)

export interface JunitOptions {
  /** The suite's name: the check file as given. */
  suite: string
  results: readonly CheckResult[]
  summary: Summary
  /** ISO 8601 start time of the run. */
  timestamp: string
  hostname?: string
}

export function junitXml(o: JunitOptions): string {
  const {summary} = o
  const counts = {tests: summary.total, failures: summary.failed, errors: summary.errors, skipped: 0, time: seconds(summary.durationMs)}
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({name: 'dnsx check', ...counts})}>`,
    `  <testsuite${attrs({name: o.suite, ...counts, timestamp: o.timestamp.replace(/\.\d+Z$/, 'Z'), ...(o.hostname ? {hostname: o.hostname} : {})})}>`,
  ]
  for (const r of o.results) {
    lines.push(`    <testcase${attrs({name: r.name, classname: `dnsx.${r.command}`, time: seconds(r.durationMs)})}>`)
    if (r.outcome === 'fail') {
      const message = r.failures.length === 1 ? r.failures[0] : `${r.failures.length} expectations failed: ${r.failures.join('; ')}`
      lines.push(`      <failure${attrs({message, type: 'expectation'})}>${xmlEscape(r.failures.join('\n'))}</failure>`)
    } else if (r.outcome === 'error') {
      const message = r.error?.message ?? 'could not run'
      lines.push(`      <error${attrs({message, type: r.error?.code ?? 'error'})}>${xmlEscape(message)}</error>`)
    }
    lines.push(`      <system-out>${xmlEscape(commandLine(r.argv))}</system-out>`)
    if (r.outcome !== 'pass' && r.stderr) lines.push(`      <system-err>${xmlEscape(r.stderr)}</system-err>`)
    lines.push('    </testcase>')
  }
  lines.push('  </testsuite>', '</testsuites>')
  return lines.join('\n') + '\n'
}
