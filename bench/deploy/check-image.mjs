#!/usr/bin/env node
// Checks examples/patients-service/Dockerfile without a Docker engine, and builds it when one is there.
//
//   node bench/deploy/check-image.mjs
//
// 1. Lint and structure (lib/dockerfile.mjs): dockerfile-utils' diagnostics, multi-stage, the final
//    stage copying only from `pnpm deploy --prod`'s output, no package manager, numeric non-root
//    USER, exec-form HEALTHCHECK on /running. A self-test first shows each check rejecting a
//    Dockerfile that breaks it.
// 2. The build stage's own commands, read from the Dockerfile, run in a copy of the build context
//    filtered by Dockerfile.dockerignore (Docker's matching rules, @balena/dockerignore), with
//    `/out` mapped to a temporary directory; the final stage's COPY lines then lay out what the
//    image would hold.
// 3. That layout, alone, started the way the image starts it: `node dist/server.js` as uid 1000,
//    production environment, nothing else in the environment, against a fresh PostgreSQL database.
//    Checked: /running and /healthcheck answer, the HEALTHCHECK command passes (and fails on a port
//    nobody listens on), SIGTERM exits 0, and (strace) the process writes no file, so a read-only
//    root filesystem holds.
// 4. With a Docker engine (`docker info` succeeds): `docker build` and the built image's user and
//    healthcheck. Without one this step says so and the emulation above is the check.
import { execFile, spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import ignore from '@balena/dockerignore'
import { freshDatabase } from './lib/database.mjs'
import { checkDockerfile } from './lib/dockerfile.mjs'
import { freePort } from './lib/ports.mjs'
import { waitUntil } from './lib/wait.mjs'

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const SERVICE = 'examples/patients-service'
const DOCKERFILE = `${REPO}${SERVICE}/Dockerfile`
const run = promisify(execFile)
const failures = []
const say = (line) => process.stdout.write(`${line}\n`)
const fail = (line) => {
  failures.push(line)
  say(`  FAIL ${line}`)
}
// Dev tools that must never reach the image, whatever depends on them.
const DEV_TOOLS = ['typescript', 'vitest', '@biomejs/biome', 'pnpm', '@changesets/cli', 'tsx', 'ts-node']

/** Each mutation must make checkDockerfile report a problem: the checks can fail. */
function selfTest(content) {
  const mutations = [
    ['a single stage', (c) => c.replace(/FROM node:\$\{NODE_VERSION\}-bookworm-slim\n/, '')],
    ['USER node (not numeric)', (c) => c.replace('USER 1000:1000', 'USER node')],
    ['USER 0', (c) => c.replace('USER 1000:1000', 'USER 0')],
    ['no HEALTHCHECK', (c) => c.replace(/HEALTHCHECK[^\n]*\\\n[^\n]*\n/, '')],
    ['sources copied from the context', (c) => c.replace('COPY --from=build /out/dist ./dist', 'COPY . .')],
    ['no deploy --prod', (c) => c.replace('deploy --prod /out', 'deploy /out')],
    ['npm kept', (c) => c.replace(/RUN rm -rf \/usr\/local\/lib\/node_modules[^\n]*\\\n[^\n]*\n/, '')],
    ['an unknown instruction', (c) => `${c}\nFOO bar\n`],
  ]
  for (const [what, mutate] of mutations) {
    const mutated = mutate(content)
    if (mutated === content) fail(`self-test: the mutation '${what}' did not apply to the Dockerfile`)
    else if (checkDockerfile(mutated).problems.length === 0) fail(`self-test: '${what}' passed the checks`)
  }
}

/** Copies the build context into `target`, leaving out what Dockerfile.dockerignore excludes. */
async function copyContext(target) {
  const rules = (await readFile(`${DOCKERFILE}.dockerignore`, 'utf8')).split('\n')
  const ig = ignore().add(rules)
  const negations = rules.some((r) => r.trim().startsWith('!'))
  let files = 0
  async function walk(dir) {
    for (const entry of await readdir(join(REPO, dir), { withFileTypes: true })) {
      const path = dir === '' ? entry.name : `${dir}/${entry.name}`
      if (entry.isDirectory()) {
        // Docker skips an excluded directory whole unless an exception (!) may bring part of it back.
        if (ig.ignores(path) && !negations) continue
        await walk(path)
      } else if (!ig.ignores(path)) {
        await mkdir(join(target, dir), { recursive: true })
        await cp(join(REPO, path), join(target, path), { verbatimSymlinks: true })
        files++
      }
    }
  }
  await walk('')
  return files
}

/** The build stage's commands, run as the Dockerfile has them; `npm install --global pnpm@X` becomes a pnpm shim. */
async function emulateBuild(build, work) {
  const context = `${work}/context`
  const out = `${work}/out`
  say(`  context: ${await copyContext(context)} files (Dockerfile.dockerignore applied)`)
  const bin = `${work}/bin`
  await mkdir(bin)
  const rootManifest = JSON.parse(await readFile(`${REPO}package.json`, 'utf8'))
  for (const command of build.commands) {
    const global = /^npm install --global pnpm@(\S+)$/.exec(command)
    if (global) {
      if (`pnpm@${global[1]}` !== rootManifest.packageManager) {
        fail(`the image installs pnpm@${global[1]}, the repository uses ${rootManifest.packageManager}`)
      }
      await writeFile(`${bin}/pnpm`, `#!/bin/sh\nexec npx -y pnpm@${global[1]} "$@"\n`, { mode: 0o755 })
      continue
    }
    const local = command === build.deploy ? command.replace(new RegExp(`${build.out}$`), out) : command
    say(`  $ ${local}`)
    const started = performance.now()
    await run('sh', ['-c', local], {
      cwd: context,
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, CI: 'true' },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 600_000,
    })
    say(`    ${((performance.now() - started) / 1000).toFixed(1)} s`)
  }
  return out
}

/** The final stage's COPY --from lines applied to the build output: the image's /app. */
async function layOut(final, out, build, app) {
  for (const copy of final.copies) {
    for (const source of copy.sources) {
      const from = `${out}${source.slice(build.out.length)}`
      const to = join(app, copy.target)
      await mkdir(dirname(to), { recursive: true })
      await cp(from, to, { recursive: true, verbatimSymlinks: true })
    }
  }
}

async function contents(app) {
  const found = []
  async function walk(dir) {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name)
      if (/^\.env(\..*)?$/.test(entry.name)) found.push(relative(app, path))
      if (entry.isDirectory()) await walk(path)
    }
  }
  await walk(app)
  if (found.length > 0) fail(`environment files in the image: ${found.join(', ')}`)
  const store = await readdir(`${app}/node_modules/.pnpm`)
  const manifest = JSON.parse(await readFile(`${REPO}${SERVICE}/package.json`, 'utf8'))
  for (const name of [...Object.keys(manifest.devDependencies ?? {}), ...DEV_TOOLS]) {
    const dir = name.replace('/', '+')
    if (store.some((entry) => entry.startsWith(`${dir}@`))) {
      // @types/pg comes along as node-pg-migrate's optional peer: declarations, no code; named, not failed.
      if (name.startsWith('@types/'))
        say(`  note: ${name} is in the image (an optional peer of a dependency)`)
      else fail(`${name} (a dev dependency or dev tool) is in the image`)
    }
  }
  const { stdout } = await run('du', ['-sh', app])
  say(`  the image's /app: ${stdout.split('\t')[0]}, ${store.length} packages in node_modules/.pnpm`)
}

/** Lines of the strace log that wrote to the filesystem (outside /dev, /proc, /sys). */
function writesIn(trace) {
  return trace
    .split('\n')
    .filter((line) =>
      /(open|openat|creat)\(.*(O_WRONLY|O_RDWR|O_CREAT|O_TRUNC)|\b(mkdir|mkdirat|rename|renameat2?|unlink|unlinkat|truncate)\(/.test(
        line,
      ),
    )
    .filter((line) => !/"\/(dev|proc|sys)\//.test(line))
}

async function start(final, app, work) {
  const runId = randomBytes(4).toString('hex')
  const database = await freshDatabase(runId)
  const port = await freePort()
  const [uid, gid = uid] = final.user.split(':')
  const env = {
    PATH: process.env.PATH,
    ...final.env,
    ENVIRONMENT: 'PRODUCTION',
    HS_KEY: randomBytes(32).toString('hex'),
    PROXY_URL: 'http://127.0.0.1:1',
    DATABASE_URL: database.url,
    PORT: String(port),
    LISTEN_ADDRESS: '127.0.0.1',
  }
  const trace = `${work}/strace.log`
  let output = ''
  const child = spawn(
    'strace',
    [
      ...['-f', '-qq', '-o', trace, '-e', 'status=successful'],
      ...['-e', 'trace=open,openat,creat,mkdir,mkdirat,rename,renameat,renameat2,unlink,unlinkat,truncate'],
      ...['setpriv', `--reuid=${uid}`, `--regid=${gid}`, '--clear-groups', ...final.cmd],
    ],
    { cwd: app, env, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (chunk) => (output += chunk))
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal)))
  const base = `http://127.0.0.1:${port}`
  try {
    await waitUntil(
      async () => {
        if (child.exitCode !== null) throw new Error(`the service exited with ${child.exitCode}:\n${output}`)
        return fetch(`${base}/running`).then(
          (r) => r.ok,
          () => false,
        )
      },
      { timeoutMs: 60_000, what: 'the service to answer /running' },
    )
    say(`  started as uid ${uid} with \`${final.cmd.join(' ')}\`; /running answers`)
    const health = await fetch(`${base}/healthcheck`)
    const report = await health.json()
    if (health.status !== 200 || report.status !== 'success') {
      fail(`/healthcheck: ${health.status} ${JSON.stringify(report)}`)
    }
    const open = await fetch(`${base}/patients/v2/patient`)
    if (open.status !== 401) fail(`a protected route without a token answered ${open.status}, not 401`)
    const healthcheck = (checkPort) =>
      run(final.healthcheckCmd[0], final.healthcheckCmd.slice(1), {
        env: { PATH: process.env.PATH, PORT: String(checkPort) },
        timeout: 10_000,
      }).then(
        () => 0,
        (error) => error.code,
      )
    const passing = await healthcheck(port)
    const failing = await healthcheck(await freePort())
    say(
      `  HEALTHCHECK command: exit ${passing} on the service's port, ${failing} on a port nobody listens on`,
    )
    if (passing !== 0 || failing === 0)
      fail('the HEALTHCHECK command does not tell a live service from a dead one')

    // strace's child is the service (setpriv execs node in place): signal it, not strace.
    const servicePid = Number(
      (await readFile(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8')).trim(),
    )
    const signalled = performance.now()
    process.kill(servicePid, 'SIGTERM')
    const exit = await exited
    say(`  SIGTERM: exit ${exit} after ${((performance.now() - signalled) / 1000).toFixed(1)} s`)
    if (exit !== 0) fail(`exit ${exit} after SIGTERM:\n${output.slice(-2000)}`)
    const writes = writesIn(await readFile(trace, 'utf8'))
    if (writes.length > 0) {
      fail(
        `the service wrote to the filesystem (a read-only root filesystem would break it):\n${writes.slice(0, 10).join('\n')}`,
      )
    } else {
      say('  no file written by the service (strace): a read-only root filesystem holds')
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL')
    await database.drop()
  }
}

async function dockerBuild() {
  try {
    await run('docker', ['info'], { timeout: 20_000 })
  } catch {
    say(
      '4. no Docker engine here (`docker info` fails; the client alone is not enough): the image was not built; steps 2 and 3 emulated its build and its start',
    )
    return
  }
  const tag = `fbi-patients-service:check-${randomBytes(3).toString('hex')}`
  say(`4. docker build -f ${SERVICE}/Dockerfile -t ${tag} .`)
  await run('docker', ['build', '-f', `${SERVICE}/Dockerfile`, '-t', tag, '.'], {
    cwd: REPO,
    env: { ...process.env, DOCKER_BUILDKIT: '1' },
    maxBuffer: 64 * 1024 * 1024,
    timeout: 1_200_000,
  })
  const { stdout } = await run('docker', ['image', 'inspect', tag, '--format', '{{json .Config}}'])
  const config = JSON.parse(stdout)
  say(`  built: user ${config.User}, healthcheck ${JSON.stringify(config.Healthcheck?.Test)}`)
  if (config.User !== '1000:1000') fail(`the built image runs as ${config.User}`)
  if (!JSON.stringify(config.Healthcheck?.Test ?? []).includes('/running'))
    fail('the built image has no healthcheck on /running')
  await run('docker', ['image', 'rm', tag]).catch(() => {})
}

async function main() {
  const content = await readFile(DOCKERFILE, 'utf8')
  say('1. Dockerfile: lint and structure')
  selfTest(content)
  const { problems, build, final } = checkDockerfile(content)
  for (const problem of problems) fail(problem)
  if (problems.length > 0) return
  build.deploy = build.commands.find((c) => c.includes('deploy --prod'))
  say(
    `  ${build.commands.length} build commands, final stage: ${final.copies.length} copies from ${build.out}, user ${final.user}`,
  )

  const work = await mkdtemp(`${tmpdir()}/fbi-image-`)
  try {
    say('2. the build stage, emulated')
    const out = await emulateBuild(build, work)
    const app = `${work}/app`
    await layOut(final, out, build, app)
    await contents(app)
    say("3. the image's /app started as the image starts it")
    // mkdtemp's directory is private to root; the service runs as the image's user.
    await chmod(work, 0o755)
    if (!(await stat(app)).isDirectory()) fail('nothing laid out')
    await start(final, app, work)
  } finally {
    await rm(work, { recursive: true, force: true })
  }
  await dockerBuild()
}

const watchdog = setTimeout(() => {
  console.error('check-image: still running after 20 minutes, giving up')
  process.exit(1)
}, 1_200_000)
watchdog.unref()
main()
  .catch((error) => fail(error.stack ?? String(error)))
  .finally(() => {
    say(failures.length === 0 ? 'check-image: ok' : `check-image: ${failures.length} failure(s)`)
    process.exitCode = failures.length === 0 ? 0 : 1
  })
