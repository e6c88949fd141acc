import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { describe, expect, it } from 'vitest'

// What a newcomer meets around the walkthrough: a port already taken, Ctrl-C, the token script
// called wrong. Real processes on the built service (`pnpm build` first), nothing configured.
const root = fileURLToPath(new URL('..', import.meta.url))
const run = promisify(execFile)
const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  scripts: Record<string, string>
}

function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', ...extra }
}

/** Collects a child's stdout and stderr; `until` resolves when stdout matches. */
function watch(child: ChildProcess) {
  const out = { stdout: '', stderr: '' }
  child.stdout?.on('data', (chunk: Buffer) => {
    out.stdout += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    out.stderr += chunk.toString()
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  const until = (pattern: RegExp) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (pattern.test(out.stdout)) resolve()
      }
      child.stdout?.on('data', check)
      exited.then(() => reject(new Error(`exited before ${pattern}:\n${out.stdout}${out.stderr}`)))
    })
  return { out, exited, until }
}

async function occupiedPort(ctx: { onTestFinished(fn: () => void): void }): Promise<number> {
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  ctx.onTestFinished(() => {
    server.close()
  })
  return (server.address() as { port: number }).port
}

describe('a port that is already taken', () => {
  it('is said at once, before the embedded database starts, and the service exits 1', async (ctx) => {
    const port = await occupiedPort(ctx)
    const child = spawn(process.execPath, ['dist/server.js'], {
      cwd: root,
      env: cleanEnv({ PORT: String(port) }),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const { out, exited } = watch(child)
    const { code } = await exited
    expect(code).toBe(1)
    const lines = out.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: number; msg: string })
    expect(lines.at(-1)).toMatchObject({
      level: 60,
      msg: `127.0.0.1:${port} is already in use (another \`pnpm example\`?): nothing was started. Stop the other process or set PORT to a free port.`,
    })
    expect(out.stdout).not.toContain('embedded PostgreSQL')
    expect(out.stderr).toBe('')
  })
})

describe('Ctrl-C', () => {
  it('stops `pnpm start` (its shell and the service, as a terminal signals them) with exit code 0', async () => {
    // A terminal's Ctrl-C signals the whole foreground process group: pnpm, the script's shell and
    // node. A shell that waits for node dies of the SIGINT itself and pnpm reports a failure; the
    // script hands its process to node (`exec`), which shuts down gracefully and exits 0.
    const child = spawn('sh', ['-c', manifest.scripts.start ?? ''], {
      cwd: root,
      env: cleanEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    const { out, exited, until } = watch(child)
    await until(/Server listening at/)
    process.kill(-(child.pid ?? 0), 'SIGINT')
    expect(await exited).toEqual({ code: 0, signal: null })
    expect(out.stdout).toContain('Server closed')
    expect(out.stderr).toBe('')
  }, 150_000)
})

describe('the token script', () => {
  const token = (...args: string[]) =>
    run(process.execPath, ['dist/mint-token.js', ...args], { cwd: root, env: cleanEnv() }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    )

  it('--help prints the usage and exits 0', async () => {
    const { code, stdout } = await token('--help')
    expect(code).toBe(0)
    expect(stdout).toMatch(/^usage: pnpm run token --scopes/)
    expect(stdout).toContain('--no-scopes')
  })

  it('refuses a token without scopes, exit code 2, unless asked with --no-scopes', async () => {
    const refused = await token('--patient-id', 'p1')
    expect(refused.code).toBe(2)
    expect(refused.stdout).toBe('')
    expect(refused.stderr).toMatch(/^no scope given: pass --scopes/)

    const { code, stdout } = await token('--no-scopes', '--patient-id', 'p1')
    expect(code).toBe(0)
    const payload = JSON.parse(Buffer.from(stdout.trim().split('.')[1] ?? '', 'base64url').toString()) as {
      metadata: Record<string, string>
      scope: unknown
    }
    expect(payload.metadata).toEqual({ patient_id: 'p1' })
    expect(payload.scope).toEqual('')
  })

  it('refuses --no-scopes with scopes', async () => {
    const { code, stderr } = await token('--no-scopes', '--scopes', 'read:patient')
    expect(code).toBe(2)
    expect(stderr).toMatch(/^--no-scopes and scopes together/)
  })
})
