import { publicRoute } from '@fbi/security'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { TestCollector } from '../src/testing/index.js'
import { buildApp, hex, type LogLine, traceparent, tracingEnv } from './helpers.js'

let collector: TestCollector
beforeAll(async () => {
  collector = await TestCollector.start()
})
afterAll(() => collector.stop())

const SERVER = 2

async function serve(env: Record<string, string>, requests: { traceparent?: string }[]) {
  const serviceName = `sampled-${hex(4)}`
  const { app, logs } = await buildApp({
    env: { ...tracingEnv(collector, serviceName), ...env },
    routes: (app) => app.get('/', { config: { protect: publicRoute } }, async () => 'ok'),
  })
  for (const headers of requests) {
    const res = await app.inject({
      url: '/',
      headers: headers.traceparent ? { traceparent: headers.traceparent } : {},
    })
    expect(res.statusCode).toBe(200)
  }
  await app.close()
  const requestLines = logs.filter(
    (line): line is LogLine & { trace_flags: string } => line.httpRequest !== undefined,
  )
  const servers = collector.spans.filter((span) => span.serviceName === serviceName && span.kind === SERVER)
  return { servers, requestLines }
}

describe('sampler', () => {
  it('honours OTEL_TRACES_SAMPLER_ARG: about a quarter of 400 new traces at 0.25, and the log says which', async () => {
    const { servers, requestLines } = await serve(
      { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.25' },
      Array.from({ length: 400 }, () => ({})),
    )
    // Binomial(400, 0.25): mean 100, standard deviation 8.7; 60 to 140 is more than 4.5 of them.
    expect(servers.length).toBeGreaterThan(60)
    expect(servers.length).toBeLessThan(140)
    const sampled = requestLines.filter((line) => line.trace_flags === '01').map((line) => line.trace_id)
    expect(sampled.sort()).toEqual(servers.map((span) => span.traceId).sort())
    expect(requestLines.filter((line) => line.trace_flags === '00')).toHaveLength(400 - servers.length)
  })

  it('samples nothing at ratio 0 and everything with always_on', async () => {
    const none = await serve(
      { OTEL_TRACES_SAMPLER: 'traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' },
      Array.from({ length: 50 }, () => ({})),
    )
    expect(none.servers).toHaveLength(0)
    const all = await serve(
      { OTEL_TRACES_SAMPLER: 'always_on' },
      Array.from({ length: 50 }, () => ({})),
    )
    expect(all.servers).toHaveLength(50)
  })

  it('follows the caller with parentbased_traceidratio, whatever the ratio', async () => {
    const kept = hex(16)
    const dropped = hex(16)
    const { servers, requestLines } = await serve(
      { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0' },
      [
        { traceparent: traceparent(kept, hex(8), true) },
        { traceparent: traceparent(dropped, hex(8), false) },
      ],
    )
    expect(servers.map((span) => span.traceId)).toEqual([kept])
    // The unsampled request still logs the caller's trace id: logs of one call chain join all the same.
    expect(requestLines.map((line) => [line.trace_id, line.trace_flags])).toEqual([
      [kept, '01'],
      [dropped, '00'],
    ])
  })
})
