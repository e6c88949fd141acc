import { describe, expect, it } from 'vitest'
import { currentJwtUser, describeCurrentJwtUser, keyPresent, publicRoute } from '../src/index.js'
import { bearer, buildApp, internalToken } from './helpers.js'

describe('currentJwtUser', () => {
  it.for(['patient_id', 'device_id', 'clinician_id', 'system_id'])('reads %s', async (key, ctx) => {
    const app = await buildApp({
      routes: (a) =>
        a.get('/u', { config: { protect: keyPresent('iss') } }, async (r) => ({ user: currentJwtUser(r) })),
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({
      url: '/u',
      headers: bearer(internalToken({ metadata: { [key]: '12345' } })),
    })
    expect(res.json()).toEqual({ user: '12345' })
  })

  it('prefers patient_id, then device_id, clinician_id, system_id', async (ctx) => {
    const app = await buildApp({
      routes: (a) =>
        a.get('/u', { config: { protect: keyPresent('iss') } }, async (r) => ({ user: currentJwtUser(r) })),
    })
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({
      url: '/u',
      headers: bearer(internalToken({ metadata: { system_id: 's', clinician_id: 'c' } })),
    })
    expect(res.json()).toEqual({ user: 'c' })
  })

  it('answers "unknown" without an id claim or without claims', async (ctx) => {
    const app = await buildApp({
      routes: (a) => {
        a.get('/u', { config: { protect: keyPresent('iss') } }, async (r) => ({ user: currentJwtUser(r) }))
        a.get('/open', { config: { protect: publicRoute } }, async (r) => ({ user: currentJwtUser(r) }))
      },
    })
    ctx.onTestFinished(() => app.close())
    expect(
      (
        await app.inject({ url: '/u', headers: bearer(internalToken({ metadata: { something_id: '1' } })) })
      ).json(),
    ).toEqual({ user: 'unknown' })
    expect((await app.inject({ url: '/open' })).json()).toEqual({ user: 'unknown' })
  })
})

describe('describeCurrentJwtUser', () => {
  it('names the issuer and the claim the user id comes from, never the id', async (ctx) => {
    const app = await buildApp({
      routes: (a) => {
        a.get('/u', { config: { protect: keyPresent('iss') } }, async (r) => describeCurrentJwtUser(r))
        a.get('/open', { config: { protect: publicRoute } }, async (r) => ({
          who: describeCurrentJwtUser(r),
        }))
      },
    })
    ctx.onTestFinished(() => app.close())
    const device = await app.inject({
      url: '/u',
      headers: bearer(internalToken({ metadata: { device_id: 'd-123', system_id: 's-9' } })),
    })
    expect(device.json()).toEqual({ issuer: 'http://localhost/', userIdKind: 'device_id' })
    const nobody = await app.inject({ url: '/u', headers: bearer(internalToken({ metadata: {} })) })
    expect(nobody.json()).toEqual({ issuer: 'http://localhost/', userIdKind: 'unknown' })
    expect((await app.inject({ url: '/open' })).json()).toEqual({ who: null })
  })
})
