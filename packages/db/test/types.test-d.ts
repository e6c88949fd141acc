import fbiConfig from '@fbi/config'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Pool, PoolClient } from 'pg'
import { describe, expectTypeOf, it } from 'vitest'
import fbiDb, {
  type AppliedMigration,
  type EmbeddedDatabase,
  type FbiDb,
  type FbiDbOptions,
  type IdentifierRow,
  type MigrationStatus,
  type PackedIdentifier,
  packIdentifier,
} from '../src/index.js'

describe('types', () => {
  it('types app.pg (from @fastify/postgres) and app.db', () => {
    expectTypeOf<FastifyInstance['pg']['pool']>().toEqualTypeOf<Pool>()
    expectTypeOf<FastifyInstance['db']>().toEqualTypeOf<FbiDb>()
    expectTypeOf<FbiDb['embedded']>().toEqualTypeOf<EmbeddedDatabase | null>()
    expectTypeOf<FbiDb['migrate']>().returns.resolves.toEqualTypeOf<AppliedMigration[]>()
    expectTypeOf<FbiDb['migrationStatus']>().returns.resolves.toEqualTypeOf<MigrationStatus>()
    expectTypeOf<FbiDb['dropData']>().returns.resolves.toEqualTypeOf<{ tables: string[] }>()
    // Registering with options type-checks them against FbiDbOptions.
    const app = Fastify()
    app.register(fbiConfig, { jwt: false, db: true })
    app.register(fbiDb, { poolSize: 5, migrations: { dir: 'migrations' } })
    void app.close()
  })

  it('types the helpers', () => {
    type Patient = { name: string }
    // Only type positions: nothing here runs against a database.
    const check = (db: FbiDb) => {
      expectTypeOf(db.transaction(async () => 1)).resolves.toEqualTypeOf<number>()
      expectTypeOf(db.transaction<string>)
        .parameter(0)
        .toEqualTypeOf<(client: PoolClient) => Promise<string>>()
      expectTypeOf(db.insertWithIdentifier<Patient>('u', 'patient', {})).resolves.toEqualTypeOf<
        Patient & IdentifierRow
      >()
      expectTypeOf(
        db.updateWithIdentifier<Patient>('u', { schema: 's', name: 'patient' }, 'id', {}),
      ).resolves.toEqualTypeOf<Patient & IdentifierRow>()
    }
    expectTypeOf(check).toBeFunction()
    expectTypeOf(packIdentifier).returns.toEqualTypeOf<PackedIdentifier>()
  })

  it('rejects wrong options at compile time', () => {
    const good: FbiDbOptions = { embedded: { dataDir: '.data' }, statementTimeoutMs: 0, healthChecks: false }
    expectTypeOf(good).toExtend<FbiDbOptions>()
    // @ts-expect-error poolSize is a number
    const badPool: FbiDbOptions = { poolSize: '10' }
    // @ts-expect-error embedded is false or an options object, not true
    const badEmbedded: FbiDbOptions = { embedded: true }
    // @ts-expect-error migrations need a dir
    const badMigrations: FbiDbOptions = { migrations: { migrateOnStart: true } }
    // @ts-expect-error a migration direction is 'up' or 'down'
    const badDirection: Parameters<FbiDb['migrate']>[0] = { direction: 'sideways' }
    expectTypeOf([badPool, badEmbedded, badMigrations, badDirection]).not.toBeNever()
  })
})
