import { connect } from 'node:net'
import { scopesPresent } from '@fbi/security'
import fc from 'fast-check'
import Fastify, { type FastifyInstance } from 'fastify'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import fbi, { fbiServerOptions } from '../src/index.js'
import { ENV } from './helpers.js'

// Raw HTTP/1.1 bytes written to a real socket of an @fbi/all service built as the README says:
// Node's parser, the client error handler and the socket path are what is exercised, not inject.

let app: FastifyInstance
let port: number
// Requests that reached Fastify (counted before any battery): a smuggled request would show here.
let reached = 0

beforeAll(async () => {
  app = Fastify({
    ...fbiServerOptions({ requestTimeout: 2000, headersTimeout: 1000, connectionsCheckingInterval: 100 }),
    logger: false,
  })
  app.addHook('onRequest', async () => {
    reached++
  })
  await app.register(fbi, { env: { ...ENV }, monitoring: { gracefulShutdown: false } })
  app.get('/g', async () => ({ ok: true }))
  app.post('/ok', async () => ({ ok: true }))
  app.get('/p/:id', { config: { protect: scopesPresent('read:p') } }, async () => ({ ok: true }))
  await app.listen({ host: '127.0.0.1', port: 0 })
  port = (app.server.address() as { port: number }).port
})

afterAll(() => app.close())

/** Writes the bytes, half-closes, and returns all the server answered until it closed (bounded). */
function exchange(bytes: Buffer | string, ms = 4000): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = []
    const socket = connect(port, '127.0.0.1', () => socket.end(bytes))
    const timer = setTimeout(() => socket.destroy(), ms)
    socket.on('data', (chunk: Buffer) => chunks.push(chunk))
    socket.on('error', () => {})
    socket.on('close', () => {
      clearTimeout(timer)
      resolve(Buffer.concat(chunks).toString('latin1'))
    })
  })
}

function statuses(answer: string): number[] {
  return [...answer.matchAll(/(?:^|\r\n\r\n|\n)HTTP\/1\.[01] (\d{3}) /g)].map((match) => Number(match[1]))
}

// What a leaked stack or internal path would look like.
const LEAK = /\n\s+at \S|node:internal|\.(?:ts|js|mjs):\d+|\/work\/|node_modules/

async function normalRequestServed(): Promise<void> {
  const answer = await exchange('GET /g HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n')
  expect(statuses(answer)).toEqual([200])
}

// ---------------------------------------------------------------- generators
// Mostly well-formed parts with an odd one mixed in, so that cases reach the routes, the body
// parser and the batteries, not only Node's parser.
const oddBytes = fc
  .array(fc.integer({ min: 0, max: 255 }), { minLength: 0, maxLength: 24 })
  .map((codes) => String.fromCharCode(...codes))
const often = <T>(usual: fc.Arbitrary<T>, odd: fc.Arbitrary<T>) =>
  fc.oneof({ arbitrary: usual, weight: 6 }, { arbitrary: odd, weight: 1 })
const method = often(
  fc.constantFrom('GET', 'POST', 'HEAD', 'DELETE', 'OPTIONS', 'PUT'),
  fc.oneof(fc.constantFrom('get', 'G ET', 'FOO', '', 'PATCH'), oddBytes),
)
const target = often(
  fc.constantFrom(
    '/g',
    '/ok',
    '/p/1',
    '/nope',
    '/running',
    '/g?x=1&x=2',
    '/g?x=%zz',
    '/%00',
    '/..%2f..',
    '//',
  ),
  fc.oneof(
    fc.constantFrom('*', 'http://localhost/g', '/g#f', `/${'a'.repeat(20_000)}`),
    oddBytes.map((bytes) => `/${bytes}`),
  ),
)
const version = often(
  fc.constant('HTTP/1.1'),
  fc.constantFrom('HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1x', 'http/1.1', ''),
)
const header = often(
  fc.constantFrom(
    'Content-Type: application/json',
    'Content-Type: text/plain',
    'Content-Type: application/x-www-form-urlencoded',
    'Accept: */*',
    'X-Request-ID: r-1',
    'X-Correlation-ID: c 1',
    'X-Amzn-Trace-Id: Root=1-abc;Self=',
    'Authorization: Bearer x.y.z',
    'Authorization: Basic',
    'If-None-Match: "a", W/',
    'Connection: close',
    'Expect: 100-continue',
  ),
  fc.oneof(
    fc.tuple(oddBytes, oddBytes).map(([name, value]) => `${name}: ${value}`),
    fc.constant(`X-Big: ${'v'.repeat(20_000)}`),
    fc.constant(' folded'),
  ),
)
// 'length': the body's own Content-Length, so most cases frame their body correctly.
const framing = often<'length' | readonly string[]>(
  fc.constant('length'),
  fc.constantFrom(
    [],
    ['Content-Length: 2'],
    ['Content-Length: 200'],
    ['Content-Length: -1'],
    ['Content-Length: 2', 'Content-Length: 2'],
    ['Content-Length: 2', 'Content-Length: 3'],
    ['Content-Length: 2, 3'],
    ['Content-Length: 2', 'Transfer-Encoding: chunked'],
    ['Transfer-Encoding: chunked'],
    ['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'],
    ['Transfer-Encoding: xchunked'],
    ['Transfer-Encoding: chunked, identity'],
    ['Transfer-Encoding : chunked'],
    ['Transfer-Encoding:\tchunked'],
  ),
)
const body = often(
  fc.constantFrom('', '{}', '{"a":1}', '[1,2]', '2\r\n{}\r\n0\r\n\r\n', '0\r\n\r\n', 'a=1&a=2'),
  fc.oneof(
    oddBytes,
    fc.constantFrom('{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', '{', 'zz\r\n'),
  ),
)
const eol = often(fc.constant('\r\n'), fc.constantFrom('\n', '\r'))
const request = fc
  .record({ method, target, version, headers: fc.array(header, { maxLength: 4 }), framing, body, eol })
  .map(({ method, target, version, headers, framing, body, eol }) => {
    const length = body === '' ? [] : [`Content-Length: ${Buffer.byteLength(body, 'latin1')}`]
    const lines = [
      `${method} ${target} ${version}`,
      'Host: localhost',
      ...headers,
      ...(framing === 'length' ? length : framing),
    ]
    return `${lines.join(eol)}${eol}${eol}${body}`
  })

describe('raw HTTP/1.1 bytes over a real socket', () => {
  it('never crash, never answer 5xx, never leak a stack; a normal request is served after each case', {
    timeout: 60_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(request, { minLength: 1, maxLength: 3 }), async (pipelined) => {
        const answer = await exchange(Buffer.from(pipelined.join(''), 'latin1'))
        for (const status of statuses(answer)) expect(status).toBeLessThan(500)
        expect(answer).not.toMatch(LEAK)
        await normalRequestServed()
      }),
      { numRuns: 300 },
    )
  })

  it.each([
    [
      'CL.TE',
      'POST /ok HTTP/1.1\r\nHost: localhost\r\nContent-Length: 30\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /p/1 HTTP/1.1\r\nX: y',
    ],
    [
      'TE.CL',
      'POST /ok HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n1e\r\nGET /p/1 HTTP/1.1\r\nX: yyyyyy\r\n0\r\n\r\n',
    ],
    [
      'TE.TE (an obfuscated second Transfer-Encoding)',
      'POST /ok HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: x\r\nContent-Length: 4\r\n\r\n1e\r\nGET /p/1 HTTP/1.1\r\nX: yyyyyy\r\n0\r\n\r\n',
    ],
    [
      'CL.CL (two different lengths)',
      'POST /ok HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\nContent-Length: 35\r\n\r\nGET /p/1 HTTP/1.1\r\nHost: localhost\r\n\r\n',
    ],
    [
      'a space before the colon',
      'POST /ok HTTP/1.1\r\nHost: localhost\r\nContent-Length: 35\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\nGET /p/1 HTTP/1.1\r\nHost: localhost\r\n\r\n',
    ],
  ])('refuse %s smuggling with one 400, never two requests', async (_shape, bytes) => {
    const before = reached
    const answer = await exchange(bytes)
    expect(statuses(answer)).toEqual([400])
    expect(answer).toContain('{"code":400,"message":"Bad Request"}')
    expect(reached - before).toBe(0)
    await normalRequestServed()
  })

  it('answer oversized headers with 431 and a too slow request with 408, in the { code, message } shape', async () => {
    const big = await exchange(`GET /g HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'b'.repeat(20_000)}\r\n\r\n`)
    expect(statuses(big)).toEqual([431])
    expect(big).toContain('{"code":431,"message":"Request Header Fields Too Large"}')
    const slow = await new Promise<string>((resolve) => {
      const chunks: Buffer[] = []
      const socket = connect(port, '127.0.0.1', () => socket.write('GET /g HTTP/1.1\r\nHost: localhost\r\n'))
      socket.on('data', (chunk: Buffer) => chunks.push(chunk))
      socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')))
    })
    expect(statuses(slow)).toEqual([408])
    expect(slow).toContain('{"code":408,"message":"Request Timeout"}')
  })
})
