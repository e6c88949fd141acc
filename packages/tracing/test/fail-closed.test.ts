import fbiConfig from '@fbi/config'
import fbiMonitoring, { monitoringServerOptions } from '@fbi/monitoring'
import Fastify from 'fastify'
import { pino } from 'pino'
import { describe, expect, it } from 'vitest'
import fbiTracing from '../src/index.js'
import { TestCollector } from '../src/testing/index.js'
import { buildApp, tracingEnv } from './helpers.js'

describe('fail closed', () => {
  it.for([
    ['undefined', undefined],
    ['a string', 'no children'],
    ['an Error', new RangeError('no children')],
    // Described without String(), whose own throw (undefined) would escape the hook as a success.
    [
      'an object whose toString throws undefined',
      {
        toString() {
          throw undefined
        },
      },
    ],
    [
      'an object whose Symbol.toPrimitive throws undefined',
      {
        [Symbol.toPrimitive]() {
          throw undefined
        },
      },
    ],
  ] as const)('answers 500 when the logger throws %s for the trace bindings', async ([, thrown], ctx) => {
    const collector = await TestCollector.start()
    ctx.onTestFinished(() => collector.stop())
    const lines: string[] = []
    const loggerInstance = pino(
      {
        onChild(child) {
          if (child.bindings().trace_id !== undefined) throw thrown
        },
      },
      { write: (line: string) => lines.push(line) },
    )
    const app = Fastify({ ...monitoringServerOptions(), loggerInstance })
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { jwt: false, env: { ENVIRONMENT: 'TEST', ...tracingEnv(collector) } })
    await app.register(fbiTracing)
    await app.register(fbiMonitoring, { gracefulShutdown: false })
    let ran = false
    app.get('/', async () => {
      ran = true
      return 'ok'
    })
    const res = await app.inject('/')
    expect(res.statusCode).toBe(500)
    expect(ran).toBe(false)
  })

  it.for([
    ['undefined', undefined],
    ['null', null],
    ['0', 0],
    ["''", ''],
    ['false', false],
  ] as const)('an option getter throwing %s rejects ready() with a coded error', async ([, thrown], ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { jwt: false, env: { ENVIRONMENT: 'TEST' } })
    app.register(fbiTracing, {
      get serviceName(): string {
        throw thrown
      },
    })
    await expect(app.ready()).rejects.toMatchObject({
      code: 'FBI_TRACING_NON_ERROR_THROWN',
      statusCode: 500,
      message:
        'Registering @fbi/tracing (an option getter or a custom logger) threw a value that is not an Error',
    })
  })

  it('keeps answering when the collector is down, and closes without waiting for it', async (ctx) => {
    const collector = await TestCollector.start()
    const url = collector.url
    await collector.stop()
    const { app, logs } = await buildApp({
      env: { ...tracingEnv(collector), OTEL_EXPORTER_OTLP_ENDPOINT: url, OTEL_EXPORTER_OTLP_TIMEOUT: '1000' },
      tracing: { traceMonitoringRoutes: true },
    })
    ctx.onTestFinished(() => app.close())
    expect((await app.inject('/running')).statusCode).toBe(200)
    const started = Date.now()
    await app.close()
    expect(Date.now() - started).toBeLessThan(5000)
    expect(logs.map((line) => line.msg)).toContain('Tracing: the last spans could not be exported')
  })
})
