import { describe, expect, it } from 'vitest'
import {
  AuthMissing,
  BadRequest,
  DuplicateResource,
  EntityNotFound,
  Forbidden,
  isHttpError,
  NotImplemented,
  ServiceUnavailable,
  UnprocessableEntity,
} from '../src/index.js'
import { buildApp } from './helpers.js'

const cases = [
  [BadRequest, 400, 'FBI_BAD_REQUEST', 'Bad Request'],
  [AuthMissing, 401, 'FBI_AUTH_MISSING', 'No authentication provided'],
  [Forbidden, 403, 'FBI_FORBIDDEN', 'Forbidden'],
  [EntityNotFound, 404, 'FBI_ENTITY_NOT_FOUND', 'Not Found'],
  [DuplicateResource, 409, 'FBI_DUPLICATE_RESOURCE', 'Duplicate resource'],
  [UnprocessableEntity, 422, 'FBI_UNPROCESSABLE_ENTITY', 'Unprocessable entity'],
  [NotImplemented, 501, 'FBI_NOT_IMPLEMENTED', 'Not implemented'],
  [ServiceUnavailable, 503, 'FBI_SERVICE_UNAVAILABLE', 'Service unavailable'],
] as const

describe('HTTP error classes', () => {
  it.for(cases)(
    '%o answers %i with its default message',
    async ([ErrorClass, status, code, message], ctx) => {
      const error = new ErrorClass()
      expect(error).toBeInstanceOf(Error)
      expect(isHttpError(error)).toBe(true)
      expect(error.statusCode).toBe(status)
      expect(error.code).toBe(code)
      expect(error.message).toBe(message)

      const { app } = await buildApp({ isProduction: true })
      ctx.onTestFinished(() => app.close())
      app.get('/', async () => {
        throw new ErrorClass()
      })
      const res = await app.inject('/')
      expect(res.statusCode).toBe(status)
      expect(res.headers['content-type']).toBe('application/json; charset=utf-8')
      expect(res.json()).toEqual({ code: status, message })
    },
  )

  it.for(cases)(
    '%o carries a custom message to the client, even in production',
    async ([ErrorClass, status], ctx) => {
      const { app } = await buildApp({ isProduction: true })
      ctx.onTestFinished(() => app.close())
      app.get('/', async () => {
        throw new ErrorClass('Patient 42 is not yours')
      })
      const res = await app.inject('/')
      expect(res.statusCode).toBe(status)
      expect(res.json()).toEqual({ code: status, message: 'Patient 42 is not yours' })
    },
  )

  it('sends Retry-After from ServiceUnavailable', async (ctx) => {
    const { app } = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.get('/', async () => {
      throw new ServiceUnavailable('Try later', { retryAfter: 2.5 })
    })
    const res = await app.inject('/')
    expect(res.statusCode).toBe(503)
    expect(res.headers['retry-after']).toBe('3')
    expect(res.json()).toEqual({ code: 503, message: 'Try later' })
  })

  it('sends no Retry-After when none was given', async (ctx) => {
    const { app } = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.get('/', async () => {
      throw new ServiceUnavailable()
    })
    const res = await app.inject('/')
    expect(res.headers['retry-after']).toBeUndefined()
  })

  it('keeps the cause for the log', () => {
    const cause = new Error('socket closed')
    expect(new ServiceUnavailable('down', { cause }).cause).toBe(cause)
  })

  it('does not mistake other errors for HTTP errors', () => {
    expect(isHttpError(new Error('x'))).toBe(false)
    expect(isHttpError({ statusCode: 400, message: 'x' })).toBe(false)
    expect(isHttpError(null)).toBe(false)
  })
})
