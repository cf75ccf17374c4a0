/**
 * Plain, borderless tables for human output (columns separated by two
 * spaces, no trailing blanks). cli-table3 is loaded here, on first use, so
 * commands that print no table never pay for it.
 */
import chalk from 'chalk'
import {commonjs} from '../modules.js'

type TableCtor = typeof import('cli-table3')

/** cli-table3 options for a borderless table. */
export const BORDERLESS = {
  chars: {
    top: '', 'top-mid': '', 'top-left': '', 'top-right': '',
    bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
    left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '  ',
  },
  style: {'padding-left': 0, 'padding-right': 0, head: [] as string[], border: [] as string[]},
}

/** The cli-table3 constructor. */
export async function loadTable(): Promise<TableCtor> {
  return commonjs<TableCtor>(await import('cli-table3'))
}

/** Render rows under bold headings, borderless, with trailing blanks trimmed. */
export async function borderlessTable(head: string[], rows: string[][], extra: Record<string, unknown> = {}): Promise<string> {
  const Table = await loadTable()
  const t = new Table({head: head.map((h) => chalk.bold(h)), ...BORDERLESS, ...extra} as any)
  t.push(...rows)
  return t
    .toString()
    .split('\n')
    .map((l) => l.replace(/\s+$/, ''))
    .join('\n')
}
