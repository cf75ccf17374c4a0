/**
 * dnsx as a library: the pure engines and the DNS client that the commands
 * are built on. (The CLI is `bin/run.js`; this is for programs and tests.)
 */
export {sortDestinations, compareDestinations, interleaveFamilies, POLICY_TABLES} from './lib/race/rfc6724.js'
export {HappyEyeballs, clampAttemptDelay} from './lib/race/scheduler.js'
export {familyVerdicts} from './lib/race/verdict.js'
export {DnsClient, makeAcceptor} from './lib/dns/client.js'
export type {Exchange, ExchangeOptions} from './lib/dns/client.js'
export {NodeTransport} from './lib/dns/transport.js'
export type {DnsTransport, Endpoint} from './lib/dns/transport.js'
export {encodeQuery, decodeMessage, makeQuestion} from './lib/dns/message.js'
export {encodeEcs, decodeEcs, decodeNsid} from './lib/dns/edns.js'
export {parseSubnet, maskBytes, subnetContains} from './lib/net/cidr.js'
export {parseZoneFile, formatRecord, formatRdata} from './lib/dns/zonefile.js'
export {traceEngine, DelegationCache} from './lib/trace/engine.js'
export type {TraceResult, TraceOptions} from './lib/trace/engine.js'
export {classifyResponse} from './lib/trace/classify.js'
export {decodeIdentity, lookupSite, greatCircleKm, maxDistanceKm, plausibility} from './lib/anycast/index.js'
export {analyseEcsResults, wilson, Explorer} from './lib/ecs/index.js'
export {startLab} from './lib/lab/index.js'
export {EXIT, DnsxError} from './lib/errors.js'
