/**
 * Reading the files a user gives dnsx (root hints, trust anchors, names, check files, CA
 * certificates): each must be a regular file (or stdin, `-`, where the command allows it), is
 * read with a size bound, and must be text. A file that breaks a rule is bad input (exit 2) with
 * a one-line message that never echoes its raw bytes. `/dev/zero`, a directory or a FIFO is
 * refused before a byte is read.
 */
import fs from 'node:fs'
import {UsageError, type ErrorCode} from './errors.js'

export interface InputFile {
  /** The file, or `-` for stdin. */
  path: string
  /** What the file is, for messages: "root hints", "trust anchor", "check file". */
  what: string
  maxBytes: number
  code: ErrorCode
  /** The flag that raises maxBytes, if there is one. */
  flag?: string
}

/** The bound on each kind of file (README's limits table). */
export const FILE_LIMITS = {
  rootHints: 1 << 20,
  trustAnchor: 1 << 20,
  cacert: 4 << 20,
  checkFile: 4 << 20,
  /** A names file is streamed, line by line: the bound is on its size, not on memory. */
  namesFile: 256 << 20,
  namesLine: 1024,
  resolvConf: 1 << 20,
} as const

/** "4 MiB", "1 KiB", "1500 bytes". */
export function formatBytes(n: number): string {
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n >> 20} MiB`
  if (n >= 1024 && n % 1024 === 0) return `${n >> 10} KiB`
  return `${n} bytes`
}

function tooLarge(f: InputFile): UsageError {
  return new UsageError(`${f.what} ${display(f)} is larger than ${formatBytes(f.maxBytes)}${f.flag ? ` (raise the bound with ${f.flag})` : ''}`, f.code)
}

function display(f: Pick<InputFile, 'path'>): string {
  return f.path === '-' ? '<stdin>' : f.path
}

/** Open a file that must be a regular file; stdin (`-`) is fd 0. */
function openRegular(f: InputFile): {fd: number, size: number | null} {
  if (f.path === '-') return {fd: 0, size: null}
  let fd: number
  try {
    fd = fs.openSync(f.path, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0))
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : code ?? (err as Error).message
    throw new UsageError(`cannot read ${f.what} ${f.path}: ${why}`, f.code)
  }
  const st = fs.fstatSync(fd)
  if (!st.isFile()) {
    fs.closeSync(fd)
    const kind = st.isDirectory() ? 'a directory' : st.isCharacterDevice() ? 'a device' : st.isFIFO() ? 'a pipe' : st.isSocket() ? 'a socket' : 'not a regular file'
    throw new UsageError(`cannot read ${f.what} ${f.path}: it is ${kind}, not a regular file${f.code === 'bad-check-file' || f.code === 'bad-file' ? ' (use - for stdin)' : ''}`, f.code)
  }
  if (st.size > f.maxBytes) {
    fs.closeSync(fd)
    throw tooLarge(f)
  }
  return {fd, size: st.size}
}

/** Refuse bytes that are not text: a NUL octet (binary files, or a name with a NUL inside). */
export function assertText(buf: Uint8Array, f: Pick<InputFile, 'what' | 'path' | 'code'>, lineOffset?: {line: number}): void {
  const at = buf.indexOf(0)
  if (at < 0) return
  throw new UsageError(`${f.what} ${display(f)}${lineOffset ? ` line ${lineOffset.line}` : ''} is not text (a NUL octet at offset ${at}): is it a binary file?`, f.code)
}

/** Read a whole text file (not stdin) synchronously, within its bound. */
export function readTextFile(f: InputFile): string {
  if (f.path === '-') throw new UsageError(`${f.what} cannot be read from stdin`, f.code)
  const {fd} = openRegular(f)
  try {
    const chunks: Buffer[] = []
    let total = 0
    for (;;) {
      const chunk = Buffer.alloc(64 * 1024)
      const n = fs.readSync(fd, chunk, 0, chunk.length, null)
      if (n === 0) break
      total += n
      // The size was checked at open; a file that grows while read is still bounded.
      if (total > f.maxBytes) throw tooLarge(f)
      chunks.push(chunk.subarray(0, n))
    }
    const buf = Buffer.concat(chunks)
    assertText(buf, f)
    return buf.toString('utf8')
  } finally {
    fs.closeSync(fd)
  }
}

/** Read a whole text file or stdin (`-`), within its bound. */
export async function readTextInput(f: InputFile, stdin: AsyncIterable<Buffer | string> = process.stdin): Promise<string> {
  if (f.path !== '-') return readTextFile(f)
  const chunks: Buffer[] = []
  let total = 0
  for await (const c of stdin) {
    const chunk = typeof c === 'string' ? Buffer.from(c) : c
    total += chunk.length
    if (total > f.maxBytes) throw tooLarge(f)
    chunks.push(chunk)
  }
  const buf = Buffer.concat(chunks)
  assertText(buf, f)
  return buf.toString('utf8')
}

/**
 * The lines of a text file or stdin, streamed at bounded memory: each line is at most
 * `maxLineBytes` octets and holds no NUL; the whole is at most f.maxBytes.
 */
export async function* readLines(f: InputFile, maxLineBytes: number, stdin: AsyncIterable<Buffer | string> = process.stdin): AsyncGenerator<{text: string, line: number}> {
  let source: AsyncIterable<Buffer | string>
  let close = () => {}
  if (f.path === '-') source = stdin
  else {
    const {fd} = openRegular(f)
    const stream = fs.createReadStream('', {fd, highWaterMark: 64 * 1024})
    source = stream
    close = () => stream.destroy()
  }
  let carry: Buffer = Buffer.alloc(0)
  let line = 0
  let total = 0
  const emit = (bytes: Buffer) => {
    line++
    if (bytes.length > maxLineBytes) throw new UsageError(`${f.what} ${display(f)} line ${line} is longer than ${maxLineBytes} octets`, f.code)
    assertText(bytes, f, {line})
    return {text: bytes.toString('utf8').replace(/\r$/, ''), line}
  }
  try {
    for await (const c of source) {
      const chunk = typeof c === 'string' ? Buffer.from(c) : c
      total += chunk.length
      if (total > f.maxBytes) throw tooLarge(f)
      let buf = carry.length ? Buffer.concat([carry, chunk]) : chunk
      let nl: number
      while ((nl = buf.indexOf(0x0a)) >= 0) {
        yield emit(buf.subarray(0, nl))
        buf = buf.subarray(nl + 1)
      }
      if (buf.length > maxLineBytes) emit(buf)
      carry = Buffer.from(buf)
    }
    if (carry.length) yield emit(carry)
  } finally {
    close()
  }
}
