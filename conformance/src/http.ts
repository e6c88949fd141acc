import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { FBI_CONFORMANCE_NO_ANSWER } from './errors.js'

/** One answer, as the client saw it. */
export interface Answer {
  readonly status: number
  readonly headers: IncomingHttpHeaders
  readonly body: string
}

export interface Outgoing {
  readonly method: string
  readonly path: string
  readonly headers: Readonly<Record<string, string>>
  readonly body?: string
}

const DEADLINE_MS = 15_000

/**
 * Sends one request on a new connection. node:http rather than fetch: fetch refuses a body on GET
 * and rewrites headers, and both are things the matrix sends on purpose.
 */
export function send(baseUrl: string, outgoing: Outgoing): Promise<Answer> {
  const url = new URL(baseUrl)
  const headers: Record<string, string | number> = { ...outgoing.headers }
  if (outgoing.body !== undefined) headers['content-length'] = Buffer.byteLength(outgoing.body)
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method: outgoing.method,
        path: outgoing.path,
        headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('error', (error) => reject(new FBI_CONFORMANCE_NO_ANSWER(baseUrl, error.message)))
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        )
      },
    )
    const where = `${baseUrl} (${outgoing.method} ${outgoing.path})`
    req.setTimeout(DEADLINE_MS, () => {
      reject(new FBI_CONFORMANCE_NO_ANSWER(where, `no answer within ${DEADLINE_MS} ms`))
      req.destroy()
    })
    req.on('error', (error) => reject(new FBI_CONFORMANCE_NO_ANSWER(where, error.message)))
    req.end(outgoing.body)
  })
}
