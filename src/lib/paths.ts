/**
 * Files that ship with dnsx (data/, schemas/), found from wherever this code runs: TypeScript
 * source under vitest, tsc's dist/, or the esbuild bundle in dist/cli/ (whose chunks sit at
 * another depth). The package root is the nearest folder above with dnsx's package.json.
 */
import {existsSync, readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'
import {InternalError} from './errors.js'

let root: string | undefined

/** The installed package's root folder. */
export function packageRoot(): string {
  if (root) return root
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pj = join(dir, 'package.json')
    if (existsSync(pj) && /"name":\s*"dnsx"/.test(readFileSync(pj, 'utf8'))) return (root = dir)
    const parent = dirname(dir)
    if (parent === dir) throw new InternalError('dnsx: its package.json was not found above the code')
    dir = parent
  }
}

/** The path of a file shipped with dnsx, relative to the package root (`data/named.root`). */
export function shippedFile(relative: string): string {
  return join(packageRoot(), relative)
}
