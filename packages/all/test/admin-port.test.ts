import type { AddressInfo } from 'node:net'
import { scopesPresent } from '@fbi/security'
import Fastify from 'fastify'
import { describe, expect, it, type TestContext } from 'vitest'
import fbi, { type FbiOptions, fbiServerOptions } from '../src/index.js'
import { ENV, token } from './helpers.js'

/** A whole service on real ports: the service's and, apart, the admin routes'. */
async function service(
  ctx: TestContext,
  options: Partial<FbiOptions> = {},
  env: Record<string, string> = {},
) {
  const app = Fastify(fbiServerOptions())
  ctx.onTestFinished(() => app.close())
  await app.register(fbi, {
    env: { ...ENV, ...env },
    monitoring: { gracefulShutdown: false, processMetrics: false, admin: { port: 0, host: '127.0.0.1' } },
    security: { requireProtection: true },
    ...options,
  })
  app.get('/p/:id', { config: { protect: scopesPresent('read:p') } }, async () => ({ ok: true }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const server = app.adminServer
  if (server === null) throw new TypeError('no admin listener')
  const adminPort = (server.address() as AddressInfo).port
  return {
    app,
    main: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    admin: `http://127.0.0.1:${adminPort}`,
  }
}

async function status(url: string, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(url, { headers })
  await res.arrayBuffer()
  return res.status
}

describe('@fbi/all with an admin port (real HTTP)', () => {
  it('serves /metrics, /version, /debug and /docs on the admin port only, the API and probes on the service port', async (ctx) => {
    const { main, admin } = await service(ctx)
    for (const path of ['/metrics', '/version', '/debug', '/docs', '/docs/json', '/docs/yaml']) {
      expect([path, await status(`${main}${path}`)]).toEqual([path, 404])
      expect([path, await status(`${admin}${path}`)]).toEqual([path, 200])
    }
    for (const path of [
      '/running',
      '/healthcheck',
      '/healthcheck/live',
      '/healthcheck/ready',
      '/healthcheck/startup',
    ]) {
      expect([path, await status(`${main}${path}`)]).toEqual([path, 200])
    }
    expect(await status(`${main}/p/1`)).toBe(401)
    expect(await status(`${main}/p/1`, { authorization: `Bearer ${token(['read:p'])}` })).toBe(200)
    // The API is not reachable through the admin port, with or without a token.
    expect(await status(`${admin}/p/1`, { authorization: `Bearer ${token(['read:p'])}` })).toBe(404)
    const document = (await (await fetch(`${admin}/docs/json`)).json()) as { paths: Record<string, unknown> }
    expect(Object.keys(document.paths)).toEqual(expect.arrayContaining(['/p/{id}', '/metrics', '/running']))
    const ui = await fetch(`${admin}/docs/`)
    expect(ui.headers.get('content-type')).toMatch(/^text\/html/)
  })

  it('with the admin token too, asks for it on the admin port', async (ctx) => {
    const secret = 's'.repeat(48)
    const { admin } = await service(ctx, {}, { ADMIN_TOKEN: secret })
    expect(await status(`${admin}/metrics`)).toBe(401)
    expect(await status(`${admin}/docs/json`)).toBe(401)
    expect(await status(`${admin}/metrics`, { authorization: `Bearer ${secret}` })).toBe(200)
    expect(await status(`${admin}/docs/json`, { authorization: `Bearer ${secret}` })).toBe(200)
    expect(await status(`${admin}/running`)).toBe(200)
  })

  it('has no /docs in production unless it is turned on by name', async (ctx) => {
    const off = await service(ctx, {}, { ENVIRONMENT: 'PRODUCTION' })
    expect(await status(`${off.admin}/docs/json`)).toBe(404)
    expect(await status(`${off.admin}/metrics`)).toBe(200)
    // The document itself is still built (openApiSpecOf, the fbi-openapi CLI): only its routes are off.
    expect(off.app.swagger()).toMatchObject({ openapi: '3.1.0' })

    const on = await service(ctx, { openapi: { docs: '/docs' } }, { ENVIRONMENT: 'PRODUCTION' })
    expect(await status(`${on.admin}/docs/json`)).toBe(200)
    expect(await status(`${on.main}/docs/json`)).toBe(404)
  })
})
