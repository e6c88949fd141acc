import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fbiConfig from '@fbi/config'
import Fastify from 'fastify'
import { afterEach, beforeEach, describe, expect, it, type TestContext } from 'vitest'
import { parse } from 'yaml'
import fbiSchema, {
  type DocsRoute,
  ErrorResponse,
  FBI_SCHEMA_INVALID_OPENAPI,
  FBI_SCHEMA_NO_OPENAPI,
  OPENAPI_VERSION,
  type OpenApiDocument,
  openApiSpecOf,
  operationIdFor,
  STANDARD_RESPONSES,
  validateOpenApiSpec,
  writeOpenApiSpec,
} from '../src/index.js'
import { build as buildInvalidApp } from './fixtures/invalid-app.js'
import { buildApp } from './fixtures/openapi-app.js'
import { ENV } from './helpers.js'

/** The member at `path` inside a parsed JSON document, or undefined. */
function at(value: unknown, ...path: string[]): unknown {
  let current = value
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fbi-openapi-'))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

async function spec(ctx: TestContext): Promise<OpenApiDocument> {
  const app = await buildApp()
  ctx.onTestFinished(() => app.close())
  return openApiSpecOf(app)
}

const PATIENT = '/dhos/v1/patient/{patient_id}'

describe('the generated document', () => {
  it('validates with @readme/openapi-parser', async (ctx) => {
    const document = await spec(ctx)
    await expect(validateOpenApiSpec(document)).resolves.toEqual([])
    expect(document.openapi).toBe(OPENAPI_VERSION)
    expect(Object.keys(document).slice(0, 4)).toEqual(['openapi', 'info', 'servers', 'paths'])
    expect(document.info).toEqual({ title: 'Patients', version: '2.1.0', description: 'Test service' })
    expect(document.servers).toEqual([{ url: 'http://localhost:5000' }])
  })

  it('has the bearerAuth scheme, the Error schema and the standard responses', async (ctx) => {
    const document = await spec(ctx)
    expect(at(document, 'components', 'securitySchemes')).toEqual({
      bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
    })
    expect(at(document, 'components', 'schemas', 'Error')).toMatchObject({
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'integer' }, message: { type: 'string' } },
    })
    const responses = at(document, 'components', 'responses') as Record<string, unknown>
    expect(Object.keys(responses)).toEqual([
      'BadRequest',
      'NotFound',
      'Unauthorized',
      'Forbidden',
      'ServiceUnavailable',
    ])
    for (const [name, description] of Object.entries(STANDARD_RESPONSES)) {
      expect(responses[name]).toEqual({
        description,
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      })
    }
  })

  it('describes the error body exactly as the exported TypeBox ErrorResponse (written without loading TypeBox)', async (ctx) => {
    const document = await spec(ctx)
    expect(at(document, 'components', 'schemas', 'Error')).toEqual(JSON.parse(JSON.stringify(ErrorResponse)))
  })

  it('marks protected routes with bearerAuth and their required scopes', async (ctx) => {
    const document = await spec(ctx)
    expect(at(document, 'paths', PATIENT, 'get')).toMatchObject({
      security: [{ bearerAuth: ['read:patient', 'read:gdm_patient'] }],
      'x-fbi-protect': 'scopesPresent(read:patient, read:gdm_patient)',
      responses: {
        '400': { $ref: '#/components/responses/BadRequest' },
        '401': { $ref: '#/components/responses/Unauthorized' },
        '403': { $ref: '#/components/responses/Forbidden' },
      },
    })
    expect(at(document, 'paths', '/dhos/v1/patient', 'post', 'security')).toEqual([
      { bearerAuth: ['write:patient'] },
    ])
  })

  it('leaves public and unprotected routes without security', async (ctx) => {
    const document = await spec(ctx)
    expect(at(document, 'paths', '/dhos/v1/public', 'get', 'security')).toBeUndefined()
    expect(at(document, 'paths', '/dhos/v1/public', 'get', 'responses', '401')).toBeUndefined()
    expect(at(document, 'paths', '/dhos/v1/old-patient', 'get', 'security')).toBeUndefined()
  })

  it('marks deprecated routes', async (ctx) => {
    const document = await spec(ctx)
    expect(at(document, 'paths', '/dhos/v1/old-patient', 'get')).toMatchObject({
      deprecated: true,
      description: 'Deprecated: use GET /dhos/v1/patient/:patient_id instead.',
    })
    expect(at(document, 'paths', '/dhos/v1/patient', 'post', 'deprecated')).toBeUndefined()
  })

  it('documents the monitoring routes, tagged', async (ctx) => {
    const document = await spec(ctx)
    expect(at(document, 'paths', '/running', 'get')).toMatchObject({
      tags: ['monitoring'],
      operationId: 'getRunning',
    })
    expect(at(document, 'paths', '/version', 'get')).toMatchObject({
      tags: ['monitoring'],
      operationId: 'getVersion',
    })
  })

  it('gives every operation a unique operationId, one per method of a multi-method route', async (ctx) => {
    const document = await spec(ctx)
    const ids: unknown[] = []
    for (const item of Object.values(document.paths as Record<string, Record<string, unknown>>)) {
      for (const operation of Object.values(item)) ids.push(at(operation, 'operationId'))
    }
    expect(ids.every((id) => typeof id === 'string')).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    expect(at(document, 'paths', PATIENT, 'put', 'operationId')).toBe('putDhosV1PatientByPatientId')
    expect(at(document, 'paths', PATIENT, 'patch', 'operationId')).toBe('patchDhosV1PatientByPatientId')
    expect(at(document, 'paths', '/dhos/v1/patient', 'post', 'operationId')).toBe('postDhosV1Patient')
  })

  it('documents query helpers: pipe-delimited lists, booleans and timestamps', async (ctx) => {
    const document = await spec(ctx)
    const parameters = at(document, 'paths', PATIENT, 'get', 'parameters') as Array<{ name: string }>
    const byName = Object.fromEntries(parameters.map((p) => [p.name, p]))
    expect(byName.fields).toMatchObject({
      in: 'query',
      style: 'pipeDelimited',
      explode: false,
      schema: { type: 'array', items: { type: 'string' } },
    })
    expect(byName.compact).toMatchObject({ in: 'query', schema: { type: 'boolean' } })
    expect(byName.since).toMatchObject({
      in: 'query',
      schema: { type: 'string', format: 'iso8601-timestamp' },
    })
    expect(byName.patient_id).toMatchObject({ in: 'path', required: true })
  })

  it('leaves hidden routes and swagger-ui out', async (ctx) => {
    const document = await spec(ctx)
    expect(Object.keys(document.paths as object).sort()).toEqual([
      '/dhos/v1/old-patient',
      '/dhos/v1/patient',
      '/dhos/v1/patient/{patient_id}',
      '/dhos/v1/public',
      '/running',
      '/version',
    ])
  })
})

describe('operationIdFor', () => {
  it.for([
    ['get', '/', 'getRoot'],
    ['get', '/dhos/v1/patient/{patient_id}', 'getDhosV1PatientByPatientId'],
    ['post', '/dhos/v1/patient/{patient_id}/installation', 'postDhosV1PatientByPatientIdInstallation'],
    ['DELETE', '/a-b/c_d', 'deleteABCD'],
  ] as const)('%s %s -> %s', ([method, path, id]) => {
    expect(operationIdFor(method, path)).toBe(id)
  })
})

describe('swagger-ui', () => {
  it('serves the UI and the document at /docs', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    const ui = await app.inject('/docs/')
    expect(ui.statusCode).toBe(200)
    expect(ui.headers['content-type']).toMatch(/^text\/html/)
    const json = await app.inject('/docs/json')
    expect(json.statusCode).toBe(200)
    expect(json.headers['content-type']).toMatch(/^application\/json/)
    expect(json.json<{ openapi: string }>().openapi).toBe(OPENAPI_VERSION)
  })

  it('serves neither with docs: false, and no document at all with openapi: false', async (ctx) => {
    const noDocs = Fastify()
    ctx.onTestFinished(() => noDocs.close())
    await noDocs.register(fbiConfig, { env: { ...ENV, ENVIRONMENT: 'DEVELOPMENT' } })
    await noDocs.register(fbiSchema, { openapi: { docs: false } })
    await noDocs.ready()
    expect((await noDocs.inject('/docs/json')).statusCode).toBe(404)
    expect(at(noDocs.swagger(), 'openapi')).toBe(OPENAPI_VERSION)

    const none = Fastify()
    ctx.onTestFinished(() => none.close())
    await none.register(fbiConfig, { env: { ...ENV, ENVIRONMENT: 'DEVELOPMENT' } })
    await none.register(fbiSchema, { openapi: false })
    expect(none.hasDecorator('swagger')).toBe(false)
    await expect(openApiSpecOf(none)).rejects.toBeInstanceOf(FBI_SCHEMA_NO_OPENAPI)
  })

  it('serves neither in production unless a path is named', async (ctx) => {
    const production = Fastify()
    ctx.onTestFinished(() => production.close())
    await production.register(fbiConfig, { env: { ...ENV, ENVIRONMENT: 'PRODUCTION' } })
    await production.register(fbiSchema, { openapi: { info: { title: 'Patients', version: '1.0.0' } } })
    await production.ready()
    expect((await production.inject('/docs/json')).statusCode).toBe(404)
    expect((await production.inject('/docs/')).statusCode).toBe(404)
    expect(production.hasDecorator('docsRoutes')).toBe(false)
    expect(at(production.swagger(), 'openapi')).toBe(OPENAPI_VERSION)

    const named = Fastify()
    ctx.onTestFinished(() => named.close())
    await named.register(fbiConfig, { env: { ...ENV, ENVIRONMENT: 'PRODUCTION' } })
    await named.register(fbiSchema, { openapi: { docs: '/docs' } })
    expect((await named.inject('/docs/json')).statusCode).toBe(200)
  })

  it('marks its routes admin routes and announces them', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    const marks: Record<string, unknown> = {}
    app.addHook('onRequest', async (request) => {
      marks[request.url] = (request.routeOptions.config as { adminRoute?: unknown }).adminRoute
    })
    await app.register(fbiConfig, { env: { ...ENV, ENVIRONMENT: 'DEVELOPMENT' } })
    await app.register(fbiSchema)
    await app.ready()
    const announced = app.getDecorator<() => readonly DocsRoute[]>('docsRoutes')()
    expect(Object.isFrozen(announced)).toBe(true)
    const gets = announced.filter((route) => route.method === 'GET').map((route) => route.url)
    expect(gets).toEqual(expect.arrayContaining(['/docs', '/docs/json', '/docs/yaml', '/docs/static/*']))
    expect(announced.every((route) => route.admin)).toBe(true)
    for (const url of ['/docs', '/docs/json', '/docs/yaml', '/docs/static/index.html']) {
      expect((await app.inject(url)).statusCode).toBeLessThan(400)
      expect(marks[url]).toBe(true)
    }
  })

  it('serves the UI under another path', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: { ...ENV, ENVIRONMENT: 'DEVELOPMENT' } })
    await app.register(fbiSchema, { openapi: { docs: '/api/docs' } })
    expect((await app.inject('/api/docs/json')).statusCode).toBe(200)
    expect((await app.inject('/docs/json')).statusCode).toBe(404)
  })
})

describe('writeOpenApiSpec', () => {
  it('writes YAML by default, and the YAML reads back as the document', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    const file = join(dir, 'nested', 'openapi.yaml')
    const document = await writeOpenApiSpec(app, file)
    const text = await readFile(file, 'utf8')
    expect(text.startsWith('openapi: 3.1.0\n')).toBe(true)
    expect(text).not.toMatch(/[&*]a\d/) // no YAML anchors or aliases
    expect(parse(text)).toEqual(document)
    await expect(validateOpenApiSpec(parse(text))).resolves.toEqual([])
  })

  it('writes JSON for a .json file or format: json', async (ctx) => {
    const app = await buildApp()
    ctx.onTestFinished(() => app.close())
    const document = await writeOpenApiSpec(app, join(dir, 'openapi.json'))
    expect(JSON.parse(await readFile(join(dir, 'openapi.json'), 'utf8'))).toEqual(document)
    await writeOpenApiSpec(app, join(dir, 'spec.txt'), { format: 'json' })
    expect(JSON.parse(await readFile(join(dir, 'spec.txt'), 'utf8'))).toEqual(document)
  })

  it('refuses an invalid document and writes nothing', async (ctx) => {
    const app = await buildInvalidApp()
    ctx.onTestFinished(() => app.close())
    const file = join(dir, 'openapi.yaml')
    const error = await writeOpenApiSpec(app, file).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(FBI_SCHEMA_INVALID_OPENAPI)
    expect(error).toMatchObject({ code: 'FBI_SCHEMA_INVALID_OPENAPI' })
    expect((error as Error).message).toMatch(/^Invalid OpenAPI specification: /)
    expect((error as Error).message).toMatch(/other/)
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' })
  })
})

describe('validateOpenApiSpec', () => {
  it.for([
    [{ openapi: '3.1.0', info: { title: 't' }, paths: {} }, /version/],
    [
      { openapi: '3.1.0', info: { title: 't', version: '1' }, paths: { '/a': { get: { responses: 'no' } } } },
      /responses/,
    ],
    [null, /not an object/],
  ] as const)('rejects %j', async ([document, pattern]) => {
    const error = await validateOpenApiSpec(document).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(FBI_SCHEMA_INVALID_OPENAPI)
    expect((error as Error).message).toMatch(pattern)
  })
})
