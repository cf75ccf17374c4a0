/**
 * DNSSEC library of dnsx: canonical forms, RRSIG verification, NSEC/NSEC3 denial proofs,
 * chain-of-trust helpers, trust anchors and a zone signer. Pure functions, no networking.
 */
export * from './canonical.js'
export * from './base32hex.js'
export * from './verify.js'
export * from './denial.js'
export * from './chain.js'
export * from './anchors.js'
export * from './sign.js'
