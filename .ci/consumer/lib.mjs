// Shared by .ci/consumer-test.mjs and .ci/readme-examples.mjs: pack the workspace's packages, make
// fresh npm projects outside the workspace that install them from the tarballs (and everything else
// from the registry), and run commands with a time bound.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cp, lstat, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

export const ROOT = resolve(import.meta.dirname, '../..')
// The repository's own pnpm (package.json's packageManager), so a version bump has one place.
const PNPM = ['npx', '-y', JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).packageManager]

/** Runs a command; rejects with its output when it fails or outlives `timeoutMs`. */
export function run(
  command,
  args,
  { cwd = ROOT, env = process.env, timeoutMs = 120_000, allowFailure = false } = {},
) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk) => {
      stdout += chunk
    })
    child.stderr.on('data', (chunk) => {
      stderr += chunk
    })
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`timed out after ${timeoutMs} ms: ${command} ${args.join(' ')}\n${stdout}${stderr}`))
    }, timeoutMs)
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.on('close', (code, signal) => {
      clearTimeout(timer)
      const result = { code, signal, stdout, stderr }
      if ((code === 0 || allowFailure) && signal === null) resolvePromise(result)
      else
        reject(
          new Error(`${command} ${args.join(' ')} (in ${cwd}) exited ${code ?? signal}\n${stdout}${stderr}`),
        )
    })
  })
}

/** The workspace packages: short name (config, …), npm name and folder. */
export async function workspacePackages() {
  const names = await readdir(join(ROOT, 'packages'))
  const packages = []
  for (const short of names.sort()) {
    const dir = join(ROOT, 'packages', short)
    const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'))
    packages.push({ short, name: manifest.name, version: manifest.version, dir, manifest })
  }
  return packages
}

/** `pnpm pack` of every package (workspace:^ becomes a version range) into `dest`; short name → tarball path. */
export async function packAll(dest) {
  await mkdir(dest, { recursive: true })
  const tarballs = new Map()
  for (const pkg of await workspacePackages()) {
    await run(PNPM[0], [...PNPM.slice(1), 'pack', '--pack-destination', dest], { cwd: pkg.dir })
    const file = join(dest, `${pkg.name.replace('@', '').replace('/', '-')}-${pkg.version}.tgz`)
    await lstat(file)
    tarballs.set(pkg.short, file)
  }
  return tarballs
}

/** The files in a tarball (paths without the leading "package/"). */
export async function tarballFiles(tarball) {
  const { stdout } = await run('tar', ['-tzf', tarball])
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => line.replace(/^package\//, ''))
}

/** What must never ship, and what must: checked on a tarball's file list. */
export function contentProblems(files) {
  const problems = []
  for (const file of files) {
    if (file.endsWith('.tsbuildinfo')) problems.push(`ships ${file}`)
    if (/(^|\/)(test|tests|__tests__)\//.test(file) || /\.(test|spec)(-d)?\.[cm]?[jt]s$/.test(file)) {
      problems.push(`ships a test: ${file}`)
    }
  }
  for (const required of ['LICENSE', 'README.md', 'package.json']) {
    if (!files.includes(required)) problems.push(`has no ${required}`)
  }
  return problems
}

/** Versions the consumers take from the registry: the ones the workspace itself is built and tested with. */
export async function registryVersions() {
  const root = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8'))
  const dev = root.devDependencies
  return { fastify: dev.fastify, typescript: dev.typescript, '@types/node': dev['@types/node'] }
}

/**
 * A fresh npm project in the system's temp directory (outside the workspace, so nothing resolves
 * from it): `fbi` short names installed from their tarballs, every other @fbi/* package a tarball
 * depends on pinned to its tarball by `overrides`, and @fbi/* on the registry made unreachable
 * (`.npmrc`), so a missing tarball fails the install instead of fetching someone else's package.
 */
export async function makeProject({
  label,
  type,
  fbi,
  dependencies = {},
  devDependencies = {},
  tarballs,
  files = [],
}) {
  const dir = await mkdtemp(join(tmpdir(), `fbi-consumer-${label}-`))
  const fileSpec = (short) => `file:${tarballs.get(short)}`
  const manifest = {
    name: `fbi-consumer-${label}`,
    version: '0.0.0',
    private: true,
    type,
    dependencies: {
      ...Object.fromEntries(fbi.map((short) => [`@fbi/${short}`, fileSpec(short)])),
      ...dependencies,
    },
    devDependencies,
    // Every @fbi/* package, wherever in the tree, is its tarball (a direct dependency is referred to
    // with `$`, as npm requires): without it npm asks the registry about the ones packages depend on.
    overrides: Object.fromEntries(
      [...tarballs.keys()].map((short) => [
        `@fbi/${short}`,
        fbi.includes(short) ? `$@fbi/${short}` : fileSpec(short),
      ]),
    ),
  }
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  await writeFile(join(dir, '.npmrc'), '@fbi:registry=http://127.0.0.1:9/\nfund=false\naudit=false\n')
  for (const { from, to } of files) await cp(from, join(dir, to), { recursive: true })
  return dir
}

export async function npmInstall(dir) {
  return run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: dir,
    timeoutMs: 300_000,
  })
}

/** Bytes of every file under `dir` (symbolic links counted as links): what a project's install weighs. */
export async function installedBytes(dir) {
  let total = 0
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) total += await installedBytes(path)
    else total += (await lstat(path)).size
  }
  return total
}

/** Every file of the installed @fbi packages, relative to node_modules/@fbi/<name>. */
export async function installedFbiFiles(dir) {
  const scope = join(dir, 'node_modules', '@fbi')
  const byPackage = new Map()
  for (const name of await readdir(scope)) {
    const files = []
    const walk = async (sub) => {
      for (const entry of await readdir(join(scope, name, sub), { withFileTypes: true })) {
        const relative = sub === '' ? entry.name : `${sub}/${entry.name}`
        if (entry.isDirectory()) await walk(relative)
        else files.push(relative)
      }
    }
    await walk('')
    byPackage.set(name, files)
  }
  return byPackage
}

export const megabytes = (bytes) => `${(bytes / 1_000_000).toFixed(1)} MB`

/**
 * Bytes of what the app needs at run time: every package `npm ls --omit=dev` lists, each without its
 * own nested node_modules (listed on their own), so typescript and @types/node are left out.
 */
export async function runtimeBytes(dir) {
  const { stdout } = await run('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: dir })
  const packageDirs = [...new Set(stdout.split('\n').filter((line) => line.includes('node_modules')))]
  let total = 0
  const own = async (path) => {
    let bytes = 0
    for (const entry of await readdir(path, { withFileTypes: true })) {
      if (entry.name === 'node_modules') continue
      const child = join(path, entry.name)
      bytes += entry.isDirectory() ? await own(child) : (await lstat(child)).size
    }
    return bytes
  }
  for (const packageDir of packageDirs) total += await own(packageDir)
  return { bytes: total, packages: packageDirs.length }
}
