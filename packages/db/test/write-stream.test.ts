import { describe, expect, it } from 'vitest'
import { buildApp, proxiedDatabase } from './helpers.js'

describe('a stream of writes while the database goes away and comes back', () => {
  it('answers only 201 or 503, recovers by itself, and stores every write it acknowledged', async (ctx) => {
    const { url, proxy, embedded } = await proxiedDatabase(ctx, 'write_stream')
    const app = buildApp(url, {
      db: { connectTimeoutMs: 1000, ...(embedded ? { poolSize: 1 } : { poolSize: 4 }) },
    })
    ctx.onTestFinished(() => app.close())
    app.post('/writes', async (_request, reply) => {
      const { rows } = await app.pg.query<{ id: number }>('INSERT INTO writes DEFAULT VALUES RETURNING id')
      return reply.code(201).send(rows[0])
    })
    await app.ready()
    await app.pg.query('CREATE TABLE writes (id serial PRIMARY KEY)')

    const TOTAL = 120
    const acknowledged: number[] = []
    const statuses = new Map<number, number>()
    let issued = 0
    // Four concurrent writers; the database is cut after 40 writes were issued and restored after 80,
    // so some writes are in flight at both moments.
    const writer = async () => {
      while (issued < TOTAL) {
        issued += 1
        const n = issued
        if (n === 40) await proxy.cut()
        if (n === 80) await proxy.restore()
        const res = await app.inject({ method: 'POST', url: '/writes' })
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
        if (res.statusCode === 201) acknowledged.push((res.json() as { id: number }).id)
        else
          expect(res.json()).toEqual({
            code: 503,
            message: 'Database connection failed: Service unavailable',
          })
      }
    }
    await Promise.all([writer(), writer(), writer(), writer()])

    expect([...statuses.keys()].sort()).toEqual([201, 503])
    expect((statuses.get(201) ?? 0) + (statuses.get(503) ?? 0)).toBe(TOTAL)
    // After the restore the service works without a restart: the last writes were acknowledged.
    const after = await app.inject({ method: 'POST', url: '/writes' })
    expect(after.statusCode).toBe(201)
    const { rows } = await app.pg.query<{ id: number }>('SELECT id FROM writes')
    const stored = new Set(rows.map((r) => r.id))
    // Nothing acknowledged is lost (a write whose answer was lost in the cut may exist unacknowledged).
    expect(acknowledged.filter((id) => !stored.has(id))).toEqual([])
    expect(stored.size).toBeGreaterThanOrEqual(acknowledged.length + 1)
  })
})
