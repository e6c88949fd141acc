import { randomBytes } from 'node:crypto'
import fbiErrors from '@fbi/errors'
import Fastify from 'fastify'
import pg from 'pg'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// @fbi/errors' classification against the errors a real PostgreSQL and node-postgres raise: a lock
// that cannot be had, a deadlock, a serialization failure and a query the server does not answer in
// time. The real server is needed (PGlite has one connection, so no lock can conflict).
const url = process.env.FBI_TEST_DATABASE_URL
const UNAVAILABLE = { code: 503, message: 'Database connection failed: Service unavailable' }

describe('PostgreSQL errors from a real server', () => {
  const table = `fbi_errors_${randomBytes(4).toString('hex')}`
  let pool: pg.Pool

  beforeAll(async () => {
    if (!url) throw new TypeError('FBI_TEST_DATABASE_URL must name the real PostgreSQL for this suite')
    pool = new pg.Pool({ connectionString: url, max: 4 })
    await pool.query(`CREATE TABLE ${table} (id int PRIMARY KEY)`)
    await pool.query(`INSERT INTO ${table} VALUES (1), (2)`)
  })
  afterAll(async () => {
    await pool?.query(`DROP TABLE IF EXISTS ${table}`)
    await pool?.end()
  })

  async function appThrowing(run: () => Promise<unknown>) {
    const app = Fastify()
    await app.register(fbiErrors, { exposeServerErrors: false })
    app.get('/', async () => {
      await run()
      return { ok: true }
    })
    return app
  }

  it('answers a lock that is not available (55P03, NOWAIT) with 503', async (ctx) => {
    const holder = await pool.connect()
    ctx.onTestFinished(async () => {
      await holder.query('ROLLBACK')
      holder.release()
    })
    await holder.query('BEGIN')
    await holder.query(`SELECT id FROM ${table} WHERE id = 1 FOR UPDATE`)
    const app = await appThrowing(() => pool.query(`SELECT id FROM ${table} WHERE id = 1 FOR UPDATE NOWAIT`))
    ctx.onTestFinished(() => app.close())
    const res = await app.inject('/')
    expect(res.statusCode).toBe(503)
    expect(res.json()).toEqual(UNAVAILABLE)
  })

  it('answers a real deadlock (40P01) with 503', async (ctx) => {
    const [a, b] = [await pool.connect(), await pool.connect()]
    ctx.onTestFinished(async () => {
      for (const client of [a, b]) {
        await client.query('ROLLBACK')
        client.release()
      }
    })
    for (const client of [a, b]) {
      await client.query('BEGIN')
      await client.query("SET LOCAL deadlock_timeout = '50ms'")
    }
    await a.query(`SELECT id FROM ${table} WHERE id = 1 FOR UPDATE`)
    await b.query(`SELECT id FROM ${table} WHERE id = 2 FOR UPDATE`)
    // Each waits for the other's row: PostgreSQL cancels one of them with 40P01.
    const app = await appThrowing(async () => {
      const results = await Promise.allSettled([
        a.query(`SELECT id FROM ${table} WHERE id = 2 FOR UPDATE`),
        b.query(`SELECT id FROM ${table} WHERE id = 1 FOR UPDATE`),
      ])
      const failed = results.find((result) => result.status === 'rejected')
      if (failed) throw failed.reason
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject('/')
    expect(res.statusCode).toBe(503)
    expect(res.json()).toEqual(UNAVAILABLE)
  })

  it('answers a serialization failure (40001) with 503', async (ctx) => {
    const app = await appThrowing(() =>
      pool.query("DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40001'; END $$"),
    )
    ctx.onTestFinished(() => app.close())
    const res = await app.inject('/')
    expect(res.statusCode).toBe(503)
    expect(res.json()).toEqual(UNAVAILABLE)
  })

  it("answers node-postgres' 'Query read timeout' (no SQLSTATE) with 503", async (ctx) => {
    const slow = new pg.Pool({ connectionString: url, max: 1, query_timeout: 100 })
    ctx.onTestFinished(() => slow.end())
    const app = await appThrowing(() => slow.query('SELECT pg_sleep(2)'))
    ctx.onTestFinished(() => app.close())
    const res = await app.inject('/')
    expect(res.statusCode).toBe(503)
    expect(res.json()).toEqual(UNAVAILABLE)
  })
})
