import * as Args from '@oclif/core/args'
import * as Flags from '@oclif/core/flags'
import {basename} from 'node:path'
import {DnsxCommand} from '../lib/cli/base.js'
import {completionScript, installHint, SHELLS, type CompletionCommand, type Shell} from '../lib/cli/completion.js'
import {UsageError} from '../lib/errors.js'

export default class Autocomplete extends DnsxCommand {
  static override summary = 'Print a shell completion script for bash, zsh or fish.'
  static override description = `Completes command names (and lab serve), every flag of the command typed, the values of flags
that take a fixed set (--format text|mermaid|json, --class, --policy ...), files for file
flags, and record types after a name. Without SHELL, the shell is taken from $SHELL. The script
is generated from the commands themselves, so it matches this dnsx.`
  static override examples = [
    'source <(<%= config.bin %> autocomplete bash)',
    '<%= config.bin %> autocomplete zsh >> ~/.zshrc',
    '<%= config.bin %> autocomplete fish > ~/.config/fish/completions/dnsx.fish',
  ]

  // A script, not a document: no --json.
  static override enableJsonFlag = false

  static override args = {
    shell: Args.string({description: 'bash, zsh or fish (default: from $SHELL).', options: [...SHELLS], required: false}),
  }

  static override flags = {
    'install-hint': Flags.boolean({description: 'Print how to install the script instead of the script.'}),
  }

  async run(): Promise<void> {
    const {args, flags} = await this.parse(Autocomplete)
    const shell = (args.shell ?? basename(process.env.SHELL ?? '')) as Shell
    if (!SHELLS.includes(shell)) {
      throw new UsageError(`cannot tell the shell from SHELL=${process.env.SHELL ?? '(unset)'}: give one of ${SHELLS.join(', ')}`, 'bad-shell')
    }
    const bin = this.config.bin
    if (flags['install-hint']) {
      this.out(installHint(shell, bin).join('\n'))
      return
    }
    const commands: CompletionCommand[] = this.config.commands
      .filter((c) => !c.hidden)
      .map((c) => ({
        id: c.id,
        summary: c.summary ?? c.description ?? '',
        flags: Object.entries(c.flags ?? {})
          .filter(([, f]) => !f.hidden)
          .map(([name, f]) => ({
            name,
            char: f.char,
            description: f.summary ?? f.description,
            takesValue: f.type === 'option',
            options: f.type === 'option' ? f.options : undefined,
            allowNo: f.type === 'boolean' ? f.allowNo : undefined,
          })),
      }))
    process.stdout.write(completionScript(shell, bin, commands))
  }
}
