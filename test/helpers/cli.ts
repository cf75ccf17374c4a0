/**
 * Run the built CLI as a user would (node bin/run.js ...), capturing exit
 * code, stdout and stderr. Requires `npm run build` (npm test does it).
 */
import {spawn} from 'node:child_process'
import {fileURLToPath} from 'node:url'
import {existsSync, readFileSync} from 'node:fs'
import AjvModule from 'ajv'

// ajv is CommonJS: under NodeNext its default export is the module object.
const Ajv = ((AjvModule as any).default ?? AjvModule) as typeof AjvModule.default

export const ROOT = fileURLToPath(new URL('../../', import.meta.url))
export const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url))

export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

export function runCli(args: string[], opts: {env?: Record<string, string | undefined>, input?: string, timeoutMs?: number} = {}): Promise<CliResult> {
  // An undefined value removes the variable from the child's environment.
  const env: Record<string, string | undefined> = {...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...opts.env}
  for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k]
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env: env as NodeJS.ProcessEnv,
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code, stdout, stderr})
    })
    child.stdin.end(opts.input ?? '')
  })
}

/** An ajv validator for one of the shipped schemas (schemas/NAME.json). */
export function schemaValidator(name: string): (data: unknown) => string[] {
  const ajv = new Ajv({allErrors: true, strict: false})
  const load = (n: string) => JSON.parse(readFileSync(new URL(`../../schemas/${n}.json`, import.meta.url), 'utf8'))
  ajv.addSchema(load('common'), 'common.json')
  const validate = ajv.compile(load(name))
  return (data) => (validate(data) ? [] : (validate.errors ?? []).map((e: any) => `${e.instancePath} ${e.message}`))
}

/**
 * Whether a prerequisite of a test is met. When it is not, a test may be skipped on a developer's
 * machine, but under `CI=true` a missing prerequisite is a failure: nothing is quietly skipped there.
 */
export function available(ok: boolean, what: string): boolean {
  if (!ok && process.env.CI) throw new Error(`${what}: required under CI=true (a skip here would hide a test)`)
  return ok
}

/** True when `dist/` has the given built file (e.g. `commands/ecs.js`); under CI, missing means failure. */
export function built(file: string): boolean {
  return available(existsSync(fileURLToPath(new URL(`../../dist/${file}`, import.meta.url))), `dist/${file} is missing`)
}
