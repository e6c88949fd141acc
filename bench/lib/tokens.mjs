// Token minting and the local JWKS provider (node:http on 127.0.0.1), for the runner.
import { generateKeyPairSync, randomUUID } from 'node:crypto'
import { createServer } from 'node:http'
import { createSigner } from 'fast-jwt'
import {
  AUTH0_AUDIENCE,
  AUTH0_DOMAIN,
  AUTH0_METADATA,
  AUTH0_SCOPE_KEY,
  HS_KEY,
  INTERNAL_ISSUER,
  JWKS_PATH,
  SCOPE,
} from './fixtures.mjs'

// Long enough for any run, short enough that a leaked token means nothing.
const LIFETIME_MS = 6 * 60 * 60 * 1000

/** An internal-issuer token, as the seed mints them. */
export function internalToken(patientId, scope = SCOPE) {
  const sign = createSigner({
    key: HS_KEY,
    algorithm: 'HS256',
    iss: INTERNAL_ISSUER,
    aud: INTERNAL_ISSUER,
    expiresIn: LIFETIME_MS,
  })
  return sign({ scope, metadata: { patient_id: patientId } })
}

/**
 * A JWKS provider with one fresh RSA key. `url` is what AUTH0_JWKS_URL points at; `fetches`
 * counts the key-set requests, so the report can show that keys were cached.
 */
export async function startJwksProvider() {
  const kid = randomUUID()
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const jwks = JSON.stringify({
    keys: [{ ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' }],
  })
  const provider = { url: '', fetches: 0, close: () => {}, token: () => '' }

  const server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === JWKS_PATH) {
      provider.fetches++
      res.writeHead(200, { 'content-type': 'application/json' }).end(jwks)
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  provider.url = `http://127.0.0.1:${server.address().port}${JWKS_PATH}`
  provider.close = () =>
    new Promise((resolve) => {
      server.close(resolve)
      server.closeAllConnections()
    })

  const sign = createSigner({
    key: privateKey.export({ format: 'pem', type: 'pkcs8' }),
    algorithm: 'RS256',
    kid,
    iss: AUTH0_DOMAIN,
    aud: AUTH0_AUDIENCE,
    expiresIn: LIFETIME_MS,
  })
  /** A provider token: claims under AUTH0_METADATA, scopes under the derived scope key. */
  provider.token = (patientId, scope = SCOPE) =>
    sign({ [AUTH0_METADATA]: { patient_id: patientId }, [AUTH0_SCOPE_KEY]: scope })
  return provider
}
