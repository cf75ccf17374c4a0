/**
 * The pure core of `dnsx race`: RFC 6724 destination ordering with explanations, an RFC 8305
 * Happy Eyeballs scheduler as a sans-I/O state machine, and per-family verdicts. No sockets here;
 * the command and socket adapters drive these.
 */
export {
  type AddressInfo,
  classifyAddress,
  commonPrefixLength,
  type Comparison,
  compareDestinations,
  type Destination,
  type Family,
  familyOf,
  type IndexedDestination,
  interleaveFamilies,
  lookupPolicy,
  other,
  parseAddress,
  POLICY_TABLES,
  type PolicyEntry,
  type PolicyName,
  type PolicyTable,
  SCOPE,
  scopeName,
  scopeOf,
  selectSourceAddress,
  type Sorted,
  type SortOptions,
  sortDestinations,
  weave,
  withKnownLocalUlas,
} from './rfc6724.js'
export {
  type AttemptOutcome,
  type AttemptRecord,
  type AttemptTrigger,
  clampAttemptDelay,
  type DnsRecord,
  type DoneOutput,
  type DoneReason,
  HAPPY_EYEBALLS_DEFAULTS,
  HappyEyeballs,
  type HappyEyeballsOptions,
  type Input,
  MAX_ATTEMPT_DELAY_MS,
  MIN_ATTEMPT_SPACING_MS,
  outcomeOf,
  type Output,
  type RaceRrtype,
  RECOMMENDED_MIN_ATTEMPT_DELAY_MS,
  type TimerPurpose,
} from './scheduler.js'
export {
  type FamilyVerdict,
  familyVerdicts,
  formatVerdicts,
  type VerdictInput,
  type VerdictStatus,
} from './verdict.js'
export {formatMs} from '../clock.js'
