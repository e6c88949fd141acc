import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest'
import { FBI_SECURITY_INVALID_SYSTEM_ID, FBI_SECURITY_SYSTEM_JWT_FAILED } from '../src/index.js'
import { buildApp, internalToken } from './helpers.js'

/** A real system-token service on 127.0.0.1: GET /dhos/v1/system/{id}/jwt -> { jwt }. */
let server: Server
let base: string
const requests: string[] = []
let mode: 'ok' | '500' | 'no-jwt' | 'hang' = 'ok'
let expiresInSec = 300

beforeAll(async () => {
  server = createServer((req, res) => {
    requests.push(req.url ?? '')
    const match = /^\/dhos\/v1\/system\/([^/]+)\/jwt$/.exec(req.url ?? '')
    if (mode === 'hang') return
    if (!match || mode === '500') return void res.writeHead(500).end('{}')
    const jwt =
      mode === 'no-jwt'
        ? undefined
        : internalToken({ metadata: { system_id: decodeURIComponent(match[1] ?? '') }, expiresInSec })
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jwt }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
})
beforeEach(() => {
  requests.length = 0
  mode = 'ok'
  expiresInSec = 300
})

describe('system JWT client', () => {
  it('fetches from SYSTEM_AUTH_URL_SCHEME://SYSTEM_AUTH_HOST:SYSTEM_AUTH_PORT and adds the header', async (ctx) => {
    const port = String((server.address() as AddressInfo).port)
    const app = await buildApp({
      env: { SYSTEM_AUTH_HOST: '127.0.0.1', SYSTEM_AUTH_PORT: port, SYSTEM_AUTH_URL_SCHEME: 'http' },
    })
    ctx.onTestFinished(() => app.close())
    const headers = await app.addSystemJwtToHeaders({ Accept: 'application/json' }, 'dhos-robot')
    expect(headers.Accept).toBe('application/json')
    expect(headers.Authorization).toMatch(/^Bearer [\w-]+\.[\w-]+\.[\w-]+$/)
    expect(requests).toEqual(['/dhos/v1/system/dhos-robot/jwt'])
  })

  it('reuses a token until shortly before exp, then fetches a new one', async (ctx) => {
    const app = await buildApp({ security: { systemAuthUrl: base } })
    ctx.onTestFinished(() => app.close())
    const a = await app.getSystemJwt('s1')
    const b = await app.getSystemJwt('s1')
    expect(b).toBe(a)
    expect(requests).toHaveLength(1)
    expiresInSec = 30 // inside the 60 s margin: never reused
    await app.getSystemJwt('s2')
    await app.getSystemJwt('s2')
    expect(requests.filter((r) => r.includes('/s2/'))).toHaveLength(2)
  })

  it('shares one request between concurrent callers', async (ctx) => {
    const app = await buildApp({ security: { systemAuthUrl: base } })
    ctx.onTestFinished(() => app.close())
    const [a, b] = await Promise.all([
      app.getSystemJwt('dhos-robot_1.v2~x'),
      app.getSystemJwt('dhos-robot_1.v2~x'),
    ])
    expect(a).toBe(b)
    expect(requests).toEqual(['/dhos/v1/system/dhos-robot_1.v2~x/jwt'])
  })

  it('refuses a system id that is not one safe path segment, before any request', async (ctx) => {
    const app = await buildApp({ security: { systemAuthUrl: base } })
    ctx.onTestFinished(() => app.close())
    for (const id of [
      '.',
      '..',
      '',
      'a/b',
      '../admin',
      'a b',
      '%2e%2e',
      'a?b',
      'a#b',
      'é',
      'a\\b',
      'x'.repeat(129),
    ]) {
      await expect(app.getSystemJwt(id), id).rejects.toMatchObject({
        code: 'FBI_SECURITY_INVALID_SYSTEM_ID',
        statusCode: 500,
      })
      await expect(app.addSystemJwtToHeaders({}, id), id).rejects.toBeInstanceOf(
        FBI_SECURITY_INVALID_SYSTEM_ID,
      )
    }
    expect(requests).toEqual([])
  })

  it.for(['500', 'no-jwt', 'hang'] as const)(
    'throws FBI_SECURITY_SYSTEM_JWT_FAILED (503) when the service answers %s',
    async (m, ctx) => {
      mode = m
      const app = await buildApp({ security: { systemAuthUrl: base, systemJwtTimeoutMs: 200 } })
      ctx.onTestFinished(() => app.close())
      const error = await app.getSystemJwt('s').then(
        () => undefined,
        (e: unknown) => e as Error & { statusCode?: number },
      )
      expect(error).toBeInstanceOf(FBI_SECURITY_SYSTEM_JWT_FAILED)
      expect(error?.statusCode).toBe(503)
    },
  )

  // fetch is the platform's or a stub's: whatever it rejects with, the caller gets the coded error,
  // never the value itself (a falsy rejection would read as success to a callback API).
  const unprintable = {
    toString() {
      throw undefined
    },
    [Symbol.for('nodejs.util.inspect.custom')]() {
      throw undefined
    },
  }
  it.for([
    ['undefined', undefined],
    ['null', null],
    ['an object that cannot be printed', unprintable],
  ] as const)('throws FBI_SECURITY_SYSTEM_JWT_FAILED when fetch rejects with %s', async ([, value], ctx) => {
    const app = await buildApp({ security: { systemAuthUrl: base } })
    ctx.onTestFinished(() => app.close())
    vi.stubGlobal('fetch', () => Promise.reject(value))
    ctx.onTestFinished(() => {
      vi.unstubAllGlobals()
    })
    const error = await app.getSystemJwt('s').then(
      () => undefined,
      (e: unknown) => e as Error & { statusCode?: number },
    )
    expect(error).toBeInstanceOf(FBI_SECURITY_SYSTEM_JWT_FAILED)
    expect(error?.statusCode).toBe(503)
  })

  it('does nothing when IGNORE_JWT_VALIDATION is on', async (ctx) => {
    const app = await buildApp({ env: { IGNORE_JWT_VALIDATION: 'true' }, security: { systemAuthUrl: base } })
    ctx.onTestFinished(() => app.close())
    expect(await app.getSystemJwt('s')).toBeUndefined()
    expect(await app.addSystemJwtToHeaders({ a: 'b' }, 's')).toEqual({ a: 'b' })
    expect(requests).toEqual([])
  })
})
