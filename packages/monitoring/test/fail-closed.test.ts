import fbiConfig from '@fbi/config'
import fbiErrors from '@fbi/errors'
import Fastify, { type FastifyBaseLogger } from 'fastify'
import { Gauge } from 'prom-client'
import { describe, expect, it } from 'vitest'
import fbiMonitoring, { type HealthReport, monitoringServerOptions } from '../src/index.js'
import { buildApp, portOf, rawExchange, TEST_ENV } from './helpers.js'

// Whatever user code or a library throws or rejects with, it must never read as success.
const THROWN: [string, () => unknown][] = [
  ['undefined', () => undefined],
  ['null', () => null],
  ['0', () => 0],
  ['an empty string', () => ''],
  ['false', () => false],
  ['a symbol', () => Symbol('s')],
  [
    'an object whose toString throws',
    () => ({
      toString() {
        throw new Error('no text')
      },
    }),
  ],
]

/** A logger whose warn throws (a broken custom logger), everything else silent. */
function throwingWarnLogger(): FastifyBaseLogger {
  const noop = () => {}
  const logger = {
    level: 'info',
    info: noop,
    error: noop,
    debug: noop,
    fatal: noop,
    trace: noop,
    silent: noop,
    warn: () => {
      throw undefined
    },
    child: () => logger,
  }
  return logger as unknown as FastifyBaseLogger
}

describe('health checks fail closed', () => {
  it.each(THROWN)(
    'a check rejecting with %s fails, and the check recovers once it passes again',
    async (_what, value) => {
      let fail = true
      const { app } = await buildApp({
        monitoring: { healthCheckFailureTtlMs: 0, healthCheckSuccessTtlMs: 0 },
        routes: (a) =>
          a.addHealthCheck('flaky', async () => {
            if (fail) throw value()
            return 'ok'
          }),
      })
      try {
        const failed = await app.inject({ url: '/healthcheck' })
        expect(failed.statusCode).toBe(500)
        expect(failed.json<HealthReport>().results[0]).toMatchObject({ checker: 'flaky', passed: false })
        expect(typeof failed.json<HealthReport>().results[0]?.output).toBe('string')
        fail = false
        const passed = await app.inject({ url: '/healthcheck' })
        expect(passed.statusCode).toBe(200)
      } finally {
        await app.close()
      }
    },
  )

  it('a check returning false or an Error fails', async (ctx) => {
    const { app } = await buildApp({
      routes: (a) => {
        a.addHealthCheck('false', () => false)
        a.addHealthCheck('error', async () => new Error('pool exhausted'))
        a.addHealthCheck('zero', () => 0)
      },
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/healthcheck' })
    expect(res.statusCode).toBe(500)
    const results = res.json<HealthReport>().results
    expect(results.map(({ checker, passed, output }) => ({ checker, passed, output }))).toEqual([
      { checker: 'false', passed: false, output: false },
      { checker: 'error', passed: false, output: 'pool exhausted' },
      { checker: 'zero', passed: true, output: 0 },
    ])
  })

  it('an output that cannot be sent as JSON is described instead of failing the probe', async (ctx) => {
    const circular: Record<string, unknown> = {}
    circular.self = circular
    const { app } = await buildApp({
      routes: (a) => {
        a.addHealthCheck('bigint', () => 10n)
        a.addHealthCheck('circular', () => circular)
      },
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/healthcheck' })
    expect(res.statusCode).toBe(200)
    const outputs = res.json<HealthReport>().results.map((result) => result.output)
    expect(outputs).toEqual([expect.stringMatching(/^\[not JSON: /), expect.stringMatching(/^\[not JSON: /)])
  })

  it('a logger that throws while a failure is logged does not wedge the probe', async (ctx) => {
    const app = Fastify({ loggerInstance: throwingWarnLogger() })
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: TEST_ENV })
    await app.register(fbiErrors)
    await app.register(fbiMonitoring, { gracefulShutdown: false, healthCheckFailureTtlMs: 0 })
    app.addHealthCheck('down', () => {
      throw new Error('down')
    })
    for (let i = 0; i < 2; i++) {
      const res = await app.inject({ url: '/healthcheck' })
      expect(res.statusCode).toBe(500)
      expect(res.json<HealthReport>().status).toBe('failure')
    }
  })
})

describe('GET /metrics fails closed', () => {
  it.each(THROWN)(
    "a metric's collect throwing %s answers 500 in the { code, message } shape",
    async (_what, value) => {
      const { app } = await buildApp()
      try {
        new Gauge({
          name: 'broken_gauge',
          help: 'collect throws',
          registers: [app.metricsRegistry],
          collect() {
            throw value()
          },
        })
        const res = await app.inject({ url: '/metrics' })
        expect(res.statusCode).toBe(500)
        expect(res.json()).toEqual({ code: 500, message: expect.any(String) })
      } finally {
        await app.close()
      }
    },
  )
})

describe('hooks fail closed', () => {
  it('a deprecated route whose warning cannot be logged still sends its own body and headers, not an empty 200', async (ctx) => {
    const app = Fastify({ loggerInstance: throwingWarnLogger() })
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: TEST_ENV })
    await app.register(fbiErrors)
    await app.register(fbiMonitoring, { gracefulShutdown: false })
    app.get('/old', { config: { deprecated: {} } }, async () => ({ old: true }))
    const res = await app.inject({ url: '/old' })
    expect(res.statusCode).toBe(200)
    expect(res.json()).toEqual({ old: true })
    expect(res.headers.deprecation).toMatch(/^@\d+$/)
  })

  it('a client error with a logger that throws still gets its answer and does not crash the process', async (ctx) => {
    const app = Fastify({ ...monitoringServerOptions(), loggerInstance: throwingWarnLogger() })
    ctx.onTestFinished(() => app.close())
    await app.listen({ host: '127.0.0.1', port: 0 })
    const answer = await rawExchange(portOf(app), 'GET / HTTP/1.1\r\nBad Header\r\n\r\n')
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
  })
})
