/**
 * The CLI's entry (bin/run.js loads it): oclif's runner, with every error that escapes a command
 * (unknown command, broken install) turned into one line and a documented exit code, never a
 * stack trace or oclif's config dump. `npm run build` bundles it with esbuild into dist/cli/.
 */
import {run} from '@oclif/core/run'
import {flush} from '@oclif/core/flush'
import {setFlagsFromString} from 'node:v8'
import {helpArgv, unknownCommandMessage} from '../lib/cli/discovery.js'
import {commonjs} from '../lib/modules.js'

// undici parses HTTP with llhttp compiled to WebAssembly. V8 then recompiles it optimised on a
// background thread, and Node waits for that before exiting: about 200 ms after `dnsx race URL`
// has printed its result. One response does not need the optimised code.
setFlagsFromString('--liftoff-only')

/** Runs dnsx with `argv`; `root` is a file or folder of the installed package (bin/run.js). */
export async function main(argv: string[], root: string): Promise<void> {
  try {
    await run(helpArgv(argv), root)
    await flush()
  } catch (err) {
    const e = err as {message?: string, stack?: string, oclif?: {exit?: number}} | undefined
    const raw = String(e?.message ?? err).replace(/\u001b\[[0-9;]*m/g, '')
    const message = (raw.split('\n').find((l) => l.trim()) ?? 'error').replace(/^\s*(›\s*)?(Error:\s*)?/, '').trim()
    const notFound = /command .* not found/i.test(message)
    const exit = notFound || e?.oclif?.exit === 2 ? 2 : typeof e?.oclif?.exit === 'number' ? e.oclif.exit : 4
    const code = exit === 2 ? 'usage' : exit === 0 ? 'ok' : 'internal'
    if (exit !== 0) {
      const text = notFound ? await unknownCommand(argv, root) : message
      if (argv.includes('--json')) process.stdout.write(JSON.stringify({error: {code, message: text, exit}}) + '\n')
      else process.stderr.write(`error: ${text}\n`)
      if (process.env.DNSX_DEBUG && e?.stack) process.stderr.write(String(e.stack) + '\n')
    }
    process.exitCode = exit
  }
}

/** The unknown-command line, with the nearest command id from the installed package's config. */
async function unknownCommand(argv: string[], root: string): Promise<string> {
  let ids: string[] = []
  try {
    const {Config} = commonjs<typeof import('@oclif/core/config')>(await import('@oclif/core/config'))
    ids = (await Config.load(root)).commandIDs
  } catch (error) {
    if (process.env.DNSX_DEBUG) process.stderr.write(`${String((error as Error)?.stack ?? error)}\n`)
    // No config to compare with: the line still says what was not found.
  }
  return unknownCommandMessage(helpArgv(argv), ids)
}
