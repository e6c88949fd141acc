import { FastifyOtelInstrumentation } from '@fastify/otel'
import { ATTR_URL_PATH } from '@opentelemetry/semantic-conventions'
import type { FastifyInstance, RouteOptions } from 'fastify'
import type { ResolvedTracingOptions } from './options.js'
import type { TracingRuntime } from './provider.js'
import { REQUEST_SPAN, type SpannedRequest } from './span-attributes.js'
import { REDACTED, templatePath } from './url-scrub.js'

/**
 * @fastify/otel's request spans, with this app's provider: one SERVER span a request, named
 * `METHOD /route/:pattern`, its parent taken from the request's traceparent, and a span for the
 * handler. Its `url.path` is the route pattern with named parameters (never the request's own path
 * and query, which carry ids). Routes of @fbi/monitoring are left out unless asked for.
 */
export async function requestSpans(
  fastify: FastifyInstance,
  runtime: TracingRuntime,
  options: ResolvedTracingOptions,
): Promise<void> {
  const paths = new Map<string, string>()
  const instrumentation = new FastifyOtelInstrumentation({
    instrumentHooks: options.instrumentHooks,
    requestHook(span, request) {
      runtime.own(span)
      ;(request as SpannedRequest)[REQUEST_SPAN] = span
      const route = request.routeOptions.url
      let path = route === undefined ? REDACTED : paths.get(route)
      if (path === undefined && route !== undefined) {
        path = templatePath(route)
        paths.set(route, path)
      }
      span.setAttribute(ATTR_URL_PATH, path as string)
      span.updateName(route === undefined ? request.method : `${request.method} ${route}`)
    },
    lifecycleHook(span) {
      runtime.own(span)
    },
  })
  instrumentation.setTracerProvider(runtime.provider)
  fastify.decorateRequest(REQUEST_SPAN, null)
  fastify.addHook('onClose', async () => {
    instrumentation.disable()
  })

  if (!options.traceMonitoringRoutes) {
    // Before @fastify/otel's own onRoute hook, which reads `config.otel`.
    fastify.addHook('onRoute', function fbiUntracedMonitoringRoute(route: RouteOptions) {
      if (route.config?.monitoringRoute === true) route.config = { ...route.config, otel: false }
    })
  }
  await fastify.register(instrumentation.plugin())
}
