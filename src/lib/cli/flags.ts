/**
 * Flags shared by every command that finds authoritative servers (trace,
 * anycast-probe --zone, ecs): the same names, the same meaning everywhere.
 */
// Subpath import: loading the whole of @oclif/core costs start-up time.
import * as Flags from '@oclif/core/flags'

export const authorityFlags = {
  'root-hints': Flags.string({description: 'Root hints file (named.root format) instead of the shipped IANA one.', helpGroup: 'RESOLUTION'}),
  server: Flags.string({char: 's', description: 'Start at this server instead of the root (repeatable).', multiple: true, helpGroup: 'RESOLUTION'}),
  port: Flags.integer({char: 'p', description: 'Port for every server queried (NS records carry no port), as dig -p.', default: 53, helpGroup: 'RESOLUTION'}),
}
