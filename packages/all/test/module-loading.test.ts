import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { expect, it } from 'vitest'

// Start-up time is mostly module loading: what a service never needs is not loaded. A real `node`
// process on the built packages (`pnpm build` first), recording every module it imports through
// Node's public module hooks (the recorder @fbi/db's own loading test uses).
const run = promisify(execFile)
const recorder = fileURLToPath(new URL('../../db/test/fixtures/loading/record-loads.mjs', import.meta.url))
const app = fileURLToPath(new URL('./fixtures/start-all.mjs', import.meta.url))

it('a service without a database loads neither @fbi/db nor pg, nor TypeBox or a schema compiler for its configuration, and production without /docs no swagger-ui', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'fbi-all-loads-'))
  try {
    const file = join(dir, 'loads.txt')
    await run(process.execPath, ['--import', recorder, app], {
      env: { ...process.env, FBI_LOADS_FILE: file },
      timeout: 60_000,
    })
    const urls = (await readFile(file, 'utf8')).split('\n').filter(Boolean)
    expect(urls.some((url) => url.endsWith('/all/dist/index.js'))).toBe(true)
    // The schema battery's plugin alone: its TypeBox helpers are for a service's own routes.
    expect(urls.some((url) => url.endsWith('/schema/dist/plugin.js'))).toBe(true)
    expect(
      urls.filter((url) => /@sinclair\/typebox|\/schema\/dist\/(index|schemas|query)\.js/.test(url)),
    ).toEqual([])
    // The configuration's validators were compiled ahead of time: no env-schema, no Ajv compiling.
    expect(urls.some((url) => url.endsWith('/config/dist/env-validators.generated.js'))).toBe(true)
    expect(urls.filter((url) => /env-schema|ajv\/dist\/standalone/.test(url))).toEqual([])
    expect(urls.filter((url) => /\/db\/dist\/|\/pg\/|node-pg-migrate|@fastify\/postgres/.test(url))).toEqual(
      [],
    )
    expect(urls.filter((url) => url.includes('swagger-ui'))).toEqual([])
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
})
