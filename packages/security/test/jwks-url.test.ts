import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { describe, expect, it, type TestContext } from 'vitest'
import { FBI_SECURITY_INVALID_OPTION, scopesPresent } from '../src/index.js'
import { TestJwksServer } from '../src/testing/index.js'
import { bearer, buildApp } from './helpers.js'

/* Where the keys come from: https in production, and no redirect to anywhere else. */

const AUDIENCE = 'https://api.example.com/'

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function close(server: Server): Promise<void> {
  server.closeAllConnections()
  return new Promise((resolve) => server.close(() => resolve()))
}

describe('JWKS URL scheme', () => {
  it.for(['http://keys.example.com/jwks.json', 'http://10.0.0.5/jwks.json', 'http://[2001:db8::1]/jwks'])(
    'refuses %s in production',
    async (jwksUrl) => {
      const error = await buildApp({
        env: { ENVIRONMENT: 'PRODUCTION', HS_KEY: 'k'.repeat(64) },
        security: { issuers: [{ issuer: 'https://idp/', kind: 'jwks', jwksUrl, audience: AUDIENCE }] },
      }).then(
        (app) => app.close().then(() => undefined),
        (e: unknown) => e as Error,
      )
      expect(error).toBeInstanceOf(FBI_SECURITY_INVALID_OPTION)
      expect(error?.message).toContain('must be https in production')
    },
  )

  it('accepts https anywhere, and http on loopback or outside production', async () => {
    const cases = [
      { env: 'PRODUCTION', jwksUrl: 'https://keys.example.com/jwks.json' },
      { env: 'PRODUCTION', jwksUrl: 'http://127.0.0.1:9/jwks.json' },
      { env: 'PRODUCTION', jwksUrl: 'http://localhost:9/jwks.json' },
      { env: 'PRODUCTION', jwksUrl: 'http://[::1]:9/jwks.json' },
      { env: 'DEVELOPMENT', jwksUrl: 'http://keys.example.com/jwks.json' },
    ]
    for (const { env, jwksUrl } of cases) {
      const app = await buildApp({
        env: { ENVIRONMENT: env, HS_KEY: 'k'.repeat(64) },
        security: { issuers: [{ issuer: 'https://idp/', kind: 'jwks', jwksUrl, audience: AUDIENCE }] },
      })
      await app.close()
    }
  })
})

describe('JWKS redirects', () => {
  async function setup(ctx: TestContext, redirectTo: (attacker: TestJwksServer) => string) {
    // The attacker's own provider, where a redirect of the configured JWKS URL would lead.
    const attacker = await TestJwksServer.start({ algorithms: ['RS256'] })
    ctx.onTestFinished(() => attacker.stop())
    // The configured JWKS URL answers with a redirect.
    const front = createServer((_req, res) => {
      res.writeHead(302, { location: redirectTo(attacker) }).end()
    })
    const frontUrl = await listen(front)
    ctx.onTestFinished(() => close(front))
    const app = await buildApp({
      security: {
        jwksCooldownMs: 0,
        issuers: [
          { issuer: 'https://idp/', kind: 'jwks', jwksUrl: `${frontUrl}/jwks.json`, audience: AUDIENCE },
        ],
      },
      routes: (a) =>
        a.get('/p', { config: { protect: scopesPresent('read:x') } }, async () => ({ ok: true })),
    })
    ctx.onTestFinished(() => app.close())
    const forged = attacker.sign({ issuer: 'https://idp/', audience: AUDIENCE, scope: 'read:x' })
    return { app, attacker, forged }
  }

  it('does not follow a redirect to another origin', async (ctx) => {
    const { app, attacker, forged } = await setup(ctx, (attacker) => attacker.jwksUrl)
    const res = await app.inject({ url: '/p', headers: bearer(forged) })
    expect(res.statusCode).toBe(401)
    expect(attacker.requestCount).toBe(0)
  })

  it('follows a redirect within the same origin', async (ctx) => {
    const provider = await TestJwksServer.start({ algorithms: ['RS256'] })
    ctx.onTestFinished(() => provider.stop())
    // A host that moved its document: /old redirects to /jwks.json on the same origin.
    const paths: string[] = []
    const host = createServer((req, res) => {
      paths.push(req.url ?? '')
      if (req.url === '/old') res.writeHead(301, { location: '/jwks.json' }).end()
      else res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(provider.jwks()))
    })
    const hostUrl = await listen(host)
    ctx.onTestFinished(() => close(host))
    const app = await buildApp({
      security: {
        jwksCooldownMs: 0,
        issuers: [{ issuer: provider.url, kind: 'jwks', jwksUrl: `${hostUrl}/old`, audience: AUDIENCE }],
      },
      routes: (a) =>
        a.get('/p', { config: { protect: scopesPresent('read:x') } }, async () => ({ ok: true })),
    })
    ctx.onTestFinished(() => app.close())
    const token = provider.sign({ issuer: provider.url, audience: AUDIENCE, scope: 'read:x' })
    expect((await app.inject({ url: '/p', headers: bearer(token) })).statusCode).toBe(200)
    expect(paths).toEqual(['/old', '/jwks.json'])
  })

  it('stops after three redirects', async (ctx) => {
    const paths: string[] = []
    const host = createServer((req, res) => {
      paths.push(req.url ?? '')
      res.writeHead(302, { location: `/loop${paths.length}` }).end()
    })
    const hostUrl = await listen(host)
    ctx.onTestFinished(() => close(host))
    const provider = await TestJwksServer.start({ algorithms: ['RS256'] })
    ctx.onTestFinished(() => provider.stop())
    const app = await buildApp({
      security: {
        jwksCooldownMs: 0,
        issuers: [{ issuer: provider.url, kind: 'jwks', jwksUrl: `${hostUrl}/start`, audience: AUDIENCE }],
      },
      routes: (a) =>
        a.get('/p', { config: { protect: scopesPresent('read:x') } }, async () => ({ ok: true })),
    })
    ctx.onTestFinished(() => app.close())
    const token = provider.sign({ issuer: provider.url, audience: AUDIENCE, scope: 'read:x' })
    expect((await app.inject({ url: '/p', headers: bearer(token) })).statusCode).toBe(401)
    expect(paths).toHaveLength(4)
  })
})
