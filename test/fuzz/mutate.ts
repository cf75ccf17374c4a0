/**
 * A seeded generator of hostile replies: every input is a pure function of (seed, index), so a
 * failure found at input #n is reproduced with the same seed. Mutations: bit flips, interesting
 * octets, count fields, 16-bit fields (RDLENGTH, pointers), compression pointers, truncation at
 * every offset, splices of two replies, inserted and deleted runs, random bytes, and the
 * amplification family (a few octets that claim tens of thousands of records).
 */
import {mulberry32} from '../../src/lib/random.js'

export interface Seed {name: string, wire: Buffer}
export interface Input {
  /** Index of the seed the input was made from (its ID and question build the acceptor). */
  seed: number
  /** What was done to it, for the failure report. */
  how: string
  wire: Buffer
}

const INTERESTING = [0x00, 0x01, 0x02, 0x3f, 0x40, 0x7f, 0x80, 0xbf, 0xc0, 0xc1, 0xfe, 0xff]
const INTERESTING16 = [0, 1, 2, 11, 12, 0x3f, 0x40, 0xff, 0x100, 0x7fff, 0x8000, 0xc000, 0xc00c, 0xfffe, 0xffff]

type Rand = () => number
const int = (r: Rand, n: number) => Math.floor(r() * n)
const choose = <T>(r: Rand, xs: readonly T[]): T => xs[int(r, xs.length)]!

type Mutator = (r: Rand, b: Buffer, seeds: readonly Seed[]) => Buffer

const MUTATORS: [string, Mutator][] = [
  ['flip', (r, b) => {
    const out = Buffer.from(b)
    for (let i = 1 + int(r, 8); i > 0 && out.length; i--) out[int(r, out.length)]! ^= 1 << int(r, 8)
    return out
  }],
  ['octet', (r, b) => {
    const out = Buffer.from(b)
    for (let i = 1 + int(r, 4); i > 0 && out.length; i--) out[int(r, out.length)] = r() < 0.7 ? choose(r, INTERESTING) : int(r, 256)
    return out
  }],
  ['count', (r, b) => {
    const out = Buffer.from(b)
    if (out.length < 12) return out
    const at = 4 + 2 * int(r, 4)
    const old = out.readUInt16BE(at)
    out.writeUInt16BE(r() < 0.5 ? choose(r, INTERESTING16) : (old + choose(r, [-1, 1, 2, 100]) + 0x10000) & 0xffff, at)
    return out
  }],
  ['u16', (r, b) => {
    const out = Buffer.from(b)
    if (out.length < 14) return out
    out.writeUInt16BE(r() < 0.6 ? choose(r, INTERESTING16) : int(r, 0x10000), 12 + int(r, out.length - 13))
    return out
  }],
  ['pointer', (r, b) => {
    const out = Buffer.from(b)
    if (out.length < 14) return out
    const at = 12 + int(r, out.length - 13)
    out.writeUInt16BE(0xc000 | int(r, Math.min(out.length + 4, 0x3fff)), at)
    return out
  }],
  ['truncate', (r, b) => b.subarray(0, int(r, b.length + 1))],
  ['splice', (r, b, seeds) => {
    const other = choose(r, seeds).wire
    return Buffer.concat([b.subarray(0, int(r, b.length + 1)), other.subarray(int(r, other.length + 1))])
  }],
  ['insert', (r, b, seeds) => {
    const at = int(r, b.length + 1)
    const other = choose(r, seeds).wire
    const from = int(r, other.length)
    const chunk = r() < 0.5 ? other.subarray(from, from + 1 + int(r, 64)) : Buffer.from(Array.from({length: 1 + int(r, 16)}, () => int(r, 256)))
    return Buffer.concat([b.subarray(0, at), chunk, b.subarray(at)])
  }],
  ['delete', (r, b) => {
    const at = int(r, b.length + 1)
    return Buffer.concat([b.subarray(0, at), b.subarray(at + 1 + int(r, 32))])
  }],
  ['random', (r, b) => {
    const out = Buffer.from(Array.from({length: int(r, 600)}, () => int(r, 256)))
    if (r() < 0.5 && out.length >= 12) b.copy(out, 0, 0, 12) // a plausible header over noise
    return out
  }],
]

/** The 64-byte reply that once decoded into 57,843 records (issue 18), and its family. */
export const AMPLIFIER = Buffer.from('123401000000010466757a7a04746573740000100001c00c00010606060600002904d000000000000000010000012c00040606060600002904d0000000000000', 'hex')

function amplifier(r: Rand): Buffer {
  const out = Buffer.from(AMPLIFIER)
  for (let at = 4; at < 12; at += 2) if (r() < 0.6) out.writeUInt16BE(r() < 0.5 ? 0xffff : int(r, 0x10000), at)
  // Self-referencing names and records that point at the question or at themselves.
  if (r() < 0.5) out.writeUInt16BE(0xc000 | choose(r, [0x0c, 0x1d, 0x21, 0x2d]), choose(r, [0x1d, 0x21, 0x2d, 0x3a]))
  return r() < 0.5 ? out : Buffer.concat([out, out.subarray(12, 12 + int(r, 52))])
}

/**
 * The inputs, in order: first each seed truncated at every offset (deterministic), then an
 * endless seeded stream of stacked mutations and amplifiers.
 */
export function* inputs(seed: number, seeds: readonly Seed[]): Generator<Input> {
  for (let s = 0; s < seeds.length; s++) {
    const w = seeds[s]!.wire
    for (let n = 0; n <= w.length; n++) yield {seed: s, how: `truncate@${n}`, wire: w.subarray(0, n)}
  }
  const r = mulberry32(seed)
  for (;;) {
    const s = int(r, seeds.length)
    if (r() < 0.03) {
      yield {seed: s, how: 'amplifier', wire: amplifier(r)}
      continue
    }
    let wire = seeds[s]!.wire
    const how: string[] = []
    for (let k = 1 + int(r, r() < 0.7 ? 1 : 4); k > 0; k--) {
      const [name, m] = choose(r, MUTATORS)
      wire = m(r, wire, seeds)
      how.push(name)
    }
    // Most replies keep the query's ID so that they reach the decoder through the acceptor.
    if (wire.length >= 2 && r() < 0.9) {
      wire = Buffer.from(wire)
      seeds[s]!.wire.copy(wire, 0, 0, 2)
    }
    yield {seed: s, how: how.join('+'), wire}
  }
}
