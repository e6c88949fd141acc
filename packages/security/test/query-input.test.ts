import type { FastifyInstance } from 'fastify'
import { describe, expect, it } from 'vitest'
import { type and, argumentNotPresent, argumentPresent, keyPresent, or } from '../src/index.js'
import { bearer, buildApp, FORBIDDEN, internalToken } from './helpers.js'

/*
 * A predicate and the handler read the same input: what the predicate approves is what the handler
 * receives, byte for byte, never a case-folded look-alike or one of several values.
 */

async function appWith(protect: Parameters<typeof and>[0], handlerSees: unknown[]): Promise<FastifyInstance> {
  return buildApp({
    routes: (a) =>
      a.get('/r', { config: { protect } }, async (request) => {
        handlerSees.push((request.query as Record<string, unknown>).view)
        return { ok: true }
      }),
  })
}

const headers = bearer(internalToken({ metadata: { admin: true } }))

describe('argumentPresent compares ASCII case only', () => {
  it.for([
    ['%C5%BFummary', 'ſummary (long s)'],
    ['f%C4%B1lter', 'ı (dotless i)'],
    ['%EF%AC%81le', 'ﬁ ligature'],
    ['stra%C3%9Fe', 'ß'],
  ])('?view=%s (%s) does not pass as its ASCII look-alike', async ([encoded], ctx) => {
    const seen: unknown[] = []
    const expected = {
      '%C5%BFummary': 'summary',
      'f%C4%B1lter': 'filter',
      '%EF%AC%81le': 'file',
      'stra%C3%9Fe': 'strasse',
    }[encoded as string] as string
    const app = await appWith(argumentPresent('view', expected), seen)
    ctx.onTestFinished(() => app.close())
    const res = await app.inject({ url: `/r?view=${encoded}`, headers })
    expect(res.statusCode).toBe(403)
    expect(res.json()).toEqual(FORBIDDEN)
    expect(seen).toEqual([])
  })

  it('still ignores ASCII case, and the handler gets exactly what passed', async (ctx) => {
    const seen: unknown[] = []
    const app = await appWith(argumentPresent('view', 'Summary'), seen)
    ctx.onTestFinished(() => app.close())
    for (const value of ['summary', 'SUMMARY', 'sUmMaRy']) {
      expect((await app.inject({ url: `/r?view=${value}`, headers })).statusCode).toBe(200)
    }
    expect(seen).toEqual(['summary', 'SUMMARY', 'sUmMaRy'])
  })
})

describe('a repeated query argument that a predicate reads', () => {
  it('is refused with 400 by argumentPresent, never judged on its first value', async (ctx) => {
    const seen: unknown[] = []
    const app = await appWith(argumentPresent('view', 'summary'), seen)
    ctx.onTestFinished(() => app.close())
    for (const query of ['view=summary&view=full', 'view=full&view=summary', 'view=summary&view=summary']) {
      const res = await app.inject({ url: `/r?${query}`, headers })
      expect(res.statusCode).toBe(400)
      expect(res.json()).toEqual({ code: 400, message: 'Bad Request' })
    }
    expect(seen).toEqual([])
  })

  it('counts as present for argumentNotPresent', async (ctx) => {
    const seen: unknown[] = []
    const app = await appWith(argumentNotPresent('view'), seen)
    ctx.onTestFinished(() => app.close())
    expect((await app.inject({ url: '/r?view=a&view=b', headers })).statusCode).toBe(403)
    expect((await app.inject({ url: '/r', headers })).statusCode).toBe(200)
  })

  it('does not matter when the outcome does not depend on it', async (ctx) => {
    const seen: unknown[] = []
    const app = await appWith(or(argumentPresent('view', 'summary'), keyPresent('admin')), seen)
    ctx.onTestFinished(() => app.close())
    expect((await app.inject({ url: '/r?view=a&view=b', headers })).statusCode).toBe(200)
    const plain = bearer(internalToken({ metadata: {} }))
    expect((await app.inject({ url: '/r?view=a&view=b', headers: plain })).statusCode).toBe(400)
    expect((await app.inject({ url: '/r?view=a', headers: plain })).statusCode).toBe(403)
  })
})
