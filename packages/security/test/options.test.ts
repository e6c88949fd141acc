import fbiConfig from '@fbi/config'
import Fastify from 'fastify'
import { describe, expect, it } from 'vitest'
import fbiSecurity, { FBI_SECURITY_INVALID_OPTION, type FbiSecurityOptions } from '../src/index.js'
import { buildApp } from './helpers.js'

describe('plugin options', () => {
  it.for([
    ['clockToleranceSec', { clockToleranceSec: -1 }],
    ['maxTokenAge', { maxTokenAge: Number.NaN }],
    ['cacheSize', { cacheSize: 1.5 }],
    ['jwksCacheTtlMs', { jwksCacheTtlMs: -5 }],
    ['jwksFetchTimeoutMs', { jwksFetchTimeoutMs: 0 }],
    ['systemJwtTimeoutMs', { systemJwtTimeoutMs: 0 }],
    ['jwksCooldownMs', { jwksCooldownMs: 'soon' }],
    ['requireProtection', { requireProtection: 'yes' }],
    ['ignoreJwtValidation', { ignoreJwtValidation: 1 }],
    ['environment', { environment: '' }],
    ['issuers', { issuers: 'internal' }],
    ['publicRoutes', { publicRoutes: ['docs'] }],
    ['publicRoutes', { publicRoutes: '/docs' }],
    ['publicRoutes', { publicRoutes: ['get /docs'] }],
    ['claimRequirements', { claimRequirements: { 'http://localhost/': { requireAudience: 'no' } } }],
    ['claimRequirements', { claimRequirements: { 'http://localhost/': true } }],
    ['compat', { compat: 'django' }],
    ['compat', { compat: true }],
    ['systemAuthUrl', { systemAuthUrl: '' }],
  ] as const)('refuses a bad %s', async ([name, security]) => {
    const error = await buildApp({ security: security as unknown as FbiSecurityOptions }).then(
      () => undefined,
      (e: unknown) => e as Error,
    )
    expect(error).toBeInstanceOf(FBI_SECURITY_INVALID_OPTION)
    expect(error?.message).toContain(`'${name}`)
  })

  it('needs @fbi/config registered first, with Fastify’s own error', async () => {
    const app = Fastify()
    await expect(app.register(fbiSecurity).ready()).rejects.toThrow(/'config' required by '@fbi\/security'/)
    await app.close()
  })

  it('declares its name and dependency', async (ctx) => {
    const app = Fastify()
    ctx.onTestFinished(() => app.close())
    await app.register(fbiConfig, {
      env: { HS_KEY: 'k', PROXY_URL: 'http://localhost', ENVIRONMENT: 'TEST' },
    })
    await app.register(fbiSecurity)
    await app.ready()
    expect(app.hasPlugin('@fbi/security')).toBe(true)
  })
})
