/**
 * dnsx's help: oclif's, plus an EXIT CODES section on every page. Loaded only
 * when help is shown, so it costs nothing on other runs.
 */
import {Help, type Command} from '@oclif/core'
import {EXIT_CODES_HELP} from './lib/cli/exit-codes.js'

export default class DnsxHelp extends Help {
  protected override formatCommand(command: Command.Loadable): string {
    return super.formatCommand(command) + '\n\n' + this.section('EXIT CODES', EXIT_CODES_HELP)
  }

  override async showRootHelp(): Promise<void> {
    await super.showRootHelp()
    this.log('\n' + this.section('EXIT CODES', EXIT_CODES_HELP))
  }
}
