import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import { TestCollector } from '../src/testing/index.js'
import { buildApp, tracingEnv } from './helpers.js'

// Node's module cache: OpenTelemetry's packages are CommonJS, so whatever loaded them (an import
// included) left them here. This file imports nothing that loads them on its own.
const moduleCache = createRequire(import.meta.url).cache
const SDK_MODULE =
  /[\\/](@opentelemetry[\\/](sdk-trace[^\\/]*|exporter-[^\\/]+|instrumentation[^\\/]*|context-async-hooks|resources)|@fastify[\\/]otel)[\\/]/

function sdkModulesLoaded(): string[] {
  return Object.keys(moduleCache).filter((path) => SDK_MODULE.test(path))
}

// Tests run in order: the first proves nothing was loaded, the second that the check sees a load.
describe('tracing without an OTLP endpoint', () => {
  it('loads no OpenTelemetry SDK module and adds no hook', async (ctx) => {
    const off = await buildApp({
      env: { OTEL_SERVICE_NAME: 'quiet', OTEL_TRACES_SAMPLER: 'always_on' },
      routes: (app) => app.get('/', async () => 'ok'),
    })
    ctx.onTestFinished(() => off.app.close())
    expect(off.app.tracing).toBeNull()
    expect(off.app.config.tracing?.enabled).toBe(false)
    expect(
      (
        await off.app.inject({
          url: '/running',
          headers: { traceparent: `00-${'1'.repeat(32)}-${'2'.repeat(16)}-01` },
        })
      ).statusCode,
    ).toBe(200)
    expect(sdkModulesLoaded()).toEqual([])

    // Not even a no-op hook on any route (the next test shows where they would be listed).
    expect(off.app.printRoutes({ includeHooks: true, commonPrefix: false })).not.toMatch(/fbiTrace|otel/i)
  })

  it('is off when OTEL_SDK_DISABLED is true, even with an endpoint', async (ctx) => {
    const collector = await TestCollector.start()
    ctx.onTestFinished(() => collector.stop())
    const { app } = await buildApp({ env: { ...tracingEnv(collector), OTEL_SDK_DISABLED: 'true' } })
    ctx.onTestFinished(() => app.close())
    expect(app.tracing).toBeNull()
    expect(sdkModulesLoaded()).toEqual([])
  })

  it('loads them once an endpoint is set (the check above can see a load)', async (ctx) => {
    const collector = await TestCollector.start()
    ctx.onTestFinished(() => collector.stop())
    const { app } = await buildApp({ env: tracingEnv(collector) })
    ctx.onTestFinished(() => app.close())
    expect(app.tracing).not.toBeNull()
    expect(sdkModulesLoaded().some((path) => path.includes('sdk-trace'))).toBe(true)
    expect(app.printRoutes({ includeHooks: true, commonPrefix: false })).toMatch(/fbiTraceLog/)
  })
})
