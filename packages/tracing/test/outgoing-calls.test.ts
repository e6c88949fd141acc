import { publicRoute, scopesPresent } from '@fbi/security'
import { TestJwksServer } from '@fbi/security/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CollectedSpan, TestCollector } from '../src/testing/index.js'
import { buildApp, hex, recordingServer, token, traceparent, tracingEnv } from './helpers.js'

let collector: TestCollector
beforeAll(async () => {
  collector = await TestCollector.start()
})
afterAll(() => collector.stop())

const CLIENT = 3
const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/

function clientSpans(spans: readonly CollectedSpan[], traceId: string): CollectedSpan[] {
  return spans.filter((span) => span.traceId === traceId && span.kind === CLIENT)
}

describe('outgoing calls', () => {
  it('propagates the trace on a system-JWT fetch and makes its CLIENT span, without the URL path', async (ctx) => {
    const auth = await recordingServer(() => ({ jwt: token(['read:patient'], { system_id: 'robot' }) }))
    ctx.onTestFinished(() => auth.close())
    const port = new URL(auth.url).port
    const { app } = await buildApp({
      env: { ...tracingEnv(collector, 'caller'), SYSTEM_AUTH_HOST: '127.0.0.1', SYSTEM_AUTH_PORT: port },
      routes(app) {
        app.get('/call', { config: { protect: publicRoute } }, async () => ({
          got: typeof (await app.getSystemJwt('dhos-robot')),
        }))
      },
    })
    ctx.onTestFinished(() => app.close())
    const traceId = hex(16)
    const res = await app.inject({ url: '/call', headers: { traceparent: traceparent(traceId, hex(8)) } })
    expect(res.json()).toEqual({ got: 'string' })
    await app.close()

    const [sent] = auth.headers
    const match = TRACEPARENT.exec(String(sent?.traceparent))
    expect(match?.[1]).toBe(traceId)
    const spans = await collector.waitFor((all) => clientSpans(all, traceId).length === 1)
    const [call] = clientSpans(spans, traceId)
    const handler = spans.find((span) => span.traceId === traceId && span.name.startsWith('handler - '))
    expect(call).toMatchObject({
      name: 'GET',
      spanId: match?.[2],
      parentSpanId: handler?.spanId,
      serviceName: 'caller',
    })
    expect(call?.attributes).toMatchObject({
      'url.full': `${auth.url}/REDACTED`,
      'url.path': '/REDACTED',
      'server.address': '127.0.0.1',
      'server.port': Number(port),
      'http.response.status_code': 200,
    })
    expect(JSON.stringify(call)).not.toContain('dhos-robot')
  })

  it('propagates the trace on the JWKS fetch a token from an unknown key makes', async (ctx) => {
    const provider = await TestJwksServer.start({ algorithms: ['RS256'] })
    ctx.onTestFinished(() => provider.stop())
    const jwks = await recordingServer(() => provider.jwks())
    ctx.onTestFinished(() => jwks.close())
    const { app } = await buildApp({
      auth0: true,
      env: {
        ...tracingEnv(collector),
        AUTH0_AUDIENCE: 'https://api.example.com/',
        AUTH0_DOMAIN: provider.url,
        AUTH0_JWKS_URL: `${jwks.url}/.well-known/jwks.json`,
        AUTH0_METADATA: 'https://example.com/metadata',
      },
      routes(app) {
        app.get('/me', { config: { protect: scopesPresent('read:me') } }, async () => 'ok')
      },
    })
    ctx.onTestFinished(() => app.close())
    const bearer = provider.sign({
      issuer: provider.url,
      audience: 'https://api.example.com/',
      claimsKey: 'https://example.com/metadata',
      scopesKey: 'https://example.com/scope',
      metadata: { clinician_id: 'c-1' },
      scope: ['read:me'],
    })
    const traceId = hex(16)
    const res = await app.inject({
      url: '/me',
      headers: { authorization: `Bearer ${bearer}`, traceparent: traceparent(traceId, hex(8)) },
    })
    expect(res.statusCode).toBe(200)
    const fetches = jwks.headers.filter((headers) => headers.traceparent !== undefined)
    expect(fetches.map((headers) => TRACEPARENT.exec(String(headers.traceparent))?.[1])).toEqual([traceId])
  })

  it('leaves a fetch made outside a traced request alone', async (ctx) => {
    const other = await recordingServer(() => ({}))
    ctx.onTestFinished(() => other.close())
    const { app } = await buildApp({ env: tracingEnv(collector) })
    ctx.onTestFinished(() => app.close())
    await (await fetch(other.url)).text()
    expect(other.headers[0]?.traceparent).toBeUndefined()
  })
})
