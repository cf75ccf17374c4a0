/**
 * Per-reply RFC 7871 checks: did the server echo the ECS option, does the echo match
 * what was sent, and what does the returned SCOPE PREFIX-LENGTH mean.
 */
import {FAMILY_BITS, type Family, addressToBigInt} from '../net/cidr.js'

/** The ECS option that was put in the query. */
export interface EcsSent {
  family: Family
  /** Network address as sent (already masked to `sourcePrefix`). */
  address: string
  sourcePrefix: number
}

/** The ECS option found in the reply. */
export interface EcsReceived {
  family: number
  address: string
  sourcePrefix: number
  scopePrefix: number
}

/**
 * - `echoed`: ECS sent and the reply carries it back with the same FAMILY, SOURCE PREFIX-LENGTH and ADDRESS.
 * - `absent`: ECS sent, reply has no ECS option (server or a middlebox ignores ECS; RFC 7871 §7.2.2 says
 *   a server that does not support ECS simply omits it).
 * - `mismatch`: ECS sent, reply carries an ECS option whose FAMILY, SOURCE PREFIX-LENGTH or ADDRESS differ
 *   (RFC 7871 §7.2.1 requires them to match; a resolver must then discard the reply).
 * - `not-sent`: no ECS in the query (baseline). If the reply nevertheless has one, `unsolicited` is true.
 */
export type EcsStatus = 'echoed' | 'absent' | 'mismatch' | 'not-sent'

/**
 * Meaning of SCOPE PREFIX-LENGTH relative to the SOURCE PREFIX-LENGTH that was sent:
 * - `global`: scope 0, the answer is the same for every client (not tailored).
 * - `wider`: 0 < scope < source, the answer holds for the whole /scope network around the client.
 * - `exact`: scope = source, the answer holds for exactly the subnet sent.
 * - `narrower`: scope > source, the server would have liked more address bits to pick an answer.
 */
export type ScopeMeaning = 'global' | 'wider' | 'exact' | 'narrower'

/** One field of the ECS echo that differs from what was sent. */
export interface EcsFieldMismatch {
  field: 'family' | 'sourcePrefix' | 'address'
  sent: number | string
  received: number | string
}

/** Result of {@link checkEcsCompliance}. */
export interface EcsCompliance {
  ecs: EcsStatus
  /** Null when there is no scope to interpret (nothing received, or nothing sent). */
  scopeMeaning: ScopeMeaning | null
  /** SCOPE PREFIX-LENGTH from the reply, or null when the reply had no ECS option. */
  scope: number | null
  /** Fields that differ between query and reply; empty unless `ecs === 'mismatch'`. */
  mismatches: EcsFieldMismatch[]
  /** True when the reply carried ECS although the query had none (RFC 7871 §7.2.2: must not happen). */
  unsolicited: boolean
  /** Other protocol problems, one short sentence each (e.g. scope longer than the family allows). */
  problems: string[]
}

function sameAddress(a: string, b: string): boolean {
  try {
    return addressToBigInt(a) === addressToBigInt(b)
  } catch {
    return a.trim().toLowerCase() === b.trim().toLowerCase()
  }
}

/** Classifies `scope` against `source` (see {@link ScopeMeaning}). */
export function scopeMeaning(source: number, scope: number): ScopeMeaning {
  if (scope === 0) return 'global'
  if (scope < source) return 'wider'
  if (scope === source) return 'exact'
  return 'narrower'
}

/**
 * Compares the ECS option sent in a query with the one found in its reply.
 *
 * Addresses are compared as numbers, so `2001:db8::` equals `2001:0db8:0:0::`.
 * `scopeMeaning` is computed against the SOURCE PREFIX-LENGTH that was sent, also for
 * mismatched echoes; it is null when nothing was received or nothing was sent.
 */
export function checkEcsCompliance(sent: EcsSent | null, received: EcsReceived | null): EcsCompliance {
  const problems: string[] = []
  if (received) {
    const fam = received.family
    if (fam !== 1 && fam !== 2) {
      problems.push(`reply ECS family ${fam} is neither 1 (IPv4) nor 2 (IPv6)`)
    } else {
      const max = FAMILY_BITS[fam]
      if (received.scopePrefix > max) problems.push(`reply scope /${received.scopePrefix} is longer than an ${fam === 1 ? 'IPv4' : 'IPv6'} address`)
      if (received.sourcePrefix > max) problems.push(`reply source prefix /${received.sourcePrefix} is longer than an ${fam === 1 ? 'IPv4' : 'IPv6'} address`)
    }
  }

  if (!sent) {
    return {
      ecs: 'not-sent',
      scopeMeaning: null,
      scope: received ? received.scopePrefix : null,
      mismatches: [],
      unsolicited: received !== null,
      problems: received ? ['reply carries an ECS option although the query had none', ...problems] : problems,
    }
  }
  if (!received) {
    return {ecs: 'absent', scopeMeaning: null, scope: null, mismatches: [], unsolicited: false, problems}
  }

  const mismatches: EcsFieldMismatch[] = []
  if (received.family !== sent.family) mismatches.push({field: 'family', sent: sent.family, received: received.family})
  if (received.sourcePrefix !== sent.sourcePrefix) {
    mismatches.push({field: 'sourcePrefix', sent: sent.sourcePrefix, received: received.sourcePrefix})
  }
  if (received.family === sent.family && !sameAddress(sent.address, received.address)) {
    mismatches.push({field: 'address', sent: sent.address, received: received.address})
  }
  return {
    ecs: mismatches.length > 0 ? 'mismatch' : 'echoed',
    scopeMeaning: scopeMeaning(sent.sourcePrefix, received.scopePrefix),
    scope: received.scopePrefix,
    mismatches,
    unsolicited: false,
    problems,
  }
}
