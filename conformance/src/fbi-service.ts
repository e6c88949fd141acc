import fbi, { type FbiOptions, fbiServerOptions } from '@fbi/all'
import {
  AuthMissing,
  BadRequest,
  DuplicateResource,
  EntityNotFound,
  Forbidden,
  NotImplemented,
  ServiceUnavailable,
  UnprocessableEntity,
} from '@fbi/errors'
import { StrictBody, Type } from '@fbi/schema'
import { and, matchKeys, scopesPresent } from '@fbi/security'
import Fastify, { type FastifyInstance } from 'fastify'

/**
 * The reference app of shared/oracle (ref_app.py, built on the original) written on fbi, as a team
 * moving that service would write it: the same routes, the same protection, the same errors.
 */

type Throwable = new (message?: string) => Error

// The original's exception for each kind, as a port throws it. Python's TypeError and RuntimeError
// have no fbi class: a JavaScript TypeError is what a port's bug throws, and a plain Error is an
// unexpected failure (both are what the comparison is about, hence not fbi classes).
const ERRORS: Readonly<Record<string, Throwable>> = {
  'entity-not-found': EntityNotFound,
  duplicate: DuplicateResource,
  unprocessable: UnprocessableEntity,
  'service-unavailable': ServiceUnavailable,
  'auth-missing': AuthMissing,
  permission: Forbidden, // PermissionError
  'not-implemented': NotImplemented, // NotImplementedError
  value: BadRequest, // ValueError
  key: BadRequest, // KeyError
  type: TypeError,
  runtime: Error, // RuntimeError
}

// The same statements as the reference app: each raises its SQLSTATE from PostgreSQL itself.
const SQL: Readonly<Record<string, string>> = {
  unique: "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '23505'; END $$",
  'foreign-key': "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '23503'; END $$",
  serialization: "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40001'; END $$",
  deadlock: "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '40P01'; END $$",
  'bad-uuid': "SELECT 'not-a-uuid'::uuid",
  cancelled: "DO $$ BEGIN RAISE EXCEPTION USING ERRCODE = '57014'; END $$",
  'undefined-table': 'SELECT * FROM oracle_no_such_table',
  raise: "DO $$ BEGIN RAISE EXCEPTION 'plain raise'; END $$",
  ok: 'SELECT 1',
}

export interface FbiServiceOptions {
  /** The environment variables of the service (the original's names). */
  env: Record<string, string>
  /** More @fbi/all options, e.g. `{ compat: 'flask' }`. */
  options?: FbiOptions
}

/** The service, listening on a free loopback port. Close it with `app.close()`. */
export async function startFbiService({ env, options = {} }: FbiServiceOptions): Promise<FastifyInstance> {
  const app = Fastify(fbiServerOptions())
  await app.register(fbi, {
    env,
    ...options,
    // A busy machine must not turn a slow SELECT 1 into a failed health check (the original has no limit).
    db: { healthCheckTimeoutMs: 10_000, ...(typeof options.db === 'object' ? options.db : {}) },
    // The app lives in the test runner's process, whose signals are not its own to take.
    monitoring: {
      gracefulShutdown: false,
      ...(typeof options.monitoring === 'object' ? options.monitoring : {}),
    },
  })

  app.get<{ Params: { patient_id: string } }>(
    '/p/:patient_id',
    { config: { protect: and(scopesPresent('read:patient'), matchKeys({ patient_id: 'patient_id' })) } },
    async (request) => ({ patient_id: request.params.patient_id }),
  )

  app.get<{ Params: { kind: string }; Querystring: { bare?: string } }>('/e/:kind', async (request) => {
    const Raised = ERRORS[request.params.kind]
    if (Raised === undefined) throw new BadRequest(request.params.kind) // the original's KeyError
    throw request.query.bare ? new Raised() : new Raised('oracle message')
  })

  app.get<{ Params: { kind: string } }>('/sql/:kind', async (request) => {
    const statement = SQL[request.params.kind]
    if (statement === undefined) throw new BadRequest(request.params.kind) // the original's KeyError
    await app.pg.query(statement)
    return { ok: true }
  })

  app.post(
    '/s',
    {
      schema: {
        body: StrictBody({
          name: Type.String(),
          age: Type.Integer(),
          nickname: Type.Optional(Type.String()),
          weight: Type.Optional(Type.Number()),
        }),
      },
    },
    async (request) => request.body,
  )

  // The original's /g calls schema.get(); fbi's rejectJsonBodyOn does that for every GET.
  // The original's /g calls schema.get(): with compat 'flask' only such routes check for a JSON body.
  app.get('/g', { config: { rejectJsonBody: true } }, async () => ({ ok: true }))

  app.get(
    '/dep',
    { config: { deprecated: { since: new Date('2025-01-31T00:00:00Z'), supersededBy: 'GET /v2/dep' } } },
    async () => ({ deprecated: true }),
  )
  app.get('/dep2', { config: { deprecated: {} } }, async () => ({ deprecated: true }))

  await app.listen({ host: '127.0.0.1', port: 0 })
  return app
}
