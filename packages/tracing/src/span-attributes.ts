import type { Span } from '@opentelemetry/api'
import type { FastifyRequest } from 'fastify'

// Names shared by the SDK-loading modules and the package's public surface. This module loads
// nothing: index.ts re-exports from it without loading OpenTelemetry.

/** The span attributes fbi adds to a request's span. */
export const SPAN_ATTRIBUTES = Object.freeze({
  /** The request id (X-Request-ID, echoed in the response and in every log line of the request). */
  requestId: 'fbi.request.id',
  /** The `iss` of the verified token. */
  issuer: 'fbi.principal.issuer',
  /** Which claim holds the caller's id (patient_id, device_id, clinician_id, system_id) or `unknown`; never the id. */
  userIdKind: 'fbi.principal.user_id_kind',
  /** `unauthenticated` (401) or `forbidden` (403). */
  denial: 'fbi.denial',
} as const)

/** The log bindings that carry the trace (the names of OpenTelemetry's own pino instrumentation). */
export const TRACE_LOG_BINDINGS = Object.freeze(['trace_id', 'span_id', 'trace_flags'] as const)

/** Where the request's span is kept for this package's later hooks (a request decorator). */
export const REQUEST_SPAN: unique symbol = Symbol('fbi.tracing.requestSpan')
export type SpannedRequest = FastifyRequest & { [REQUEST_SPAN]: Span | null }
