#!/usr/bin/env node
// dnsx entry point: the CLI is the esbuild bundle in dist/cli (npm run build).
const argv = process.argv.slice(2)

if (argv.length === 1 && argv[0] === '--version') {
  // What scripts call most often to check for dnsx: answer it without loading
  // oclif at all (the same text as oclif's own --version).
  const {readFileSync} = await import('node:fs')
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'))
  process.stdout.write(`${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  const {main} = await import('../dist/cli/main.js')
  await main(argv, import.meta.url)
}
