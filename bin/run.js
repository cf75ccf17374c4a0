#!/usr/bin/env node
// dnsx entry point. Errors that escape a command (unknown command, broken
// install) still become one line and a documented exit code, never a stack
// trace or oclif's config dump.
const argv = process.argv.slice(2)

if (argv.length === 1 && argv[0] === '--version') {
  // What scripts call most often to check for dnsx: answer it without loading
  // oclif at all (the same text as oclif's own --version).
  const {readFileSync} = await import('node:fs')
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  await main()
}

async function main() {
  try {
    // Only what running a command needs, not the whole of @oclif/core.
    const [{run}, {flush}] = await Promise.all([import('@oclif/core/run'), import('@oclif/core/flush')])
    await run(argv, import.meta.url)
    await flush()
  } catch (err) {
    const raw = String(err?.message ?? err).replace(/\u001b\[[0-9;]*m/g, '')
    const message = (raw.split('\n').find((l) => l.trim()) ?? 'error').replace(/^\s*(›\s*)?(Error:\s*)?/, '').trim()
    const notFound = /command .* not found/i.test(message)
    const exit = notFound || err?.oclif?.exit === 2 ? 2 : typeof err?.oclif?.exit === 'number' ? err.oclif.exit : 4
    const code = exit === 2 ? 'usage' : exit === 0 ? 'ok' : 'internal'
    if (exit !== 0) {
      const text = notFound ? `${message} (see dnsx --help)` : message
      if (argv.includes('--json')) process.stdout.write(JSON.stringify({error: {code, message: text, exit}}) + '\n')
      else process.stderr.write(`error: ${text}\n`)
      if (process.env.DNSX_DEBUG && err?.stack) process.stderr.write(String(err.stack) + '\n')
    }
    process.exitCode = exit
  }
}
