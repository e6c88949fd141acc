import fbiConfig from '@fbi/config'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import fbiMonitoring, { monitoringServerOptions, SERVER_LIMITS } from '../src/index.js'
import { type LogLine, portOf, rawExchange, TEST_ENV } from './helpers.js'

describe('monitoringServerOptions: timeouts and limits', () => {
  it('sets production-safe defaults on the server Fastify builds', async (ctx) => {
    const app = Fastify(monitoringServerOptions())
    ctx.onTestFinished(() => app.close())
    await app.ready()
    expect(SERVER_LIMITS).toEqual({
      requestTimeout: 30_000,
      headersTimeout: 10_000,
      keepAliveTimeout: 72_000,
      connectionsCheckingInterval: 1000,
      maxHeaderSize: 16_384,
      bodyLimit: 1_048_576,
      maxRequestsPerSocket: 0,
      clientErrorLogIntervalMs: 60_000,
    })
    expect(Object.isFrozen(SERVER_LIMITS)).toBe(true)
    expect(app.server.requestTimeout).toBe(30_000)
    expect(app.server.headersTimeout).toBe(10_000)
    expect(app.server.keepAliveTimeout).toBe(72_000)
    expect(app.initialConfig.bodyLimit).toBe(1_048_576)
    expect(monitoringServerOptions().http).toMatchObject({
      connectionsCheckingInterval: 1000,
      maxHeaderSize: 16_384,
    })
  })

  it('takes each one as an option', async (ctx) => {
    const app = Fastify(
      monitoringServerOptions({
        requestTimeout: 60_000,
        headersTimeout: 5000,
        keepAliveTimeout: 620_000,
        bodyLimit: 10,
        maxRequestsPerSocket: 100,
      }),
    )
    ctx.onTestFinished(() => app.close())
    app.post('/', async () => 'ok')
    await app.ready()
    expect(app.server.requestTimeout).toBe(60_000)
    expect(app.server.headersTimeout).toBe(5000)
    expect(app.server.keepAliveTimeout).toBe(620_000)
    expect(app.server.maxRequestsPerSocket).toBe(100)
    const big = await app.inject({ method: 'POST', url: '/', payload: { a: 'more than ten bytes' } })
    expect(big.statusCode).toBe(413)
  })

  it.each([
    [{ requestTimeout: 0 }, "'requestTimeout': must be an integer >= 1"],
    [{ headersTimeout: 1.5 }, "'headersTimeout': must be an integer >= 1"],
    [{ headersTimeout: 30_000 }, "'headersTimeout': must be below requestTimeout (30000)"],
    [{ requestTimeout: 5000, headersTimeout: 6000 }, "'headersTimeout': must be below requestTimeout (5000)"],
    [{ keepAliveTimeout: -1 }, "'keepAliveTimeout': must be an integer >= 1"],
    [{ maxRequestsPerSocket: -1 }, "'maxRequestsPerSocket': must be an integer >= 0"],
    [{ maxHeaderSize: '16k' as never }, "'maxHeaderSize': must be an integer >= 1"],
    [{ clientErrorLogIntervalMs: 0 }, "'clientErrorLogIntervalMs': must be an integer >= 1"],
  ])('refuses %j', (input, message) => {
    expect(() => monitoringServerOptions(input)).toThrow(`Invalid @fbi/monitoring option ${message}`)
  })
})

describe('requests Node cannot parse', () => {
  it("are answered in fbi's shape and closed, with one warn line for a burst of them", async (ctx) => {
    const logs: LogLine[] = []
    const app = Fastify({
      ...monitoringServerOptions(),
      logger: { level: 'warn', stream: { write: (line: string) => logs.push(JSON.parse(line) as LogLine) } },
    })
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: TEST_ENV })
    await app.register(fbiMonitoring, { gracefulShutdown: false })
    await app.listen({ host: '127.0.0.1', port: 0 })
    const port = portOf(app)
    for (let i = 0; i < 20; i++) {
      const answer = await rawExchange(port, 'GET /running HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n')
      expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/)
      expect(answer).toContain('\r\nConnection: close\r\n')
      expect(answer.endsWith('\r\n\r\n{"code":400,"message":"Bad Request"}')).toBe(true)
    }
    const ok = await rawExchange(port, 'GET /running HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')
    expect(ok).toMatch(/^HTTP\/1\.1 200 OK\r\n/)
    const lines = logs.filter((line) => line.refusedClients !== undefined)
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatchObject({
      level: 40,
      refusedClients: { timeout: 0, headerOverflow: 0, malformed: 1 },
    })
  })
})
