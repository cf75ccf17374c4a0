#!/usr/bin/env node
// dnsx entry point: the CLI is the esbuild bundle in dist/cli (npm run build). CommonJS
// (bin/package.json), which Node starts a few ms faster than an ES module.
const argv = process.argv.slice(2)

if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V' || argv[0] === 'version')) {
  // What scripts call most often to check for dnsx: answered without loading oclif at all
  // (the same text as oclif's own --version; -V and `version` as other tools spell it).
  const pkg = require('../package.json')
  process.stdout.write(`${pkg.name}/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`)
} else {
  const {join} = require('node:path')
  import('../dist/cli/main.js').then(({main}) => main(argv, join(__dirname, '..')))
}
