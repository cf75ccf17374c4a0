// `npm run build` step: bundles the CLI with esbuild into dist/cli/ — one ESM entry (main.js), one
// entry per command (oclif loads them by path from oclif.manifest.json), the help class, and
// shared chunks; modules loaded with `await import()` (undici, the DNSSEC validator, the lab,
// yaml, ajv, cli-table3) stay in chunks of their own, loaded only when used.
import {build} from 'esbuild'
import {readdirSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'
import {fileURLToPath} from 'node:url'

const root = fileURLToPath(new URL('../', import.meta.url))
const commands = []
const walk = (dir) => {
  for (const f of readdirSync(dir)) {
    const p = join(dir, f)
    if (statSync(p).isDirectory()) walk(p)
    else if (f.endsWith('.ts')) commands.push(p)
  }
}
walk(join(root, 'src/commands'))

const entryPoints = {
  main: join(root, 'src/entry/main.ts'),
  help: join(root, 'src/help.ts'),
}
for (const c of commands) entryPoints[relative(join(root, 'src'), c).replace(/\.ts$/, '')] = c

// Parts of oclif that a run of dnsx does not touch (command discovery by glob, plugin config
// files, spinners, help templates until help is shown): required from node_modules on first use,
// so the hot path neither parses nor runs them. Each stands in for the module as a lazy proxy.
// wrap-ansi, clean-stack and indent-string print oclif's own errors. `debug` is oclif's logger:
// without DEBUG in the environment it logs nothing, so a stub that logs nothing stands in for it,
// and the real one is loaded when DEBUG is set.
const LAZY = ['minimatch', 'tinyglobby', 'cli-spinners', 'ejs', 'lilconfig', 'wrap-ansi', 'clean-stack', 'indent-string', 'debug']
const lazyModules = {
  name: 'lazy-modules',
  setup(b) {
    b.onResolve({filter: new RegExp(`^(${LAZY.join('|')})$`)}, (args) => ({path: args.path, namespace: 'lazy'}))
    b.onLoad({filter: /.*/, namespace: 'lazy'}, (args) => ({
      loader: 'js',
      contents: `
const {createRequire} = require('node:module')
let real
const load = () => (real ??= createRequire(require.resolve('@oclif/core'))(${JSON.stringify(args.path)}))
${args.path === 'debug' ? `if (!process.env.DEBUG) {
  const off = () => {}
  const make = (namespace) => Object.assign(off.bind(null), {namespace, enabled: false, log: off, extend: (s, d = ':') => make(namespace + d + s)})
  module.exports = Object.assign(make, {enable: off, disable: () => '', enabled: () => false, default: make})
  return
}` : ''}
module.exports = new Proxy(function () {}, {
  get: (_, key) => (key === '__esModule' ? undefined : load()[key]),
  has: (_, key) => key in load(),
  apply: (_, self, argv) => load().apply(self, argv),
})`,
    }))
  },
}

const result = await build({
  plugins: [lazyModules],
  absWorkingDir: root,
  entryPoints,
  outdir: join(root, 'dist/cli'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  // CommonJS dependencies (oclif, cli-table3) call require() for Node's built-ins.
  banner: {js: "import {createRequire as __dnsxRequire} from 'node:module'; const require = __dnsxRequire(import.meta.url);"},
  // oclif reads tsconfig.json with TypeScript only when run from source; a user never needs it.
  external: ['typescript', 'ts-node'],
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
})
if (process.env.BUNDLE_META) (await import('node:fs')).writeFileSync(process.env.BUNDLE_META, JSON.stringify(result.metafile))
const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0)
console.log(`bundle: dist/cli, ${Object.keys(result.metafile.outputs).length} files, ${(bytes / 1024).toFixed(0)} KiB`)
