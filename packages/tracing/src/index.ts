import type {} from '@fbi/config'
import { asError, describeThrown, failClosed } from '@fbi/config/fail-closed'
import type { Tracer } from '@opentelemetry/api'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import {
  FBI_TRACING_INVALID_OPTION,
  FBI_TRACING_NON_ERROR_THROWN,
  FBI_TRACING_START_FAILED,
} from './errors.js'
import { type FbiTracingOptions, resolveTracingOptions } from './options.js'
import type { PrincipalReader } from './request-outcome.js'

export {
  FBI_TRACING_HOOK_FAILED,
  FBI_TRACING_INVALID_OPTION,
  FBI_TRACING_NON_ERROR_THROWN,
  FBI_TRACING_NOT_CONFIGURED,
  FBI_TRACING_START_FAILED,
} from './errors.js'
export type { FbiTracingOptions } from './options.js'
export { SPAN_ATTRIBUTES, TRACE_LOG_BINDINGS } from './span-attributes.js'
export { REDACTED, templatePath } from './url-scrub.js'

/** `app.tracing` when tracing is on. */
export interface FbiTracing {
  /** A tracer of this app's provider, for the service's own spans (they join the request's trace). */
  readonly tracer: Tracer
  /**
   * A pg module whose Pool and Client make a span per query (for @fbi/db, which passes it to
   * @fastify/postgres' `pg` option; read through `getDecorator`, so @fbi/db does not depend on this
   * package). Typed loosely so this package's types do not need `pg`'s.
   */
  tracePg<M extends object>(pgModule: M): M
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This app's tracing (@fbi/tracing), or null when no OTLP endpoint is configured. */
    tracing: FbiTracing | null
  }
  interface FastifyContextConfig {
    /** Set by @fbi/monitoring on the routes it adds (declared there too); left untraced by default. */
    monitoringRoute?: boolean
  }
}

const fbiTracing: FastifyPluginAsync<FbiTracingOptions> = async (fastify, opts) => {
  // Options; without an exporter configured, nothing else: no SDK loaded, no hook, no cost.
  const options = resolveTracingOptions(opts, fastify.config.tracing)
  if (!options.config.enabled) {
    fastify.decorate('tracing', null)
    return
  }
  const sdk = await import('./sdk.js')
  let runtime: ReturnType<typeof sdk.startProvider>
  try {
    runtime = sdk.startProvider(options)
  } catch (error) {
    throw new FBI_TRACING_START_FAILED(describeThrown(error))
  }
  // The spans still queued are exported when the app closes (within OTEL_EXPORTER_OTLP_TIMEOUT); a
  // collector that is down costs those spans, never the close.
  fastify.addHook('onClose', async () => {
    try {
      await runtime.shutdown()
    } catch (error) {
      fastify.log.warn({ err: error }, 'Tracing: the last spans could not be exported')
    }
  })

  // Decorators
  const { tracer } = runtime
  fastify.decorate('tracing', {
    tracer,
    tracePg<M extends object>(pgModule: M): M {
      if (!sdk.isPgModule(pgModule)) throw new FBI_TRACING_INVALID_OPTION('tracePg', 'takes the pg module')
      // The same module, with its Pool and Client replaced by subclasses: still M.
      return sdk.tracedPg(pgModule, tracer, runtime.own) as M
    },
  } satisfies FbiTracing)

  // Hooks: request spans (@fastify/otel), their trace in the log, the principal and denials on them,
  // and the outgoing calls made under them.
  await sdk.requestSpans(fastify, runtime, options)
  let principal: PrincipalReader | undefined
  sdk.requestOutcome(fastify, () => principal)
  sdk.outgoingCalls(fastify, runtime)
  // @fbi/security, when the app has it (registered before or after this plugin), says who called.
  // Fastify reads an onReady hook rejecting with a falsy value as ready.
  fastify.addHook('onReady', async () => {
    try {
      if (fastify.hasPlugin('@fbi/security'))
        principal = (await import('@fbi/security')).describeCurrentJwtUser
    } catch (error) {
      throw asError(error, "Loading @fbi/security's current-user reader", FBI_TRACING_NON_ERROR_THROWN)
    }
  })
}

const plugin = fp(
  failClosed(fbiTracing, (thrown) =>
    asError(
      thrown,
      'Registering @fbi/tracing (an option getter or a custom logger)',
      FBI_TRACING_NON_ERROR_THROWN,
    ),
  ),
  {
    name: '@fbi/tracing',
    fastify: '5.x',
    dependencies: ['@fbi/config'],
    decorators: { fastify: ['config'] },
  },
)
export default plugin
export { plugin as fbiTracing }
