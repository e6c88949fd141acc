import type { Tracer } from '@opentelemetry/api'
import Fastify from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'
import fbiTracing, { type FbiTracing, type FbiTracingOptions, SPAN_ATTRIBUTES } from '../src/index.js'

describe('public types', () => {
  it('types the decorator and the options', () => {
    const app = Fastify()
    expectTypeOf(app.tracing).toEqualTypeOf<FbiTracing | null>()
    expectTypeOf<FbiTracing['tracer']>().toEqualTypeOf<Tracer>()
    app.register(fbiTracing, { traceMonitoringRoutes: true, instrumentHooks: false, serviceName: 'patients' })
    // @ts-expect-error a boolean switch
    const wrong: FbiTracingOptions = { instrumentHooks: 'yes' }
    expectTypeOf(wrong).toEqualTypeOf<FbiTracingOptions>()
    // @ts-expect-error the attribute names are read-only
    SPAN_ATTRIBUTES.denial = 'x'
  })

  it('types the otel route option of @fastify/otel', () => {
    const app = Fastify()
    app.get('/quiet', { config: { otel: false } }, async () => 'ok')
  })
})
