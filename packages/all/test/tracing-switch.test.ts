import { createRequire } from 'node:module'
import { TestCollector } from '@fbi/tracing/testing'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import fbi, { FBI_ALL_TRACING_NOT_INSTALLED, fbiServerOptions } from '../src/index.js'
import { loadTracing } from '../src/tracing-battery.js'
import { ENV } from './helpers.js'

const moduleCache = createRequire(import.meta.url).cache
const sdkLoaded = () =>
  Object.keys(moduleCache).some((path) => /[\\/]@opentelemetry[\\/]sdk-trace/.test(path))

// In order: the first two prove nothing of tracing is loaded, the third that a load would show.
describe('the tracing battery', () => {
  it('is neither registered nor loaded without an OTLP endpoint', async (ctx) => {
    const app = Fastify(fbiServerOptions())
    ctx.onTestFinished(() => app.close())
    await app.register(fbi, { env: { ...ENV, OTEL_SERVICE_NAME: 'untraced' } })
    await app.ready()
    expect(app.hasPlugin('@fbi/tracing')).toBe(false)
    expect(app.hasDecorator('tracing')).toBe(false)
    expect(app.config.tracing?.enabled).toBe(false)
    expect(sdkLoaded()).toBe(false)
  })

  it('is not loaded with `tracing: false`, even with an endpoint, and the OTEL_* variables are not read', async (ctx) => {
    const app = Fastify(fbiServerOptions())
    ctx.onTestFinished(() => app.close())
    await app.register(fbi, {
      tracing: false,
      env: { ...ENV, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318', OTEL_TRACES_SAMPLER: 'nonsense' },
    })
    await app.ready()
    expect(app.hasPlugin('@fbi/tracing')).toBe(false)
    expect(app.config.tracing).toBeUndefined()
    expect(sdkLoaded()).toBe(false)
  })

  it('is registered with its options when an endpoint is set', async (ctx) => {
    const collector = await TestCollector.start()
    ctx.onTestFinished(() => collector.stop())
    const app = Fastify(fbiServerOptions())
    ctx.onTestFinished(() => app.close())
    await app.register(fbi, {
      tracing: { traceMonitoringRoutes: true, serviceName: 'from-options' },
      env: { ...ENV, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
    })
    await app.ready()
    expect(app.hasPlugin('@fbi/tracing')).toBe(true)
    expect(sdkLoaded()).toBe(true)
    await app.inject('/running')
    await app.close()
    expect(collector.spans.map((span) => [span.serviceName, span.name])).toContainEqual([
      'from-options',
      'GET /running',
    ])
  })

  it('says so when an endpoint is configured but @fbi/tracing is not installed', async () => {
    // What Node's loader throws for a package that is not there.
    const missing = Object.assign(
      new Error("Cannot find package '@fbi/tracing' imported from /app/node_modules/@fbi/all/dist/index.js"),
      {
        code: 'ERR_MODULE_NOT_FOUND',
      },
    )
    await expect(loadTracing(() => Promise.reject(missing))).rejects.toBeInstanceOf(
      FBI_ALL_TRACING_NOT_INSTALLED,
    )
    // Anything else goes through as it is.
    const other = Object.assign(new Error("Cannot find package '@opentelemetry/api'"), {
      code: 'ERR_MODULE_NOT_FOUND',
    })
    await expect(loadTracing(() => Promise.reject(other))).rejects.toBe(other)
  })
})
