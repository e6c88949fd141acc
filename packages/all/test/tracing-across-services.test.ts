import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { scopesPresent } from '@fbi/security'
import { SPAN_ATTRIBUTES } from '@fbi/tracing'
import { type CollectedSpan, TestCollector } from '@fbi/tracing/testing'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fbi, { fbiServerOptions } from '../src/index.js'
import { databaseEnv, ENV, PROXY_URL, token } from './helpers.js'

interface LogLine {
  msg: string
  trace_id?: string
  httpRequest?: unknown
}

let collector: TestCollector
beforeAll(async () => {
  collector = await TestCollector.start()
})
afterAll(() => collector.stop())

const SERVER = 2
const CLIENT = 3
const PATIENT_ID = 'e5b1c0de-0000-4000-8000-00000000cafe'
const CLINICIAN_ID = 'clinician-4711'
const SYSTEM_ID = 'dhos-robot'

async function service(
  name: string,
  env: Record<string, string>,
  options: { db?: boolean },
  routes: (app: FastifyInstance) => void,
): Promise<{ app: FastifyInstance; url: string; logs: LogLine[] }> {
  const logs: LogLine[] = []
  const app = Fastify({
    ...fbiServerOptions(),
    logger: { level: 'info', stream: { write: (line: string) => logs.push(JSON.parse(line) as LogLine) } },
  })
  await app.register(fbi, {
    db: options.db === true,
    env: {
      ...ENV,
      ...(options.db ? databaseEnv() : {}),
      ...env,
      OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: name,
      OTEL_BSP_SCHEDULE_DELAY: '10',
    },
  })
  routes(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, logs }
}

/** The platform's system-token service: a token of the internal issuer for any system id. */
async function systemAuthServer() {
  const server = createServer((_request, response) => {
    const jwt = token(['read:gdm_patient'], { system_id: SYSTEM_ID })
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jwt }))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { server, port: String((server.address() as AddressInfo).port) }
}

describe('one trace across two fbi services and the database', () => {
  it('joins A, its system-JWT fetch, B and its query, and every log line carries the trace id', async (ctx) => {
    const auth = await systemAuthServer()
    ctx.onTestFinished(() => new Promise<void>((resolve) => auth.server.close(() => resolve())))

    // B: a protected route that reads the database.
    const b = await service('patients-b', {}, { db: true }, (app) => {
      app.get(
        '/dhos/v1/patient/:patient_id',
        { config: { protect: scopesPresent('read:gdm_patient') } },
        async (request) => {
          const { patient_id } = request.params as { patient_id: string }
          request.log.info('reading the patient')
          const { rows } = await app.pg.query('SELECT $1::text AS patient_id', [patient_id])
          return rows[0]
        },
      )
    })
    ctx.onTestFinished(() => b.app.close())

    // A: a clinician's route that calls B with a system token.
    const a = await service(
      'summary-a',
      { SYSTEM_AUTH_HOST: '127.0.0.1', SYSTEM_AUTH_PORT: auth.port },
      {},
      (app) => {
        app.get(
          '/dhos/v1/summary/:patient_id',
          { config: { protect: scopesPresent('read:summary') } },
          async (request) => {
            const { patient_id } = request.params as { patient_id: string }
            const headers = await app.addSystemJwtToHeaders({}, SYSTEM_ID)
            const answer = await fetch(`${b.url}/dhos/v1/patient/${patient_id}`, { headers })
            return { fromB: await answer.json() }
          },
        )
      },
    )
    ctx.onTestFinished(() => a.app.close())

    const clinicianToken = token(['read:summary'], { clinician_id: CLINICIAN_ID })
    const res = await fetch(`${a.url}/dhos/v1/summary/${PATIENT_ID}`, {
      headers: { authorization: `Bearer ${clinicianToken}` },
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toEqual({ fromB: { patient_id: PATIENT_ID } })
    await a.app.close()
    await b.app.close()

    // A started the trace; its request line says which.
    const aLine = a.logs.find((line) => line.httpRequest !== undefined && line.msg.includes('/summary/'))
    const traceId = aLine?.trace_id as string
    expect(traceId).toMatch(/^[0-9a-f]{32}$/)
    const spans = (
      await collector.waitFor((all) =>
        all.some((s) => s.traceId === traceId && s.name.startsWith('pg.query')),
      )
    ).filter((span) => span.traceId === traceId)
    const find = (service: string, kind: number, name: RegExp): CollectedSpan => {
      const span = spans.find((s) => s.serviceName === service && s.kind === kind && name.test(s.name))
      if (span === undefined)
        throw new RangeError(
          `no ${name} span of ${service} in ${JSON.stringify(spans.map((s) => [s.serviceName, s.name]))}`,
        )
      return span
    }
    const aServer = find('summary-a', SERVER, /^GET \/dhos\/v1\/summary\/:patient_id$/)
    const aHandler = find('summary-a', 1, /^handler - /)
    const aCalls = spans.filter((s) => s.serviceName === 'summary-a' && s.kind === CLIENT)
    const bServer = find('patients-b', SERVER, /^GET \/dhos\/v1\/patient\/:patient_id$/)
    const bHandler = find('patients-b', 1, /^handler - /)
    const bQuery = find('patients-b', CLIENT, /^pg\.query:SELECT /)

    // The tree: A's request → A's handler → (system-JWT fetch, call to B) → B's request → B's handler → query.
    expect(aServer.parentSpanId).toBe('')
    expect(aHandler.parentSpanId).toBe(aServer.spanId)
    expect(aCalls).toHaveLength(2)
    for (const call of aCalls) expect(call.parentSpanId).toBe(aHandler.spanId)
    const callToB = aCalls.find((call) => call.attributes['server.port'] === Number(new URL(b.url).port))
    expect(callToB?.attributes['http.response.status_code']).toBe(200)
    expect(bServer.parentSpanId).toBe(callToB?.spanId)
    expect(bHandler.parentSpanId).toBe(bServer.spanId)
    expect(bQuery.parentSpanId).toBe(bHandler.spanId)

    // Who called, without who: A's caller is a clinician, B's a system, both of the internal issuer.
    expect(aServer.attributes).toMatchObject({
      [SPAN_ATTRIBUTES.issuer]: `${PROXY_URL}/`,
      [SPAN_ATTRIBUTES.userIdKind]: 'clinician_id',
    })
    expect(bServer.attributes).toMatchObject({
      [SPAN_ATTRIBUTES.issuer]: `${PROXY_URL}/`,
      [SPAN_ATTRIBUTES.userIdKind]: 'system_id',
    })
    expect(bQuery.attributes['db.query.text']).toBe('SELECT $1::text AS patient_id')

    // No token, no user id, no patient id, in any attribute of any span of the trace.
    const everything = JSON.stringify(spans)
    for (const secret of [PATIENT_ID, CLINICIAN_ID, clinicianToken.split('.')[2] as string, SYSTEM_ID]) {
      expect(everything).not.toContain(secret)
    }

    // Every line either service wrote for this call carries the trace id: A's, and B's handler and request lines.
    const bLines = b.logs.filter(
      (line) => line.msg === 'reading the patient' || line.httpRequest !== undefined,
    )
    expect(bLines).toHaveLength(2)
    for (const line of [aLine, ...bLines]) expect(line?.trace_id).toBe(traceId)
  })
})
