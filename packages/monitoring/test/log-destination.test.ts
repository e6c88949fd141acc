import { execFileSync, spawnSync } from 'node:child_process'
import { closeSync, constants, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import fbiConfig from '@fbi/config'
import Fastify from 'fastify'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import fbiMonitoring, { type LogDestination, logDestination, monitoringServerOptions } from '../src/index.js'
import { TEST_ENV } from './helpers.js'

const packageDir = fileURLToPath(new URL('..', import.meta.url))
const crashFixture = fileURLToPath(new URL('./fixtures/log-then-crash.mjs', import.meta.url))
const workerFixture = fileURLToPath(new URL('./fixtures/log-in-worker.mjs', import.meta.url))
const tsc = fileURLToPath(new URL('../../../node_modules/typescript/bin/tsc', import.meta.url))

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'fbi-log-'))
})
afterEach(() => {
  rmSync(dir, { recursive: true, force: true })
})

function lines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>)
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve))

/**
 * A named pipe whose reader (`readerSource`, CommonJS, given `workerData.fd`) runs in another
 * thread and posts one message when done. Both ends are non-blocking: the reader opens first so
 * opening does not wait, and the writer meets EAGAIN and short writes instead of blocking.
 */
function pipeWithReader<T>(
  name: string,
  readerSource: string,
): { writeFd: number; readFd: number; result: Promise<T> } {
  const fifo = join(dir, name)
  execFileSync('mkfifo', [fifo])
  const readFd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK)
  const writeFd = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK)
  const reader = new Worker(
    `const { readSync, closeSync } = require('node:fs'); const { workerData, parentPort } = require('node:worker_threads')
     const wait = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
     ${readerSource}`,
    { eval: true, workerData: { fd: readFd } },
  )
  const result = new Promise<T>((resolve, reject) => {
    reader.once('message', resolve)
    reader.once('error', reject)
  })
  return { writeFd, readFd, result }
}

describe('logDestination', () => {
  beforeAll(() => {
    // The crash fixture runs the built package; `pnpm test` builds first, this keeps a local
    // `vitest --project monitoring` honest too (tsc -b does nothing when dist is up to date).
    execFileSync(process.execPath, [tsc, '-b', packageDir], { stdio: 'inherit' })
  }, 120_000)

  it('with sync, appends every line to a file, in order, before write returns, multi-byte text intact', () => {
    const path = join(dir, 'app.log')
    const destination = logDestination(path, { sync: true })
    destination.write('{"n":1,"msg":"first"}\n')
    destination.write('{"n":2,"msg":"Zoë 患者 🩺"}\n')
    expect(lines(path)).toEqual([
      { n: 1, msg: 'first' },
      { n: 2, msg: 'Zoë 患者 🩺' },
    ])
    // A second destination on the same path appends instead of truncating.
    logDestination(path, { sync: true }).write('{"n":3}\n')
    expect(lines(path).map((line) => line.n)).toEqual([1, 2, 3])
    closeSync(destination.fd)
    expect(destination.droppedLines).toBe(0)
  })

  it('by default writes the lines of one event-loop turn together when the turn ends, in order', async () => {
    const path = join(dir, 'batched.log')
    const destination = logDestination(path)
    destination.write('{"n":1}\n')
    destination.write('{"n":2,"msg":"Zoë 患者 🩺"}\n')
    expect(readFileSync(path, 'utf8')).toBe('')
    await nextTurn()
    expect(lines(path)).toEqual([{ n: 1 }, { n: 2, msg: 'Zoë 患者 🩺' }])
    destination.write('{"n":3}\n')
    destination.flushSync()
    expect(lines(path).map((line) => line.n)).toEqual([1, 2, 3])
    closeSync(destination.fd)
  })

  it('writes at once when a turn holds more than 64 KiB, so a burst cannot hold unbounded memory', () => {
    const path = join(dir, 'burst.log')
    const destination = logDestination(path)
    const line = `${JSON.stringify({ text: 'x'.repeat(1000) })}\n`
    for (let i = 0; i < 100; i++) destination.write(line)
    // 100 lines of ~1 KiB: at least the first 64 KiB are already in the file, in the same turn.
    expect(readFileSync(path, 'utf8').length).toBeGreaterThanOrEqual(65_536)
    destination.flushSync()
    expect(readFileSync(path, 'utf8')).toBe(line.repeat(100))
    closeSync(destination.fd)
  })

  it('writes the held lines when the process crashes in the same turn, and lines logged while exiting', () => {
    const path = join(dir, 'crash.log')
    const result = spawnSync(process.execPath, [crashFixture, path], { encoding: 'utf8' })
    expect(result.status).toBe(1)
    expect(result.stderr).toContain('crash on purpose')
    expect(lines(path)).toEqual([
      { n: 1, msg: 'before the crash' },
      { n: 2, msg: 'just before the crash' },
      { n: 3, msg: 'from a later exit listener' },
    ])
  })

  it('waits for a full non-blocking pipe and completes partial writes: 16 MiB through a 64 KiB pipe, nothing lost', async () => {
    // The reader reads slowly, so the writer meets EAGAIN and short writes many times over.
    const {
      writeFd,
      readFd,
      result: received,
    } = pipeWithReader<string>(
      'pipe',
      `const chunks = []; const buf = Buffer.alloc(16384)
       for (;;) {
         let n = 0
         try { n = readSync(workerData.fd, buf) } catch (e) { if (e.code !== 'EAGAIN') throw e; wait(2); continue }
         if (n === 0) break
         chunks.push(Buffer.from(buf.subarray(0, n))); wait(1)
       }
       parentPort.postMessage(Buffer.concat(chunks).toString('utf8'))`,
    )
    const destination = logDestination(writeFd, { sync: true })
    const expected: string[] = []
    for (let i = 0; i < 4096; i++) {
      // ~1 KiB lines with multi-byte characters (a pipe takes those whole or not at all: EAGAIN), and
      // every 64th ~200 KiB, more than the pipe holds, so it is written in parts that can end inside
      // a character.
      const repeat = i % 64 === 0 ? 200 : 1
      const text = ('é'.repeat(300) + 'x'.repeat(i % 7) + '患'.repeat(100)).repeat(repeat)
      const line = `${JSON.stringify({ i, text })}\n`
      expected.push(line)
      destination.write(line)
    }
    closeSync(writeFd)
    const text = await received
    closeSync(readFd)
    expect(text.length).toBe(expected.join('').length)
    expect(text).toBe(expected.join(''))
    expect(destination.droppedLines).toBe(0)
  })

  it('drops a line it cannot write and counts it, without throwing', () => {
    const path = join(dir, 'read-only.log')
    closeSync(openSync(path, 'w'))
    const readOnly = openSync(path, 'r')
    const destination = logDestination(readOnly, { sync: true })
    expect(() => destination.write('{"n":1}\n')).not.toThrow()
    expect(() => destination.write('{"n":2}\n')).not.toThrow()
    expect(destination.droppedLines).toBe(2)
    // Batched, the lines of the turn are dropped together and counted one by one.
    const batched = logDestination(readOnly)
    batched.write('{"n":3}\n')
    batched.write('{"n":4}\n')
    expect(() => batched.flushSync()).not.toThrow()
    expect(batched.droppedLines).toBe(2)
    closeSync(readOnly)
  })

  it('writes at once in a worker thread, which can be terminated without an exit event', async () => {
    const path = join(dir, 'worker.log')
    // The fixture runs the built package: without the test runner's flags (its source condition
    // would resolve @fbi/config to TypeScript the worker cannot load).
    const worker = new Worker(workerFixture, { workerData: { path }, execArgv: [] })
    await new Promise((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    await worker.terminate()
    expect(lines(path)).toEqual([{ from: 'worker' }])
  })

  it('after a line cut short by a failed write, counts only the lines not written', async () => {
    // The reader takes 100 KiB, then hangs up: the 300 KiB line is cut short by EPIPE.
    const { writeFd, result: read } = pipeWithReader<number>(
      'closing-pipe',
      `const buf = Buffer.alloc(16384); let total = 0
       while (total < 102400) {
         try { total += readSync(workerData.fd, buf) } catch (e) { if (e.code !== 'EAGAIN') throw e; wait(2) }
       }
       closeSync(workerData.fd); parentPort.postMessage(total)`,
    )
    const destination = logDestination(writeFd, { sync: true })
    destination.write('{"n":1}\n')
    destination.write(`${JSON.stringify({ n: 2, text: 'x'.repeat(300 * 1024) })}\n`)
    expect(await read).toBeGreaterThanOrEqual(102400)
    expect(destination.droppedLines).toBe(1)
    destination.write('{"n":3}\n')
    expect(destination.droppedLines).toBe(2)
    closeSync(writeFd)
  })

  it('close() writes what the turn holds, closes a file it opened, drops later lines; a given descriptor stays open', () => {
    const path = join(dir, 'closed.log')
    const destination = logDestination(path)
    destination.write('{"n":1}\n')
    destination.close()
    expect(lines(path)).toEqual([{ n: 1 }])
    destination.write('{"n":2}\n')
    destination.flushSync()
    expect(lines(path)).toEqual([{ n: 1 }])
    expect(destination.droppedLines).toBe(1)

    const givenFd = openSync(join(dir, 'given.log'), 'a')
    const given = logDestination(givenFd)
    given.write('{"n":1}\n')
    given.close()
    given.write('{"n":2}\n')
    given.close()
    expect(lines(join(dir, 'given.log'))).toEqual([{ n: 1 }, { n: 2 }])
    closeSync(givenFd)
  })

  it('flush(callback) reports lines it could not write', async () => {
    const path = join(dir, 'read-only-flush.log')
    closeSync(openSync(path, 'w'))
    const readOnly = openSync(path, 'r')
    const destination = logDestination(readOnly)
    destination.write('{"n":1}\n')
    const error = await new Promise<Error | undefined>((resolve) => destination.flush(resolve))
    expect(error).toMatchObject({
      code: 'FBI_MONITORING_LOG_LINES_DROPPED',
      message: '1 log lines could not be written',
    })
    const fine = logDestination(join(dir, 'fine.log'))
    fine.write('{"n":1}\n')
    expect(await new Promise<Error | undefined>((resolve) => fine.flush(resolve))).toBeUndefined()
    closeSync(readOnly)
    fine.close()
  })

  it('refuses a target that is neither a path nor a file descriptor', () => {
    for (const target of ['', -1, 1.5]) {
      expect(() => logDestination(target)).toThrow(
        expect.objectContaining({
          code: 'FBI_MONITORING_INVALID_OPTION',
          message:
            "Invalid @fbi/monitoring option 'logDestination target': must be a file path or a file descriptor",
        }),
      )
    }
  })
})

describe('monitoringServerOptions({ logger })', () => {
  it('builds a logger writing one request line per request to the file, at the chosen level', async (ctx) => {
    const path = join(dir, 'requests.log')
    const app = Fastify(monitoringServerOptions({ logger: { level: 'info', file: path } }))
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, { env: TEST_ENV })
    await app.register(fbiMonitoring, { gracefulShutdown: false })
    app.get('/hello/:name', async (request) => {
      request.log.debug('below the level: not written')
      return { hello: (request.params as { name: string }).name }
    })
    const res = await app.inject({ url: '/hello/world', headers: { 'x-request-id': 'req-abc-1' } })
    expect(res.statusCode).toBe(200)
    await nextTurn()
    const written = lines(path)
    const requestLine = written.find((line) => line.httpRequest !== undefined)
    expect(requestLine).toMatchObject({
      level: 30,
      reqId: 'req-abc-1',
      msg: 'GET "/hello/:name" 200',
      httpRequest: { status: 200, route: '/hello/:name', requestUrl: '/hello/world' },
    })
    expect(written.filter((line) => line.httpRequest !== undefined)).toHaveLength(1)
    expect(written.some((line) => line.msg === 'below the level: not written')).toBe(false)
    // Fastify's own "incoming request" / "request completed" lines are not there.
    expect(written.some((line) => line.msg === 'incoming request' || line.msg === 'request completed')).toBe(
      false,
    )
  })

  it('closes the log file with the app: no descriptor left behind after many apps', async () => {
    const openFds = () => readdirSync('/proc/self/fd').length
    const path = join(dir, 'many.log')
    const before = openFds()
    for (let i = 0; i < 20; i++) {
      const app = Fastify(monitoringServerOptions({ logger: { file: path } }))
      await app.register(fbiConfig, { env: TEST_ENV })
      await app.register(fbiMonitoring, { gracefulShutdown: false })
      await app.ready()
      app.log.info({ i }, 'app built')
      await app.close()
    }
    expect(openFds()).toBe(before)
    expect(lines(path).filter((line) => line.msg === 'app built')).toHaveLength(20)
  })

  it('true means info on stdout; false turns the logger off; no option leaves the logger alone', () => {
    const on = monitoringServerOptions({ logger: true }).logger as unknown as {
      level: string
      stream: LogDestination
    }
    expect(on.level).toBe('info')
    expect(on.stream.fd).toBe(1)
    expect(monitoringServerOptions({ logger: false }).logger).toBe(false)
    expect('logger' in monitoringServerOptions()).toBe(false)
  })

  it('refuses logger options of the wrong type with a named error', () => {
    expect(() => monitoringServerOptions({ logger: 'info' as never })).toThrow(
      expect.objectContaining({
        code: 'FBI_MONITORING_INVALID_OPTION',
        message: expect.stringContaining("'logger'"),
      }),
    )
    expect(() => monitoringServerOptions({ logger: { file: '' } })).toThrow(
      expect.objectContaining({ message: expect.stringContaining("'logger.file'") }),
    )
    expect(() => monitoringServerOptions({ logger: { sync: 'yes' as never } })).toThrow(
      expect.objectContaining({ message: expect.stringContaining("'logger.sync'") }),
    )
    expect(() =>
      monitoringServerOptions({ logger: { transport: { target: 'pino-pretty' } } as never }),
    ).toThrow(expect.objectContaining({ message: expect.stringContaining('not a transport') }))
    expect(() => monitoringServerOptions({ logger: { file: join(dir, 'no', 'such', 'dir.log') } })).toThrow(
      expect.objectContaining({
        code: 'FBI_MONITORING_INVALID_OPTION',
        message: expect.stringContaining('cannot be opened (ENOENT)'),
      }),
    )
  })
})
