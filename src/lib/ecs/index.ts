/**
 * Pure core of `dnsx ecs`: subnet handling, curated per-country subnets, per-reply RFC 7871
 * compliance, policy analysis and the scope-aware range explorer. No networking here.
 */
export * from '../net/cidr.js'
export * from './compliance.js'
export * from './presets.js'
export * from './analysis.js'
export * from './explore.js'
