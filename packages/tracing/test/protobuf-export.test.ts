import { publicRoute } from '@fbi/security'
import { describe, expect, it } from 'vitest'
import { TestCollector } from '../src/testing/index.js'
import { buildApp, hex, traceparent, tracingEnv } from './helpers.js'

describe('OTLP/HTTP protobuf, the default protocol', () => {
  it('posts application/x-protobuf to /v1/traces with the configured headers, the trace id inside', async (ctx) => {
    const collector = await TestCollector.start()
    ctx.onTestFinished(() => collector.stop())
    const env = tracingEnv(collector, 'protobuf-service')
    delete env.OTEL_EXPORTER_OTLP_PROTOCOL
    const { app } = await buildApp({
      env: { ...env, OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=collector%20secret' },
      routes: (app) => app.get('/', { config: { protect: publicRoute } }, async () => 'ok'),
    })
    ctx.onTestFinished(() => app.close())
    const traceId = hex(16)
    expect(
      (await app.inject({ url: '/', headers: { traceparent: traceparent(traceId, hex(8)) } })).statusCode,
    ).toBe(200)
    await app.close()

    const [request] = collector.requests
    expect(request).toMatchObject({ path: '/v1/traces', contentType: 'application/x-protobuf' })
    expect(request?.headers['x-api-key']).toBe('collector secret')
    // Not decoded (that needs the OTLP .proto files): the span's trace id is there as its 16 bytes,
    // and so are the service name and the route.
    expect(request?.body.includes(Buffer.from(traceId, 'hex'))).toBe(true)
    expect(request?.body.includes(Buffer.from('protobuf-service'))).toBe(true)
    expect(request?.body.includes(Buffer.from('GET /'))).toBe(true)
  })
})
