/** The installed commands' flags, from oclif's command list (the manifest), for the loader. */
import type {Command} from '@oclif/core'
import type {CommandCatalogue, FlagInfo} from './load.js'

/** The commands a check may run. */
export const CHECK_COMMANDS = ['query', 'trace', 'anycast-probe', 'ecs', 'race'] as const

export function catalogueFrom(commands: readonly Command.Loadable[]): CommandCatalogue {
  const out: CommandCatalogue = {}
  for (const c of commands) {
    if (!(CHECK_COMMANDS as readonly string[]).includes(c.id)) continue
    const flags: Record<string, FlagInfo> = {}
    for (const [name, f] of Object.entries(c.flags ?? {})) {
      const any = f as {type: 'boolean' | 'option', multiple?: boolean, options?: readonly string[], allowNo?: boolean}
      flags[name] = {type: any.type, multiple: Boolean(any.multiple), options: any.options, allowNo: Boolean(any.allowNo)}
    }
    out[c.id] = {flags}
  }
  return out
}
