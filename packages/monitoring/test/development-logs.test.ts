import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { stripVTControlCharacters } from 'node:util'
import fbiConfig, { loadConfig } from '@fbi/config'
import fbiErrors from '@fbi/errors'
import Fastify from 'fastify'
import { beforeAll, describe, expect, it } from 'vitest'
import fbiMonitoring, { monitoringServerOptions } from '../src/index.js'
import { prettyLine } from '../src/pretty-line.js'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url))
const fixture = fileURLToPath(new URL('./fixtures/logging-service.mjs', import.meta.url))

/** Runs the fixture service with `env`, its stdout a pipe or (with `tty`) a terminal, and returns what it printed. */
function runService(
  env: Record<string, string>,
  tty: boolean,
): { status: number | null; out: string; err: string } {
  const childEnv = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env }
  const result = tty
    ? // util-linux `script` gives the child a pseudo-terminal and copies what it writes.
      spawnSync(
        'script',
        ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(fixture)}`, '/dev/null'],
        {
          cwd: packageDir,
          env: childEnv,
          encoding: 'utf8',
          timeout: 60_000,
        },
      )
    : spawnSync(process.execPath, [fixture], {
        cwd: packageDir,
        env: childEnv,
        encoding: 'utf8',
        timeout: 60_000,
      })
  return { status: result.status, out: result.stdout.replaceAll('\r\n', '\n'), err: result.stderr }
}

const ESC = String.fromCharCode(27)
const lines = (out: string) => out.split('\n').filter((line) => line.trim() !== '')

describe('development logs (a real process, its stdout a terminal or a pipe)', () => {
  beforeAll(() => {
    execFileSync(process.execPath, [tsc, '-b', packageDir], { stdio: 'inherit' })
  }, 120_000)

  it('writes one readable line per request on a terminal outside production', () => {
    const { status, out } = runService({ ENVIRONMENT: 'DEVELOPMENT', TERM: 'xterm-256color' }, true)
    expect(status).toBe(0)
    expect(out).toContain(`${ESC}[32m`) // in colour (INFO in green), on a terminal that takes it
    const written = lines(stripVTControlCharacters(out))
    expect(written).toHaveLength(2)
    expect(written[0]).toMatch(/^\d\d:\d\d:\d\d\.\d{3} INFO {2}GET \/patient\/7 200 \d+\.\dms \[dev-log-\]$/)
    expect(written[1]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}GET \/nowhere 404 \d+\.\dms — Route not found \[dev-log-\]$/,
    )
  })

  it('writes no colour when NO_COLOR is set', () => {
    const { out } = runService({ ENVIRONMENT: 'DEVELOPMENT', TERM: 'xterm-256color', NO_COLOR: '1' }, true)
    expect(out).not.toContain(`${ESC}[`)
    expect(lines(out)[0]).toMatch(/ INFO {2}GET \/patient\/7 200 /)
  })

  it.each([
    ['a pipe outside production', { ENVIRONMENT: 'DEVELOPMENT' }, false],
    ['a terminal in production', {}, true],
    ['a terminal with LOG_FORMAT=json', { ENVIRONMENT: 'DEVELOPMENT', LOG_FORMAT: 'json' }, true],
  ])('writes JSON to %s', (_name, env, tty) => {
    const { status, out } = runService(env, tty)
    expect(status).toBe(0)
    const written = lines(out)
      .map((line) => JSON.parse(line) as { msg: string; reqId?: string })
      .filter((line) => line.reqId !== undefined)
    // In production an unknown URL's path is not written (Logs safe for patient data).
    const unknown = 'ENVIRONMENT' in env ? '/nowhere' : '/[REDACTED]'
    expect(written.map((line) => [line.reqId, line.msg])).toEqual([
      ['dev-log-1', 'GET "/patient/:id" 200'],
      ['dev-log-2', `GET "${unknown}" 404`],
    ])
  })

  it('writes readable lines to a pipe in production with LOG_FORMAT=pretty', () => {
    const { out } = runService({ LOG_FORMAT: 'pretty' }, false)
    expect(out).not.toContain(`${ESC}[`)
    expect(lines(out)[0]).toMatch(/ WARN {2}The admin routes answer anyone on the service port/)
    expect(lines(out)[2]).toMatch(/ INFO {2}GET \/\[REDACTED\] 404 \d+\.\dms — Route not found/)
  })

  it('takes the level from LOG_LEVEL', () => {
    const quiet = runService({ ENVIRONMENT: 'DEVELOPMENT' }, false)
    expect(quiet.out).not.toContain('looking the patient up')
    const { out } = runService({ ENVIRONMENT: 'DEVELOPMENT', LOG_LEVEL: 'debug' }, false)
    const written = lines(out).map(
      (line) => JSON.parse(line) as { level: number; msg: string; httpRequest?: object },
    )
    expect(written.map((line) => [line.level, line.msg])).toEqual([
      [20, 'looking the patient up'],
      [30, 'GET "/patient/:id" 200'],
      [30, 'GET "/nowhere" 404'],
    ])
    expect(written[1]?.httpRequest).toMatchObject({ requestPathParams: { id: '7' } })
    // At warn, a production service says only that its admin routes are open.
    expect(lines(runService({ LOG_LEVEL: 'warn' }, false).out).map((line) => JSON.parse(line).msg)).toEqual([
      'The admin routes answer anyone on the service port: set ADMIN_PORT or ADMIN_TOKEN (@fbi/monitoring admin option)',
    ])
  })

  it('refuses a level it does not know, naming the variable', () => {
    const { status, out, err } = runService({ LOG_LEVEL: 'verbose' }, false)
    expect(status).not.toBe(0)
    expect(out).toBe('')
    expect(err).toContain("LOG_LEVEL 'verbose' is not one of: fatal, error, warn, info, debug, trace, silent")
  })
})

describe('the logger monitoringServerOptions builds', () => {
  const file = () => join(mkdtempSync(join(tmpdir(), 'fbi-dev-logs-')), 'app.log')

  it('takes LOG_LEVEL and LOG_FORMAT from the configuration it is given; options in code win', async (ctx) => {
    const config = loadConfig({ jwt: false, env: { LOG_LEVEL: 'debug', LOG_FORMAT: 'pretty' } })
    const target = file()
    const app = Fastify(monitoringServerOptions({ logger: { file: target }, config }))
    ctx.onTestFinished(() => app.close())
    expect(app.log.level).toBe('debug')
    app.log.debug({ extra: 1 }, 'hello')
    await app.close()
    // No plugin closes the log file here: its lines are written when the event-loop turn ends.
    await new Promise((resolve) => setImmediate(resolve))
    expect(readFileSync(target, 'utf8')).toMatch(/^\d\d:\d\d:\d\d\.\d{3} DEBUG hello \{"extra":1\}\n$/)

    const json = Fastify(
      monitoringServerOptions({ logger: { file: file(), level: 'warn', format: 'json' }, config }),
    )
    ctx.onTestFinished(() => json.close())
    expect(json.log.level).toBe('warn')
  })

  it('refuses a format it does not know', () => {
    expect(() =>
      monitoringServerOptions({ logger: { format: 'xml' as 'json' }, config: loadConfig({ jwt: false }) }),
    ).toThrow("Invalid @fbi/monitoring option 'logger.format': must be one of 'json', 'pretty'")
  })

  it('shows why a request was refused, and an error with its stack', async (ctx) => {
    const target = file()
    const config = loadConfig({ jwt: false, env: { LOG_FORMAT: 'pretty', ENVIRONMENT: 'DEVELOPMENT' } })
    const app = Fastify(monitoringServerOptions({ logger: { file: target }, config }))
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { config })
    await app.register(fbiErrors)
    await app.register(fbiMonitoring, { gracefulShutdown: false, processMetrics: false })
    app.post('/items', { schema: { body: { type: 'object', required: ['name'] } } }, async () => ({}))
    app.get('/boom', async () => {
      throw new Error('kaput')
    })
    app.get('/old', { config: { deprecated: { since: new Date('2025-01-31') } } }, async () => ({}))
    await app.inject({ method: 'POST', url: '/items', payload: {} })
    await app.inject({ url: '/boom' })
    await app.inject({ url: '/old' })
    await app.close()
    const written = lines(readFileSync(target, 'utf8'))
    expect(written[0]).toMatch(
      / INFO {2}POST \/items 400 \d+\.\dms — body must have required property 'name' \[/,
    )
    expect(written[1]).toMatch(/ ERROR kaput \{"statusCode":500\} \[[0-9a-f-]{8}\]$/)
    expect(written[2]).toMatch(/^ {4}Error: kaput$/)
    expect(written.find((line) => line.includes('GET /boom 500'))).toBeDefined()
    expect(written.find((line) => line.includes('GET /old 200'))).toMatch(
      / WARN {2}GET \/old 200 \d+\.\dms \(deprecated\)/,
    )
  })
})

describe('prettyLine', () => {
  it('writes a line that is not JSON as it came', () => {
    expect(prettyLine('not json\n', false)).toBe('not json\n')
  })

  it('writes a line whose fields it cannot read as it came, instead of throwing into the log call', () => {
    const odd = '{"level":30,"msg":"m","reqId":42,"err":{"stack":7}}\n'
    expect(prettyLine(odd, false)).toBe(odd)
  })

  it('names unknown levels and keeps the fields it does not show itself', () => {
    expect(prettyLine('{"level":35,"time":0,"msg":"m","a":{"b":1}}', false)).toMatch(
      /^\d\d:\d\d:\d\d\.000 35 m \{"a":\{"b":1\}\}\n$/,
    )
  })
})
