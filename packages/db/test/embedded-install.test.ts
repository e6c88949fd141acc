import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { importOptional } from '../src/embedded.js'
import { FBI_DB_EMBEDDED_NOT_INSTALLED } from '../src/index.js'

// PGlite and its socket server are optional peer dependencies, imported only when the embedded
// database starts. A service without them gets a startup error that says what to do.

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  peerDependencies: Record<string, string>
  peerDependenciesMeta: Record<string, { optional?: boolean }>
}
// A variable, so the type checker does not look for it: Node answers with its real error.
const missing = 'fbi-package-that-is-not-installed'

describe('the embedded database when PGlite is not installed', () => {
  it('Node\'s "not installed" becomes FBI_DB_EMBEDDED_NOT_INSTALLED, naming the package and the fix', async () => {
    const err = await importOptional(missing, () => import(missing)).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FBI_DB_EMBEDDED_NOT_INSTALLED)
    expect(err).toMatchObject({ code: 'FBI_DB_EMBEDDED_NOT_INSTALLED', statusCode: 500 })
    expect((err as Error).message).toContain(`(${missing})`)
    expect((err as Error).message).toContain('set DATABASE_URL')
    expect((err as Error).cause).toMatchObject({ code: 'ERR_MODULE_NOT_FOUND' })
  })

  it('an installed package that fails to load is FBI_DB_EMBEDDED_FAILED, not "not installed"', async () => {
    const err = await importOptional('@electric-sql/pglite', () => import(missing)).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'FBI_DB_EMBEDDED_FAILED', statusCode: 500 })
  })

  it('a failure that is not an Error still fails closed', async () => {
    const err = await importOptional('@electric-sql/pglite', () => Promise.reject(undefined)).catch(
      (e: unknown) => e,
    )
    expect(err).toMatchObject({ code: 'FBI_DB_EMBEDDED_FAILED' })
  })

  it('the install command names the versions package.json asks for, both optional peers', () => {
    const message = new FBI_DB_EMBEDDED_NOT_INSTALLED('x').message
    for (const name of ['@electric-sql/pglite', '@electric-sql/pglite-socket']) {
      expect(manifest.peerDependenciesMeta[name]).toEqual({ optional: true })
      const range = manifest.peerDependencies[name] ?? ''
      expect(message).toContain(`${name}@${range.replace(/^\^/, '')}`)
    }
  })
})
