/**
 * dnsx's help: oclif's, plus an EXIT CODES section on every page, and descriptions written as
 * paragraphs: prose lines are joined and wrapped to the terminal as one paragraph, while indented
 * lines (examples such as a check file's YAML) keep their indentation. Loaded only when help is
 * shown, so it costs nothing on other runs.
 */
import {CommandHelp, Help, type Command} from '@oclif/core'
import {EXIT_CODES_HELP} from './lib/cli/exit-codes.js'

/**
 * Split text into blocks: paragraphs (runs of unindented lines, joined), and verbatim lines
 * (indented, or a list item starting with "- "). Blank lines separate blocks.
 */
export function reflow(text: string): {kind: 'para' | 'verbatim' | 'blank', text: string}[] {
  const out: {kind: 'para' | 'verbatim' | 'blank', text: string}[] = []
  for (const line of text.split('\n')) {
    const last = out[out.length - 1]
    if (line.trim() === '') out.push({kind: 'blank', text: ''})
    else if (/^\s/.test(line)) out.push({kind: 'verbatim', text: line.replace(/\s+$/, '')})
    else if (last?.kind === 'para' && !/^[-*] /.test(line)) last.text += ` ${line.trim()}`
    else out.push({kind: 'para', text: line.trim()})
  }
  return out
}

class DnsxCommandHelp extends CommandHelp {
  override wrap(body: string, spacing = this.indentSpacing): string {
    const width = this.opts.maxWidth - spacing
    return reflow(body).map((b) => {
      if (b.kind === 'blank') return ''
      // An indented line short enough to fit is kept as written (wrapping would strip its indentation).
      if (b.kind === 'verbatim' && b.text.length <= width) return b.text
      return super.wrap(b.text, spacing)
    }).join('\n')
  }
}

export default class DnsxHelp extends Help {
  protected override CommandHelpClass = DnsxCommandHelp

  protected override formatCommand(command: Command.Loadable): string {
    return super.formatCommand(command) + '\n\n' + this.section('EXIT CODES', EXIT_CODES_HELP)
  }

  override async showRootHelp(): Promise<void> {
    await super.showRootHelp()
    this.log('\n' + this.section('EXIT CODES', EXIT_CODES_HELP))
  }
}
