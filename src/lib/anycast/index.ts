/**
 * Pure core of `dnsx anycast-probe`: identity decoding, RTT statistics and
 * speed-of-light checks. No networking.
 */
export * from './catalogue.js'
export {
  decodeIdentity,
  interceptionHints,
  matchSoftware,
  nsidToText,
  SAME_SITE_KM,
  type DecodeContext,
  type Decoded,
  type DecodedSite,
  type IdentitiesBySource,
  type InterceptionHint,
  type NsidText,
  type SoftwareMatch,
} from './decode.js'
export * from './physics.js'
export * from './stats.js'
