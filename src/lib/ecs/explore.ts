/**
 * Sans-I/O, scope-aware exploration of an address range with ECS queries, in the spirit
 * of the response-aware ECSplorer scanner (Sattler et al., "ECSeptional DNS Data: Evaluating
 * Nameserver ECS Deployments with Response-Aware Scanning", Proc. ACM Netw. 2025):
 * every reply's SCOPE PREFIX-LENGTH says the answer holds for the whole /scope network
 * around the queried subnet, so that space is not queried again; a reply whose scope is
 * longer than the subnet sent means the server wants more bits, so the block is split.
 *
 * The explorer never does I/O: the caller asks {@link Explorer.next} what to send and
 * gives each reply to {@link Explorer.report}.
 *
 * ```ts
 * const ex = new Explorer('198.51.100.0/22', {maxQueries: 64})
 * for (let q = ex.next(); q; q = ex.next()) ex.report(q.subnet, await ask(q.subnet))
 * ex.map() // [{cidr: '198.51.100.0/23', answers: [...]}, ...]
 * ```
 */
import {InternalError, UsageError} from '../errors.js'
import {FAMILY_BITS, type Family, addressToBigInt, bigIntToAddress, parseSubnet, rangeToCidrs} from '../net/cidr.js'
import {sortAnswers} from './analysis.js'

/** Options of {@link Explorer}. */
export interface ExplorerOptions {
  /** Hard cap on the number of queries {@link Explorer.next} hands out. Default 256. */
  maxQueries?: number
  /**
   * Smallest block the explorer will query, as a prefix length (the longest source prefix
   * it sends): blocks are never split below /minPrefix. Default 24 for IPv4 and 56 for IPv6
   * (what resolvers send, RFC 7871 §11.1); never shorter than the range's own prefix.
   */
  minPrefix?: number
  /**
   * Prefix length of the initial grid the range is cut into before the first query.
   * Default: the range itself when `trustScope` is true, else 4 bits longer than the
   * range (16 blocks), capped at `minPrefix`.
   */
  startPrefix?: number
  /**
   * Believe the scope of replies (default true). Set false for servers that return
   * scope 0 although their answers differ (`scope0-but-differs`): scopes are then ignored,
   * each answer covers only the block queried, and adjacent blocks whose answers differ are
   * split in halves, down to `minPrefix`, to locate the boundary. Blocks whose neighbours
   * both agree with them are not split, so an island smaller than the start grid that is
   * surrounded by one answer can be missed in that mode.
   */
  trustScope?: boolean
}

/** What to send next. */
export interface ExplorerQuery {
  /** Client subnet to send, canonical CIDR; pass this exact string back to `report`. */
  subnet: string
  /** Network address of `subnet`. */
  address: string
  family: Family
  /** SOURCE PREFIX-LENGTH to send (the prefix of `subnet`). */
  sourcePrefix: number
}

/** The part of a reply the explorer needs. */
export interface ExplorerReply {
  answers: string[]
  /** SCOPE PREFIX-LENGTH of the reply's ECS option (use 0 when the reply had none). */
  scope: number
}

/** One block of the final map. */
export interface ExplorerMapEntry {
  cidr: string
  /** Sorted, de-duplicated answers. */
  answers: string[]
}

/** Counters of {@link Explorer.stats}. */
export interface ExplorerStats {
  /** Queries handed out by `next()`. */
  queries: number
  /** Fraction of the range's addresses with a known answer, 0..1. */
  coveredFraction: number
  /** True when `next()` stopped because of `maxQueries` while work remained. */
  limitHit: boolean
  /** Queries handed out but not yet reported. */
  outstanding: number
  /** Queries reported as failed with `reportFailure`. */
  failed: number
  /** Replies whose scope claimed space that already had a different answer (first answer kept). */
  inconsistencies: number
  /** Replies at `minPrefix` whose scope asked for even more bits (answer kept for the block). */
  scopeBeyondLimit: number
}

interface Segment {
  /** Start of the next block to hand out (aligned to the block size). */
  next: bigint
  /** Last address of the segment. */
  end: bigint
  prefix: number
}

interface Interval {
  first: bigint
  last: bigint
  key: string
  answers: string[]
  /** 'scope': extent proven by the reply's scope; 'block': only the queried block is known. */
  kind: 'scope' | 'block'
  prefix: number
}

interface Block {
  first: bigint
  last: bigint
  prefix: number
}

/** Scope-aware, bounded explorer of one address range. See the module documentation. */
export class Explorer {
  readonly range: string
  readonly family: Family
  readonly maxQueries: number
  readonly minPrefix: number
  readonly startPrefix: number
  readonly trustScope: boolean

  private readonly bits: number
  private readonly rangePrefix: number
  private readonly first: bigint
  private readonly last: bigint
  private queue: Segment[]
  private known: Interval[] = []
  /** Coarse answers being refined; they still count where no finer answer exists yet. */
  private superseded: Interval[] = []
  private readonly outstanding = new Map<string, Block>()
  private queries = 0
  private failed = 0
  private inconsistencies = 0
  private scopeBeyondLimit = 0
  private limitHit = false

  /**
   * @param rangeCidr the range to explore, e.g. `198.51.100.0/22` (host bits are cleared).
   * @throws Error for an invalid range or options.
   */
  constructor(rangeCidr: string, options: ExplorerOptions = {}) {
    const r = parseSubnet(rangeCidr, {requirePrefix: true})
    this.range = r.cidr
    this.family = r.family
    this.bits = FAMILY_BITS[r.family]
    this.rangePrefix = r.sourcePrefix
    this.trustScope = options.trustScope ?? true
    const maxQueries = options.maxQueries ?? 256
    if (!Number.isInteger(maxQueries) || maxQueries < 0) throw new UsageError(`maxQueries must be a non-negative integer, got ${maxQueries}`, 'ecs-limits')
    this.maxQueries = maxQueries
    const minPrefix = options.minPrefix ?? (r.family === 1 ? 24 : 56)
    if (!Number.isInteger(minPrefix) || minPrefix < 0 || minPrefix > this.bits) {
      throw new UsageError(`minPrefix must be an integer between 0 and ${this.bits}, got ${minPrefix}`, 'ecs-limits')
    }
    this.minPrefix = Math.max(minPrefix, this.rangePrefix)
    const defaultStart = this.trustScope ? this.rangePrefix : Math.min(this.rangePrefix + 4, this.minPrefix)
    const startPrefix = options.startPrefix ?? defaultStart
    if (!Number.isInteger(startPrefix) || startPrefix < 0 || startPrefix > this.bits) {
      throw new UsageError(`startPrefix must be an integer between 0 and ${this.bits}, got ${startPrefix}`, 'ecs-limits')
    }
    this.startPrefix = Math.min(Math.max(startPrefix, this.rangePrefix), this.minPrefix)
    const size = 1n << BigInt(this.bits - this.rangePrefix)
    this.first = addressToBigInt(r.address)
    this.last = this.first + size - 1n
    this.queue = [{next: this.first, end: this.last, prefix: this.startPrefix}]
  }

  private blockSize(prefix: number): bigint {
    return 1n << BigInt(this.bits - prefix)
  }

  private cidrOf(first: bigint, prefix: number): string {
    return `${bigIntToAddress(first, this.family)}/${prefix}`
  }

  /** Index of the first interval whose last address is >= x. */
  private lowerBound(x: bigint): number {
    let lo = 0
    let hi = this.known.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.known[mid]!.last < x) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  /** Last address of the contiguous covered run starting at x, or x - 1 when x is not covered. */
  private coveredRunEnd(x: bigint): bigint {
    let i = this.lowerBound(x)
    let end = x - 1n
    while (i < this.known.length && this.known[i]!.first <= end + 1n) {
      end = this.known[i]!.last > end ? this.known[i]!.last : end
      i++
    }
    return end
  }

  private anyCovered(first: bigint, last: bigint): boolean {
    const i = this.lowerBound(first)
    return i < this.known.length && this.known[i]!.first <= last
  }

  /** Records an answer for [first, last] (clipped to the range), filling only uncovered gaps. */
  private cover(first: bigint, last: bigint, answers: string[], kind: Interval['kind'], prefix: number): void {
    const lo = first < this.first ? this.first : first
    const hi = last > this.last ? this.last : last
    if (lo > hi) return
    const key = JSON.stringify(answers)
    const added: Interval[] = []
    let cur = lo
    let i = this.lowerBound(lo)
    let conflict = false
    while (cur <= hi) {
      const next = this.known[i]
      if (!next || next.first > hi) {
        added.push({first: cur, last: hi, key, answers, kind, prefix})
        break
      }
      if (next.first > cur) added.push({first: cur, last: next.first - 1n, key, answers, kind, prefix})
      if (next.key !== key) conflict = true
      cur = next.last + 1n
      i++
    }
    if (conflict) this.inconsistencies++
    if (added.length === 0) return
    // The new pieces fill gaps between existing intervals from index `start` on: splice them
    // in place (linear) instead of re-sorting the whole list.
    const start = this.lowerBound(lo)
    const merged: Interval[] = []
    let j = start
    for (const piece of added) {
      while (j < this.known.length && this.known[j]!.first < piece.first) merged.push(this.known[j++]!)
      merged.push(piece)
    }
    this.known.splice(start, j - start, ...merged)
  }

  /** Pops the next block that still needs a query, splitting partially covered blocks. */
  private takeBlock(): Block | null {
    while (this.queue.length > 0) {
      const seg = this.queue[0]!
      if (seg.next > seg.end) {
        this.queue.shift()
        continue
      }
      const size = this.blockSize(seg.prefix)
      const first = seg.next
      const last = first + size - 1n
      const runEnd = this.coveredRunEnd(first)
      if (runEnd >= last) {
        // Skip every whole block inside the covered run at once.
        const skip = ((runEnd - first + 1n) / size) * size
        seg.next = first + skip
        continue
      }
      seg.next = first + size
      if (this.anyCovered(first, last) && seg.prefix < this.minPrefix) {
        // Partially known: look at its halves instead.
        this.queue.unshift({next: first, end: last, prefix: seg.prefix + 1})
        continue
      }
      return {first, last, prefix: seg.prefix}
    }
    return null
  }

  /** Intervals to split because an adjacent interval has a different answer (untrusted scopes only). */
  private refinementCandidates(): Interval[] {
    const out = new Set<Interval>()
    for (let i = 0; i + 1 < this.known.length; i++) {
      const a = this.known[i]!
      const b = this.known[i + 1]!
      if (a.last + 1n !== b.first || a.key === b.key) continue
      for (const x of [a, b]) if (x.kind === 'block' && x.prefix < this.minPrefix) out.add(x)
    }
    return [...out]
  }

  private refine(): boolean {
    const split = this.refinementCandidates()
    if (split.length === 0) return false
    const drop = new Set(split)
    this.known = this.known.filter((x) => !drop.has(x))
    this.superseded.push(...split)
    for (const x of split) this.queue.push({next: x.first, end: x.last, prefix: x.prefix + 1})
    this.queue.sort((a, b) => (a.next < b.next ? -1 : a.next > b.next ? 1 : 0))
    return true
  }

  private hasPendingWork(): boolean {
    for (const seg of this.queue) {
      if (seg.next > seg.end) continue
      if (this.coveredRunEnd(seg.next) < seg.end) return true
    }
    return this.outstanding.size === 0 && this.refinementCandidates().length > 0
  }

  /**
   * The next subnet to query, or null when there is nothing to send right now: exploration
   * finished, `maxQueries` was reached (then `stats().limitHit` is true), or the remaining
   * work depends on replies still outstanding (see {@link Explorer.done}).
   */
  next(): ExplorerQuery | null {
    for (;;) {
      if (this.queries >= this.maxQueries) {
        if (this.hasPendingWork()) this.limitHit = true
        return null
      }
      const block = this.takeBlock()
      if (!block) {
        if (this.outstanding.size === 0 && this.refine()) continue
        return null
      }
      const subnet = this.cidrOf(block.first, block.prefix)
      this.outstanding.set(subnet, block)
      this.queries++
      return {subnet, address: bigIntToAddress(block.first, this.family), family: this.family, sourcePrefix: block.prefix}
    }
  }

  private takeOutstanding(subnet: string): Block {
    let key = subnet
    if (!this.outstanding.has(key)) {
      try {
        key = parseSubnet(subnet, {requirePrefix: true}).cidr
      } catch {}
    }
    const block = this.outstanding.get(key)
    if (!block) throw new InternalError(`report for ${subnet}, which is not an outstanding query of this explorer`)
    this.outstanding.delete(key)
    return block
  }

  /**
   * Feeds the reply to a query returned by {@link Explorer.next}.
   * With trusted scopes: scope <= the prefix sent marks the whole /scope network (clipped to
   * the range) as answered; scope > the prefix sent splits the block into /min(scope, minPrefix)
   * blocks to query, or, at minPrefix already, keeps the answer for the block.
   * @throws Error when `subnet` is not an outstanding query.
   */
  report(subnet: string, reply: ExplorerReply): void {
    const block = this.takeOutstanding(subnet)
    const answers = sortAnswers(reply.answers)
    const scope = Math.min(Math.max(0, Math.trunc(Number(reply.scope) || 0)), this.bits)
    if (!this.trustScope) {
      this.cover(block.first, block.last, answers, 'block', block.prefix)
      return
    }
    if (scope <= block.prefix) {
      const size = this.blockSize(scope)
      const netFirst = block.first - (block.first % size)
      this.cover(netFirst, netFirst + size - 1n, answers, 'scope', scope)
      return
    }
    if (block.prefix < this.minPrefix) {
      this.queue.unshift({next: block.first, end: block.last, prefix: Math.min(scope, this.minPrefix)})
      return
    }
    this.scopeBeyondLimit++
    this.cover(block.first, block.last, answers, 'block', block.prefix)
  }

  /** Marks an outstanding query as failed (timeout, SERVFAIL...): its block stays unexplored. */
  reportFailure(subnet: string): void {
    this.takeOutstanding(subnet)
    this.failed++
  }

  /** True when nothing is outstanding and `next()` has nothing more to hand out. */
  get done(): boolean {
    if (this.outstanding.size > 0) return false
    if (this.queries >= this.maxQueries) return true
    return !this.hasPendingWork()
  }

  /** Known intervals plus, in their remaining gaps, the coarse answers being refined. */
  private effective(): Interval[] {
    if (this.superseded.length === 0) return this.known
    const out = [...this.known]
    for (const old of this.superseded) {
      let cur = old.first
      for (const iv of this.known) {
        if (iv.last < cur || iv.first > old.last) continue
        if (iv.first > cur) out.push({...old, first: cur, last: iv.first - 1n})
        cur = iv.last + 1n
        if (cur > old.last) break
      }
      if (cur <= old.last) out.push({...old, first: cur, last: old.last})
    }
    return out.sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0))
  }

  /**
   * Known answers as CIDR blocks in address order; adjacent blocks with equal answers are
   * merged, and each merged run is written as the fewest aligned CIDRs.
   */
  map(): ExplorerMapEntry[] {
    const out: ExplorerMapEntry[] = []
    let run: {first: bigint; last: bigint; key: string; answers: string[]} | null = null
    const flush = () => {
      if (!run) return
      for (const cidr of rangeToCidrs(run.first, run.last, this.family)) out.push({cidr, answers: run.answers})
    }
    for (const iv of this.effective()) {
      if (run && run.last + 1n === iv.first && run.key === iv.key) {
        run.last = iv.last
        continue
      }
      flush()
      run = {first: iv.first, last: iv.last, key: iv.key, answers: iv.answers}
    }
    flush()
    return out
  }

  /** Parts of the range with no known answer, as CIDRs. */
  unexplored(): string[] {
    const out: string[] = []
    let cur = this.first
    for (const iv of this.effective()) {
      if (iv.first > cur) out.push(...rangeToCidrs(cur, iv.first - 1n, this.family))
      cur = iv.last + 1n
    }
    if (cur <= this.last) out.push(...rangeToCidrs(cur, this.last, this.family))
    return out
  }

  /** Counters; see {@link ExplorerStats}. */
  stats(): ExplorerStats {
    let covered = 0n
    for (const iv of this.effective()) covered += iv.last - iv.first + 1n
    const size = this.last - this.first + 1n
    return {
      queries: this.queries,
      coveredFraction: Number(covered) / Number(size),
      limitHit: this.limitHit,
      outstanding: this.outstanding.size,
      failed: this.failed,
      inconsistencies: this.inconsistencies,
      scopeBeyondLimit: this.scopeBeyondLimit,
    }
  }
}
