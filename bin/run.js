#!/usr/bin/env node
// dnsx entry point. Errors that escape oclif (unknown command, broken config)
// still become one line and a documented exit code, never a stack trace.
import {execute} from '@oclif/core'

try {
  await execute({dir: import.meta.url})
} catch (err) {
  const message = String(err?.message ?? err).split('\n').find((l) => l.trim()) ?? 'error'
  const exit = err?.oclif?.exit === 2 || /command .* not found/i.test(message) ? 2 : (err?.oclif?.exit ?? 4)
  const json = process.argv.includes('--json')
  const code = exit === 2 ? 'usage' : 'internal'
  if (json) process.stdout.write(JSON.stringify({error: {code, message: message.trim(), exit}}) + '\n')
  else process.stderr.write(`error: ${message.trim()}\n`)
  process.exitCode = exit
}
