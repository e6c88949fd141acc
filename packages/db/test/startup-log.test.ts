import { join } from 'node:path'
import fbiConfig from '@fbi/config'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import { connectionTarget } from '../src/connection-target.js'
import fbiDb, { startEmbedded } from '../src/index.js'
import { buildApp, createTestDatabase, logCollector } from './helpers.js'

// The first start of a service says what it is doing: the embedded database before it starts (it
// takes seconds), which database the pool connected to (password masked), and migrations as fbi's
// own log lines with a summary instead of node-pg-migrate's console text.

const V1 = join(import.meta.dirname, 'fixtures/migrations/v1')
const messages = (lines: Record<string, unknown>[]) => lines.map((l) => String(l.msg))

describe('what the plugin logs while it starts', () => {
  it('says it is starting the embedded PostgreSQL before it starts, then how long it took', async (ctx) => {
    const { lines, logger } = logCollector()
    const app = buildApp(undefined, { logger })
    ctx.onTestFinished(() => app.close())
    await app.ready()

    const msgs = messages(lines)
    const starting = msgs.findIndex((m) => m.includes('starting the embedded PostgreSQL (PGlite)…'))
    const started = msgs.findIndex((m) => m.includes('using an embedded PostgreSQL'))
    expect(starting).toBeGreaterThanOrEqual(0)
    expect(started).toBeGreaterThan(starting)
    expect(lines[starting]).toMatchObject({ level: 30, database: 'memory' })
    expect(lines[started]).toMatchObject({ level: 40, startMs: expect.any(Number) })
    expect(msgs[started]).toMatch(/started in \d+(\.\d)? s/)
  })

  it("warns before the embedded database starts when Fastify's pluginTimeout may cut it off", async (ctx) => {
    const { lines, logger } = logCollector()
    const app = Fastify({ logger })
    ctx.onTestFinished(() => app.close())
    app.register(fbiConfig, { env: { ENVIRONMENT: 'DEVELOPMENT' }, jwt: false, db: true })
    app.register(fbiDb)
    // Fastify's default, 10 s: on a busy machine the start itself can run past it, so no assertion on ready().
    await app.ready().then(
      () => {},
      () => {},
    )
    const msgs = messages(lines)
    const warning = msgs.findIndex((m) => m.startsWith("Fastify's pluginTimeout is 10000 ms"))
    expect(warning).toBeGreaterThanOrEqual(0)
    expect(msgs[warning]).toContain('{ pluginTimeout: 60000 }')
    expect(warning).toBeLessThan(msgs.findIndex((m) => m.includes('starting the embedded PostgreSQL')))

    // With a budget that is large enough (the helpers use 60 s), nothing is said.
    const quiet = logCollector()
    const other = buildApp(undefined, { logger: quiet.logger })
    ctx.onTestFinished(() => other.close())
    await other.ready()
    expect(messages(quiet.lines).filter((m) => m.includes('pluginTimeout'))).toEqual([])
  })

  it('names the database on the first connection, once, with the password masked', async (ctx) => {
    const embedded = await startEmbedded()
    ctx.onTestFinished(() => embedded.close())
    const url = new URL(embedded.connectionString)
    url.password = 's3cret-Pa55'
    const { lines, logger } = logCollector()
    const app = buildApp(url.toString(), { logger, db: { poolSize: 1 } })
    ctx.onTestFinished(() => app.close())
    await app.ready()
    await app.pg.query('SELECT 1')
    await app.pg.query('SELECT 1')

    const connected = lines.filter((l) => String(l.msg).startsWith('Connected to PostgreSQL'))
    expect(connected).toEqual([
      expect.objectContaining({
        level: 30,
        msg: `Connected to PostgreSQL at postgres://postgres:****@127.0.0.1:${embedded.port}/postgres`,
      }),
    ])
    expect(JSON.stringify(lines)).not.toContain('s3cret-Pa55')
  })

  it('a logger that throws on the "Connected" line does not break the connection', async (ctx) => {
    const embedded = await startEmbedded()
    ctx.onTestFinished(() => embedded.close())
    const logger = {
      level: 'info',
      stream: {
        write(line: string) {
          if (line.includes('Connected to PostgreSQL')) throw new TypeError('the log is down')
        },
      },
    }
    const app = buildApp(embedded.connectionString, { logger, db: { poolSize: 1 } })
    ctx.onTestFinished(() => app.close())
    await app.ready()
    const { rows } = await app.pg.query<{ one: number }>('SELECT 1 AS one')
    expect(rows).toEqual([{ one: 1 }])
  })

  it("logs migrations as one line before and a summary after, node-pg-migrate's text at debug", async (ctx) => {
    const database = await createTestDatabase('startup-log')
    ctx.onTestFinished(() => database.drop())
    const { lines, logger } = logCollector()
    const app = buildApp(database.url, { logger, db: { migrations: { dir: V1, migrateOnStart: true } } })
    ctx.onTestFinished(() => app.close())
    await app.ready()

    const msgs = messages(lines)
    expect(msgs.filter((m) => m.startsWith('>') || m.startsWith('###'))).toEqual([])
    expect(msgs).toContain(`Migrating the database up from ${V1}…`)
    const summary = lines.find((l) => String(l.msg).startsWith('Migrations applied: 2'))
    expect(summary).toMatchObject({
      level: 30,
      migrations: ['1700000000000_create-note', '1700000001000_add-note-body'],
      direction: 'up',
      durationMs: expect.any(Number),
    })

    lines.length = 0
    await app.db.migrate()
    expect(messages(lines)).toContain('Migrations: the database is up to date, nothing to apply')
    await app.db.migrate({ direction: 'down' })
    expect(lines.at(-1)).toMatchObject({ msg: expect.stringMatching(/^Migrations reverted: 1 /) })
  })
})

describe('connectionTarget', () => {
  it('masks the password of a URL, in its user part and in its query', () => {
    expect(
      connectionTarget({ connectionString: 'postgres://fbi:pw@db.internal:6432/patients?sslmode=require' }),
    ).toBe('postgres://fbi:****@db.internal:6432/patients?sslmode=require')
    expect(connectionTarget({ connectionString: 'postgresql://db/x?user=fbi&password=pw' })).toBe(
      'postgresql://db/x?user=fbi&password=****',
    )
    expect(connectionTarget({ connectionString: 'postgres://fbi@db/x' })).toBe('postgres://fbi@db/x')
  })

  it('writes separate settings as a URL, and never echoes a string that is not one', () => {
    expect(connectionTarget({ host: 'db', port: 5433, user: 'fbi', password: 'pw', database: 'p' })).toBe(
      'postgres://fbi:****@db:5433/p',
    )
    expect(connectionTarget({ host: '/var/run/postgresql', database: 'p' })).toBe(
      'postgres://%2Fvar%2Frun%2Fpostgresql/p',
    )
    expect(connectionTarget({ connectionString: 'host=db password=pw' })).toBe(
      '(a connection string that is not a URL)',
    )
  })
})
