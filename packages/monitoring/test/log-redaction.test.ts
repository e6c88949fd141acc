import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fbiConfig from '@fbi/config'
import fbiErrors from '@fbi/errors'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyServerOptions } from 'fastify'
import pino from 'pino'
import { describe, expect, it, type TestContext } from 'vitest'
import fbiMonitoring, {
  type FbiLoggerOptions,
  logRedaction,
  monitoringServerOptions,
  REDACTED_FIELDS,
} from '../src/index.js'
import { buildApp, type LogLine, requestLines, TEST_ENV } from './helpers.js'

const NHS = '9434765919'
const DOB = '1815-12-10'
const BED = 'Ward-7-Bed-12'

function routes(app: FastifyInstance): void {
  app.post('/patient/:nhs_number/notes', async (request, reply) => {
    request.log.info(
      { patient: { nhsNumber: NHS, notes: [{ Date_Of_Birth: DOB }] } },
      'handler saw a patient',
    )
    request.log.child({ NHS_NUMBER: NHS }).warn('a child logger bound to a patient')
    return reply
      .code(409)
      .send({ code: 409, message: 'Conflict', patient: { nhs_number: NHS, ward_bed: BED } })
  })
}

async function fbiLoggedApp(
  ctx: TestContext,
  logger: FbiLoggerOptions = {},
  server: FastifyServerOptions = {},
) {
  const file = join(mkdtempSync(join(tmpdir(), 'fbi-redaction-')), 'app.log')
  const app = Fastify({
    ...monitoringServerOptions({ logger: { level: 'trace', file, ...logger } }),
    ...server,
  })
  ctx.onTestFinished(() => app.close())
  await app.register(fbiConfig, { env: TEST_ENV })
  await app.register(fbiErrors)
  await app.register(fbiMonitoring, { gracefulShutdown: false, processMetrics: false })
  routes(app)
  await app.ready()
  // Every line the app wrote, read back from the file once the app closed it.
  const lines = async (): Promise<{ text: string; lines: LogLine[] }> => {
    await app.close()
    const text = readFileSync(file, 'utf8')
    return {
      text,
      lines: text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as LogLine),
    }
  }
  return { app, lines }
}

const sensitiveRequest = {
  method: 'POST' as const,
  url: `/patient/${NHS}/notes?date_of_birth=${DOB}&dateOfBirth=${DOB}&page=2&ward%5Fbed=${BED}`,
  headers: { 'x-nhs-number': NHS, 'x-trace': 'kept' },
  payload: { Patient: { NHS_Number: NHS, contacts: [{ 'date-of-birth': DOB }] }, wardBed: BED, note: 'kept' },
}

describe('log redaction', () => {
  it('keeps the built-in and the declared fields out of every line the app writes', async (ctx) => {
    const { app, lines } = await fbiLoggedApp(ctx, { redactFields: ['ward_bed'] })
    const res = await app.inject(sensitiveRequest)
    expect(res.statusCode).toBe(409)
    const { text, lines: written } = await lines()
    for (const value of [NHS, DOB, BED]) expect(text).not.toContain(value)

    const [line] = requestLines(written)
    expect(line?.httpRequest).toMatchObject({
      route: '/patient/:nhs_number/notes',
      requestUrl: `/patient/[REDACTED]/notes?date_of_birth=[REDACTED]&dateOfBirth=[REDACTED]&page=2&ward%5Fbed=[REDACTED]`,
      requestContent: {
        Patient: { NHS_Number: '[REDACTED]', contacts: [{ 'date-of-birth': '[REDACTED]' }] },
        wardBed: '[REDACTED]',
        note: 'kept',
      },
      responseContent: {
        code: 409,
        message: 'Conflict',
        patient: { nhs_number: '[REDACTED]', ward_bed: '[REDACTED]' },
      },
      requestXHeaders: { 'x-nhs-number': '[REDACTED]', 'x-trace': 'kept' },
      requestQueryParams: {
        date_of_birth: '[REDACTED]',
        dateOfBirth: '[REDACTED]',
        page: '2',
        ward_bed: '[REDACTED]',
      },
      requestPathParams: { nhs_number: '[REDACTED]' },
    })
    const handler = written.find((l) => l.msg === 'handler saw a patient')
    expect(handler?.patient).toEqual({ nhsNumber: '[REDACTED]', notes: [{ Date_Of_Birth: '[REDACTED]' }] })
    const child = written.find((l) => l.msg === 'a child logger bound to a patient')
    expect(child?.NHS_NUMBER).toBe('[REDACTED]')
  })

  it('never changes the objects it is given', async (ctx) => {
    const { app, lines } = await fbiLoggedApp(ctx)
    const patient = { nhs_number: NHS, nested: { dob: DOB } }
    app.log.info({ patient }, 'logged')
    expect(patient).toEqual({ nhs_number: NHS, nested: { dob: DOB } })
    const { lines: written } = await lines()
    expect(written.find((l) => l.msg === 'logged')?.patient).toEqual({
      nhs_number: '[REDACTED]',
      nested: { dob: '[REDACTED]' },
    })
  })

  it('fails closed on what it cannot read or vouch for', async (ctx) => {
    const { app, lines } = await fbiLoggedApp(ctx)
    const throwing = {
      get nhs() {
        throw new TypeError('no')
      },
    }
    app.log.info(
      {
        safe: 'x',
        bad: {
          inner: Object.defineProperty({}, 'x', {
            enumerable: true,
            get: () => {
              throw new Error('getter')
            },
          }),
        },
      },
      'unreadable',
    )
    app.log.info({ wrapper: throwing }, 'throwing getter')
    let deep: Record<string, unknown> = { nhs_number: NHS }
    for (let i = 0; i < 40; i++) deep = { level: deep }
    app.log.info({ deep }, 'deep')
    const cycle: Record<string, unknown> = { dob: DOB }
    cycle.self = cycle
    app.log.info({ cycle }, 'cycle')
    app.log.info({ when: { toJSON: () => ({ nhs_number: NHS }) } }, 'toJSON')
    const { text, lines: written } = await lines()
    expect(text).not.toContain(NHS)
    expect(text).not.toContain(DOB)
    expect(written.find((l) => l.msg === 'unreadable')).toMatchObject({
      logRedaction: 'the logged object could not be read: not written',
    })
    expect(written.find((l) => l.msg === 'unreadable')).not.toHaveProperty('safe')
    expect(JSON.stringify(written.find((l) => l.msg === 'deep'))).toContain('[REDACTED: too deep]')
    expect(written.find((l) => l.msg === 'cycle')?.cycle).toMatchObject({ dob: '[REDACTED]' })
    expect(written.find((l) => l.msg === 'toJSON')?.when).toEqual({ nhs_number: '[REDACTED]' })
  })

  it('works beside pino redact paths and the formatters given', async (ctx) => {
    const { app, lines } = await fbiLoggedApp(ctx, {
      redact: ['session.id'],
      formatters: { log: (object) => ({ ...object, added: { dob: DOB } }) },
    })
    app.log.info({ session: { id: 'sess-1', user: 'kept' } }, 'paths')
    const { text, lines: written } = await lines()
    const line = written.find((l) => l.msg === 'paths')
    expect(line?.session).toEqual({ id: '[Redacted]', user: 'kept' })
    expect(line?.added).toEqual({ dob: '[REDACTED]' })
    expect(text).not.toContain('sess-1')
  })

  it('redacts the request line with the built-in list even when the logger is not fbi’s', async (ctx) => {
    const { app, logs } = await buildApp({ routes, logLevel: 'debug' })
    ctx.onTestFinished(() => app.close())
    await app.inject(sensitiveRequest)
    const [line] = requestLines(logs)
    const serialized = JSON.stringify(line)
    expect(serialized).not.toContain(NHS)
    expect(serialized).not.toContain(DOB)
    // The service's own names reach only a logger built with them.
    expect(serialized).toContain(BED)
  })

  it("gives a logger of one's own the same redaction with logRedaction()", async (ctx) => {
    const written: LogLine[] = []
    const logger: FastifyBaseLogger = pino(
      { level: 'debug', ...logRedaction(['ward_bed']) },
      { write: (line: string) => written.push(JSON.parse(line) as LogLine) },
    )
    // monitoringServerOptions() without `logger`: Fastify's own request lines, which write the raw
    // URL, are off; the one line per request is the plugin's.
    const app = Fastify({ loggerInstance: logger, ...monitoringServerOptions() })
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: TEST_ENV })
    await app.register(fbiMonitoring, { gracefulShutdown: false, processMetrics: false })
    routes(app)
    await app.inject(sensitiveRequest)
    const text = JSON.stringify(written)
    for (const value of [NHS, DOB, BED]) expect(text).not.toContain(value)
    expect(requestLines(written)[0]?.httpRequest).toMatchObject({ requestContent: { wardBed: '[REDACTED]' } })
  })

  it('leaves a request URL whose segments do not line up with its route out whole', async (ctx) => {
    const { app, lines } = await fbiLoggedApp(
      ctx,
      {},
      { routerOptions: { ignoreTrailingSlash: true, ignoreDuplicateSlashes: true } },
    )
    await app.inject({ method: 'POST', url: `/patient/${NHS}/notes/`, payload: {} })
    await app.inject({ method: 'POST', url: `/patient//${NHS}/notes`, payload: {} })
    await app.inject({ method: 'POST', url: `/patient/${NHS}/notes`, payload: {} })
    const { text, lines: written } = await lines()
    expect(text).not.toContain(NHS)
    expect(requestLines(written).map((l) => (l.httpRequest as { requestUrl: string }).requestUrl)).toEqual([
      '[REDACTED]',
      '[REDACTED]',
      '/patient/[REDACTED]/notes',
    ])
  })

  it('logs the path of an unknown URL only where bodies are logged: no route says which segment is data', async (ctx) => {
    const development = await fbiLoggedApp(ctx)
    await development.app.inject({ url: `/patients/${NHS}?dob=${DOB}` })
    const dev = requestLines((await development.lines()).lines)[0]
    expect(dev?.msg).toBe(`GET "/patients/${NHS}" 404`)
    expect(dev?.httpRequest).toMatchObject({ requestUrl: `/patients/${NHS}?dob=[REDACTED]` })

    const file = join(mkdtempSync(join(tmpdir(), 'fbi-redaction-')), 'app.log')
    const app = Fastify(monitoringServerOptions({ logger: { level: 'info', file } }))
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: { ...TEST_ENV, ENVIRONMENT: 'PRODUCTION' } })
    await app.register(fbiErrors)
    await app.register(fbiMonitoring, { gracefulShutdown: false, processMetrics: false })
    await app.inject({ url: `/patients/${NHS}/notes?dob=${DOB}&page=1` })
    await app.close()
    const text = readFileSync(file, 'utf8')
    expect(text).not.toContain(NHS)
    const [line] = requestLines(
      text
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as LogLine),
    )
    expect(line?.msg).toBe('GET "/[REDACTED]/[REDACTED]/[REDACTED]" 404')
    expect(line?.httpRequest).toMatchObject({
      route: '/[REDACTED]/[REDACTED]/[REDACTED]',
      requestUrl: '/[REDACTED]/[REDACTED]/[REDACTED]?dob=[REDACTED]&page=1',
    })
  })

  it('refuses a field list that is not one', () => {
    expect(() => monitoringServerOptions({ logger: { redactFields: ['ok', ''] } })).toThrow(
      "Invalid @fbi/monitoring option 'redactFields': must be an array of non-empty field names",
    )
    expect(() => logRedaction('nhs' as unknown as string[])).toThrow(/redactFields/)
  })

  it('exports the built-in list frozen', () => {
    expect(Object.isFrozen(REDACTED_FIELDS)).toBe(true)
    expect(REDACTED_FIELDS).toEqual(
      expect.arrayContaining(['nhs_number', 'date_of_birth', 'hospital_number']),
    )
  })
})
