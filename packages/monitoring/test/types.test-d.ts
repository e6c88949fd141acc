import type { Server } from 'node:http'
import type { FastifyInstance, FastifyPluginAsync, FastifyServerOptions } from 'fastify'
import type { Registry } from 'prom-client'
import { describe, expect, expectTypeOf, it } from 'vitest'
import fbiMonitoring, {
  type Deprecation,
  type FbiAdminOptions,
  type FbiEtagOptions,
  type FbiLoggerOptions,
  type FbiMonitoringOptions,
  type HealthGroup,
  type HealthReport,
  logDestination,
  logRedaction,
  type MonitoringRoute,
  type MonitoringServerOptions,
  type MonitoringServerOptionsInput,
  monitoringServerOptions,
  REDACTED_FIELDS,
  type RequestRefusal,
  SERVER_LIMITS,
  type ServerLimits,
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

  it('types the compat switch, ETag options and the server limits', () => {
    expectTypeOf<FbiMonitoringOptions['compat']>().toEqualTypeOf<'flask' | false | undefined>()
    expectTypeOf<FbiMonitoringOptions['etag']>().toEqualTypeOf<boolean | FbiEtagOptions | undefined>()
    // @ts-expect-error hashFn is not an option any more
    const hashFn: FbiEtagOptions = { hashFn: () => 'x' }
    // @ts-expect-error compat takes 'flask' or false
    const compat: FbiMonitoringOptions = { compat: 'django' }
    void [hashFn, compat]
    expectTypeOf<MonitoringServerOptionsInput['requestTimeout']>().toEqualTypeOf<number | undefined>()
    expectTypeOf<ServerLimits['keepAliveTimeout']>().toEqualTypeOf<number | undefined>()
    expectTypeOf(SERVER_LIMITS.headersTimeout).toEqualTypeOf<number>()
    // @ts-expect-error a timeout is a number of milliseconds
    const limits: MonitoringServerOptionsInput = { headersTimeout: '10s' }
    void limits
    const app = {} as FastifyInstance
    const define = () => {
      app.get('/quiet', { config: { disableMetrics: true } }, async () => 'q')
      // @ts-expect-error disableMetrics is a boolean
      app.get('/loud', { config: { disableMetrics: 'yes' } }, async () => 'l')
    }
    void define
  })

  it('types the health report', () => {
    expectTypeOf<HealthReport['status']>().toEqualTypeOf<'success' | 'failure'>()
    expectTypeOf<HealthReport['results'][number]['response_time']>().toEqualTypeOf<number>()
    expectTypeOf<HealthReport['results'][number]['groups']>().toEqualTypeOf<readonly HealthGroup[]>()
  })

  it('types health groups, criticality and how much a caller sees', () => {
    const app = {} as FastifyInstance
    const define = () => {
      app.addHealthCheck('cache', () => 'ok', { groups: ['readiness', 'startup'], critical: false })
      // @ts-expect-error the groups are liveness, readiness and startup
      app.addHealthCheck('x', () => 'ok', { groups: ['ready'] })
      // @ts-expect-error critical is a boolean
      app.addHealthCheck('y', () => 'ok', { critical: 'no' })
    }
    void define
    expectTypeOf<HealthGroup>().toEqualTypeOf<'liveness' | 'readiness' | 'startup'>()
    expectTypeOf<FbiMonitoringOptions['healthDetails']>().toEqualTypeOf<'full' | 'status' | undefined>()
  })

  it('types the admin surface', () => {
    const app = {} as FastifyInstance
    expectTypeOf(app.adminServer).toEqualTypeOf<Server | null>()
    expectTypeOf(app.adminGuard.description).toEqualTypeOf<string | null>()
    expectTypeOf(app.monitoringRoutes()).toEqualTypeOf<readonly MonitoringRoute[]>()
    expectTypeOf<FbiAdminOptions['port']>().toEqualTypeOf<number | undefined>()
    // @ts-expect-error the admin token is a string
    const admin: FbiMonitoringOptions = { admin: { token: 1234 } }
    void admin
    const define = () => {
      app.get('/admin-thing', { config: { adminRoute: true } }, async () => 'a')
    }
    void define
  })

  it('types the log options, body switches and the refusal', () => {
    const app = {} as FastifyInstance
    const define = () => {
      app.post('/quiet', { config: { logBodies: false } }, async (request) => {
        expectTypeOf(request.refusal).toEqualTypeOf<RequestRefusal | null>()
        return 'q'
      })
      // @ts-expect-error logBodies is a boolean
      app.post('/loud', { config: { logBodies: 'yes' } }, async () => 'l')
    }
    void define
    expectTypeOf<FbiLoggerOptions['redactFields']>().toEqualTypeOf<readonly string[] | undefined>()
    expectTypeOf<FbiLoggerOptions['format']>().toEqualTypeOf<'json' | 'pretty' | undefined>()
    // @ts-expect-error the format is json or pretty
    const logger: FbiLoggerOptions = { format: 'xml' }
    void logger
    expectTypeOf(logRedaction).parameter(0).toEqualTypeOf<readonly string[] | undefined>()
    expectTypeOf(REDACTED_FIELDS).toEqualTypeOf<readonly string[]>()
  })
})
