import type { FastifyInstance, FastifyPluginAsync, FastifyServerOptions } from 'fastify'
import type { Registry } from 'prom-client'
import { describe, expect, expectTypeOf, it } from 'vitest'
import fbiMonitoring, {
  type Deprecation,
  type FbiMonitoringOptions,
  type HealthReport,
  logDestination,
  type MonitoringServerOptions,
  monitoringServerOptions,
} from '../src/index.js'

describe('public types', () => {
  it('types the plugin, its options and the server options helper', () => {
    expectTypeOf(fbiMonitoring).toExtend<FastifyPluginAsync<FbiMonitoringOptions>>()
    expectTypeOf(monitoringServerOptions()).toEqualTypeOf<MonitoringServerOptions>()
    expectTypeOf<MonitoringServerOptions>().toExtend<Partial<FastifyServerOptions>>()
    // Typed, never called: building a logger would open the file.
    const withLogger = () => monitoringServerOptions({ logger: { level: 'warn', file: '/var/log/app.log' } })
    expectTypeOf(withLogger).returns.toExtend<Partial<FastifyServerOptions>>()
    expectTypeOf(logDestination).returns.toHaveProperty('droppedLines').toEqualTypeOf<number>()
    // @ts-expect-error fbi supplies the stream; pass `file` instead
    expect(() => monitoringServerOptions({ logger: { stream: process.stdout } })).toThrow(
      /not a transport or a stream/,
    )
    expectTypeOf<FbiMonitoringOptions['gracefulShutdown']>().toEqualTypeOf<
      { delayMs?: number; timeoutMs?: number } | false | undefined
    >()
    // @ts-expect-error debugRoute is a boolean
    const bad: FbiMonitoringOptions = { debugRoute: 'yes' }
    void bad
  })

  it('augments FastifyInstance with addHealthCheck and metricsRegistry', () => {
    expectTypeOf<FastifyInstance['addHealthCheck']>().toBeFunction()
    expectTypeOf<FastifyInstance['addHealthCheck']>().parameter(0).toEqualTypeOf<string>()
    expectTypeOf<FastifyInstance['metricsRegistry']>().toEqualTypeOf<Registry>()
    const app = {} as FastifyInstance
    const register = () => {
      app.addHealthCheck('db', async () => 'ok', { timeoutMs: 100 })
      app.addHealthCheck('sync', () => undefined)
      // @ts-expect-error the name comes first
      app.addHealthCheck(() => 'ok')
      // @ts-expect-error timeoutMs is a number
      app.addHealthCheck('db', () => 'ok', { timeoutMs: '100' })
    }
    void register
  })

  it('augments route config with monitoringRoute and deprecated', () => {
    const app = {} as FastifyInstance
    const define = () => {
      app.get('/a', { config: { monitoringRoute: true } }, async () => 'a')
      app.get(
        '/b',
        { config: { deprecated: { since: new Date(), supersededBy: 'GET /c', sunset: new Date() } } },
        async () => 'b',
      )
      // @ts-expect-error since is a Date
      app.get('/d', { config: { deprecated: { since: '2025-01-01' } } }, async () => 'd')
    }
    void define
    expectTypeOf<Deprecation['supersededBy']>().toEqualTypeOf<string | undefined>()
  })

  it('types the health report', () => {
    expectTypeOf<HealthReport['status']>().toEqualTypeOf<'success' | 'failure'>()
    expectTypeOf<HealthReport['results'][number]['response_time']>().toEqualTypeOf<number>()
  })
})
