// A user's own ESM service on @fbi/security and @fbi/errors (and @fbi/config, which security reads),
// installed from the packed tarballs: type-checked strictly, started, asked over real HTTP.
import fbiConfig from '@fbi/config'
import fbiErrors, { EntityNotFound } from '@fbi/errors'
import fbiSecurity, { and, currentJwtUser, isAuthenticated, matchKeys, scopesPresent } from '@fbi/security'
import { mintHsToken } from '@fbi/security/testing'
import Fastify from 'fastify'

const env = {
  ENVIRONMENT: 'DEVELOPMENT',
  HS_KEY: 'consumer-test-key-0123456789abcdef-0123456789abcdef-0123',
  PROXY_URL: 'http://localhost:5000',
}

const app = Fastify()
await app.register(fbiConfig, { env })
await app.register(fbiErrors)
await app.register(fbiSecurity, { requireProtection: true })

app.get<{ Params: { patient_id: string } }>(
  '/patient/:patient_id',
  { config: { protect: and(scopesPresent('read:patient'), matchKeys({ patient_id: 'patient_id' })) } },
  async (request) => {
    if (request.params.patient_id === 'missing') throw new EntityNotFound('no such patient')
    const scopes: readonly string[] = isAuthenticated(request) ? request.jwtScopes : []
    return { patient: request.params.patient_id, user: currentJwtUser(request), scopes }
  },
)

const base = await app.listen({ host: '127.0.0.1', port: 0 })
const token = (scope: string[], patientId: string) =>
  mintHsToken({
    key: env.HS_KEY,
    issuer: `${env.PROXY_URL}/`,
    audience: `${env.PROXY_URL}/`,
    scope,
    metadata: { patient_id: patientId },
  })

async function expectStatus(path: string, bearer: string | undefined, status: number): Promise<unknown> {
  const res = await fetch(
    `${base}${path}`,
    bearer === undefined ? {} : { headers: { authorization: `Bearer ${bearer}` } },
  )
  const body: unknown = await res.json()
  if (res.status !== status)
    throw new TypeError(`${path}: ${res.status} ${JSON.stringify(body)}, expected ${status}`)
  return body
}

await expectStatus('/patient/p1', undefined, 401)
await expectStatus('/patient/p1', token(['read:patient'], 'p2'), 403)
await expectStatus('/patient/p1', token([], 'p1'), 403)
const body = await expectStatus('/patient/p1', token(['read:patient'], 'p1'), 200)
await expectStatus('/patient/missing', token(['read:patient'], 'missing'), 404)
await app.close()
console.log(`consumer ok: 401 403 403 200 404 ${JSON.stringify(body)}`)
