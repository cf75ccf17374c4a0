/**
 * vitest globalSetup: the CLI tests run `dist/`, so `dist/` must be built from the `src/` being
 * tested. When any source file (or the build configuration) is newer than the build, build again
 * before a test runs; when the build fails, no test runs.
 */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

function newest(dir: string): number {
  let t = 0
  for (const e of fs.readdirSync(dir, {withFileTypes: true})) {
    const p = path.join(dir, e.name)
    t = Math.max(t, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs)
  }
  return t
}

/** Why `dist/` cannot be trusted, or null when it is newer than every input of the build. */
export function staleReason(root = ROOT): string | null {
  // tsc's library build, the CLI bundle and the lab snapshot (npm run build makes all three).
  const outputs = ['dist/index.js', 'dist/cli/main.js', 'dist/lab-snapshot.json', 'oclif.manifest.json'].map((f) => path.join(root, f))
  if (outputs.some((f) => !fs.existsSync(f))) return 'dist/ is missing'
  const built = Math.min(...outputs.map((f) => fs.statSync(f).mtimeMs))
  const inputs = Math.max(
    newest(path.join(root, 'src')),
    newest(path.join(root, 'scripts')),
    ...['package.json', 'tsconfig.json', 'tsconfig.build.json', 'bin/run.js'].map((f) => fs.statSync(path.join(root, f)).mtimeMs),
  )
  return inputs > built ? 'src/ is newer than dist/' : null
}

export default function setup(): void {
  const why = staleReason()
  if (why === null) return
  process.stderr.write(`[global-setup] ${why}: npm run build\n`)
  execFileSync('npm', ['run', 'build'], {cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit']})
  const still = staleReason()
  if (still !== null) throw new Error(`[global-setup] the build did not refresh dist/: ${still}`)
}
