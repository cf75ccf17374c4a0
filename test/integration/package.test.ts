/** The npm tarball: what a user installs (issue 16). */
import {execFileSync} from 'node:child_process'
import {describe, expect, it} from 'vitest'
import {ROOT} from '../helpers/cli.js'

describe('npm pack', () => {
  it('carries LICENSE, CHANGELOG.md, README, the manifest and bin/run.js, and not bin/dev.js or src/test', () => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']})
    const files: string[] = JSON.parse(out)[0].files.map((f: {path: string}) => f.path)
    for (const f of ['LICENSE', 'CHANGELOG.md', 'README.md', 'bin/run.js', 'oclif.manifest.json', 'package.json', 'schemas/trace.json', 'data/named.root']) expect(files).toContain(f)
    expect(files).not.toContain('bin/dev.js')
    expect(files.filter((f) => f.startsWith('src/') || f.startsWith('test/'))).toEqual([])
    expect(files.some((f) => f.startsWith('dist/commands/'))).toBe(true)
  }, 60_000)
})
