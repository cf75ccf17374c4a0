#!/usr/bin/env node
// Development entry point: runs from the TypeScript sources is not supported
// without a loader, so this builds nothing and runs the compiled CLI with
// development settings (oclif reads commands from dist/).
import {execute} from '@oclif/core'

await execute({development: true, dir: import.meta.url})
