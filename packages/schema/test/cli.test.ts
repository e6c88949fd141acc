import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { runCli, USAGE } from '../src/cli-main.js'
import { validateOpenApiSpec } from '../src/index.js'

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))

let dir: string
let out: string[]
let err: string[]
const io = { out: (line: string) => out.push(line), err: (line: string) => err.push(line) }

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fbi-openapi-cli-'))
  out = []
  err = []
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe('fbi-openapi', () => {
  it('writes a valid YAML document from a module exporting a build function', async () => {
    const file = join(dir, 'openapi.yaml')
    expect(await runCli([fixture('openapi-app.ts'), file], io)).toBe(0)
    expect(err).toEqual([])
    expect(out).toEqual([`OpenAPI specification (6 paths) written to ${file}`])
    const document = parse(await readFile(file, 'utf8'))
    expect(document.paths['/dhos/v1/patient/{patient_id}'].get.security).toEqual([
      { bearerAuth: ['read:patient', 'read:gdm_patient'] },
    ])
    expect(document.paths['/dhos/v1/old-patient'].get.deprecated).toBe(true)
    await expect(validateOpenApiSpec(document)).resolves.toEqual([])
  })

  it('writes JSON with --format json', async () => {
    const file = join(dir, 'spec.out')
    expect(await runCli([fixture('openapi-app.ts'), file, '--format', 'json'], io)).toBe(0)
    expect(JSON.parse(await readFile(file, 'utf8')).openapi).toBe('3.1.0')
  })

  it('fails with status 1 on an invalid document and writes nothing', async () => {
    const file = join(dir, 'openapi.yaml')
    expect(await runCli([fixture('invalid-app.ts'), file], io)).toBe(1)
    expect(out).toEqual([])
    expect(err).toHaveLength(1)
    expect(err[0]).toMatch(/^Invalid OpenAPI specification: /)
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('fails with status 1 when the module has no app or cannot be loaded', async () => {
    expect(await runCli([fixture('not-an-app.ts'), join(dir, 'a.yaml')], io)).toBe(1)
    expect(err[0]).toBe(
      `Cannot load a Fastify app from '${fixture('not-an-app.ts')}': export a Fastify instance or a function returning one (default, app, build or buildApp)`,
    )
    expect(await runCli([join(dir, 'missing.js'), join(dir, 'a.yaml')], io)).toBe(1)
    expect(err[1]).toMatch(new RegExp(`^Cannot load a Fastify app from '${join(dir, 'missing.js')}': `))
  })

  it('takes --format=json in one argument, as node:util parseArgs reads it', async () => {
    const file = join(dir, 'spec.out')
    expect(await runCli([fixture('openapi-app.ts'), `--format=json`, file], io)).toBe(0)
    expect(JSON.parse(await readFile(file, 'utf8')).openapi).toBe('3.1.0')
  })

  it.for([
    [[]],
    [['a', 'b', 'c']],
    [['a', '--format', 'xml']],
    [['a', '--verbose']],
    [['a', '--format']],
    [['a', '--help=yes']],
  ] as const)('prints usage and exits 2 for %j', async ([args]) => {
    expect(await runCli(args, io)).toBe(2)
    expect(err).toHaveLength(1)
    expect(err[0]).toContain(USAGE)
  })

  it('prints usage with --help', async () => {
    expect(await runCli(['--help'], io)).toBe(0)
    expect(out).toEqual([USAGE])
  })
})
