import {defineConfig} from 'vitest/config'

/** npm run replay -- DIR: replay Deckard-style .rpl scenarios from DIR against the trace engine. */
export default defineConfig({
  test: {
    include: ['test/replay/**/*.replay.ts'],
    testTimeout: 600_000,
    disableConsoleIntercept: true,
  },
})
