import { context, propagation } from '@opentelemetry/api'
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks'
import { W3CTraceContextPropagator } from '@opentelemetry/core'

let installed = false

/**
 * OpenTelemetry keeps the active context and the propagator per process, not per tracer provider:
 * they are set once, by the first app that traces, and kept for the life of the process. Only W3C
 * trace context (traceparent, tracestate) is propagated, not W3C baggage, which could carry what a
 * caller put there (patient data included) on to every service downstream. When the service runs
 * its own OpenTelemetry SDK, which set them first, the API refuses ours and its own are used.
 */
export function installProcessContext(): void {
  if (installed) return
  installed = true
  const manager = new AsyncLocalStorageContextManager()
  if (!context.setGlobalContextManager(manager.enable())) manager.disable()
  propagation.setGlobalPropagator(new W3CTraceContextPropagator())
}
