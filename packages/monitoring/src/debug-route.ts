import type { FastifyRequest } from 'fastify'
import { isSecretHeader, REDACTED } from './redaction.js'

export const debugSchema = {
  summary: 'Echo the request headers',
  description:
    'Non-production only. The values of credential headers (Authorization, Cookie, API keys, tokens, …) are redacted.',
  tags: ['monitoring'],
  response: {
    200: { type: 'object', additionalProperties: { type: 'string' } },
  },
}

/**
 * GET /debug: the request headers as an object, in the caller's spelling (rawHeaders, as the seed's
 * echo did), repeated headers joined with ", ". Built on a null-prototype object so names such as
 * `constructor`, `toString` or `__proto__` are plain keys.
 */
export async function echoHeaders(request: FastifyRequest): Promise<Record<string, string>> {
  const raw = request.raw.rawHeaders
  const echoed: Record<string, string> = Object.create(null)
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string
    const value = isSecretHeader(name) ? REDACTED : (raw[i + 1] as string)
    const before = echoed[name]
    echoed[name] = before === undefined ? value : `${before}, ${value}`
  }
  return echoed
}
