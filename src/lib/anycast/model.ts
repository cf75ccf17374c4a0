/**
 * The data of `dnsx anycast-probe`: what is probed (targets, options), what each probe gathers
 * (samples, events), and the reported result (the JSON shape: schemas/anycast-probe.json).
 */
import type {Clock} from '../clock.js'
import type {Exchange, ExchangeOptions} from '../dns/client.js'
import type {IdentitySource} from './catalogue.js'
import type {Decoded, DecodedSite, InterceptionHint} from './decode.js'
import type {FromPoint} from './physics.js'

// ---------------------------------------------------------------------------------------------
// Inputs
// ---------------------------------------------------------------------------------------------

/** The part of DnsClient the engine uses. */
export interface ProbeClient {
  exchange(opts: ExchangeOptions): Promise<Exchange>
}

/** How a target was found. */
export type TargetVia = 'address' | 'name' | 'zone' | 'roots'

/** One address to probe. */
export interface ProbeTarget {
  /** What the user knows it as: the address itself, the name given, the NS name, the root letter's name. */
  target: string
  address: string
  port: number
  family: 4 | 6
  via: TargetVia
  /** The ordinary query that carries NSID (default `. SOA`); `--zone` probes use the zone's SOA. */
  query?: {name: string; type: string}
}

/** The CHAOS TXT names asked. */
export const CHAOS_NAMES = ['hostname.bind', 'id.server', 'version.bind', 'version.server'] as const
export type ChaosName = (typeof CHAOS_NAMES)[number]

/** Identity sources in the order they are preferred for choosing a site. */
export const SOURCE_ORDER: readonly IdentitySource[] = ['nsid', 'hostname.bind', 'id.server']

/**
 * Site coordinates in sites.json are airports or city centres, and a `--from`
 * IATA code is an airport too: claims are judged impossible only when they are
 * farther than light can go plus this margin.
 */
export const PLAUSIBILITY_MARGIN_KM = 100

/**
 * Least time between two rounds of CHAOS questions to one address. BIND's
 * built-in CHAOS view rate-limits (responses-per-second 3, slip 0: the rest
 * are dropped), so asking hostname.bind five times a second loses answers and
 * costs a timeout each; at most twice a second stays under the limit.
 */
export const CHAOS_MIN_GAP_MS = 500

/** Consecutive lost probes after which a target counts as silent (watch events). */
export const SILENT_AFTER = 3

/**
 * What the environment says an identity at an address stands for, when the
 * catalogue cannot tell: the lab publishes its instance list (syd01 at
 * 192.0.2.203 is its Sydney instance), as real operators publish theirs.
 * Consulted only for identities the catalogue leaves 'unknown'.
 */
export interface IdentityBook {
  lookup(address: string, identity: string): {siteCode: string; operator: string; note: string} | null
}

export interface ProbeOptions {
  client: ProbeClient
  clock: Clock
  /** Probes per target; Infinity keeps probing until the deadline or the signal (--watch). */
  count: number
  /** Time between the starts of consecutive probes of one target, ms. */
  intervalMs: number
  /** Per-query timeout, ms (one try: a probe that gets nothing is lost, not retried). */
  timeoutMs: number
  /** Ask the CHAOS names too (default true). */
  chaos?: boolean
  /** Least time between CHAOS rounds to one address (default CHAOS_MIN_GAP_MS); probes in between carry NSID only. */
  chaosGapMs?: number
  /** TCP instead of UDP for every query. */
  tcp?: boolean
  /** Overall bound on the run, ms from its start (on `clock`). Default: no bound but `count`. */
  deadlineMs?: number
  /** Stops the run (Ctrl-C, --watch-duration). In-flight probes are abandoned. */
  signal?: AbortSignal
  /** The client's position (--from), for the plausibility verdicts. */
  from?: FromPoint | null
  marginKm?: number
  /** Targets probed at once (default 256). */
  concurrency?: number
  /** Samples kept per target (older ones are summarised but dropped from `samples`), default 1000. */
  keepSamples?: number
  onEvent?: (e: ProbeEvent) => void
  /** Extra identity knowledge (the lab's instance list). */
  book?: IdentityBook | null
}

// ---------------------------------------------------------------------------------------------
// Samples and events
// ---------------------------------------------------------------------------------------------

/** One CHAOS TXT answer. */
export interface ChaosAnswer {
  /** TXT strings of the answer (each record's strings joined); empty when there was none. */
  values: string[]
  rcode: string | null
  rttMs: number | null
  error: {code: string; message: string} | null
}

/** One probe of one address. */
export interface Sample {
  /** 0-based probe number. */
  index: number
  /** When the probe started, ms since the run started (on the engine's clock). */
  atMs: number
  /** RTT of the ordinary query; null when it got no reply. */
  rttMs: number | null
  rcode: string | null
  aa: boolean | null
  transport: 'udp' | 'tcp'
  /** UDP source port of the ordinary query (a new one per probe), when known. */
  localPort: number | null
  /** NSID as text, or as hex when not printable; null when absent or empty. */
  nsid: string | null
  nsidHex: string | null
  error: {code: string; message: string} | null
  chaos: Partial<Record<ChaosName, ChaosAnswer>>
}

/** The identity of one probe: the first source that answered (NSID, hostname.bind, id.server). */
export interface ProbeIdentity {
  source: IdentitySource
  identity: string
  siteCode: string | null
}

export type ProbeEvent =
  | {type: 'sample'; target: ProbeTarget; sample: Sample; identity: ProbeIdentity | null}
  /** The first identity seen for a target, or a change of it (with `siteChanged` when the decoded site changed too). */
  | {type: 'change'; target: ProbeTarget; atMs: number; index: number; from: ProbeIdentity | null; to: ProbeIdentity; siteChanged: boolean; rttMs: number | null}
  /** SILENT_AFTER consecutive probes got nothing at all. */
  | {type: 'silent'; target: ProbeTarget; atMs: number; index: number}
  /** Answering again after being silent. */
  | {type: 'back'; target: ProbeTarget; atMs: number; index: number}
  | {type: 'target-done'; target: ProbeTarget; result: TargetResult}

// ---------------------------------------------------------------------------------------------
// Results (the JSON shape: schemas/anycast-probe.json)
// ---------------------------------------------------------------------------------------------

export interface RttJson {
  min: number | null
  median: number | null
  p95: number | null
  max: number | null
  mean: number | null
  jitter: number | null
}

export interface SiteJson extends DecodedSite {
  /** IATA / UN/LOCODE / private table. */
  codeSystem: string | null
  /** The identity source and string the site was read from. */
  source: IdentitySource
  identity: string
  confidence: Decoded['confidence']
}

export interface PlausibilityJson {
  verdict: 'consistent' | 'impossible' | 'unverifiable'
  /** Why, in words ("no --from given", "NL AMS is 6200 km away but 12.1 ms allows 1193 km"). */
  reason: string
  /** Site code the verdict is about (for impossible: the offending one). */
  site: string | null
  rttMinMs: number | null
  distanceKm: number | null
  maxKm: number | null
}

/** A site seen at this address, with the fastest packet that claimed it. */
export interface SiteSeenJson {
  code: string
  name: string
  country: string
  lat: number
  lon: number
  sources: IdentitySource[]
  /** Probes whose identity (any source) decoded to this site. */
  probes: number
  /** RTT of the fastest packet carrying a claim of this site. */
  rttMinMs: number | null
  plausibility: PlausibilityJson
}

export interface DecodedJson {
  source: IdentitySource
  raw: string
  count: number
  operator: string | null
  format: string | null
  siteCode: string | null
  codeSystem: string | null
  site: DecodedSite | null
  confidence: Decoded['confidence']
  instance?: string
  fitsOperator?: boolean
  expectedOperators?: string[]
  software?: Decoded['software']
  note?: string
}

export interface FlipsJson {
  /** Identity changes between consecutive answered probes, for `source`. */
  count: number
  /** The identity source flips are counted on (the first of nsid, hostname.bind, id.server that answered). */
  source: IdentitySource | null
  distinct: {identity: string; count: number; siteCode: string | null}[]
  /** Probes without an identity from `source`. */
  missing: number
  /** Changes counted on every source. */
  bySource: Record<IdentitySource, number>
  /** Changes of decoded site (not just of instance) on `source`. */
  siteChanges: number
}

export interface HintJson {
  /** InterceptionHint codes, plus `software-version` and `missing-nsid`. */
  code: InterceptionHint['code'] | 'software-version' | 'missing-nsid'
  message: string
}

export interface SampleJson {
  index: number
  atMs: number
  rttMs: number | null
  rcode: string | null
  aa: boolean | null
  localPort: number | null
  nsid: string | null
  chaos: Partial<Record<ChaosName, {values: string[]; rcode: string | null; rttMs: number | null; error: string | null}>>
  error: string | null
  /** The probe's identity (see ProbeIdentity). */
  identity: string | null
  siteCode: string | null
}

export interface TargetResult {
  target: string
  address: string
  port: number
  family: 4 | 6
  via: TargetVia
  query: {name: string; type: string; class: 'IN'}
  transport: 'udp' | 'tcp'
  /** Probes sent. */
  probes: number
  /** Probes whose ordinary query got a reply. */
  answered: number
  /** Probes that got no reply at all (neither the query nor any CHAOS name). */
  lost: number
  rttMs: RttJson
  identities: Record<'nsid' | ChaosName, string[]>
  decoded: DecodedJson[]
  site: SiteJson | null
  /** The site code even when sites.json does not know the place (site is then null). */
  siteCode: string | null
  sites: SiteSeenJson[]
  plausibility: PlausibilityJson
  flips: FlipsJson
  hints: HintJson[]
  samples: SampleJson[]
  /** Samples left out of `samples` (long --watch runs). */
  samplesOmitted: number
  /** The last error, when nothing at all answered. */
  error: {code: string; message: string} | null
}

export interface ClientRegionJson {
  /** The --from position, when given. */
  from: {label: string; lat: number; lon: number} | null
  /** Discs intersected: one per (address, site) claim with an RTT. */
  discs: number
  /** false when two claims cannot both be true. */
  consistent: boolean
  /** Where the client must be (approximate bound), when the claims agree. */
  region: {lat: number; lon: number; radiusKm: number; near: {code: string; name: string; country: string; distanceKm: number} | null} | null
  /** The two claims that contradict each other. */
  conflicting: [string, string] | null
}

export interface ProbeRun {
  targets: TargetResult[]
  client: ClientRegionJson
  marginKm: number
  elapsedMs: number
  /** complete: every probe was sent; deadline: the overall deadline stopped it; aborted: the signal did. */
  stopped: 'complete' | 'deadline' | 'aborted'
}
