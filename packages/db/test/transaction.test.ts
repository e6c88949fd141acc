import { describe, expect, it, type TestContext } from 'vitest'
import { buildApp, createTestDatabase } from './helpers.js'

async function appWithTable(ctx: TestContext) {
  const database = await createTestDatabase('transaction')
  ctx.onTestFinished(() => database.drop())
  const app = buildApp(database.url)
  ctx.onTestFinished(() => app.close())
  await app.ready()
  await app.pg.query('CREATE TABLE item (id int PRIMARY KEY)')
  return app
}

const count = async (app: ReturnType<typeof buildApp>) =>
  (await app.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM item')).rows[0]?.n

describe('transaction', () => {
  it('commits when the function resolves and returns its value', async (ctx) => {
    const app = await appWithTable(ctx)
    const value = await app.db.transaction(async (client) => {
      await client.query('INSERT INTO item VALUES (1), (2)')
      return 'done'
    })
    expect(value).toBe('done')
    expect(await count(app)).toBe(2)
    expect(app.pg.pool.idleCount + app.pg.pool.waitingCount).toBe(app.pg.pool.totalCount)
  })

  it('rolls back and rethrows the original error when the function throws', async (ctx) => {
    const app = await appWithTable(ctx)
    const boom = new Error('boom')
    await expect(
      app.db.transaction(async (client) => {
        await client.query('INSERT INTO item VALUES (1)')
        throw boom
      }),
    ).rejects.toBe(boom)
    expect(await count(app)).toBe(0)
  })

  it('rolls back on a database error and leaves a usable client in the pool', async (ctx) => {
    const app = await appWithTable(ctx)
    await expect(
      app.db.transaction(async (client) => {
        await client.query('INSERT INTO item VALUES (1)')
        await client.query('INSERT INTO item VALUES (1)')
      }),
    ).rejects.toMatchObject({ code: '23505' })
    expect(await count(app)).toBe(0)
    // The released client is out of the aborted transaction: the next transaction works on it.
    await app.db.transaction(async (client) => {
      await client.query('INSERT INTO item VALUES (3)')
    })
    expect(await count(app)).toBe(1)
    expect(app.pg.pool.totalCount).toBe(app.pg.pool.idleCount)
  })

  it('releases the client even when every call throws', async (ctx) => {
    const app = await appWithTable(ctx)
    for (let i = 0; i < 3; i++) {
      await expect(app.db.transaction(async () => Promise.reject(new Error(`fail ${i}`)))).rejects.toThrow(
        `fail ${i}`,
      )
    }
    expect(app.pg.pool.waitingCount).toBe(0)
    expect(app.pg.pool.totalCount).toBe(app.pg.pool.idleCount)
  })
})
