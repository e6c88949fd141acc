import fbiConfig from '@fbi/config'
import Fastify, { type FastifyInstance } from 'fastify'
import type { Pool, PoolClient } from 'pg'
import { describe, expectTypeOf, it } from 'vitest'
import fbiDb, {
  type AppliedMigration,
  type Baseline,
  type EmbeddedDatabase,
  type FbiDb,
  type FbiDbOptions,
  IDENTIFIER_LAYOUTS,
  type IdentifierLayout,
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
    expectTypeOf<FbiDb['baseline']>().returns.resolves.toEqualTypeOf<Baseline>()
    expectTypeOf<FbiDb['identifierLayout']>().returns.toEqualTypeOf<IdentifierLayout>()
    expectTypeOf<FbiDb['packIdentifier']>().returns.toEqualTypeOf<PackedIdentifier>()
    expectTypeOf<MigrationStatus['alembicVersion']>().toEqualTypeOf<string | null>()
    // The layouts are frozen, readonly through and through.
    expectTypeOf(IDENTIFIER_LAYOUTS.flask.columns.createdBy).toEqualTypeOf<string>()
    // @ts-expect-error a layout cannot be changed
    IDENTIFIER_LAYOUTS.flask.columns.createdBy = 'x'
  })

  it("takes the uuid only as the caller's option", () => {
    const check = (db: FbiDb) => {
      void db.insertWithIdentifier(
        'u',
        'patient',
        { name: 'a' },
        { uuid: '0b9f2a39-7f6e-4a41-9d1c-3a5e2f1d8c77' },
      )
      // @ts-expect-error the uuid is a string
      void db.insertWithIdentifier('u', 'patient', {}, { uuid: 1 })
      // @ts-expect-error an update takes no uuid option (the row's uuid is its third argument)
      void db.updateWithIdentifier('u', 'patient', 'id', {}, { uuid: 'x' })
    }
    expectTypeOf(check).toBeFunction()
  })

  it('rejects wrong options at compile time', () => {
    const good: FbiDbOptions = { embedded: { dataDir: '.data' }, statementTimeoutMs: 0, healthChecks: false }
    expectTypeOf(good).toExtend<FbiDbOptions>()
    const pooled: FbiDbOptions = {
      transactionPooler: true,
      compat: 'flask',
      identifierLayout: 'flask',
      tableLayouts: { patient: 'fbi', 'care.note': IDENTIFIER_LAYOUTS.flask },
      migrations: { dir: 'migrations', connectionString: 'postgres://db/x', baseline: { to: '1_initial' } },
    }
    expectTypeOf(pooled).toExtend<FbiDbOptions>()
    // @ts-expect-error a layout is 'fbi', 'flask' or a layout object
    const badLayout: FbiDbOptions = { identifierLayout: 'rails' }
    // @ts-expect-error compat is 'flask' or false
    const badCompat: FbiDbOptions = { compat: true }
    // @ts-expect-error a baseline names the migration it goes up to
    const badBaseline: FbiDbOptions = { migrations: { dir: 'm', baseline: { count: 1 } } }
    expectTypeOf([badLayout, badCompat, badBaseline]).not.toBeNever()
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
