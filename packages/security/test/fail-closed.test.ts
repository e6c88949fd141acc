import { inspect } from 'node:util'
import fbiConfig from '@fbi/config'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import fbiSecurity, {
  and,
  definePredicate,
  type FbiSecurityOptions,
  keyPresent,
  or,
  type PredicateLike,
  scopesPresent,
} from '../src/index.js'
import { TestJwksServer } from '../src/testing/index.js'
import {
  auth0Env,
  BASE_ENV,
  bearer,
  buildApp,
  FORBIDDEN,
  INVALID_TOKEN,
  internalToken,
  LEVELS,
  throwingLogger,
  UNAUTHORIZED,
} from './helpers.js'

/*
 * Whatever a predicate throws or rejects with, the route denies: 500 with the generic body, the
 * handler never runs, the reason goes to the error log only. A falsy value handed to Fastify's
 * done() reads as success, so every value is tried, also through and(), or() and the body stage.
 */

const THROWN: { label: string; value: unknown }[] = [
  { label: 'undefined', value: undefined },
  { label: 'null', value: null },
  { label: '0', value: 0 },
  { label: "''", value: '' },
  { label: 'false', value: false },
  { label: 'NaN', value: Number.NaN },
  { label: 'a string', value: 'oops' },
  { label: 'an object', value: { message: 'not an Error' } },
  { label: 'an Error', value: new Error('bug in my predicate') },
]

function throwing(value: unknown, mode: 'sync' | 'async'): PredicateLike {
  return mode === 'sync'
    ? () => {
        throw value
      }
    : () => Promise.reject(value)
}

const SHAPES: { name: string; wrap: (p: PredicateLike) => PredicateLike; method: 'GET' | 'POST' }[] = [
  { name: 'alone', wrap: (p) => p, method: 'GET' },
  { name: 'inside and()', wrap: (p) => and(keyPresent('patient_id'), p), method: 'GET' },
  { name: 'inside or()', wrap: (p) => or(keyPresent('nobody'), p), method: 'GET' },
  {
    name: 'in the body stage',
    wrap: (p) => definePredicate((ctx) => p(ctx), { description: 'body', needsBody: true }),
    method: 'POST',
  },
  {
    name: 'after an async predicate in and()',
    wrap: (p) => and(async () => true, p),
    method: 'GET',
  },
]

describe('a predicate that throws or rejects denies the request (500), whatever the value', () => {
  for (const environment of ['PRODUCTION', 'DEVELOPMENT']) {
    for (const mode of ['sync', 'async'] as const) {
      it.for(SHAPES)(`${environment}, ${mode}, $name`, async ({ wrap, method }, ctx) => {
        const logs: Record<string, unknown>[] = []
        let handled = 0
        const app = await buildApp({
          env: { ENVIRONMENT: environment },
          logs,
          routes: (a) => {
            THROWN.forEach(({ value }, i) => {
              a.route({
                method,
                url: `/r${i}`,
                config: { protect: wrap(throwing(value, mode)) },
                handler: async () => {
                  handled++
                  return { secret: true }
                },
              })
            })
          },
        })
        ctx.onTestFinished(() => app.close())
        const headers = { ...bearer(internalToken({ metadata: { patient_id: 'p' } })) }
        for (const [i, { label }] of THROWN.entries()) {
          const res = await app.inject({
            method,
            url: `/r${i}`,
            headers: method === 'POST' ? { ...headers, 'content-type': 'application/json' } : headers,
            ...(method === 'POST' ? { payload: '{"a":1}' } : {}),
          })
          expect({ label, status: res.statusCode, body: res.json() }).toEqual({
            label,
            status: 500,
            body: { code: 500, message: 'Internal Server Error' },
          })
          expect(res.body).not.toContain('not an Error')
          expect(res.body).not.toContain('oops')
        }
        expect(handled).toBe(0)
        const errors = logs.filter((l) => l.level === 50 && String(l.msg).includes('predicate'))
        expect(errors.length).toBeGreaterThanOrEqual(THROWN.length)
      })
    }
  }

  it('with IGNORE_JWT_VALIDATION a throwing predicate still answers 500 (it never reads as a pass)', async (ctx) => {
    let handled = 0
    const app = await buildApp({
      env: { IGNORE_JWT_VALIDATION: 'true' },
      routes: (a) => {
        THROWN.forEach(({ value }, i) => {
          a.get(`/s${i}`, { config: { protect: throwing(value, 'sync') } }, async () => {
            handled++
            return {}
          })
          a.get(`/a${i}`, { config: { protect: throwing(value, 'async') } }, async () => {
            handled++
            return {}
          })
        })
      },
    })
    ctx.onTestFinished(() => app.close())
    for (const i of THROWN.keys()) {
      for (const url of [`/s${i}`, `/a${i}`]) {
        expect((await app.inject({ url })).statusCode).toBe(500)
      }
    }
    expect(handled).toBe(0)
  })
})

const INTERNAL_ERROR = { code: 500, message: 'Internal Server Error' }

describe('a thrown value that cannot be described still answers 500', () => {
  it.for([
    {
      label: 'a custom inspect that throws',
      value: {
        [inspect.custom]: () => {
          throw undefined
        },
      },
      logged: '[object that cannot be described]',
    },
    {
      label: 'a Proxy whose traps throw',
      value: new Proxy(
        {},
        {
          getPrototypeOf: () => {
            throw 0
          },
          get: () => {
            throw 0
          },
        },
      ),
      logged: '{}',
    },
  ])('$label, sync and async', async ({ value, logged }, ctx) => {
    const logs: Record<string, unknown>[] = []
    let handled = 0
    const app = await buildApp({
      logs,
      routes: (a) => {
        for (const mode of ['sync', 'async'] as const) {
          a.get(`/${mode}`, { config: { protect: throwing(value, mode) } }, async () => {
            handled++
            return {}
          })
        }
      },
    })
    ctx.onTestFinished(() => app.close())
    for (const mode of ['sync', 'async']) {
      const res = await app.inject({ url: `/${mode}`, headers: bearer(internalToken()) })
      expect({ mode, status: res.statusCode, body: res.json() }).toEqual({
        mode,
        status: 500,
        body: INTERNAL_ERROR,
      })
    }
    expect(handled).toBe(0)
    const refused = logs.filter(
      (l) => l.level === 50 && l.msg === 'Protection predicate threw or rejected: request refused',
    )
    expect(refused.map((l) => l.thrown)).toEqual([logged, logged])
  })
})

describe('a logger that throws never changes the answer (the log line is advice)', () => {
  it.for([
    { label: 'undefined', value: undefined },
    { label: 'null', value: null },
    { label: "''", value: '' },
  ])(
    'every level throws $label: refusals and 500s are still sent, no handler runs',
    async ({ value }, ctx) => {
      const armed = { on: false }
      let handled = 0
      const handler = async () => {
        handled++
        return { secret: true }
      }
      const app = await buildApp({
        fastify: throwingLogger(value, Object.values(LEVELS), armed),
        routes: (a) => {
          a.get('/scoped', { config: { protect: scopesPresent('read:nothing') } }, handler)
          a.get('/throws', { config: { protect: throwing(undefined, 'sync') } }, handler)
          a.get('/rejects', { config: { protect: throwing(null, 'async') } }, handler)
          a.get('/false-async', { config: { protect: async () => false } }, handler)
        },
      })
      ctx.onTestFinished(() => app.close())
      armed.on = true
      const token = bearer(internalToken())
      const answers = [
        { url: '/scoped', headers: {}, status: 401, body: UNAUTHORIZED, challenge: 'Bearer' },
        {
          url: '/scoped',
          headers: { authorization: 'Bearer x' },
          status: 401,
          body: UNAUTHORIZED,
          challenge: INVALID_TOKEN,
        },
        { url: '/scoped', headers: token, status: 403, body: FORBIDDEN, challenge: undefined },
        { url: '/false-async', headers: token, status: 403, body: FORBIDDEN, challenge: undefined },
        { url: '/throws', headers: token, status: 500, body: INTERNAL_ERROR, challenge: undefined },
        { url: '/rejects', headers: token, status: 500, body: INTERNAL_ERROR, challenge: undefined },
      ]
      for (const { url, headers, status, body, challenge } of answers) {
        const res = await app.inject({ url, headers })
        expect({
          url,
          status: res.statusCode,
          body: res.json(),
          challenge: res.headers['www-authenticate'],
        }).toEqual({ url, status, body, challenge })
        expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
      }
      expect(handled).toBe(0)
    },
  )

  it('a route with config.protect added before the plugin still answers 500 (the late check)', async (ctx) => {
    const armed = { on: false }
    let handled = 0
    const app = Fastify(throwingLogger(undefined, Object.values(LEVELS), armed))
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: BASE_ENV, jwt: true, db: false })
    // Before the plugin: its onRoute hook never compiles this route.
    app.get('/p', { config: { protect: scopesPresent('read:x') } }, async () => {
      handled++
      return {}
    })
    await app.register(fbiSecurity)
    await app.ready()
    armed.on = true
    const res = await app.inject({ url: '/p', headers: bearer(internalToken({ scope: 'read:x' })) })
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual(INTERNAL_ERROR)
    expect(handled).toBe(0)
  })

  it('a refusal reason that cannot be printed still gets its 403 (on the request line too)', async (ctx) => {
    let handled = 0
    const app = await buildApp({
      routes: (a) => {
        // What @fbi/monitoring's request log does: the reason goes on the request's one line.
        a.decorateRequest('refusal', null)
        a.get(
          '/p',
          {
            config: {
              protect: (c) => {
                c.reason = {
                  toString: () => {
                    throw undefined
                  },
                } as unknown as string
                return false
              },
            },
          },
          async () => {
            handled++
            return {}
          },
        )
      },
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: '/p', headers: bearer(internalToken()) })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toEqual(FORBIDDEN)
    expect(handled).toBe(0)
  })

  it('with IGNORE_JWT_VALIDATION a false predicate still passes when the debug line throws', async (ctx) => {
    const armed = { on: false }
    const app = await buildApp({
      env: { IGNORE_JWT_VALIDATION: 'true' },
      fastify: throwingLogger(undefined, [LEVELS.debug, LEVELS.error], armed),
      routes: (a) => {
        a.get('/sync', { config: { protect: () => false } }, async () => ({ ok: true }))
        a.get('/async', { config: { protect: async () => false } }, async () => ({ ok: true }))
      },
    })
    ctx.onTestFinished(() => app.close())
    armed.on = true
    for (const url of ['/sync', '/async']) {
      const res = await app.inject({ url })
      expect({ url, status: res.statusCode, body: res.json() }).toEqual({
        url,
        status: 200,
        body: { ok: true },
      })
    }
  })
})

/** Values a predicate can return whose reading is itself user code that throws. */
const UNREADABLE: { label: string; make: () => unknown }[] = [
  {
    label: 'a thenable whose then getter throws',
    make: () =>
      Object.defineProperty({}, 'then', {
        get() {
          throw undefined
        },
      }),
  },
  {
    label: 'a promise whose constructor getter throws',
    make: () =>
      Object.defineProperty(Promise.resolve(true), 'constructor', {
        get() {
          throw null
        },
      }),
  },
]

describe('a predicate result that cannot be read answers 500 (no hang, no unhandled rejection)', () => {
  const AUDIENCE = 'https://api.example.com/'
  let provider: TestJwksServer
  beforeAll(async () => {
    provider = await TestJwksServer.start({ algorithms: ['RS256'] })
  })
  afterAll(async () => {
    await provider.stop()
  })

  const routes = (handled: { count: number }) => (a: FastifyInstance) => {
    UNREADABLE.forEach(({ make }, i) => {
      a.get(`/r${i}`, { config: { protect: () => make() as boolean } }, async () => {
        handled.count++
        return {}
      })
    })
  }

  async function check(
    app: FastifyInstance,
    logs: Record<string, unknown>[],
    token: () => string,
    handled: { count: number },
  ) {
    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    try {
      for (const [i, { label }] of UNREADABLE.entries()) {
        // A fresh token each time: a JWKS token seen before is verified synchronously from the cache.
        const res = await app.inject({ url: `/r${i}`, headers: bearer(token()) })
        expect({ label, status: res.statusCode, body: res.json() }).toEqual({
          label,
          status: 500,
          body: INTERNAL_ERROR,
        })
      }
      await new Promise((resolve) => setImmediate(resolve))
    } finally {
      process.off('unhandledRejection', onUnhandled)
    }
    expect(unhandled).toEqual([])
    expect(handled.count).toBe(0)
    const refused = logs.filter(
      (l) => l.level === 50 && l.msg === 'Protection predicate threw or rejected: request refused',
    )
    expect(refused).toHaveLength(UNREADABLE.length)
  }

  it('a JWKS token (verified asynchronously)', async (ctx) => {
    const logs: Record<string, unknown>[] = []
    const handled = { count: 0 }
    const app = await buildApp({
      logs,
      groups: { auth0: true },
      env: auth0Env(provider, AUDIENCE, 'https://example.com/metadata'),
      security: { jwksCooldownMs: 0 },
      routes: routes(handled),
    })
    ctx.onTestFinished(() => app.close())
    let n = 0
    const token = () => provider.sign({ issuer: provider.url, audience: AUDIENCE, subject: `s${n++}` })
    await check(app, logs, token, handled)
  }, 5000)

  it('an HS token (verified synchronously)', async (ctx) => {
    const logs: Record<string, unknown>[] = []
    const handled = { count: 0 }
    const app = await buildApp({ logs, routes: routes(handled) })
    ctx.onTestFinished(() => app.close())
    await check(app, logs, () => internalToken(), handled)
  })
})

/*
 * avvio reads a plugin or an async onReady hook that rejects with a falsy value as a success, so
 * whatever the plugin calls at startup (the app's logger, the options' getters, the decorators of
 * other plugins) and throws, the app must not start.
 */
const FALSY: { label: string; value: unknown }[] = [
  { label: 'undefined', value: undefined },
  { label: 'null', value: null },
  { label: '0', value: 0 },
  { label: "''", value: '' },
  { label: 'false', value: false },
]

function expectNonErrorThrown(outcome: unknown, value: unknown): void {
  expect(outcome).toBeInstanceOf(Error)
  expect(outcome).toMatchObject({ code: 'FBI_SECURITY_NON_ERROR_THROWN', statusCode: 500 })
  expect((outcome as Error).cause).toBe(value)
}

describe('what the plugin calls at startup cannot make it read as loaded', () => {
  const WARNINGS: { name: string; options: FbiSecurityOptions }[] = [
    { name: 'an option warning', options: { environment: 'PRODUCTION', ignoreJwtValidation: true } },
    { name: 'an issuer warning (a short HS key)', options: {} },
    { name: 'the no-issuer warning', options: { configIssuers: false } },
  ]
  for (const { name, options } of WARNINGS) {
    it.for(FALSY)(
      `the logger throws $label at ${name}: the app never starts, no route is served`,
      async ({ value }, ctx) => {
        const armed = { on: false }
        let handled = 0
        const app = Fastify(throwingLogger(value, [LEVELS.warn], armed))
        ctx.onTestFinished(() => app.close().catch(() => undefined))
        await app.register(fbiConfig, { env: BASE_ENV, jwt: true, db: false })
        armed.on = true
        // What an application does: register the plugin, add its routes, start.
        const outcome = await (async () => {
          await app.register(fbiSecurity, options)
          app.get('/p', { config: { protect: scopesPresent('read:x') } }, async () => {
            handled++
            return {}
          })
          return (await app.inject({ url: '/p' })).statusCode
        })().catch((error: unknown) => error)
        expectNonErrorThrown(outcome, value)
        expect(handled).toBe(0)
      },
    )
  }

  it.for(FALSY)('an option getter that throws $label: the app never starts', async ({ value }, ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close().catch(() => undefined))
    await app.register(fbiConfig, { env: BASE_ENV, jwt: true, db: false })
    const options: FbiSecurityOptions = {
      get cacheSize(): number {
        throw value
      },
    }
    const outcome = await app.register(fbiSecurity, options).then(
      () => 'loaded',
      (error: unknown) => error,
    )
    expectNonErrorThrown(outcome, value)
  })

  it('a config.protect getter that throws undefined: the route fails its plugin (and the app)', async () => {
    const config = Object.defineProperty({}, 'protect', {
      enumerable: true,
      get() {
        throw undefined
      },
    })
    const outcome = await buildApp({
      routes: (app) => {
        app.register(async (child) => {
          child.get('/p', { config }, async () => ({}))
        })
      },
    }).then(
      (app) => app.close().then(() => 'ready'),
      (error: unknown) => error,
    )
    expectNonErrorThrown(outcome, undefined)
  })

  it.for(FALSY)(
    'the health check registration throws $label at onReady: the app never starts',
    async ({ value }, ctx) => {
      const app = Fastify()
      ctx.onTestFinished(() => app.close().catch(() => undefined))
      await app.register(fbiConfig, { env: BASE_ENV, jwt: true, db: false })
      // @fbi/monitoring's decorator, as the plugin finds it by name.
      app.decorate('addHealthCheck', () => {
        throw value
      })
      await app.register(fbiSecurity, {
        issuers: [
          {
            issuer: 'https://login.example.invalid/',
            kind: 'jwks',
            jwksUrl: 'https://login.example.invalid/.well-known/jwks.json',
            audience: 'https://api.example.com/',
          },
        ],
      })
      expectNonErrorThrown(
        await app.ready().then(
          () => 'ready',
          (error: unknown) => error,
        ),
        value,
      )
    },
  )

  it.for(FALSY)(
    'the logger throws $label at the route table audit: the app never starts',
    async ({ value }, ctx) => {
      const armed = { on: false }
      const app = Fastify(throwingLogger(value, [LEVELS.warn], armed))
      ctx.onTestFinished(() => app.close().catch(() => undefined))
      await app.register(fbiConfig, { env: BASE_ENV, jwt: true, db: false })
      // A sibling registered before the plugin: out of its reach, warned about at onReady.
      await app.register(async (child) => {
        child.get('/early', async () => ({}))
      })
      await app.register(fbiSecurity)
      armed.on = true
      expectNonErrorThrown(
        await app.ready().then(
          () => 'ready',
          (error: unknown) => error,
        ),
        value,
      )
    },
  )
})

describe('a JWKS fetch that rejects with a value that cannot be printed', () => {
  it('is a failed fetch (logged), never an unhandled rejection of the background refresh', async (ctx) => {
    const provider = await TestJwksServer.start({ algorithms: ['RS256'] })
    ctx.onTestFinished(() => provider.stop())
    const AUDIENCE = 'https://api.example.com/'
    const logs: Record<string, unknown>[] = []
    const app = await buildApp({
      logs,
      groups: { auth0: true },
      env: auth0Env(provider, AUDIENCE, 'https://example.com/metadata'),
      // Stale at once: every verification refreshes the key set in the background.
      security: { jwksCooldownMs: 0, jwksCacheTtlMs: 0 },
      routes: (a) => a.get('/p', { config: { protect: () => true } }, async () => ({ ok: true })),
    })
    ctx.onTestFinished(() => app.close())
    let n = 0
    const token = () =>
      bearer(provider.sign({ issuer: provider.url, audience: AUDIENCE, subject: `s${n++}` }))
    expect((await app.inject({ url: '/p', headers: token() })).statusCode).toBe(200)

    const unhandled: unknown[] = []
    const onUnhandled = (reason: unknown) => unhandled.push(reason)
    process.on('unhandledRejection', onUnhandled)
    ctx.onTestFinished(() => {
      process.off('unhandledRejection', onUnhandled)
    })
    let fetched = 0
    vi.stubGlobal('fetch', () => {
      fetched++
      return Promise.reject({
        toString() {
          throw undefined
        },
      })
    })
    ctx.onTestFinished(() => {
      vi.unstubAllGlobals()
    })
    // The known key keeps verifying while the refresh fails.
    expect((await app.inject({ url: '/p', headers: token() })).statusCode).toBe(200)
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(fetched).toBeGreaterThan(0)
    expect(unhandled).toEqual([])
    expect(logs.filter((l) => l.msg === 'JWKS fetch failed').map((l) => l.reason)).toEqual([
      '{ toString: [Function: toString] }',
    ])
  })
})
