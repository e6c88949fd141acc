import fbiSecurity, { scopesPresent } from '@fbi/security'
import { mintHsToken } from '@fbi/security/testing'
import { MigrationBuilder } from 'node-pg-migrate'
import { describe, expect, it, type TestContext } from 'vitest'
import { identifierColumns, packIdentifier } from '../src/index.js'
import { BACKENDS, type Backend, buildApp, createTestDatabase } from './helpers.js'

const HS_KEY = 'db-test-hs-key-0123456789abcdef012345'
const PROXY_URL = 'http://localhost'
const INTERNAL = 'http://localhost/'

function token(metadata: Record<string, unknown>, scope = 'write:patient'): string {
  return mintHsToken({ key: HS_KEY, issuer: INTERNAL, audience: INTERNAL, metadata, scope })
}

async function patientService(ctx: TestContext, backend: Backend) {
  const database = await createTestDatabase('identifier_http', backend)
  ctx.onTestFinished(() => database.drop())
  const app = buildApp(database.url, {
    db: database.options,
    jwt: true,
    env: { HS_KEY, PROXY_URL },
    before: (a) => {
      a.register(fbiSecurity)
    },
  })
  ctx.onTestFinished(() => app.close())
  const protect = scopesPresent('write:patient')
  // Routes in a plugin registered after security, so its onRoute hook sees them.
  app.register(async (api) => {
    api.post<{ Body: { name: string } }>('/patients', { config: { protect } }, async (request, reply) => {
      const row = await app.db.insertWithIdentifier(request, 'patient', { name: request.body.name })
      return reply.code(201).send({ ...packIdentifier(row), name: row.name })
    })
    // The common shortcut: the request body handed straight to the helper.
    api.post<{ Body: Record<string, unknown> }>(
      '/patients/from-body',
      { config: { protect } },
      async (request, reply) => {
        const row = await app.db.insertWithIdentifier(request, 'patient', request.body)
        return reply.code(201).send({ ...packIdentifier(row), name: row.name })
      },
    )
    api.patch<{ Params: { uuid: string }; Body: { name: string } }>(
      '/patients/:uuid',
      { config: { protect } },
      async (request) => {
        const row = await app.db.updateWithIdentifier(request, 'patient', request.params.uuid, {
          name: request.body.name,
        })
        return { ...packIdentifier(row), name: row.name }
      },
    )
  })
  await app.ready()
  const pgm = new MigrationBuilder({} as never, {}, false, console)
  pgm.createTable('patient', { ...identifierColumns(), name: { type: 'text', notNull: true } })
  await app.pg.query(pgm.getSql())
  return app
}

const ISO_MS_Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

describe.each(BACKENDS)('identifier columns filled from a real JWT (%s)', (backend) => {
  it('sets created_by and modified_by from the token user, then modified_by from the next writer', async (ctx) => {
    const app = await patientService(ctx, backend)
    const created = await app.inject({
      method: 'POST',
      url: '/patients',
      headers: { authorization: `Bearer ${token({ clinician_id: 'clinician-7' })}` },
      payload: { name: 'Ann' },
    })
    expect(created.statusCode).toBe(201)
    expect(created.headers['content-type']).toMatch(/^application\/json/)
    const body = created.json() as Record<string, string>
    expect(body).toMatchObject({ name: 'Ann', created_by: 'clinician-7', modified_by: 'clinician-7' })
    expect(body.created).toMatch(ISO_MS_Z)
    expect(body.modified).toBe(body.created)

    const updated = await app.inject({
      method: 'PATCH',
      url: `/patients/${body.uuid}`,
      headers: { authorization: `Bearer ${token({ patient_id: 'patient-3' })}` },
      payload: { name: 'Anne' },
    })
    expect(updated.statusCode).toBe(200)
    expect(updated.json()).toMatchObject({
      uuid: body.uuid,
      name: 'Anne',
      created: body.created,
      created_by: 'clinician-7',
      modified_by: 'patient-3',
    })
    const { rows } = await app.pg.query('SELECT created_by, modified_by FROM patient')
    expect(rows).toEqual([{ created_by: 'clinician-7', modified_by: 'patient-3' }])
  })

  it('never lets a request body choose the uuid: no primary-key squatting, no 409-vs-201 oracle', async (ctx) => {
    const app = await patientService(ctx, backend)
    const headers = { authorization: `Bearer ${token({ clinician_id: 'clinician-7' })}` }
    const first = await app.inject({ method: 'POST', url: '/patients', headers, payload: { name: 'Ann' } })
    expect(first.statusCode).toBe(201)
    const taken = (first.json() as { uuid: string }).uuid
    const free = '4b0d1f3e-2c7a-4e59-9f1b-6a8c2d3e4f50'
    const attempts = await Promise.all(
      [taken, free].map((uuid) =>
        app.inject({ method: 'POST', url: '/patients/from-body', headers, payload: { uuid, name: 'Eve' } }),
      ),
    )
    // The same answer whether the uuid exists or not: nothing learnt, nothing squatted.
    for (const res of attempts) {
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual({ code: 400, message: "'uuid' is set by the server and cannot be given" })
    }
    const { rows } = await app.pg.query<{ uuid: string; name: string }>('SELECT uuid, name FROM patient')
    expect(rows).toEqual([{ uuid: taken, name: 'Ann' }])
    // Without a uuid the body goes through, and the server picks the id.
    const ok = await app.inject({
      method: 'POST',
      url: '/patients/from-body',
      headers,
      payload: { name: 'Eve' },
    })
    expect(ok.statusCode).toBe(201)
    expect((ok.json() as { uuid: string }).uuid).not.toBe(free)
  })

  it('answers 404 for an unknown uuid and 401 without a token, writing nothing', async (ctx) => {
    const app = await patientService(ctx, backend)
    const missing = await app.inject({
      method: 'PATCH',
      url: '/patients/00000000-0000-4000-8000-000000000000',
      headers: { authorization: `Bearer ${token({ clinician_id: 'c' })}` },
      payload: { name: 'x' },
    })
    expect(missing.statusCode).toBe(404)
    expect(missing.json()).toEqual({
      code: 404,
      message: 'patient 00000000-0000-4000-8000-000000000000 not found',
    })
    const anonymous = await app.inject({ method: 'POST', url: '/patients', payload: { name: 'x' } })
    expect(anonymous.statusCode).toBe(401)
    const { rows } = await app.pg.query<{ n: number }>('SELECT count(*)::int AS n FROM patient')
    expect(rows[0]?.n).toBe(0)
  })
})
