import { describe, expect, it, type TestContext } from 'vitest'
import { BACKENDS, type Backend, buildApp, createTestDatabase } from './helpers.js'

async function appWithTable(ctx: TestContext, backend: Backend = 'direct') {
  const database = await createTestDatabase('transaction', backend)
  ctx.onTestFinished(() => database.drop())
  const app = buildApp(database.url, { db: database.options })
  ctx.onTestFinished(() => app.close())
  await app.ready()
  await app.pg.query('CREATE TABLE item (id int PRIMARY KEY)')
  return app
}

const count = async (app: ReturnType<typeof buildApp>) =>
  (await app.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM item')).rows[0]?.n

describe.each(BACKENDS)('transaction (%s)', (backend) => {
  it('commits when the function resolves and returns its value', async (ctx) => {
    const app = await appWithTable(ctx, backend)
    const value = await app.db.transaction(async (client) => {
      await client.query('INSERT INTO item VALUES (1), (2)')
      return 'done'
    })
    expect(value).toBe('done')
    expect(await count(app)).toBe(2)
    expect(app.pg.pool.idleCount + app.pg.pool.waitingCount).toBe(app.pg.pool.totalCount)
  })

  it('rolls back and rethrows the original error when the function throws', async (ctx) => {
    const app = await appWithTable(ctx, backend)
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
    const app = await appWithTable(ctx, backend)
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
    const app = await appWithTable(ctx, backend)
    for (let i = 0; i < 3; i++) {
      await expect(app.db.transaction(async () => Promise.reject(new Error(`fail ${i}`)))).rejects.toThrow(
        `fail ${i}`,
      )
    }
    expect(app.pg.pool.waitingCount).toBe(0)
    expect(app.pg.pool.totalCount).toBe(app.pg.pool.idleCount)
  })

  it.for([
    ['undefined', undefined],
    ['null', null],
    ['0', 0],
    ["''", ''],
  ] as const)(
    'rolls back when the function rejects with %s, and rejects with an Error carrying it',
    async ([, thrown], ctx) => {
      const app = await appWithTable(ctx, backend)
      const err = await app.db
        .transaction(async (client) => {
          await client.query('INSERT INTO item VALUES (1)')
          throw thrown
        })
        .then(
          () => 'resolved',
          (e: unknown) => e,
        )
      // A falsy rejection reads as success to callback APIs (done(err), avvio): never hand one on.
      expect(err).toBeInstanceOf(Error)
      expect(err).toMatchObject({ code: 'FBI_DB_NOT_AN_ERROR', statusCode: 500 })
      expect((err as Error).cause).toBe(thrown)
      expect(await count(app)).toBe(0)
    },
  )

  it('holds the statement timeout inside the transaction, also behind a transaction pooler', async (ctx) => {
    const database = await createTestDatabase('transaction', backend)
    ctx.onTestFinished(() => database.drop())
    const app = buildApp(database.url, { db: { ...database.options, statementTimeoutMs: 300 } })
    ctx.onTestFinished(() => app.close())
    await app.ready()
    const shown = await app.db.transaction(
      async (client) => (await client.query<{ statement_timeout: string }>('SHOW statement_timeout')).rows[0],
    )
    expect(shown).toEqual({ statement_timeout: '300ms' })
    // The server cancels a statement that runs longer (57014), and the transaction is rolled back.
    await expect(
      app.db.transaction(async (client) => {
        await client.query('SELECT pg_sleep(2)')
      }),
    ).rejects.toMatchObject({ code: '57014' })
  })
})

describe('@fastify/postgres transact, which app.db.transaction does not use', () => {
  // The reason, kept as a test: if @fastify/postgres fixes it, this fails and the choice is to be revisited.
  it('commits and resolves when its function rejects with a falsy value', async (ctx) => {
    const app = await appWithTable(ctx)
    const outcome = await app.pg
      .transact(async (client) => {
        await client.query('INSERT INTO item VALUES (1)')
        throw undefined
      })
      .then(
        () => 'resolved',
        () => 'rejected',
      )
    expect(outcome).toBe('resolved')
    expect(await count(app)).toBe(1)
  })
})
