import { describe, expect, it } from 'vitest'
import {
  AuthMissing,
  BadRequest,
  DuplicateResource,
  EntityNotFound,
  Forbidden,
  NotImplemented,
  ServiceUnavailable,
  UnprocessableEntity,
} from '../src/index.js'
import { buildApp } from './helpers.js'

const UNAVAILABLE = 'Database connection failed: Service unavailable'

async function flaskApp(isProduction = false) {
  return (await buildApp({ isProduction, configCompat: 'flask' })).app
}

function pgError(code: string) {
  return Object.assign(new Error('relation "secret_table" does not exist'), { code })
}

describe("compat: 'flask' (the original's answers)", () => {
  it.for([
    ['UnprocessableEntity', () => new UnprocessableEntity('oracle message'), 422, 'Unprocessible entity'],
    ['ServiceUnavailable', () => new ServiceUnavailable('oracle message'), 503, 'Service unavailable'],
    ['AuthMissing', () => new AuthMissing('oracle message'), 401, 'No authentication provided'],
    ['Forbidden', () => new Forbidden('oracle message'), 403, 'Forbidden'],
    ['NotImplemented', () => new NotImplemented('oracle message'), 501, 'Not implemented'],
    ['EntityNotFound', () => new EntityNotFound('oracle message'), 404, 'oracle message'],
    ['bare EntityNotFound', () => new EntityNotFound(), 404, ''],
    ['bare DuplicateResource', () => new DuplicateResource(), 409, ''],
    ['bare BadRequest', () => new BadRequest(), 400, ''],
    ['bare UnprocessableEntity', () => new UnprocessableEntity(), 422, 'Unprocessible entity'],
  ] as const)('answers %s as the original did', async ([, make, status, message], ctx) => {
    const app = await flaskApp()
    ctx.onTestFinished(() => app.close())
    app.get('/', async () => {
      throw make()
    })
    const res = await app.inject('/')
    expect(res.statusCode).toBe(status)
    expect(res.json()).toEqual({ code: status, message })
  })

  it('answers a TypeError 400, showing its message only outside production', async (ctx) => {
    const development = await flaskApp(false)
    const production = await flaskApp(true)
    ctx.onTestFinished(async () => {
      await Promise.all([development.close(), production.close()])
    })
    for (const app of [development, production]) {
      app.get('/', async () => {
        throw new TypeError('value for age is not of the expected type')
      })
    }
    expect((await development.inject('/')).json()).toEqual({
      code: 400,
      message: 'value for age is not of the expected type',
    })
    expect((await production.inject('/')).json()).toEqual({ code: 400, message: 'Bad Request' })
  })

  it.for([
    ['23505', 500, 'Internal Server Error'],
    ['23503', 500, 'Internal Server Error'],
    ['22P02', 500, 'Internal Server Error'],
    ['P0001', 500, 'Internal Server Error'],
    ['XX000', 500, 'Internal Server Error'],
    ['42P01', 500, 'Query error'],
    ['3F000', 500, 'Query error'],
    ['57014', 503, UNAVAILABLE],
    ['28P01', 503, UNAVAILABLE],
    ['40001', 503, UNAVAILABLE],
    ['54000', 503, UNAVAILABLE],
    ['55000', 503, UNAVAILABLE],
    ['58030', 503, UNAVAILABLE],
    ['HV000', 503, UNAVAILABLE],
  ] as const)(
    'maps SQLSTATE %s as psycopg2 and the original did: %i %j',
    async ([code, status, message], ctx) => {
      const app = await flaskApp()
      ctx.onTestFinished(() => app.close())
      app.get('/', async () => {
        throw pgError(code)
      })
      const res = await app.inject('/')
      expect(res.statusCode).toBe(status)
      expect(res.json()).toEqual({ code: status, message })
    },
  )

  it("takes its own compat option over app.config's, both ways", async (ctx) => {
    const off = (await buildApp({ isProduction: false, configCompat: 'flask', compat: false })).app
    const on = (await buildApp({ isProduction: false, compat: 'flask' })).app
    ctx.onTestFinished(async () => {
      await Promise.all([off.close(), on.close()])
    })
    for (const app of [off, on]) {
      app.get('/', async () => {
        throw new Forbidden('Patient 42 is not yours')
      })
    }
    expect((await off.inject('/')).json()).toEqual({ code: 403, message: 'Patient 42 is not yours' })
    expect((await on.inject('/')).json()).toEqual({ code: 403, message: 'Forbidden' })
  })

  it('refuses an unknown compat mode', async () => {
    await expect(buildApp({ compat: 'django' as 'flask' })).rejects.toMatchObject({
      code: 'FBI_ERRORS_INVALID_OPTION',
      message: "Invalid @fbi/errors option 'compat': must be false or one of: flask",
    })
  })
})
