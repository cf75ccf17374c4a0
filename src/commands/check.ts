import {access, stat, writeFile} from 'node:fs/promises'
import {constants} from 'node:fs'
import os from 'node:os'
import path from 'node:path'
// Subpath imports: loading the whole of @oclif/core costs start-up time.
import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {DnsxCommand} from '../lib/cli/base.js'
import {UsageError} from '../lib/errors.js'
import {catalogueFrom} from '../lib/check/catalogue.js'
import {DEFAULT_MAX_CHECKS, loadCheckFile} from '../lib/check/load.js'
import {FILE_LIMITS} from '../lib/files.js'
import {DEFAULT_CONCURRENCY, DEFAULT_MAX_DURATION_MS, exitCodeFor, runChecks, summarize, type CheckResult, type Summary} from '../lib/check/run.js'
import {shippedFile} from '../lib/paths.js'
import {fitLine} from '../lib/words.js'

/** The JSON shape of `dnsx check --json` (schemas/check.json). */
export interface CheckJson {
  file: string
  checks: {
    name: string
    command: string
    args: string[]
    argv: string[]
    outcome: CheckResult['outcome']
    exit: number | null
    durationMs: number
    expectations: CheckResult['expectations']
    failures: string[]
    error?: {code: string, message: string}
  }[]
  summary: Summary
}

/** The shipped lab suite, run by `dnsx check --lab` without a file. */

export default class Check extends DnsxCommand {
  static override summary = 'Run a file of checks (YAML): each runs a dnsx command with expectations; a table, JUnit XML and exit codes for CI.'
  static override description = `Each check names a command (query, trace, anycast-probe, ecs, race), its arguments, other flags and
expectations; dnsx runs the command with --json and the expectations as --expect-<key> flags, at most
--concurrency at once. A check passes when its command exits 0, fails when an expectation is unmet (exit 1),
and could not run on any other exit code, on output that is not JSON, or after maxDuration.
Exit 0 when every check passed, 1 when any failed, 3 when any could not run (3 wins over 1); a malformed
file is exit 2 with one line naming the file, line and field. The file format is in schemas/check-file.json:

  defaults: {lab: true, timeout: 2000}
  checks:
    - name: www resolves authoritatively
      command: trace
      args: [www.example.test, A]
      expect: {answer: [192.0.2.80], authoritative: true, rcode: NOERROR}

With --lab and no FILE, the shipped lab suite (data/checks/lab.yaml) runs: every command against the lab.
Commands run in the current directory, so relative paths in flags are relative to it.`

  static override examples = [
    '<%= config.bin %> check --lab',
    '<%= config.bin %> check checks.yaml --junit results.xml',
    '<%= config.bin %> check checks.yaml --json --concurrency 8',
    'cat checks.yaml | <%= config.bin %> check -',
  ]

  static override args = {
    file: Args.string({ignoreStdin: true, description: 'Check file (YAML), or - for stdin. Optional with --lab: the shipped lab suite.'}),
  }

  static override flags = {
    junit: Flags.string({description: 'Also write JUnit XML (testsuite/testcase; failure, error) to FILE.', helpValue: 'FILE'}),
    concurrency: Flags.integer({char: 'j', description: 'Checks run at once.', default: DEFAULT_CONCURRENCY, min: 1, max: 64}),
    timeout: Flags.integer({description: 'The commands\' --timeout (ms) for checks that set none (overrides the file\'s defaults).', min: 1, max: 600_000, helpGroup: 'GLOBAL'}),
    'max-checks': Flags.integer({description: `Refuse a file of more checks than N (default ${DEFAULT_MAX_CHECKS}).`, helpValue: 'N', min: 1}),
    'max-file-size': Flags.integer({description: `Refuse a check file larger than BYTES (default ${FILE_LIMITS.checkFile}).`, helpValue: 'BYTES', min: 1}),
    'max-duration': Flags.integer({description: `Kill a check after MS and count it as could-not-run, for checks that set no maxDuration (overrides the file's defaults; else ${DEFAULT_MAX_DURATION_MS}).`, helpValue: 'MS', min: 1}),
  }

  async run(): Promise<CheckJson> {
    const {args, flags} = await this.parse(Check)
    if (!args.file && !flags.lab) throw new UsageError('missing FILE (a check file, or - for stdin; or --lab alone for the shipped lab suite)')
    const file = args.file ?? shippedFile('data/checks/lab.yaml')
    if (flags.junit) await assertWritable(flags.junit)
    const catalogue = catalogueFrom(this.config.commands)
    // The built-in suite is named by its package path, not this machine's.
    const checkFile = await loadCheckFile(file, {
      catalogue, display: args.file ? undefined : 'data/checks/lab.yaml',
      limits: {maxChecks: flags['max-checks'], maxBytes: flags['max-file-size']},
    })

    const json = this.jsonEnabled()
    const progress = !json && Boolean(process.stderr.isTTY)
    const started = performance.now()
    const startedAt = new Date().toISOString()
    const results = await runChecks(checkFile.checks, {
      bin: path.join(this.config.root, 'bin', 'run.js'),
      concurrency: flags.concurrency,
      overrides: {lab: flags.lab, timeout: flags.timeout, family: flags.ipv4 ? 4 : flags.ipv6 ? 6 : undefined},
      catalogue,
      maxDurationMs: flags['max-duration'],
      onResult: progress
        // One line rewritten in place, never longer than the terminal (a wrapped one would stay behind).
        ? (r, done, total) => process.stderr.write(`\r\u001b[K${fitLine(`${done}/${total} checks done (last: ${r.name}: ${r.outcome})`, process.stderr.columns)}`)
        : undefined,
    })
    if (progress) process.stderr.write('\r\u001b[K')
    const summary = summarize(results, performance.now() - started)

    if (flags.junit) {
      const {junitXml} = await import('../lib/check/junit.js')
      await writeFile(flags.junit, junitXml({suite: checkFile.source, results, summary, timestamp: startedAt, hostname: os.hostname()}))
    }
    if (!json) {
      const {renderResults} = await import('../lib/render/check.js')
      this.out(await renderResults(results, summary))
    }
    // The uniform expectation contract: one FAIL line per unmet expectation on stderr (with the
    // check it belongs to), and one ERROR line per check that could not run.
    for (const r of results) {
      for (const f of r.failures) this.note(`${f} (check "${r.name}")`)
      if (r.outcome === 'error') this.note(`ERROR check "${r.name}" could not run: ${r.error?.message ?? 'unknown'}`)
    }
    process.exitCode = exitCodeFor(results)
    return {
      file: checkFile.source,
      checks: results.map((r) => ({
        name: r.name,
        command: r.command,
        args: r.args,
        argv: r.argv,
        outcome: r.outcome,
        exit: r.exit,
        durationMs: r.durationMs,
        expectations: r.expectations,
        failures: r.failures,
        ...(r.error ? {error: r.error} : {}),
      })),
      summary,
    }
  }
}

/** Fail early (exit 2) when --junit cannot be written, not after every check has run. */
async function assertWritable(file: string): Promise<void> {
  const isDirectory = await stat(file).then((s) => s.isDirectory(), () => false)
  if (isDirectory) throw new UsageError(`--junit ${file} is a directory; give a file name, e.g. ${path.join(file, 'dnsx-check.xml')}`, 'bad-junit')
  try {
    await access(path.dirname(path.resolve(file)), constants.W_OK)
  } catch {
    throw new UsageError(`--junit ${file}: the directory ${path.dirname(file)} does not exist or is not writable`, 'bad-junit')
  }
}
