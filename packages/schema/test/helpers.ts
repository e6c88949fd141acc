import fbiConfig from '@fbi/config'
import fbiErrors from '@fbi/errors'
import Fastify from 'fastify'
import fbiSchema, { type FbiSchemaOptions, type FbiTypeProvider } from '../src/index.js'

export const ENV = { HS_KEY: 'test-key', PROXY_URL: 'http://localhost' }

/**
 * A fresh app with @fbi/config, @fbi/errors and @fbi/schema (OpenAPI off unless asked for), typed
 * with the TypeBox provider. The caller closes it.
 */
export async function buildApp(
  options: FbiSchemaOptions = {},
  { environment = 'DEVELOPMENT', compat = false }: { environment?: string; compat?: 'flask' | false } = {},
) {
  const app = Fastify().withTypeProvider<FbiTypeProvider>()
  await app.register(fbiConfig, { env: { ...ENV, ENVIRONMENT: environment }, compat })
  await app.register(fbiErrors)
  await app.register(fbiSchema, { openapi: false, ...options })
  return app
}

/** The error body every @fbi error response has. */
export function errorBody(code: number, message: string) {
  return { code, message }
}
