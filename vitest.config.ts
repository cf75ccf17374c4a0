import {defineConfig} from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Build dist/ when src/ is newer: the CLI tests must not check stale code.
    globalSetup: ['test/global-setup.ts'],
    disableConsoleIntercept: true,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
})
