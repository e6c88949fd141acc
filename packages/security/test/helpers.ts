import fbiConfig from '@fbi/config'
import fbiErrors from '@fbi/errors'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import fbiSecurity, { type FbiSecurityOptions } from '../src/index.js'
import { type HsTokenOptions, mintHsToken } from '../src/testing/index.js'

export const HS_KEY = 'internal-hs-key-0123456789abcdef0123'
export const PROXY_URL = 'http://localhost'
/** The internal issuer and audience: PROXY_URL + "/". */
export const INTERNAL = 'http://localhost/'

export const BASE_ENV = { ENVIRONMENT: 'DEVELOPMENT', HS_KEY, PROXY_URL } as const

/** The auth0 variables that point @fbi/config's provider issuer at a test JWKS server. */
export function auth0Env(
  provider: { url: string; jwksUrl: string },
  audience: string,
  metadataKey = 'https://x/metadata',
): Record<string, string> {
  return {
    AUTH0_AUDIENCE: audience,
    AUTH0_DOMAIN: provider.url,
    AUTH0_JWKS_URL: provider.jwksUrl,
    AUTH0_METADATA: metadataKey,
  }
}

export interface BuildOptions {
  env?: Record<string, string>
  groups?: { auth0?: boolean; customAuth0?: boolean; epr?: boolean }
  /** @fbi/config's compat option (carried to app.config.compat). */
  compat?: 'flask' | false
  security?: FbiSecurityOptions
  /** Routes to add after the plugins (inside the same context). */
  routes?: (app: FastifyInstance) => void
  /** Lines the app logged, as parsed JSON objects (level debug), when given. */
  logs?: Record<string, unknown>[]
  /** Fastify's options, over the logger that `logs` sets up. */
  fastify?: FastifyServerOptions
}

/** config -> errors -> security, then the routes; ready. Close it in the test. */
export async function buildApp(options: BuildOptions = {}): Promise<FastifyInstance> {
  const logs = options.logs
  const app = Fastify({
    ...(logs
      ? {
          logger: {
            level: 'debug',
            stream: { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) },
          },
        }
      : {}),
    ...options.fastify,
  })
  await app.register(fbiConfig, {
    env: { ...BASE_ENV, ...options.env },
    jwt: true,
    auth0: options.groups?.auth0 ?? false,
    customAuth0: options.groups?.customAuth0 ?? false,
    epr: options.groups?.epr ?? false,
    db: false,
    ...(options.compat === undefined ? {} : { compat: options.compat }),
  })
  await app.register(fbiErrors)
  await app.register(fbiSecurity, options.security ?? {})
  options.routes?.(app)
  await app.ready()
  return app
}

/** A valid internal-issuer token; override anything. */
export function internalToken(overrides: Partial<HsTokenOptions> = {}): string {
  return mintHsToken({ key: HS_KEY, issuer: INTERNAL, audience: INTERNAL, ...overrides })
}

export function bearer(token: string): { authorization: string } {
  return { authorization: `Bearer ${token}` }
}

export const UNAUTHORIZED = { code: 401, message: 'Unauthorized' }
export const FORBIDDEN = { code: 403, message: 'Forbidden' }
export const INVALID_TOKEN = 'Bearer error="invalid_token"'

/** pino's level numbers. */
export const LEVELS = { debug: 20, info: 30, warn: 40, error: 50 } as const

/**
 * Fastify's logger options for a pino logger whose calls at `levels` throw `value` while `armed.on`
 * (a broken transport or serializer); the lines it does write go to `logs`.
 */
export function throwingLogger(
  value: unknown,
  levels: readonly number[],
  armed: { on: boolean },
  logs: Record<string, unknown>[] = [],
): FastifyServerOptions {
  return {
    // Fastify's own request lines are not what is tested.
    disableRequestLogging: true,
    logger: {
      level: 'debug',
      hooks: {
        logMethod(args, method, level) {
          if (armed.on && levels.includes(level)) throw value
          method.apply(this, args)
        },
      },
      stream: { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) },
    },
  }
}
