// A service on @fbi/all alone, without the db battery: it must run with no PGlite installed (nor pg's
// embedded database loaded). Then the db battery: without a database and without PGlite it refuses to
// start with a coded error naming the fix; with FBI_TEST_DATABASE_URL it runs on that server.
import fbi, { fbiServerOptions } from '@fbi/all'
import { scopesPresent } from '@fbi/security'
import { mintHsToken } from '@fbi/security/testing'
import Fastify from 'fastify'

const env = {
  ENVIRONMENT: 'DEVELOPMENT',
  HS_KEY: 'consumer-test-key-0123456789abcdef-0123456789abcdef-0123',
  PROXY_URL: 'http://localhost:5000',
}

const app = Fastify(fbiServerOptions())
await app.register(fbi, { env, db: false, openapi: { info: { title: 'consumer', version: '1.0.0' } } })
app.get('/things', { config: { protect: scopesPresent('read:thing') } }, async () => [{ id: 1 }])
const base = await app.listen({ host: '127.0.0.1', port: 0 })
const issuer = `${env.PROXY_URL}/`
const token = mintHsToken({ key: env.HS_KEY, issuer, audience: issuer, scope: ['read:thing'] })
const statuses = [
  (await fetch(`${base}/things`)).status,
  (await fetch(`${base}/things`, { headers: { authorization: `Bearer ${token}` } })).status,
  (await fetch(`${base}/running`)).status,
  (await fetch(`${base}/docs/json`)).status,
]
await app.close()
if (statuses.join(' ') !== '401 200 200 200') throw new TypeError(`answers ${statuses.join(' ')}`)

// db: true with nothing configured, PGlite not installed.
const withoutDatabase = Fastify()
const refused = await withoutDatabase
  .register(fbi, { env, db: true })
  .ready()
  .then(
    () => 'started',
    (error: unknown) => (error instanceof Error && 'code' in error ? String(error.code) : String(error)),
  )
await withoutDatabase.close()
if (refused !== 'FBI_DB_EMBEDDED_NOT_INSTALLED') throw new TypeError(`db without a database: ${refused}`)

// db: true on a real server, when there is one.
let database = 'no FBI_TEST_DATABASE_URL'
const url = process.env.FBI_TEST_DATABASE_URL
if (url) {
  const withDatabase = Fastify()
  await withDatabase.register(fbi, { env: { ...env, DATABASE_URL: url }, db: true })
  const { rows } = await withDatabase.pg.query<{ one: number }>('SELECT 1 AS one')
  await withDatabase.close()
  if (rows[0]?.one !== 1) throw new TypeError('SELECT 1 did not answer 1')
  database = 'SELECT 1 on FBI_TEST_DATABASE_URL'
}
console.log(`consumer ok: ${statuses.join(' ')}; db without a database: ${refused}; ${database}`)
