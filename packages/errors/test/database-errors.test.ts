import { describe, expect, it } from 'vitest'
import { buildApp } from './helpers.js'

/** Builds an error shaped like node-postgres's DatabaseError (or its socket errors). */
function pgError(code: string | undefined, message = 'relation "secret_table" does not exist') {
  return Object.assign(new Error(message), { code, severity: 'ERROR', detail: 'Key (email)=(a@b.c) exists.' })
}

describe('PostgreSQL errors', () => {
  it.for([
    ['08006', 503, 'Database connection failed: Service unavailable'],
    ['08001', 503, 'Database connection failed: Service unavailable'],
    ['57P01', 503, 'Database connection failed: Service unavailable'],
    ['57P03', 503, 'Database connection failed: Service unavailable'],
    ['53300', 503, 'Database connection failed: Service unavailable'],
    // Transient: clients retry on 503, as they did against the original (psycopg2's OperationalError).
    ['40001', 503, 'Database connection failed: Service unavailable'],
    ['40P01', 503, 'Database connection failed: Service unavailable'],
    ['40002', 503, 'Database connection failed: Service unavailable'],
    ['53000', 503, 'Database connection failed: Service unavailable'],
    ['53100', 503, 'Database connection failed: Service unavailable'],
    ['53200', 503, 'Database connection failed: Service unavailable'],
    ['53400', 503, 'Database connection failed: Service unavailable'],
    ['55P03', 503, 'Database connection failed: Service unavailable'],
    ['ETIMEDOUT', 503, 'Database connection failed: Service unavailable'],
    ['EPIPE', 503, 'Database connection failed: Service unavailable'],
    ['ECONNREFUSED', 503, 'Database connection failed: Service unavailable'],
    ['ECONNRESET', 503, 'Database connection failed: Service unavailable'],
    ['28P01', 503, 'Database connection failed: Invalid credentials.'],
    ['28000', 503, 'Database connection failed: Invalid credentials.'],
    ['57014', 503, 'Service unavailable'],
    ['23505', 409, 'Duplicate resource'],
    ['23503', 409, 'Conflict with a related resource'],
    ['22P02', 400, 'Invalid input'],
    ['42P01', 500, 'Query error'],
    ['42601', 500, 'Query error'],
    ['55000', 500, 'Query error'],
    ['54000', 500, 'Query error'],
    ['P0001', 500, 'Query error'],
    ['XX000', 500, 'Query error'],
  ] as const)('maps SQLSTATE %s to %i %j without leaking the query', async ([code, status, message], ctx) => {
    const { app } = await buildApp({ isProduction: false })
    ctx.onTestFinished(() => app.close())
    app.get('/', async () => {
      throw pgError(code)
    })
    const res = await app.inject('/')
    expect(res.statusCode).toBe(status)
    expect(res.json()).toEqual({ code: status, message })
    expect(res.body).not.toContain('secret_table')
    expect(res.body).not.toContain('a@b.c')
  })

  it.for([
    'Connection terminated unexpectedly',
    'timeout exceeded when trying to connect',
    'Connection terminated due to connection timeout',
    'Connection terminated',
    'Query read timeout',
    'Client was closed and is not queryable',
    'Client has encountered a connection error and is not queryable',
    'timeout expired',
  ])('maps the pg connection failure %j to 503', async (message, ctx) => {
    const { app } = await buildApp()
    ctx.onTestFinished(() => app.close())
    app.get('/', async () => {
      throw pgError(undefined, message)
    })
    const res = await app.inject('/')
    expect(res.statusCode).toBe(503)
    expect(res.json()).toEqual({ code: 503, message: 'Database connection failed: Service unavailable' })
  })

  it.for(['Connection terminated by the user', 'Query read timeout exceeded twice', 'timeout'])(
    'reads only the exact pg messages, not a message that starts like one: %j',
    async (message, ctx) => {
      const { app } = await buildApp({ isProduction: true })
      ctx.onTestFinished(() => app.close())
      app.get('/', async () => {
        throw pgError(undefined, message)
      })
      const res = await app.inject('/')
      expect(res.statusCode).toBe(500)
      expect(res.json()).toEqual({ code: 500, message: 'Internal Server Error' })
    },
  )

  it('leaves error codes that are not SQLSTATEs alone', async (ctx) => {
    const { app } = await buildApp({ isProduction: true })
    ctx.onTestFinished(() => app.close())
    app.get('/', async () => {
      throw Object.assign(new Error('x'), { code: 'ERR_SOMETHING' })
    })
    const res = await app.inject('/')
    expect(res.statusCode).toBe(500)
    expect(res.json()).toEqual({ code: 500, message: 'Internal Server Error' })
  })
})
