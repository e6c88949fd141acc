import { trace } from '@opentelemetry/api'
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici'
import { ATTR_URL_FULL, ATTR_URL_PATH, ATTR_URL_QUERY } from '@opentelemetry/semantic-conventions'
import type { FastifyInstance } from 'fastify'
import type { TracingRuntime } from './provider.js'
import { REDACTED } from './url-scrub.js'

/**
 * The official undici instrumentation, which sees every fetch of the process (Node's fetch is
 * undici): the system-JWT and JWKS fetches of @fbi/security and the service's own calls get a CLIENT
 * span and carry traceparent and tracestate. Only fetches made under one of this app's spans (inside
 * a traced request) are taken, so two apps in one process never trace or propagate a call twice.
 * A URL's path and query can carry ids: the span keeps the scheme, host and port only.
 */
export function outgoingCalls(fastify: FastifyInstance, runtime: TracingRuntime): void {
  const instrumentation = new UndiciInstrumentation({
    requireParentforSpans: true,
    ignoreRequestHook: () => !runtime.owns(trace.getActiveSpan()),
    startSpanHook(request) {
      return {
        [ATTR_URL_FULL]: `${request.origin}/${REDACTED}`,
        [ATTR_URL_PATH]: `/${REDACTED}`,
        [ATTR_URL_QUERY]: request.path.includes('?') ? REDACTED : '',
      }
    },
    requestHook(span) {
      runtime.own(span)
    },
  })
  instrumentation.setTracerProvider(runtime.provider)
  fastify.addHook('onClose', async () => {
    instrumentation.disable()
  })
}
