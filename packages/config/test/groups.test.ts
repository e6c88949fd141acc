import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/index.js'
import { AUTH0_ENV, catchError, JWT_ENV } from './fixtures.js'

describe('jwt group', () => {
  it('is on by default and derives the internal issuer from PROXY_URL', () => {
    const config = loadConfig({ env: { HS_KEY: 'k', PROXY_URL: 'https://proxy.example.com' } })
    expect(config.jwt).toEqual({
      hsKey: 'k',
      proxyUrl: 'https://proxy.example.com',
      internalIssuer: 'https://proxy.example.com/',
      ignoreJwtValidation: false,
      systemAuthHost: 'localhost',
      systemAuthPort: 7000,
      systemAuthUrlScheme: 'http',
    })
  })

  it('does not double the slash when PROXY_URL already ends with one', () => {
    expect(loadConfig({ env: { HS_KEY: 'k', PROXY_URL: 'http://x/' } }).jwt.internalIssuer).toBe('http://x/')
  })

  it('reads the system auth variables', () => {
    const config = loadConfig({
      env: {
        ...JWT_ENV,
        SYSTEM_AUTH_HOST: 'auth',
        SYSTEM_AUTH_PORT: '7001',
        SYSTEM_AUTH_URL_SCHEME: 'https',
        IGNORE_JWT_VALIDATION: 'true',
        ENVIRONMENT: 'DEVELOPMENT',
      },
    })
    expect(config.jwt).toMatchObject({
      systemAuthHost: 'auth',
      systemAuthPort: 7001,
      systemAuthUrlScheme: 'https',
      ignoreJwtValidation: true,
    })
  })

  it('can be turned off, and then needs nothing', () => {
    const config = loadConfig({ env: {}, jwt: false })
    expect(config.jwt).toBeUndefined()
  })

  it('rejects a PROXY_URL that is not a URL', () => {
    expect(() => loadConfig({ env: { HS_KEY: 'k', PROXY_URL: 'localhost' } })).toThrow(
      'PROXY_URL is not an absolute URL',
    )
  })
})

describe('auth0 group', () => {
  it('derives the JWKS URL from the domain and the scope key from the metadata key', () => {
    const config = loadConfig({ env: { ...JWT_ENV, ...AUTH0_ENV }, auth0: true })
    expect(config.auth0).toEqual({
      audience: 'https://api.example.com/',
      domain: 'https://tenant.eu.auth0.com/',
      jwksUrl: 'https://tenant.eu.auth0.com/.well-known/jwks.json',
      metadataKey: 'https://example.com/metadata',
      scopeKey: 'https://example.com/scope',
    })
  })

  it('adds the slash a domain without one needs for the JWKS URL', () => {
    const config = loadConfig({
      env: { ...JWT_ENV, ...AUTH0_ENV, AUTH0_DOMAIN: 'https://b2c.example.com' },
      auth0: true,
    })
    expect(config.auth0.jwksUrl).toBe('https://b2c.example.com/.well-known/jwks.json')
  })

  it('derives "scope" when the metadata key has no slash', () => {
    const config = loadConfig({ env: { ...JWT_ENV, ...AUTH0_ENV, AUTH0_METADATA: 'metadata' }, auth0: true })
    expect(config.auth0.scopeKey).toBe('scope')
  })

  it('uses AUTH0_JWKS_URL and AUTH0_SCOPE_KEY when set', () => {
    const config = loadConfig({
      env: {
        ...JWT_ENV,
        ...AUTH0_ENV,
        AUTH0_JWKS_URL: 'https://keys.example.com/jwks',
        AUTH0_SCOPE_KEY: 'scp',
      },
      auth0: true,
    })
    expect(config.auth0.jwksUrl).toBe('https://keys.example.com/jwks')
    expect(config.auth0.scopeKey).toBe('scp')
  })

  it('has no vendor defaults: a provider turned on must be configured', () => {
    expect(() => loadConfig({ env: { ...JWT_ENV }, auth0: true })).toThrow(
      [
        'Invalid configuration:',
        '  - AUTH0_AUDIENCE is missing (auth0: JWKS token provider (Auth0, Azure AD B2C))',
        '  - AUTH0_DOMAIN is missing (auth0: JWKS token provider (Auth0, Azure AD B2C))',
        '  - AUTH0_METADATA is missing (auth0: JWKS token provider (Auth0, Azure AD B2C))',
      ].join('\n'),
    )
  })
})

describe('customAuth0 and epr groups', () => {
  it('reads the custom-database issuer', () => {
    const config = loadConfig({
      env: { ...JWT_ENV, AUTH0_CUSTOM_DOMAIN: 'https://login.example.com/', AUTH0_HS_KEY: 'custom' },
      customAuth0: true,
    })
    expect(config.customAuth0).toEqual({ domain: 'https://login.example.com/', hsKey: 'custom' })
  })

  it('reads the EPR service adapter issuer', () => {
    const config = loadConfig({
      env: { ...JWT_ENV, EPR_SERVICE_ADAPTER_ISSUER: 'http://epr/', EPR_SERVICE_ADAPTER_HS_KEY: 'epr-key' },
      epr: true,
    })
    expect(config.epr).toEqual({ issuer: 'http://epr/', hsKey: 'epr-key' })
  })

  it('names both missing variables of each group', () => {
    expect(() => loadConfig({ env: { ...JWT_ENV }, customAuth0: true, epr: true })).toThrow(
      /AUTH0_CUSTOM_DOMAIN is missing[\s\S]*AUTH0_HS_KEY is missing[\s\S]*EPR_SERVICE_ADAPTER_ISSUER is missing[\s\S]*EPR_SERVICE_ADAPTER_HS_KEY is missing/,
    )
  })
})

describe('db group', () => {
  it('has pool defaults and says when no database is configured', () => {
    const config = loadConfig({ env: { ...JWT_ENV, ENVIRONMENT: 'DEVELOPMENT' }, db: true })
    expect(config.db).toEqual({
      configured: false,
      url: undefined,
      host: undefined,
      port: 5432,
      user: undefined,
      password: undefined,
      database: undefined,
      poolSize: 10,
      connectTimeoutMs: 5000,
      idleTimeoutMs: 10000,
      statementTimeoutMs: 30000,
      maxLifetimeSeconds: 0,
      migrationsUrl: undefined,
      transactionPooler: false,
    })
  })

  it('reads the separate connection variables and pool settings', () => {
    const config = loadConfig({
      env: {
        ...JWT_ENV,
        DATABASE_HOST: 'db',
        DATABASE_PORT: '6543',
        DATABASE_USER: 'svc',
        DATABASE_PASSWORD: 'pw',
        DATABASE_NAME: 'patients',
        DATABASE_POOL_SIZE: '4',
        DATABASE_CONNECT_TIMEOUT_MS: '1000',
        DATABASE_IDLE_TIMEOUT_MS: '0',
        DATABASE_STATEMENT_TIMEOUT_MS: '2500',
        DATABASE_MAX_LIFETIME_SECONDS: '600',
        DATABASE_MIGRATIONS_URL: 'postgres://svc@db-direct:5432/patients',
        DATABASE_TRANSACTION_POOLER: 'true',
      },
      db: true,
    })
    expect(config.db).toMatchObject({
      configured: true,
      host: 'db',
      port: 6543,
      user: 'svc',
      password: 'pw',
      database: 'patients',
      poolSize: 4,
      connectTimeoutMs: 1000,
      idleTimeoutMs: 0,
      statementTimeoutMs: 2500,
      maxLifetimeSeconds: 600,
      migrationsUrl: 'postgres://svc@db-direct:5432/patients',
      transactionPooler: true,
    })
  })

  it('reads DATABASE_URL', () => {
    const config = loadConfig({ env: { ...JWT_ENV, DATABASE_URL: 'postgres://u@h:5432/d' }, db: true })
    expect(config.db).toMatchObject({ configured: true, url: 'postgres://u@h:5432/d' })
  })

  it('rejects a pool size below one', () => {
    expect(() =>
      loadConfig({ env: { ...JWT_ENV, DATABASE_URL: 'postgres://h/d', DATABASE_POOL_SIZE: '0' }, db: true }),
    ).toThrow("DATABASE_POOL_SIZE '0' is below the minimum of 1 (db: PostgreSQL)")
  })

  it('never echoes a URL, which may hold a password', () => {
    const error = catchError(() =>
      loadConfig({ env: { ...JWT_ENV, DATABASE_URL: 'secret-password' }, db: true }),
    )
    expect(error.message).toMatch(/DATABASE_URL is not an absolute URL/)
    expect(error.message).not.toContain('secret-password')
  })
})
