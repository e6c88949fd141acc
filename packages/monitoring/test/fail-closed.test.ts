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
  [
    // Not even `instanceof Error` or Object.prototype.toString can look at it.
    'a proxy whose every trap throws undefined',
    () =>
      new Proxy(
        {},
        {
          get() {
            throw undefined
          },
          getPrototypeOf() {
            throw undefined
          },
        },
      ),
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

/**
 * A silent logger that records what reaches its `error`, with `overrides` for the calls a test
 * breaks; its children are itself unless `child` (given the bindings) throws.
 */
function brokenLogger(
  overrides: {
    warn?: () => void
    info?: () => void
    child?: (bindings: Record<string, unknown>) => void
  } = {},
): { logger: FastifyBaseLogger; errors: unknown[] } {
  const noop = () => {}
  const errors: unknown[] = []
  const logger = {
    level: 'info',
    info: overrides.info ?? noop,
    warn: overrides.warn ?? noop,
    error: (obj: unknown) => errors.push(obj),
    debug: noop,
    fatal: noop,
    trace: noop,
    silent: noop,
    child: (bindings: Record<string, unknown>) => {
      overrides.child?.(bindings)
      return logger
    },
  }
  return { logger: logger as unknown as FastifyBaseLogger, errors }
}

/** The `err.code` of each error line (the error handler logs 5xx with `{ err }`). */
function loggedCodes(errors: unknown[]): unknown[] {
  return errors.map((line) => (line as { err?: { code?: unknown } }).err?.code)
}

describe('registration fails closed', () => {
  it.for(THROWN)(
    'an option getter throwing %s rejects ready() with a coded error',
    async ([, value], ctx) => {
      const app = Fastify({ logger: false })
      ctx.onTestFinished(() => app.close())
      await app.register(fbiConfig, { env: TEST_ENV })
      app.register(fbiMonitoring, {
        get gracefulShutdown(): false {
          throw value()
        },
      })
      await expect(app.ready()).rejects.toMatchObject({ code: 'FBI_MONITORING_NON_ERROR_THROWN' })
    },
  )

  it('a logger throwing undefined for the production warning rejects ready(), not a half-registered plugin', async (ctx) => {
    const { logger } = brokenLogger({
      warn: () => {
        throw undefined
      },
    })
    const app = Fastify({ loggerInstance: logger })
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: { ...TEST_ENV, ENVIRONMENT: 'PRODUCTION' } })
    app.register(fbiMonitoring, { gracefulShutdown: false })
    await expect(app.ready()).rejects.toMatchObject({
      code: 'FBI_MONITORING_NON_ERROR_THROWN',
      message:
        'Registering @fbi/monitoring (a custom logger or an option getter) threw a value that is not an Error',
    })
    expect(app.hasDecorator('shutdownSignal')).toBe(false)
  })

  it('a logger throwing undefined once the admin port listens rejects ready()', async (ctx) => {
    const { logger } = brokenLogger({
      info: () => {
        throw undefined
      },
    })
    const app = Fastify({ loggerInstance: logger })
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: TEST_ENV })
    await app.register(fbiMonitoring, { gracefulShutdown: false, admin: { port: 0, host: '127.0.0.1' } })
    await expect(app.ready()).rejects.toMatchObject({
      code: 'FBI_MONITORING_NON_ERROR_THROWN',
      message: 'Starting the admin listener (a custom logger) threw a value that is not an Error',
    })
  })
})

describe('the request id fails closed', () => {
  const throwOnAdoptedId = (bindings: Record<string, unknown>) => {
    if (bindings.reqId === 'from-the-client') throw undefined
  }

  it('a logger whose child() throws undefined for the adopted id answers 500 at onRequest; the handler never runs', async (ctx) => {
    const { logger, errors } = brokenLogger({ child: throwOnAdoptedId })
    const app = Fastify({ loggerInstance: logger })
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: TEST_ENV })
    await app.register(fbiErrors)
    await app.register(fbiMonitoring, { gracefulShutdown: false })
    let ran = false
    app.get('/', async () => {
      ran = true
      return { ok: true }
    })
    const res = await app.inject({ url: '/', headers: { 'x-request-id': 'from-the-client' } })
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ code: 500, message: expect.any(String) })
    expect(res.headers['x-request-id']).toBe('from-the-client')
    expect(ran).toBe(false)
    expect(loggedCodes(errors)).toContain('FBI_MONITORING_NON_ERROR_THROWN')
  })

  it('a logger whose child() throws undefined at onSend (a hook before the plugin answered) answers 500', async (ctx) => {
    const { logger, errors } = brokenLogger({ child: throwOnAdoptedId })
    const app = Fastify({ loggerInstance: logger })
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: TEST_ENV })
    await app.register(fbiErrors)
    // Answers before the plugin's onRequest hook: only its onSend hook sees the request id.
    app.addHook('onRequest', async (_request, reply) =>
      reply.code(401).send({ code: 401, message: 'Unauthorized' }),
    )
    await app.register(fbiMonitoring, { gracefulShutdown: false })
    app.get('/', async () => ({ ok: true }))
    const res = await app.inject({ url: '/', headers: { 'x-request-id': 'from-the-client' } })
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ code: 500, message: expect.any(String) })
    expect(loggedCodes(errors)).toContain('FBI_MONITORING_NON_ERROR_THROWN')
  })
})

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
