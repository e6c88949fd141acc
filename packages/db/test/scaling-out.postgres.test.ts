import type { FastifyInstance } from 'fastify'
import { MigrationBuilder } from 'node-pg-migrate'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { identifierColumns } from '../src/index.js'
import { buildApp, createTestDatabase, requirePgBouncer, runSql } from './helpers.js'
import { startPgBouncer } from './pgbouncer.js'

/*
 * Scaling out: 4 instances of a service, each with its own pool of 10, share one PgBouncer pool of
 * 10 server connections (transaction mode). 200 concurrent requests over real HTTP, each a
 * transaction that writes a row with its identifier columns: every one answered 201, every row
 * stored, never more than 10 server connections.
 */
const INSTANCES = 4
const REQUESTS = 200

requirePgBouncer()

describe('4 instances behind one PgBouncer pool of 10', () => {
  it('answers 200 concurrent writes with 201, stores each, and never opens more than 10 server connections', async (ctx) => {
    const database = await createTestDatabase('scaling', 'pgbouncer')
    ctx.onTestFinished(() => database.drop())
    const direct = database.directUrl ?? ''
    const pgm = new MigrationBuilder({} as never, {}, false, console)
    pgm.createTable('orders', { ...identifierColumns(), item: { type: 'text', notNull: true } })
    await runSql(direct, pgm.getSql())
    const upstream = new URL(direct)
    const bouncer = await startPgBouncer(
      ctx,
      { host: upstream.hostname, port: Number(upstream.port) },
      { default_pool_size: 10 },
    )

    const apps: FastifyInstance[] = []
    const ports: number[] = []
    for (let i = 0; i < INSTANCES; i++) {
      const app = buildApp(bouncer.url(direct), { db: { transactionPooler: true, poolSize: 10 } })
      ctx.onTestFinished(() => app.close())
      app.post<{ Body: { item: string } }>('/orders', async (request, reply) => {
        const row = await app.db.transaction(async (client) => {
          const inserted = await app.db.insertWithIdentifier<{ item: string }>(
            `instance-${i}`,
            'orders',
            { item: request.body.item },
            { client },
          )
          // Hold the server connection a little, so the instances really compete for the 10.
          await client.query('SELECT pg_sleep(0.02)')
          return inserted
        })
        return reply.code(201).send({ uuid: row.uuid, item: row.item })
      })
      await app.listen({ host: '127.0.0.1', port: 0 })
      const address = app.server.address()
      ports.push(typeof address === 'object' && address !== null ? address.port : 0)
      apps.push(app)
    }

    // Server connections to this database, sampled while the load runs (our own sampler excluded).
    const sampler = new pg.Client({ connectionString: direct })
    await sampler.connect()
    ctx.onTestFinished(() => sampler.end())
    let sampling = true
    let most = 0
    const sampled = (async () => {
      while (sampling) {
        const { rows } = await sampler.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
        )
        most = Math.max(most, rows[0]?.n ?? 0)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    })()

    const started = performance.now()
    const answers = await Promise.all(
      Array.from({ length: REQUESTS }, async (_, n) => {
        const res = await fetch(`http://127.0.0.1:${ports[n % INSTANCES]}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ item: `item-${n}` }),
        })
        return { status: res.status, body: (await res.json()) as { uuid: string; item: string } }
      }),
    )
    const elapsed = performance.now() - started
    sampling = false
    await sampled

    expect(answers.filter((a) => a.status !== 201)).toEqual([])
    const { rows } = await sampler.query<{ uuid: string; item: string; created_by: string }>(
      'SELECT uuid, item, created_by FROM orders',
    )
    expect(rows).toHaveLength(REQUESTS)
    const stored = new Map(rows.map((r) => [r.uuid, r.item]))
    for (const answer of answers) expect(stored.get(answer.body.uuid)).toBe(answer.body.item)
    expect(new Set(rows.map((r) => r.created_by))).toEqual(
      new Set(['instance-0', 'instance-1', 'instance-2', 'instance-3']),
    )
    expect(most).toBeGreaterThan(1)
    expect(most).toBeLessThanOrEqual(10)
    console.info(
      `[scaling out] ${REQUESTS} requests from ${INSTANCES} instances (40 client connections): all 201 in ${Math.round(elapsed)} ms, ` +
        `${rows.length} rows stored, at most ${most} server connections`,
    )
  })
})
