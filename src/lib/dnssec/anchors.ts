/**
 * Default DNSSEC trust anchors: the IANA root zone KSKs, as published in
 * https://data.iana.org/root-anchors/root-anchors.xml.
 *
 * - KSK-2017, key tag 20326, algorithm 8, SHA-256 digest (signing since 2018).
 * - KSK-2024, key tag 38696, algorithm 8, SHA-256 digest (published 2024, scheduled to sign from 2026).
 *
 * Refresh by hand when IANA publishes a new root KSK (no RFC 5011 automation here).
 */
import {parseTrustAnchor} from './chain.js'
import type {DsRecord} from '../dns/record.js'

/** The root trust anchors in zone-file presentation format. */
export const ROOT_TRUST_ANCHORS_TEXT = `; IANA root zone KSKs (root-anchors.xml)
. 172800 IN DS 20326 8 2 E06D44B80B8F1D39A95C0B0D7C65D08458E880409BBC683457104237C7F8EC8D ; KSK-2017
. 172800 IN DS 38696 8 2 683D2D0ACB8C9B712A1948B27F741219298D0A450D612C483AF444A4C0FB2B16 ; KSK-2024
`

/** The default trust anchor: DS records for the root KSK-2017 and KSK-2024. */
export const DEFAULT_TRUST_ANCHORS: readonly DsRecord[] = Object.freeze(parseTrustAnchor(ROOT_TRUST_ANCHORS_TEXT))
