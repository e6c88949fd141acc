import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { EMBEDDED_POOL_SIZE } from '../src/index.js'
import { buildApp, logCollector } from './helpers.js'

describe('embedded PostgreSQL (no database configured)', () => {
  it('starts PGlite outside production, points the pool at it and warns', async (ctx) => {
    const { lines, logger } = logCollector()
    const app = buildApp(undefined, { logger })
    ctx.onTestFinished(() => app.close())
    await app.ready()

    expect(app.db.embedded).not.toBeNull()
    expect(app.db.embedded?.host).toBe('127.0.0.1')
    expect(app.pg.pool.options.max).toBe(EMBEDDED_POOL_SIZE)
    const { rows } = await app.pg.query<{ version: string }>('SELECT version() AS version')
    expect(rows[0]?.version).toMatch(/PGlite/)
    const warning = lines.find((l) => l.level === 40 && String(l.msg).includes('embedded PostgreSQL'))
    expect(warning).toBeDefined()
    expect(warning?.database).toBe('memory')
  })

  it('is a startup error in production', async () => {
    // @fbi/config refuses this too when its db group is on; with the group off the plugin is the guard.
    const app = buildApp(undefined, { env: { ENVIRONMENT: 'PRODUCTION' }, configDb: false })
    await expect(app.ready()).rejects.toMatchObject({ code: 'FBI_DB_NOT_CONFIGURED', statusCode: 500 })
    await app.close()
  })

  it('is a startup error when turned off with embedded: false', async () => {
    const app = buildApp(undefined, { db: { embedded: false } })
    await expect(app.ready()).rejects.toMatchObject({
      code: 'FBI_DB_NOT_CONFIGURED',
      message: expect.stringContaining('turned off'),
    })
    await app.close()
  })

  it('answers concurrent parameterised queries and transactions correctly through its one connection', async (ctx) => {
    const app = buildApp(undefined)
    ctx.onTestFinished(() => app.close())
    await app.ready()
    await app.pg.query('CREATE TABLE t (id int PRIMARY KEY, v text NOT NULL)')
    const results = await Promise.all(
      Array.from({ length: 60 }, async (_, i) => {
        if (i % 2 === 0) {
          const r = await app.pg.query<{ x: number; s: string }>('SELECT $1::int + 1 AS x, $2::text AS s', [
            i,
            `s${i}`,
          ])
          return r.rows[0]?.x === i + 1 && r.rows[0]?.s === `s${i}`
        }
        return app.db.transaction(async (client) => {
          await client.query('INSERT INTO t (id, v) VALUES ($1, $2)', [i, `v${i}`])
          const r = await client.query<{ v: string }>('SELECT v FROM t WHERE id = $1', [i])
          return r.rows[0]?.v === `v${i}`
        })
      }),
    )
    expect(results.every(Boolean)).toBe(true)
    const count = await app.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM t')
    expect(count.rows[0]?.n).toBe(30)
  })

  it('keeps data in dataDir across restarts', async (ctx) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'fbi-db-'))
    ctx.onTestFinished(() => rm(dataDir, { recursive: true, force: true }))
    const first = buildApp(undefined, { db: { embedded: { dataDir } } })
    await first.ready()
    await first.pg.query('CREATE TABLE kept (v text)')
    await first.pg.query('INSERT INTO kept VALUES ($1)', ['still here'])
    await first.close()
    expect(first.db.embedded?.listening).toBe(false)

    const second = buildApp(undefined, { db: { embedded: { dataDir } } })
    ctx.onTestFinished(() => second.close())
    await second.ready()
    const { rows } = await second.pg.query<{ v: string }>('SELECT v FROM kept')
    expect(rows).toEqual([{ v: 'still here' }])
  })

  it('is not started when a database is configured', async (ctx) => {
    // An unreachable but configured server: the plugin must use it, not fall back to PGlite.
    const app = buildApp('postgres://postgres@127.0.0.1:1/none', { db: { connectTimeoutMs: 500 } })
    ctx.onTestFinished(() => app.close())
    await app.ready()
    expect(app.db.embedded).toBeNull()
    await expect(app.pg.query('SELECT 1')).rejects.toMatchObject({ code: 'ECONNREFUSED' })
  })
})
