import { scopesPresent } from '@fbi/security'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CollectedSpan, TestCollector } from '../src/testing/index.js'
import { buildApp, hex, token, traceparent, tracingEnv } from './helpers.js'

let collector: TestCollector
beforeAll(async () => {
  collector = await TestCollector.start()
})
afterAll(() => collector.stop())

const CLIENT = 3
const protect = scopesPresent('read:patient')
const bearer = `Bearer ${token(['read:patient'], { clinician_id: 'clinician-7' })}`

function queriesOf(spans: readonly CollectedSpan[], traceId: string): CollectedSpan[] {
  return spans.filter((span) => span.traceId === traceId && span.name.startsWith('pg.query:'))
}

describe('PostgreSQL spans', () => {
  it('makes a CLIENT span per query under the handler, with its literals replaced', async (ctx) => {
    const { app } = await buildApp({
      db: true,
      env: { ...tracingEnv(collector, 'db-service'), DATABASE_POOL_SIZE: '1' },
      routes(app) {
        app.get('/rows', { config: { protect } }, async () => {
          const parameterized = await app.pg.query('SELECT $1::text AS name', ['Ada Lovelace'])
          const literal = await app.pg.query("SELECT 'NHS 943 476 5919' AS nhs, 42 AS n, $$quoted$$ AS q")
          return { name: parameterized.rows[0].name, nhs: literal.rows[0].nhs }
        })
      },
    })
    ctx.onTestFinished(() => app.close())
    const traceId = hex(16)
    const res = await app.inject({
      url: '/rows',
      headers: { authorization: bearer, traceparent: traceparent(traceId, hex(8)) },
    })
    expect(res.json()).toEqual({ name: 'Ada Lovelace', nhs: 'NHS 943 476 5919' })
    await app.close()

    const spans = await collector.waitFor((all) => queriesOf(all, traceId).length === 2)
    const handler = spans.find((span) => span.traceId === traceId && span.name.startsWith('handler - '))
    const [parameterized, literal] = queriesOf(spans, traceId)
    const database = String(parameterized?.attributes['db.namespace'])
    expect(database.length).toBeGreaterThan(0)
    for (const query of [parameterized, literal]) {
      expect(query).toMatchObject({
        name: `pg.query:SELECT ${database}`,
        kind: CLIENT,
        parentSpanId: handler?.spanId,
        serviceName: 'db-service',
        status: { code: 0 },
      })
      expect(query?.attributes).toMatchObject({
        'db.system.name': 'postgresql',
        'db.operation.name': 'SELECT',
        'server.address': expect.any(String),
        'server.port': expect.any(Number),
      })
    }
    expect(parameterized?.attributes['db.query.text']).toBe('SELECT $1::text AS name')
    expect(literal?.attributes['db.query.text']).toBe('SELECT ? AS nhs, ? AS n, ? AS q')
    const everything = JSON.stringify(spans.filter((span) => span.traceId === traceId))
    expect(everything).not.toContain('Ada Lovelace')
    expect(everything).not.toContain('943 476 5919')
  })

  it('records a failed query by its SQLSTATE, never by its message', async (ctx) => {
    const { app } = await buildApp({
      db: true,
      env: tracingEnv(collector),
      routes(app) {
        app.get('/bad', { config: { protect } }, async () => {
          await app.pg.query('SELECT $1::uuid', ['not-a-uuid-but-a-patient-name'])
        })
      },
    })
    ctx.onTestFinished(() => app.close())
    const traceId = hex(16)
    const res = await app.inject({
      url: '/bad',
      headers: { authorization: bearer, traceparent: traceparent(traceId, hex(8)) },
    })
    expect(res.statusCode).toBeGreaterThanOrEqual(400)
    await app.close()
    const spans = await collector.waitFor((all) => queriesOf(all, traceId).length === 1)
    const [query] = queriesOf(spans, traceId)
    expect(query?.status).toEqual({ code: 2, message: 'PostgreSQL error 22P02' })
    expect(query?.attributes).toMatchObject({ 'error.type': '22P02', 'db.response.status_code': '22P02' })
    expect(JSON.stringify(query)).not.toContain('patient-name')
  })

  it('puts a query that waited for a connection in its own request trace, not in the releasing one', async (ctx) => {
    let release: () => void = () => {}
    const held = new Promise<void>((resolve) => {
      release = resolve
    })
    let holding: () => void = () => {}
    const isHolding = new Promise<void>((resolve) => {
      holding = resolve
    })
    const { app } = await buildApp({
      db: true,
      env: { ...tracingEnv(collector), DATABASE_POOL_SIZE: '1' },
      routes(app) {
        // Holds the only connection until told, then releases it from inside its own request.
        app.get('/hold', { config: { protect } }, async () => {
          const client = await app.pg.connect()
          holding()
          await held
          client.release()
          return 'released'
        })
        app.get('/wait', { config: { protect } }, async () => (await app.pg.query('SELECT 1 AS one')).rows[0])
      },
    })
    ctx.onTestFinished(() => app.close())
    const holder = hex(16)
    const waiter = hex(16)
    const holdRes = app.inject({
      url: '/hold',
      headers: { authorization: bearer, traceparent: traceparent(holder, hex(8)) },
    })
    await isHolding
    const waitRes = app.inject({
      url: '/wait',
      headers: { authorization: bearer, traceparent: traceparent(waiter, hex(8)) },
    })
    // Let /wait queue for the connection before /hold gives it back.
    await new Promise((resolve) => setTimeout(resolve, 200))
    release()
    expect((await waitRes).json()).toEqual({ one: 1 })
    expect((await holdRes).statusCode).toBe(200)
    await app.close()

    const spans = await collector.waitFor((all) => queriesOf(all, waiter).length === 1)
    expect(queriesOf(spans, holder)).toEqual([])
    const handler = spans.find((span) => span.traceId === waiter && span.name.startsWith('handler - '))
    expect(queriesOf(spans, waiter)[0]?.parentSpanId).toBe(handler?.spanId)
  })
})
