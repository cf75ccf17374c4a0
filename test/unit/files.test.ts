/**
 * Reading user files with bounds (issue 18): regular files only (or stdin), a size bound, text
 * only, lines streamed at bounded memory.
 */
import {execFileSync} from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'
import {readLines, readTextFile, readTextInput, type InputFile} from '../../src/lib/files.js'

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'dnsx-files-'))
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}))
const file = (name: string, data: string | Buffer) => {
  const p = path.join(dir, name)
  fs.writeFileSync(p, data)
  return p
}
const spec = (p: string, maxBytes = 1024): InputFile => ({path: p, what: 'root hints', maxBytes, code: 'bad-root-hints', flag: '--max-x'})

describe('readTextFile', () => {
  it('reads a text file', () => {
    expect(readTextFile(spec(file('ok.txt', 'hello\n')))).toBe('hello\n')
  })
  it('refuses a device such as /dev/zero before reading a byte', () => {
    expect(() => readTextFile(spec('/dev/zero'))).toThrow('cannot read root hints /dev/zero: it is a device, not a regular file')
  })
  it('refuses a directory', () => {
    expect(() => readTextFile(spec(dir))).toThrow(/it is a directory, not a regular file/)
  })
  it('refuses a FIFO without blocking on it', () => {
    const fifo = path.join(dir, 'fifo')
    execFileSync('mkfifo', [fifo])
    expect(() => readTextFile(spec(fifo))).toThrow(/it is a pipe, not a regular file/)
  })
  it('refuses a file over its bound, naming the flag', () => {
    expect(() => readTextFile(spec(file('big.txt', 'x'.repeat(1025))))).toThrow('root hints ' + path.join(dir, 'big.txt') + ' is larger than 1 KiB (raise the bound with --max-x)')
  })
  it('refuses binary data (a NUL octet) without echoing it', () => {
    let msg = ''
    try {
      readTextFile(spec(file('bin', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x1b, 0x5b, 0x32, 0x4a, 0x00, 0x01]))))
    } catch (err) {
      msg = (err as Error).message
    }
    expect(msg).toMatch(/is not text \(a NUL octet at offset 8\)/)
    expect(msg).not.toMatch(/[\u0000-\u001f]/)
  })
  it('a missing file', () => {
    expect(() => readTextFile(spec(path.join(dir, 'nope')))).toThrow(/cannot read root hints .*nope: no such file/)
  })
})

describe('readTextInput from stdin', () => {
  async function* chunks(...cs: string[]) {
    for (const c of cs) yield Buffer.from(c)
  }
  it('is bounded too', async () => {
    await expect(readTextInput({...spec('-'), maxBytes: 8}, chunks('12345', '67890'))).rejects.toThrow('root hints <stdin> is larger than 8 bytes')
    await expect(readTextInput(spec('-'), chunks('a', 'b'))).resolves.toBe('ab')
  })
})

describe('readLines', () => {
  it('streams lines, CRLF or LF, the last without a newline', async () => {
    const out: string[] = []
    for await (const l of readLines(spec(file('lines.txt', 'a\r\nb\n\nc'), 100), 10)) out.push(`${l.line}:${l.text}`)
    expect(out).toEqual(['1:a', '2:b', '3:', '4:c'])
  })
  it('refuses a line over its bound, and a NUL inside a line, by line number', async () => {
    const run = async (data: string) => {
      for await (const _ of readLines(spec(file('l.txt', data), 1 << 20), 10)) void _
    }
    await expect(run('ok\n' + 'x'.repeat(11) + '\n')).rejects.toThrow('line 2 is longer than 10 octets')
    await expect(run('ok\n' + 'x'.repeat(5000))).rejects.toThrow('line 2 is longer than 10 octets')
    await expect(run('ok\nw\u0000w\n')).rejects.toThrow('line 2 is not text (a NUL octet at offset 1)')
  })
  it('a million lines stream at bounded memory', async () => {
    const p = path.join(dir, 'million.txt')
    const fd = fs.openSync(p, 'w')
    const block = Array.from({length: 10_000}, (_, i) => `host${i}.example.test A`).join('\n') + '\n'
    for (let i = 0; i < 100; i++) fs.writeSync(fd, block)
    fs.closeSync(fd)
    const size = fs.statSync(p).size
    const before = process.memoryUsage().heapUsed
    let n = 0
    let peak = 0
    for await (const _ of readLines(spec(p, 1 << 30), 1024)) {
      void _
      if (++n % 100_000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed - before)
    }
    expect(n).toBe(1_000_000)
    // The file is ~26 MB; holding it (as strings) would take several times that.
    expect(size).toBeGreaterThan(20 << 20)
    expect(peak).toBeLessThan(size)
  }, 60_000)
})
