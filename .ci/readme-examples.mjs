#!/usr/bin/env node
// CI's README test: the first example of every README (the root's and each package's "## Usage"),
// run as a reader would. For each README, in a fresh npm project outside the workspace:
//   - install what its "## Install" section says (`pnpm add …` lines; @fbi/* from the packed
//     tarballs, the rest from the registry), and fail if the example imports anything else;
//   - write the example to app.ts (and any block fenced as ```<lang> file=<path> to that path),
//     compile it with tsc (strict, module nodenext) and run `node app.js` with the environment the
//     README's run block gives (```sh after the example: `VAR=value … node app.js`, then `curl` lines);
//   - ask it each curl line over real HTTP and compare with the status its `# NNN` comment promises,
//     then stop it with SIGINT. Nothing may be written on stderr.
// The port is a free one, given as PORT (the examples listen on `app.config.port` or PORT); the curl
// URLs' `localhost:5000` is rewritten to it.
//   node .ci/readme-examples.mjs [--keep] [README ...]
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { makeProject, npmInstall, packAll, ROOT, registryVersions, run } from './consumer/lib.mjs'

const args = process.argv.slice(2)
const keep = args.includes('--keep')
const only = args.filter((arg) => !arg.startsWith('--'))
const started = performance.now()
const seconds = () => ((performance.now() - started) / 1000).toFixed(0)

const READMES =
  only.length > 0
    ? only
    : [
        'README.md',
        ...['config', 'errors', 'schema', 'monitoring', 'security', 'db', 'all'].map(
          (p) => `packages/${p}/README.md`,
        ),
      ]

/** The text of a `## Heading` section, or the whole file for null. */
function section(markdown, heading) {
  if (heading === null) return markdown
  const start = markdown.search(new RegExp(`^## ${heading}\\s*$`, 'm'))
  if (start < 0) return undefined
  const rest = markdown.slice(start + 1)
  const end = rest.search(/^## /m)
  return end < 0 ? rest : rest.slice(0, end)
}

/** Fenced code blocks in order: info string and body. */
function blocks(markdown) {
  return [...markdown.matchAll(/^```([^\n]*)\n([\s\S]*?)^```\s*$/gm)].map((m) => ({
    info: m[1].trim(),
    body: m[2],
  }))
}

/** `pnpm add [-D] a b@1 …` lines: package name → version spec ('latest' when none). */
function installs(markdown) {
  const install = section(markdown, 'Install')
  const packages = new Map()
  for (const block of blocks(install ?? '').filter((b) => b.info === 'sh')) {
    for (const raw of block.body.split('\n')) {
      const line = raw.replace(/#.*/, '').trim()
      const match = /^pnpm add (.*)$/.exec(line)
      if (!match) continue
      for (const word of match[1].split(/\s+/).filter((w) => w && !w.startsWith('-'))) {
        const at = word.lastIndexOf('@')
        const name = at > 0 ? word.slice(0, at) : word
        packages.set(name, at > 0 ? word.slice(at + 1) : 'latest')
      }
    }
  }
  return packages
}

/** Bare package names the example imports. */
function imports(code) {
  const names = new Set()
  for (const m of code.matchAll(/(?:from|import)\s+'([^']+)'/g)) {
    const specifier = m[1]
    if (specifier.startsWith('node:') || specifier.startsWith('.')) continue
    const parts = specifier.split('/')
    names.add(specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0])
  }
  return names
}

/** The run block: the environment of its `… node app.js` line and its curl requests. */
function runBlock(body) {
  const lines = body
    .replace(/\\\n\s*/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
  const nodeLine = lines.find((l) => /(^|\s)node app\.js$/.test(l))
  if (nodeLine === undefined) throw new Error('the run block has no `node app.js` line')
  const env = {}
  for (const word of nodeLine
    .replace(/node app\.js$/, '')
    .trim()
    .split(/\s+/)
    .filter(Boolean)) {
    const eq = word.indexOf('=')
    if (eq <= 0) throw new Error(`not VAR=value before node app.js: ${word}`)
    env[word.slice(0, eq)] = word.slice(eq + 1)
  }
  const requests = []
  for (const line of lines.filter((l) => l.startsWith('curl '))) {
    const expected = /#\s*(\d{3})\b/.exec(line)
    if (!expected) throw new Error(`a curl line without "# <status>": ${line}`)
    const command = line.slice(0, expected.index).trim()
    const words = [...command.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3])
    const request = {
      method: 'GET',
      headers: {},
      url: '',
      body: undefined,
      status: Number(expected[1]),
      line,
    }
    for (let i = 1; i < words.length; i++) {
      const word = words[i]
      if (word === '-X') request.method = words[++i]
      else if (word === '-H') {
        const header = words[++i]
        const colon = header.indexOf(':')
        request.headers[header.slice(0, colon).trim()] = header.slice(colon + 1).trim()
      } else if (word === '-d') request.body = words[++i]
      else if (word.startsWith('http')) request.url = word
    }
    requests.push(request)
  }
  return { env, requests }
}

function freePort() {
  return new Promise((resolve) => {
    const server = createServer()
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address()
      server.close(() => resolve(port))
    })
  })
}

async function waitForPort(port, child, output) {
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`exited ${child.exitCode} before listening\n${output()}`)
    const up = await fetch(`http://localhost:${port}/`).then(
      () => true,
      () => false,
    )
    if (up) return
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
  throw new Error(`not listening on ${port} after 90 s\n${output()}`)
}

const tsconfig = {
  compilerOptions: {
    target: 'ES2022',
    lib: ['ES2023'],
    module: 'nodenext',
    moduleResolution: 'nodenext',
    strict: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    types: ['node'],
  },
  files: ['app.ts'],
}

const failures = []
const kept = []
const work = await mkdtemp(join(tmpdir(), 'fbi-readme-tarballs-'))
try {
  console.log(`::: [${seconds()} s] pnpm pack`)
  const tarballs = await packAll(work)
  const versions = await registryVersions()
  for (const readme of READMES) {
    console.log(`::: [${seconds()} s] ${readme}`)
    try {
      const markdown = await readFile(join(ROOT, readme), 'utf8')
      const usage = section(markdown, readme === 'README.md' ? null : 'Usage')
      if (usage === undefined) throw new Error('no "## Usage" section')
      const fenced = blocks(usage)
      const exampleAt = fenced.findIndex((b) => b.info === 'ts')
      if (exampleAt < 0) throw new Error('no ```ts example')
      const example = fenced[exampleAt].body
      const runAt = fenced.findIndex((b, i) => i > exampleAt && b.info === 'sh')
      if (runAt < 0) throw new Error('no ```sh run block after the example')
      const { env, requests } = runBlock(fenced[runAt].body)
      const extraFiles = fenced
        .map((b) => ({ ...b, path: /\bfile=(\S+)/.exec(b.info)?.[1] }))
        .filter((b) => b.path !== undefined)

      const wanted = installs(
        readme === 'README.md' ? await readFile(join(ROOT, 'packages/all/README.md'), 'utf8') : markdown,
      )
      if (readme === 'README.md') wanted.set('@fbi/security', 'latest')
      const missing = [...imports(example)].filter((name) => !wanted.has(name))
      if (missing.length > 0)
        throw new Error(`the example imports what Install does not install: ${missing.join(', ')}`)
      const fbi = [...wanted.keys()].filter((n) => n.startsWith('@fbi/')).map((n) => n.slice('@fbi/'.length))
      const dependencies = Object.fromEntries([...wanted].filter(([n]) => !n.startsWith('@fbi/')))
      const dir = await makeProject({
        label: `readme-${relative(ROOT, dirname(join(ROOT, readme))).replace(/\W+/g, '-') || 'root'}`,
        type: 'module',
        fbi,
        dependencies,
        devDependencies: { typescript: versions.typescript, '@types/node': versions['@types/node'] },
        tarballs,
      })
      kept.push(dir)
      await writeFile(join(dir, 'app.ts'), example)
      await writeFile(join(dir, 'tsconfig.json'), `${JSON.stringify(tsconfig, null, 2)}\n`)
      for (const file of extraFiles) {
        await mkdir(dirname(join(dir, file.path)), { recursive: true })
        await writeFile(join(dir, file.path), file.body)
      }
      await npmInstall(dir)
      await run(join(dir, 'node_modules/.bin/tsc'), ['-p', '.'], { cwd: dir })

      const port = await freePort()
      const child = spawn(process.execPath, ['app.js'], {
        cwd: dir,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, PORT: String(port) },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
      let stdout = ''
      let stderr = ''
      child.stdout.on('data', (c) => {
        stdout += c
      })
      child.stderr.on('data', (c) => {
        stderr += c
      })
      const exited = new Promise((resolve) => child.once('exit', resolve))
      try {
        await waitForPort(port, child, () => stdout + stderr)
        const answers = []
        for (const request of requests) {
          const url = request.url.replace(/localhost:5000/, `localhost:${port}`)
          const res = await fetch(url, {
            method: request.method,
            headers: request.headers,
            ...(request.body === undefined ? {} : { body: request.body }),
          })
          const text = await res.text()
          if (res.status !== request.status) {
            throw new Error(
              `${request.line}\n  answered ${res.status} ${text.slice(0, 300)}\n${stdout}${stderr}`,
            )
          }
          answers.push(`${request.method} ${new URL(url).pathname} ${res.status}`)
        }
        console.log(`  ok    ${readme}: ${answers.join(', ') || 'started'}`)
      } finally {
        child.kill('SIGINT')
        await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 15_000))])
        if (child.exitCode === null) child.kill('SIGKILL')
      }
      if (stderr.trim() !== '') throw new Error(`wrote on stderr:\n${stderr}`)
    } catch (error) {
      failures.push(readme)
      console.log(
        `  FAIL  ${readme}\n${String(error instanceof Error ? error.message : error).replace(/^/gm, '        ')}`,
      )
    }
  }
} finally {
  if (keep) console.log(`kept: ${[work, ...kept].join(' ')}`)
  else await Promise.all([work, ...kept].map((dir) => rm(dir, { recursive: true, force: true })))
}
console.log(
  `\nREADME examples: ${failures.length === 0 ? `${READMES.length} passed` : `${failures.length} failed (${failures.join(', ')})`} in ${seconds()} s`,
)
process.exit(failures.length === 0 ? 0 : 1)
