import Fastify from 'fastify'
import { describe, expectTypeOf, it } from 'vitest'
import fbiSchema, {
  DateOnly,
  type DocsRoute,
  type FbiSchemaOptions,
  type FbiTypeProvider,
  formatTimestamp,
  type Identifier,
  parseTimestamp,
  QueryBoolean,
  QueryInteger,
  QueryList,
  QueryTimestamp,
  type ResolvedOpenApiOptions,
  type ResolvedSchemaOptions,
  type SplitTimestamp,
  type Static,
  StrictBody,
  splitTimestamp,
  Timestamp,
  TimestampOut,
  Type,
  UpdateBody,
} from '../src/index.js'

describe('the TypeBox type provider', () => {
  it('types body, params and query from their schemas', async (ctx) => {
    const app = Fastify().withTypeProvider<FbiTypeProvider>()
    ctx.onTestFinished(() => app.close())
    app.post(
      '/patient/:patient_id',
      {
        schema: {
          body: StrictBody({ first_name: Type.String(), recorded: Timestamp, dob: Type.Optional(DateOnly) }),
          params: Type.Object({ patient_id: Type.String() }),
          querystring: Type.Object({
            compact: QueryBoolean(),
            limit: Type.Optional(QueryInteger()),
            fields: QueryList(),
            counts: QueryList(Type.Integer()),
            since: Type.Optional(QueryTimestamp()),
          }),
        },
      },
      async (request) => {
        expectTypeOf(request.body).toEqualTypeOf<{ first_name: string; recorded: string; dob?: string }>()
        expectTypeOf(request.params).toEqualTypeOf<{ patient_id: string }>()
        expectTypeOf(request.query.compact).toEqualTypeOf<boolean>()
        expectTypeOf(request.query.limit).toEqualTypeOf<number | undefined>()
        expectTypeOf(request.query.fields).toEqualTypeOf<string[]>()
        expectTypeOf(request.query.counts).toEqualTypeOf<number[]>()
        expectTypeOf(request.query.since).toEqualTypeOf<Date | undefined>()
        // @ts-expect-error the body schema has no such key
        request.body.last_name
        // @ts-expect-error params are strings, not numbers
        request.params.patient_id.toFixed()
        return {}
      },
    )
  })

  it('types UpdateBody as all-optional', async (ctx) => {
    const app = Fastify().withTypeProvider<FbiTypeProvider>()
    ctx.onTestFinished(() => app.close())
    app.patch(
      '/',
      { schema: { body: UpdateBody({ name: Type.String(), at: Timestamp }) } },
      async (request) => {
        expectTypeOf(request.body).toEqualTypeOf<{ name?: string; at?: string }>()
        return {}
      },
    )
  })

  it('lets replies send Dates where the schema says TimestampOut, and only there', async (ctx) => {
    const app = Fastify().withTypeProvider<FbiTypeProvider>()
    ctx.onTestFinished(() => app.close())
    app.get('/out', { schema: { response: { 200: Type.Object({ at: TimestampOut }) } } }, async () => ({
      at: new Date(),
    }))
    app.get(
      '/in',
      { schema: { response: { 200: Type.Object({ at: Timestamp }) } } },
      // @ts-expect-error a Timestamp response field is a string; use TimestampOut for Dates
      async () => ({ at: new Date() }),
    )
    expectTypeOf<Static<typeof Identifier>>().toEqualTypeOf<{
      uuid: string
      created?: Date | string
      created_by?: string
      modified?: Date | string
      modified_by?: string
    }>()
  })
})

describe('helpers and options', () => {
  it('types the timestamp helpers', () => {
    expectTypeOf(parseTimestamp('2020-01-01T00:00:00.000Z')).toEqualTypeOf<Date>()
    expectTypeOf(parseTimestamp(null as string | null)).toEqualTypeOf<Date | null>()
    expectTypeOf(formatTimestamp(new Date(), 3600)).toEqualTypeOf<string>()
    expectTypeOf(splitTimestamp).returns.toEqualTypeOf<SplitTimestamp>()
    const wrongUse = () => {
      // @ts-expect-error the offset is a number of seconds
      formatTimestamp(new Date(), '+01:00')
    }
    expectTypeOf(wrongUse).toBeFunction()
  })

  it('types the plugin options', () => {
    expectTypeOf<FbiSchemaOptions['openapi']>().toEqualTypeOf<
      | false
      | {
          info?: { title: string; version: string; description?: string }
          servers?: Array<{ url: string; description?: string }>
          docs?: string | false
        }
      | undefined
    >()
    // Only compiled, never called: registering bad options is the runtime tests' business.
    const wrongUse = () => {
      const app = Fastify()
      // @ts-expect-error docs is a path or false
      app.register(fbiSchema, { openapi: { docs: true } })
      // @ts-expect-error tolerateIdentifierKeys is a boolean
      app.register(fbiSchema, { tolerateIdentifierKeys: 'yes' })
      // @ts-expect-error only 'flask' is a compat mode
      app.register(fbiSchema, { compat: 'django' })
    }
    expectTypeOf(wrongUse).toBeFunction()
    expectTypeOf<FbiSchemaOptions['compat']>().toEqualTypeOf<'flask' | false | undefined>()
    expectTypeOf<FbiSchemaOptions['serializer']>().toEqualTypeOf<boolean | undefined>()
    expectTypeOf<ResolvedSchemaOptions['rejectJsonBodyOn']>().toEqualTypeOf<ReadonlySet<string>>()
    expectTypeOf<ResolvedSchemaOptions['compat']>().toEqualTypeOf<'flask' | null>()
    expectTypeOf<ResolvedSchemaOptions['openapi']>().toEqualTypeOf<ResolvedOpenApiOptions | false>()
    expectTypeOf<ResolvedOpenApiOptions['docs']>().toEqualTypeOf<string | false>()
    expectTypeOf<DocsRoute['admin']>().toEqualTypeOf<true>()
  })
})
