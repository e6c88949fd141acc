/*
 * The other batteries, from source, for tests that need the whole stack (a real /metrics and
 * /healthcheck, an app built with @fbi/all). @fbi/security cannot list @fbi/all as a dependency
 * (@fbi/all depends on it) and does not list @fbi/monitoring or @fbi/schema, so they are imported by
 * path; their own imports resolve from their package directories as usual.
 */
export { default as fbiAll, fbiServerOptions } from '../../all/src/index.js'
export { default as fbiMonitoring, isValidRequestId } from '../../monitoring/src/index.js'
export { QueryBoolean, QueryInteger, StrictBody, Timestamp, Type } from '../../schema/src/index.js'
