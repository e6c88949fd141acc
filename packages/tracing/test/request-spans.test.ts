import { and, matchKeys, scopesPresent } from '@fbi/security'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SPAN_ATTRIBUTES } from '../src/index.js'
import { type CollectedSpan, TestCollector } from '../src/testing/index.js'
import { buildApp, everyValue, hex, ISSUER, token, traceparent, tracingEnv } from './helpers.js'

let collector: TestCollector
beforeAll(async () => {
  collector = await TestCollector.start()
})
afterAll(() => collector.stop())

const SERVER = 2
const PATIENT_ID = 'c7d2a9e4-patient-0001'

async function patientsApp() {
  return buildApp({
    env: tracingEnv(collector, 'patients'),
    routes(app) {
      app.get(
        '/patient/:patient_id',
        { config: { protect: and(scopesPresent('read:patient'), matchKeys({ patient_id: 'patient_id' })) } },
        async (request) => {
          request.log.info('handler ran')
          return { ok: true }
        },
      )
      app.get('/boom', { config: { protect: scopesPresent('read:patient') } }, async () => {
        throw new RangeError('handler broke')
      })
    },
  })
}

function serverSpanOf(spans: readonly CollectedSpan[], traceId: string): CollectedSpan | undefined {
  return spans.find((span) => span.traceId === traceId && span.kind === SERVER)
}

async function spansOfTrace(traceId: string): Promise<CollectedSpan[]> {
  const spans = await collector.waitFor((all) => serverSpanOf(all, traceId) !== undefined)
  return spans.filter((span) => span.traceId === traceId)
}

describe('request spans', () => {
  it('makes a SERVER span named by route pattern, child of the incoming traceparent, with the principal but not its id', async (ctx) => {
    const { app, logs } = await patientsApp()
    ctx.onTestFinished(() => app.close())
    const traceId = hex(16)
    const parentId = hex(8)
    const bearer = token(['read:patient'], { patient_id: PATIENT_ID })
    const res = await app.inject({
      url: `/patient/${PATIENT_ID}?include=${PATIENT_ID}`,
      headers: {
        authorization: `Bearer ${bearer}`,
        traceparent: traceparent(traceId, parentId),
        tracestate: 'vendor=opaque',
      },
    })
    expect(res.statusCode).toBe(200)
    await app.close()

    const spans = await spansOfTrace(traceId)
    const server = serverSpanOf(spans, traceId) as CollectedSpan
    expect(server).toMatchObject({
      name: 'GET /patient/:patient_id',
      parentSpanId: parentId,
      serviceName: 'patients',
      scope: '@fastify/otel',
      status: { code: 0 },
    })
    expect(server.attributes).toMatchObject({
      'http.route': '/patient/:patient_id',
      'http.request.method': 'GET',
      'http.response.status_code': 200,
      'url.path': '/patient/{patient_id}',
      [SPAN_ATTRIBUTES.issuer]: ISSUER,
      [SPAN_ATTRIBUTES.userIdKind]: 'patient_id',
      [SPAN_ATTRIBUTES.requestId]: res.headers['x-request-id'],
    })
    expect(server.attributes[SPAN_ATTRIBUTES.denial]).toBeUndefined()
    // The handler's own span, under the request's.
    expect(spans.find((span) => span.parentSpanId === server.spanId)?.name).toMatch(/^handler - /)
    // Neither the token nor the user id, in any attribute of any span of the trace.
    for (const value of everyValue(spans)) {
      expect(value).not.toContain(PATIENT_ID)
      expect(value).not.toContain(bearer.split('.')[2])
    }

    // Every line the request wrote carries its trace: the handler's and the request log line.
    const lines = logs.filter((line) => line.reqId === res.headers['x-request-id'])
    expect(lines.map((line) => line.msg)).toEqual(['handler ran', 'GET "/patient/:patient_id" 200'])
    for (const line of lines) {
      expect(line).toMatchObject({ trace_id: traceId, span_id: server.spanId, trace_flags: '01' })
    }
  })

  it('starts a new trace for a request without traceparent', async (ctx) => {
    const { app, logs } = await patientsApp()
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({
      url: `/patient/${PATIENT_ID}`,
      headers: { authorization: `Bearer ${token(['read:patient'], { patient_id: PATIENT_ID })}` },
    })
    expect(res.statusCode).toBe(200)
    const line = logs.find((l) => l.httpRequest !== undefined) as { trace_id: string }
    expect(line.trace_id).toMatch(/^[0-9a-f]{32}$/)
    await app.close()
    const server = serverSpanOf(await spansOfTrace(line.trace_id), line.trace_id)
    expect(server?.parentSpanId).toBe('')
  })

  it('keeps the trace in the request line when @fbi/monitoring rebuilds the logger (no monitoringServerOptions)', async (ctx) => {
    const { app, logs } = await buildApp({
      env: tracingEnv(collector),
      serverOptions: false,
      routes: (app) =>
        app.get(
          '/patient/:patient_id',
          { config: { protect: scopesPresent('read:patient') } },
          async () => 'ok',
        ),
    })
    ctx.onTestFinished(() => app.close())
    const traceId = hex(16)
    const res = await app.inject({
      url: `/patient/${PATIENT_ID}`,
      headers: {
        authorization: `Bearer ${token(['read:patient'], { patient_id: PATIENT_ID })}`,
        traceparent: traceparent(traceId, hex(8)),
        'x-request-id': 'caller-chosen-id',
      },
    })
    expect(res.headers['x-request-id']).toBe('caller-chosen-id')
    const line = logs.find((l) => l.httpRequest !== undefined)
    expect(line).toMatchObject({ reqId: 'caller-chosen-id', trace_id: traceId })
  })

  it('records a denial: 401 without a token, 403 when the predicate refuses', async (ctx) => {
    const { app, logs } = await patientsApp()
    ctx.onTestFinished(() => app.close())
    const unauthenticated = hex(16)
    const forbidden = hex(16)
    const r401 = await app.inject({
      url: `/patient/${PATIENT_ID}`,
      headers: { traceparent: traceparent(unauthenticated, hex(8)) },
    })
    const r403 = await app.inject({
      url: `/patient/${PATIENT_ID}`,
      headers: {
        authorization: `Bearer ${token(['read:patient'], { patient_id: 'someone-else' })}`,
        traceparent: traceparent(forbidden, hex(8)),
      },
    })
    expect([r401.statusCode, r403.statusCode]).toEqual([401, 403])
    await app.close()

    const s401 = serverSpanOf(await spansOfTrace(unauthenticated), unauthenticated) as CollectedSpan
    expect(s401.attributes).toMatchObject({
      'http.response.status_code': 401,
      [SPAN_ATTRIBUTES.denial]: 'unauthenticated',
    })
    expect(s401.attributes[SPAN_ATTRIBUTES.issuer]).toBeUndefined()
    const s403 = serverSpanOf(await spansOfTrace(forbidden), forbidden) as CollectedSpan
    expect(s403.attributes).toMatchObject({
      'http.response.status_code': 403,
      [SPAN_ATTRIBUTES.denial]: 'forbidden',
      [SPAN_ATTRIBUTES.issuer]: ISSUER,
      [SPAN_ATTRIBUTES.userIdKind]: 'patient_id',
    })
    // A 4xx is the client's: the span's status stays unset.
    expect([s401.status.code, s403.status.code]).toEqual([0, 0])
    // The request lines of denied requests carry their trace too.
    const traced = logs.filter((line) => line.httpRequest !== undefined).map((line) => line.trace_id)
    expect(traced).toEqual([unauthenticated, forbidden])
  })

  it('records an error thrown by the handler on the span', async (ctx) => {
    const { app } = await patientsApp()
    ctx.onTestFinished(() => app.close())
    const traceId = hex(16)
    const res = await app.inject({
      url: '/boom',
      headers: {
        authorization: `Bearer ${token(['read:patient'], { clinician_id: 'clinician-42' })}`,
        traceparent: traceparent(traceId, hex(8)),
      },
    })
    expect(res.statusCode).toBe(500)
    await app.close()
    const spans = await spansOfTrace(traceId)
    const server = serverSpanOf(spans, traceId) as CollectedSpan
    expect(server.status).toEqual({ code: 2, message: 'handler broke' })
    expect(server.attributes).toMatchObject({
      'http.response.status_code': 500,
      'error.type': '500',
      [SPAN_ATTRIBUTES.userIdKind]: 'clinician_id',
    })
    expect(server.events.map((event) => event.name)).toContain('exception')
    expect(everyValue(spans).join(' ')).not.toContain('clinician-42')
  })

  it('leaves the monitoring routes untraced unless asked', async (ctx) => {
    const quiet = await patientsApp()
    ctx.onTestFinished(() => quiet.app.close())
    const quietTrace = hex(16)
    expect(
      (await quiet.app.inject({ url: '/running', headers: { traceparent: traceparent(quietTrace, hex(8)) } }))
        .statusCode,
    ).toBe(200)
    await quiet.app.close()

    const probed = await buildApp({ env: tracingEnv(collector), tracing: { traceMonitoringRoutes: true } })
    ctx.onTestFinished(() => probed.app.close())
    const probedTrace = hex(16)
    await probed.app.inject({ url: '/running', headers: { traceparent: traceparent(probedTrace, hex(8)) } })
    await probed.app.close()
    expect(serverSpanOf(await spansOfTrace(probedTrace), probedTrace)?.name).toBe('GET /running')
    expect(collector.spans.some((span) => span.traceId === quietTrace)).toBe(false)
  })
})
