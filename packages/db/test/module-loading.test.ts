import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

// What a service that uses @fbi/db loads: the embedded PostgreSQL (PGlite, 28 MB of WebAssembly) only
// when no database is configured, and of @fbi/security only the file that reads the current user.
// A real `node` process on the package's build (`pnpm build` first), recording every module it
// imports through Node's public module hooks.

const run = promisify(execFile)
const fixtures = fileURLToPath(new URL('./fixtures/loading/', import.meta.url))

async function modulesLoaded(mode: 'import' | 'configured' | 'embedded'): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'fbi-db-loads-'))
  try {
    const file = join(dir, 'loads.txt')
    await run(process.execPath, ['--import', './record-loads.mjs', './start-db.mjs', mode], {
      cwd: fixtures,
      env: { ...process.env, FBI_LOADS_FILE: file },
      timeout: 120_000,
    })
    return (await readFile(file, 'utf8')).split('\n').filter(Boolean)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

const pglite = (urls: string[]) => urls.filter((url) => url.includes('/@electric-sql/'))
const security = (urls: string[]) => urls.filter((url) => /\/security\/dist\//.test(url))

describe('what @fbi/db loads', () => {
  it('importing it loads neither PGlite nor @fbi/security beyond its current-user file', async () => {
    const urls = await modulesLoaded('import')
    expect(urls.some((url) => url.endsWith('/db/dist/index.js'))).toBe(true)
    expect(pglite(urls)).toEqual([])
    expect(security(urls).map((url) => url.slice(url.lastIndexOf('/dist/')))).toEqual([
      '/dist/current-user.js',
    ])
  })

  it('a configured database never loads PGlite', async () => {
    const urls = await modulesLoaded('configured')
    expect(urls.some((url) => url.includes('/@fastify/postgres/') || url.endsWith('/pg/esm/index.mjs'))).toBe(
      true,
    )
    expect(pglite(urls)).toEqual([])
  })

  it('no database configured loads PGlite, when it starts the embedded database', async () => {
    const urls = await modulesLoaded('embedded')
    expect(pglite(urls).length).toBeGreaterThan(0)
  })
})
