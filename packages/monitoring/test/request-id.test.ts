import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import fbiMonitoring, {
  isValidRequestId,
  MAX_REQUEST_ID_LENGTH,
  monitoringServerOptions,
} from '../src/index.js'
import { buildApp, type LogLine, requestLines, TEST_ENV } from './helpers.js'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

const routes = (app: import('fastify').FastifyInstance) => {
  app.get('/hello', async (request) => {
    request.log.info('inside the handler')
    return { id: request.id }
  })
  app.get('/boom', async () => {
    throw new Error('kaput')
  })
}

function handlerLine(logs: LogLine[]): LogLine | undefined {
  return logs.find((line) => line.msg === 'inside the handler')
}

describe.each([
  ['the plugin alone', false],
  ['monitoringServerOptions', true],
])('X-Request-ID with %s', (_name, serverOptions) => {
  it('keeps a valid incoming id, echoes it and binds it to every log line', async (ctx) => {
    const { app, logs } = await buildApp({ serverOptions, routes })
    ctx.onTestFinished(() => app.close())
    const id = 'abc-123_DEF.456:789'
    const res = await app.inject({ url: '/hello', headers: { 'x-request-id': id } })
    expect(res.statusCode).toBe(200)
    expect(res.headers['x-request-id']).toBe(id)
    expect(res.json()).toEqual({ id })
    expect(handlerLine(logs)?.reqId).toBe(id)
    expect(requestLines(logs).map((line) => line.reqId)).toEqual([id])
  })

  it('generates a UUID when the header is missing', async (ctx) => {
    const { app, logs } = await buildApp({ serverOptions, routes })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/hello' })
    const id = res.headers['x-request-id']
    expect(id).toMatch(UUID)
    expect(res.json()).toEqual({ id })
    expect(handlerLine(logs)?.reqId).toBe(id)
    expect((await app.inject({ url: '/hello' })).headers['x-request-id']).not.toBe(id)
  })

  it.each([
    ['too long', 'a'.repeat(MAX_REQUEST_ID_LENGTH + 1)],
    ['a log-forging newline', 'abc\\ninjected'],
    ['control characters', 'abc\u0001\u007f'],
    ['spaces and quotes', 'a b"c'],
    ['a script', '<script>alert(1)</script>'],
  ])('replaces a hostile id (%s) with a UUID', async (_what, hostile) => {
    const { app, logs } = await buildApp({ serverOptions, routes })
    try {
      const res = await app.inject({ url: '/hello', headers: { 'x-request-id': hostile } })
      expect(res.statusCode).toBe(200)
      expect(res.headers['x-request-id']).toMatch(UUID)
      expect(JSON.stringify(logs)).not.toContain(hostile.slice(0, 40))
    } finally {
      await app.close()
    }
  })

  it('echoes the id on errors and on unknown routes', async (ctx) => {
    const { app } = await buildApp({ serverOptions, routes })
    ctx.onTestFinished(() => app.close())
    const boom = await app.inject({ url: '/boom', headers: { 'x-request-id': 'err-1' } })
    expect(boom.statusCode).toBe(500)
    expect(boom.headers['x-request-id']).toBe('err-1')
    const missing = await app.inject({ url: '/nowhere', headers: { 'x-request-id': 'nf-1' } })
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toEqual({ code: 404, message: 'Not Found' })
    expect(missing.headers['x-request-id']).toBe('nf-1')
    const generated = await app.inject({ url: '/nowhere' })
    expect(generated.headers['x-request-id']).toMatch(UUID)
  })
})

describe.each([
  ['the plugin alone', false],
  ['monitoringServerOptions', true],
])('the request id adopted from other headers, with %s', (_name, serverOptions) => {
  it.each<[string, Record<string, string>, string]>([
    ['X-Correlation-ID when X-Request-ID is absent', { 'x-correlation-id': 'corr-1' }, 'corr-1'],
    [
      'X-Request-ID before X-Correlation-ID',
      { 'x-request-id': 'req-id-2', 'x-correlation-id': 'corr-2' },
      'req-id-2',
    ],
    [
      'X-Correlation-ID when X-Request-ID is not valid',
      { 'x-request-id': 'a b', 'x-correlation-id': 'corr-3' },
      'corr-3',
    ],
    [
      'the Root of X-Amzn-Trace-Id',
      { 'x-amzn-trace-id': 'Root=1-5759e988-bd862e3fe1be46a994272793' },
      '1-5759e988-bd862e3fe1be46a994272793',
    ],
    [
      'the Self of X-Amzn-Trace-Id before its Root',
      {
        'x-amzn-trace-id':
          'Self=1-67891234-12456789abcdef012345678;Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
      },
      '1-67891234-12456789abcdef012345678',
    ],
    [
      'X-Correlation-ID before X-Amzn-Trace-Id',
      { 'x-correlation-id': 'corr-4', 'x-amzn-trace-id': 'Root=1-abc' },
      'corr-4',
    ],
  ])('%s', async (_what, headers, expected) => {
    const { app, logs } = await buildApp({ serverOptions, routes })
    try {
      const res = await app.inject({ url: '/hello', headers })
      expect(res.headers['x-request-id']).toBe(expected)
      expect(res.json()).toEqual({ id: expected })
      expect(handlerLine(logs)?.reqId).toBe(expected)
    } finally {
      await app.close()
    }
  })

  it('ignores a malformed X-Amzn-Trace-Id and generates an id', async (ctx) => {
    const { app } = await buildApp({ serverOptions, routes })
    ctx.onTestFinished(() => app.close())
    for (const trace of ['Root', 'Self=a b;Root=', '=;;=x', 'Root=1 abc']) {
      const res = await app.inject({ url: '/hello', headers: { 'x-amzn-trace-id': trace } })
      expect(res.statusCode).toBe(200)
      expect(res.headers['x-request-id']).toMatch(UUID)
    }
  })

  it('echoes the id on an answer a hook registered before the plugin gave', async (ctx) => {
    const app = (await import('fastify')).default({
      logger: false,
      ...(serverOptions ? monitoringServerOptions() : {}),
    })
    ctx.onTestFinished(() => app.close())
    app.addHook('onRequest', async (request, reply) => {
      if (request.url === '/early') return reply.code(429).send({ code: 429, message: 'Too Many Requests' })
    })
    await app.register(async (child) => {
      child.get('/child-before', async () => ({ child: true }))
    })
    await app.register((await import('@fbi/config')).default, { env: TEST_ENV })
    await app.register(fbiMonitoring, { gracefulShutdown: false })
    app.get('/early', async () => 'never')
    const early = await app.inject({ url: '/early', headers: { 'x-request-id': 'early-1' } })
    expect(early.statusCode).toBe(429)
    expect(early.headers['x-request-id']).toBe('early-1')
    const generated = await app.inject({ url: '/early' })
    expect(generated.headers['x-request-id']).toMatch(UUID)
    const child = await app.inject({ url: '/child-before', headers: { 'x-correlation-id': 'child-1' } })
    expect(child.headers['x-request-id']).toBe('child-1')
  })
})

describe("request ids with compat: 'flask'", () => {
  it('keeps the ids the original kept (spaces, up to 1024 printable characters)', async (ctx) => {
    const { app } = await buildApp({ routes, monitoring: { compat: 'flask' } })
    ctx.onTestFinished(() => app.close())
    for (const id of ['bad id with spaces', 'a'.repeat(200), 'a'.repeat(1024), '<b>"quoted"</b>']) {
      expect(
        (await app.inject({ url: '/hello', headers: { 'x-request-id': id } })).headers['x-request-id'],
      ).toBe(id)
    }
    for (const hostile of ['a'.repeat(1025), 'abc\u0001', 'caf\u00e9']) {
      const res = await app.inject({ url: '/hello', headers: { 'x-request-id': hostile } })
      expect(res.headers['x-request-id']).toMatch(UUID)
    }
  })
})

describe('an id Fastify took unchecked from its own requestIdHeader', () => {
  it('is replaced when it is not a valid id', async (ctx) => {
    const { app } = await buildApp({ routes, extraServerOptions: { requestIdHeader: 'x-trace' } })
    ctx.onTestFinished(() => app.close())
    const hostile = await app.inject({ url: '/hello', headers: { 'x-trace': 'a b "c"' } })
    expect(hostile.headers['x-request-id']).toMatch(UUID)
    expect(hostile.json()).toEqual({ id: hostile.headers['x-request-id'] })
    const fine = await app.inject({ url: '/hello', headers: { 'x-trace': 'trace-1' } })
    expect(fine.headers['x-request-id']).toBe('trace-1')
  })
})

describe('X-Request-ID generation turned off', () => {
  it('sends no id when none came in (LOG_REQUEST_ID_GENERATE_IF_NOT_FOUND=false) but keeps a valid one', async (ctx) => {
    const { app } = await buildApp({ env: { LOG_REQUEST_ID_GENERATE_IF_NOT_FOUND: 'false' }, routes })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/hello' })
    expect(res.statusCode).toBe(200)
    expect(res.headers['x-request-id']).toBeUndefined()
    expect(
      (await app.inject({ url: '/hello', headers: { 'x-request-id': 'kept' } })).headers['x-request-id'],
    ).toBe('kept')
  })

  it('monitoringServerOptions({ generateRequestId: false }) does the same', async (ctx) => {
    const { app } = await buildApp({
      monitoring: { generateRequestId: false },
      extraServerOptions: monitoringServerOptions({ generateRequestId: false }),
      routes,
    })
    ctx.onTestFinished(() => app.close())
    expect((await app.inject({ url: '/hello' })).headers['x-request-id']).toBeUndefined()
    expect(
      (await app.inject({ url: '/hello', headers: { 'x-request-id': 'k2' } })).headers['x-request-id'],
    ).toBe('k2')
  })
})

describe('Fastify request log lines', () => {
  it('are gone with monitoringServerOptions: one line per request remains', async (ctx) => {
    const { app, logs } = await buildApp({ serverOptions: true, routes })
    ctx.onTestFinished(() => app.close())
    await app.inject({ url: '/hello' })
    expect(
      logs.filter((line) => line.msg === 'incoming request' || line.msg === 'request completed'),
    ).toEqual([])
    expect(requestLines(logs)).toHaveLength(1)
  })

  it('keep a generated id across the request when the server keeps its own genReqId', async (ctx) => {
    const { app, logs } = await buildApp({ routes, extraServerOptions: { genReqId: () => 'custom-id-1' } })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/hello' })
    expect(res.headers['x-request-id']).toBe('custom-id-1')
    expect(handlerLine(logs)?.reqId).toBe('custom-id-1')
  })
})

describe('isValidRequestId', () => {
  it('accepts ids made of safe characters up to the bound', () => {
    expect(isValidRequestId('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe(true)
    expect(isValidRequestId('Root=1-5759e988-bd862e3fe1be46a994272793')).toBe(true)
    expect(isValidRequestId('a'.repeat(MAX_REQUEST_ID_LENGTH))).toBe(true)
    expect(isValidRequestId('')).toBe(false)
    expect(isValidRequestId(['a', 'b'])).toBe(false)
    expect(isValidRequestId('a\tb')).toBe(false)
  })

  it('monitoringServerOptions builds options Fastify accepts', async (ctx) => {
    const app = Fastify(monitoringServerOptions())
    ctx.onTestFinished(() => app.close())
    app.get('/', async (request) => request.id)
    const res = await app.inject({ url: '/', headers: { 'x-request-id': 'given' } })
    expect(res.body).toBe('given')
  })
})
