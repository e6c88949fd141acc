#!/usr/bin/env node
// CI's consumer test: what a user gets from `npm install`, before the packages are on the registry.
// Packs every package (`pnpm pack`, after `pnpm build`), checks each tarball (no .tsbuildinfo, no
// tests, a LICENSE) and its types with @arethetypeswrong/cli, then installs the tarballs with npm into
// fresh projects outside the workspace (the rest from the registry) and, in each, type-checks a
// user's app with a strict tsconfig and runs it over real HTTP:
//   security-esm  @fbi/security + @fbi/errors (+ @fbi/config) in ESM: 401, 403, 200, 404
//   security-cjs  the same in CommonJS (require, through Node.js 20.19+'s require(esm)), and plain .cjs
//   monitoring    @fbi/monitoring (+ @fbi/config) alone: probes, metrics, no JWT variables
//   all           @fbi/all without the db battery: no PGlite installed or loaded; every entry point of
//                 every package loaded with require()
// Prints each project's installed size and the time taken; exits 1 on any failure.
//   node .ci/consumer-test.mjs [--keep]   (--keep leaves the temp projects for a look)
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  contentProblems,
  installedBytes,
  installedFbiFiles,
  makeProject,
  megabytes,
  npmInstall,
  packAll,
  ROOT,
  registryVersions,
  run,
  runtimeBytes,
  tarballFiles,
} from './consumer/lib.mjs'

const keep = process.argv.includes('--keep')
const started = performance.now()
const failures = []
const sizes = []
const seconds = () => ((performance.now() - started) / 1000).toFixed(0)
const step = (message) => console.log(`::: [${seconds()} s] ${message}`)

const APPS = [
  { label: 'security-esm', type: 'module', fbi: ['security', 'errors', 'config'], run: ['dist/app.js'] },
  {
    label: 'security-cjs',
    type: 'commonjs',
    fbi: ['security', 'errors', 'config'],
    run: ['dist/app.js', 'src/plain-require.cjs'],
  },
  { label: 'monitoring', type: 'module', fbi: ['monitoring', 'config'], run: ['dist/app.js'] },
  {
    label: 'all',
    type: 'module',
    fbi: ['all', 'security'],
    run: ['dist/app.js', 'src/require-every-entry.cjs'],
  },
]

async function check(what, fn) {
  try {
    const detail = await fn()
    console.log(`  ok    [${seconds()} s] ${what}${typeof detail === 'string' ? `: ${detail}` : ''}`)
  } catch (error) {
    failures.push(what)
    console.log(
      `  FAIL  ${what}\n${String(error instanceof Error ? error.message : error).replace(/^/gm, '        ')}`,
    )
  }
}

const work = await mkdtemp(join(tmpdir(), 'fbi-consumer-tarballs-'))
const projects = []
try {
  step('pnpm pack')
  const tarballs = await packAll(work)

  step('tarball contents and @arethetypeswrong/cli')
  for (const [short, tarball] of tarballs) {
    await check(`@fbi/${short} tarball contents`, async () => {
      const files = await tarballFiles(tarball)
      const problems = contentProblems(files)
      if (problems.length > 0) throw new Error(problems.join('\n'))
      return `${files.length} files`
    })
    // node16 from CommonJS reports "ESM (dynamic import only)": true of Node 16, not of the Node.js
    // 20.19+ the packages ask for, which loads them with require(esm) (checked by running below).
    // node10 resolution (no `exports`) is ignored: TypeScript 7 removed it.
    await check(`@fbi/${short} types (attw)`, () =>
      run(join(ROOT, 'node_modules/.bin/attw'), [
        tarball,
        '--profile',
        'node16',
        '--ignore-rules',
        'cjs-resolves-to-esm',
        '--format',
        'table-flipped',
        '--no-emoji',
        '--no-color',
      ]).then(() => 'no problem'),
    )
  }

  const versions = await registryVersions()
  for (const app of APPS) {
    step(`${app.label}: npm install of ${app.fbi.map((short) => `@fbi/${short}`).join(', ')}`)
    const dir = await makeProject({
      label: app.label,
      type: app.type,
      fbi: app.fbi,
      dependencies: { fastify: versions.fastify },
      devDependencies: { typescript: versions.typescript, '@types/node': versions['@types/node'] },
      tarballs,
      files: [
        { from: join(import.meta.dirname, 'consumer', app.label, 'src'), to: 'src' },
        { from: join(import.meta.dirname, 'consumer', 'tsconfig.json'), to: 'tsconfig.json' },
      ],
    })
    projects.push(dir)
    const installed = await npmInstall(dir).then(
      () => true,
      (error) => {
        failures.push(`${app.label}: npm install`)
        console.log(`  FAIL  npm install\n${error.message.replace(/^/gm, '        ')}`)
        return false
      },
    )
    if (!installed) continue

    await check(
      `${app.label}: installed @fbi packages have a LICENSE, no .tsbuildinfo, no tests`,
      async () => {
        const problems = []
        for (const [name, files] of await installedFbiFiles(dir)) {
          for (const problem of contentProblems(files)) problems.push(`@fbi/${name} ${problem}`)
        }
        if (problems.length > 0) throw new Error(problems.join('\n'))
      },
    )
    if (app.label === 'all') {
      await check('all: PGlite is not installed (db battery off, optional peer)', async () => {
        const found = await installedBytes(join(dir, 'node_modules', '@electric-sql')).then(
          (bytes) => bytes,
          () => 0,
        )
        if (found > 0) throw new Error(`node_modules/@electric-sql holds ${megabytes(found)}`)
      })
    }
    await check(`${app.label}: tsc --noEmit (strict)`, () =>
      run(join(dir, 'node_modules/.bin/tsc'), ['--noEmit', '-p', '.'], { cwd: dir }),
    )
    await check(`${app.label}: tsc (build)`, () =>
      run(join(dir, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: dir }),
    )
    for (const file of app.run) {
      await check(`${app.label}: node ${file}`, async () => {
        const { stdout, stderr } = await run(process.execPath, [file], {
          cwd: dir,
          timeoutMs: 60_000,
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            FBI_TEST_DATABASE_URL: process.env.FBI_TEST_DATABASE_URL ?? '',
          },
        })
        const ok = stdout.split('\n').find((line) => line.startsWith('consumer ok'))
        if (ok === undefined) throw new Error(`no "consumer ok" line\n${stdout}${stderr}`)
        if (stderr.trim() !== '') throw new Error(`wrote on stderr:\n${stderr}`)
        return ok.slice('consumer ok: '.length)
      })
    }
    const bytes = await installedBytes(join(dir, 'node_modules'))
    const runtime = await runtimeBytes(dir)
    sizes.push({
      label: app.label,
      packages: app.fbi.map((short) => `@fbi/${short}`).join(' + '),
      bytes,
      runtime,
    })
  }
} finally {
  if (!keep) await Promise.all([work, ...projects].map((dir) => rm(dir, { recursive: true, force: true })))
  else console.log(`kept: ${[work, ...projects].join(' ')}`)
}

console.log('\ninstalled size of each consumer app: what it needs to run (packages), and all of node_modules')
console.log("(typescript and @types/node, the apps' only development dependencies, included):")
for (const { label, packages, bytes, runtime } of sizes) {
  console.log(
    `  ${label.padEnd(14)} ${megabytes(runtime.bytes).padStart(9)} (${runtime.packages} packages)  ${megabytes(bytes).padStart(9)}  ${packages} + fastify`,
  )
}
console.log(
  `\nconsumer test: ${failures.length === 0 ? 'passed' : `${failures.length} failed`} in ${seconds()} s`,
)
process.exit(failures.length === 0 ? 0 : 1)
