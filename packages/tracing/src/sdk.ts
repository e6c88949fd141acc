// Everything that loads OpenTelemetry's SDK, in one module that index.ts imports only when tracing
// is configured: a service that does not trace never loads it.
export { outgoingCalls } from './outgoing-calls.js'
export { isPgModule, tracedPg } from './pg-spans.js'
export { startProvider } from './provider.js'
export { requestOutcome } from './request-outcome.js'
export { requestSpans } from './request-spans.js'
