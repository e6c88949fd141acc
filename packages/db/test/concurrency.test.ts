import { MigrationBuilder } from 'node-pg-migrate'
import { describe, expect, it } from 'vitest'
import { identifierColumns } from '../src/index.js'
import { BACKENDS, buildApp, createTestDatabase } from './helpers.js'

/*
 * Many requests at once on one app: plain queries, identifier writes and transactions interleave on
 * the pool's connections (and, behind PgBouncer, on the pooler's server connections) without one
 * request seeing another's state.
 */
describe.each(BACKENDS)('concurrent requests (%s)', (backend) => {
  it('answers 150 interleaved reads, writes and transactions, each with its own result', async (ctx) => {
    const database = await createTestDatabase('concurrency', backend)
    ctx.onTestFinished(() => database.drop())
    const app = buildApp(database.url, { db: { ...database.options, poolSize: 5 } })
    ctx.onTestFinished(() => app.close())
    app.get<{ Params: { n: string } }>('/echo/:n', async (request) => {
      const { rows } = await app.pg.query<{ n: number }>('SELECT $1::int AS n', [Number(request.params.n)])
      return rows[0]
    })
    app.post<{ Params: { n: string } }>('/notes/:n', async (request, reply) => {
      const row = await app.db.insertWithIdentifier<{ body: string }>(`user-${request.params.n}`, 'note', {
        body: `note ${request.params.n}`,
      })
      return reply.code(201).send({ by: row.created_by, body: row.body })
    })
    app.post<{ Params: { n: string } }>('/pairs/:n', async (request, reply) => {
      const n = Number(request.params.n)
      // Two rows in one transaction, then the count this transaction sees of its own rows.
      const seen = await app.db.transaction(async (client) => {
        await client.query('INSERT INTO pair (n, side) VALUES ($1, 1), ($1, 2)', [n])
        const { rows } = await client.query<{ c: number }>(
          'SELECT count(*)::int AS c FROM pair WHERE n = $1',
          [n],
        )
        return rows[0]?.c
      })
      return reply.code(201).send({ seen })
    })
    await app.ready()
    const pgm = new MigrationBuilder({} as never, {}, false, console)
    pgm.createTable('note', { ...identifierColumns(), body: { type: 'text', notNull: true } })
    pgm.createTable('pair', {
      n: { type: 'integer', notNull: true },
      side: { type: 'integer', notNull: true },
    })
    await app.pg.query(pgm.getSql())

    const answers = await Promise.all(
      Array.from({ length: 150 }, async (_, n) => {
        const kind = n % 3
        const res = await app.inject(
          kind === 0
            ? { url: `/echo/${n}` }
            : { method: 'POST', url: kind === 1 ? `/notes/${n}` : `/pairs/${n}` },
        )
        return { n, kind, status: res.statusCode, body: res.json() as Record<string, unknown> }
      }),
    )
    for (const { n, kind, status, body } of answers) {
      if (kind === 0) expect({ status, body }).toEqual({ status: 200, body: { n } })
      if (kind === 1)
        expect({ status, body }).toEqual({ status: 201, body: { by: `user-${n}`, body: `note ${n}` } })
      if (kind === 2) expect({ status, body }).toEqual({ status: 201, body: { seen: 2 } })
    }
    const notes = await app.pg.query<{ c: number }>('SELECT count(*)::int AS c FROM note')
    const pairs = await app.pg.query<{ c: number }>('SELECT count(*)::int AS c FROM pair')
    expect({ notes: notes.rows[0]?.c, pairs: pairs.rows[0]?.c }).toEqual({ notes: 50, pairs: 100 })
    expect(app.pg.pool.totalCount).toBeLessThanOrEqual(5)
  })
})
