/**
 * The exports of a CommonJS package loaded with `await import()` (undici, yaml, ajv, cli-table3).
 * Node names them and also gives the whole `module.exports` as `default`; the esbuild bundle
 * gives only `default`. Either way `default` is `module.exports`, so that is what this returns.
 */
export function commonjs<T>(mod: unknown): T {
  const m = mod as {default?: T}
  return (m.default ?? mod) as T
}
