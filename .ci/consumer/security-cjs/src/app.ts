// The same service in CommonJS: this package is "type": "commonjs", so TypeScript (module nodenext)
// compiles these imports to require() calls, and Node.js 20.19+ loads fbi's ES modules through
// require(esm). No top-level await in CommonJS: the body is a function.
import fbiConfig from '@fbi/config'
import fbiErrors, { EntityNotFound } from '@fbi/errors'
import { and, currentJwtUser, fbiSecurity, matchKeys, scopesPresent } from '@fbi/security'
import { mintHsToken } from '@fbi/security/testing'
import Fastify from 'fastify'

const env = {
  ENVIRONMENT: 'DEVELOPMENT',
  HS_KEY: 'consumer-test-key-0123456789abcdef-0123456789abcdef-0123',
  PROXY_URL: 'http://localhost:5000',
}

async function main(): Promise<void> {
  const app = Fastify()
  await app.register(fbiConfig, { env })
  await app.register(fbiErrors)
  await app.register(fbiSecurity, { requireProtection: true })

  app.get<{ Params: { patient_id: string } }>(
    '/patient/:patient_id',
    { config: { protect: and(scopesPresent('read:patient'), matchKeys({ patient_id: 'patient_id' })) } },
    async (request) => {
      if (request.params.patient_id === 'missing') throw new EntityNotFound('no such patient')
      return { patient: request.params.patient_id, user: currentJwtUser(request) }
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
  const status = async (path: string, bearer?: string) =>
    (
      await fetch(
        `${base}${path}`,
        bearer === undefined ? {} : { headers: { authorization: `Bearer ${bearer}` } },
      )
    ).status
  const seen = [
    await status('/patient/p1'),
    await status('/patient/p1', token(['read:patient'], 'p2')),
    await status('/patient/p1', token(['read:patient'], 'p1')),
    await status('/patient/missing', token(['read:patient'], 'missing')),
  ]
  await app.close()
  if (seen.join(' ') !== '401 403 200 404')
    throw new TypeError(`answers ${seen.join(' ')}, expected 401 403 200 404`)
  // What require() gave: the module namespace of an ES module.
  console.log(`consumer ok: ${seen.join(' ')} (loaded with require: ${typeof require === 'function'})`)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
