import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'

// The README's walkthrough, over real HTTP against the example started as a real process on a free
// port with the embedded database: what a newcomer does with curl, step by step.
const root = fileURLToPath(new URL('..', import.meta.url))
const run = promisify(execFile)

/** The environment of a machine with nothing configured: no database variables at all. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0' }
  return env
}

async function mintToken(...args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, ['dist/mint-token.js', ...args], {
    cwd: root,
    env: cleanEnv(),
  })
  return stdout.trim()
}

let server: ChildProcess
let base: string
let output = ''
let stderr = ''

beforeAll(async () => {
  server = spawn(process.execPath, ['dist/server.js'], {
    cwd: root,
    env: cleanEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  base = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString()
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output)
      if (match?.[1]) resolve(match[1])
    }
    server.stdout?.on('data', onData)
    server.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    server.once('exit', (code) =>
      reject(new Error(`the service exited with ${code} before listening:\n${output}${stderr}`)),
    )
  })
}, 150_000)

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve))
    server.kill('SIGINT')
    await exited
  }
})

describe('the README walkthrough', () => {
  let clinician: string
  let patientId: string

  it('starts on the embedded database and says what it is doing, in order', () => {
    const steps = [
      'No database configured: starting the embedded PostgreSQL (PGlite)…',
      'No database configured: using an embedded PostgreSQL',
      'Migrating the database up from',
      'Connected to PostgreSQL at postgres://postgres@127.0.0.1:',
      'Migrations applied: 1 in',
      'Server listening at',
    ]
    const at = steps.map((step) => output.indexOf(step))
    expect(at.every((index) => index >= 0)).toBe(true)
    expect(at).toEqual([...at].sort((a, b) => a - b))
    expect(output).toContain('1732752000000_create-patients')
    // node-pg-migrate's console text is at debug now
    expect(output).not.toContain('### MIGRATION')
  })

  it('answers the probes', async () => {
    const running = await fetch(`${base}/running`)
    expect(running.status).toBe(200)
    expect(await running.json()).toEqual({ running: true })
    const health = await fetch(`${base}/healthcheck`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'success' })
  })

  it('refuses a call without a token with 401', async () => {
    const res = await fetch(`${base}/patients/v2/patient`)
    expect(res.status).toBe(401)
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/)
    expect(await res.json()).toEqual({ code: 401, message: 'Unauthorized' })
  })

  it('creates a patient with a minted clinician token', async () => {
    clinician = await mintToken('--scopes', 'write:patient', 'read:patient:all', '--clinician-id', 'dr-who')
    const res = await fetch(`${base}/patients/v2/patient`, {
      method: 'POST',
      headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/json' },
      body: JSON.stringify({ first_name: 'Ada', last_name: 'Lovelace', date_of_birth: '1815-12-10' }),
    })
    expect(res.status).toBe(201)
    const body = (await res.json()) as { created: string; uuid: string }
    expect(body).toMatchObject({
      first_name: 'Ada',
      date_of_birth: '1815-12-10',
      created_by: 'dr-who',
      modified_by: 'dr-who',
    })
    expect(body.created).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
    patientId = body.uuid
  })

  it('reads it back with the patient own token, and refuses another patient with 403', async () => {
    const own = await mintToken('--scopes', 'read:patient', '--patient-id', patientId)
    const res = await fetch(`${base}/patients/v2/patient/${patientId}`, {
      headers: { authorization: `Bearer ${own}` },
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ uuid: patientId, last_name: 'Lovelace' })

    const other = await mintToken(
      '--scopes',
      'read:patient',
      '--patient-id',
      '00000000-0000-4000-8000-000000000000',
    )
    const denied = await fetch(`${base}/patients/v2/patient/${patientId}`, {
      headers: { authorization: `Bearer ${other}` },
    })
    expect(denied.status).toBe(403)
    expect(await denied.json()).toEqual({ code: 403, message: 'Forbidden' })
    // The log says why, on the request's one line, at the default level.
    const id = denied.headers.get('x-request-id')
    const lines = () =>
      output
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { reqId?: string; level: number; refusal?: { reason: string } })
        .filter((line) => line.reqId === id)
    await vi.waitFor(() => expect(lines()).toHaveLength(1))
    expect(lines()[0]).toMatchObject({ level: 30 })
    expect(lines()[0]?.refusal?.reason).toMatch(/^Forbidden: protection predicate denied the request: /)
  })

  it('updates it, and rejects unknown fields with 400', async () => {
    const res = await fetch(`${base}/patients/v2/patient/${patientId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/json' },
      body: JSON.stringify({ last_name: 'King' }),
    })
    expect(res.status).toBe(200)
    expect(await res.json()).toMatchObject({ uuid: patientId, last_name: 'King' })
    const bad = await fetch(`${base}/patients/v2/patient/${patientId}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${clinician}`, 'content-type': 'application/json' },
      body: JSON.stringify({ shoe_size: 9 }),
    })
    expect(bad.status).toBe(400)
    expect(await bad.json()).toEqual({
      code: 400,
      message: "body must NOT have additional property 'shoe_size'",
    })
    // Whatever was logged of these requests, the patient's name and date of birth are not in it.
    await new Promise((resolve) => setTimeout(resolve, 100))
    for (const value of ['Lovelace', 'King', '1815-12-10']) expect(output).not.toContain(value)
  })

  it('lists patients and marks the v1 route deprecated', async () => {
    const list = await fetch(`${base}/patients/v2/patient`, {
      headers: { authorization: `Bearer ${clinician}` },
    })
    expect(list.status).toBe(200)
    expect(((await list.json()) as { uuid: string }[]).map((p) => p.uuid)).toContain(patientId)
    const v1 = await fetch(`${base}/patients/v1/patient/${patientId}`, {
      headers: { authorization: `Bearer ${clinician}` },
    })
    expect(v1.status).toBe(200)
    expect(v1.headers.get('deprecation')).toMatch(/^@\d+$/)
    expect(v1.headers.get('sunset')).toBe('Tue, 01 Jun 2027 00:00:00 GMT')
    // The successor's :patient_id filled from the request (@fbi/monitoring), so clients can follow it.
    expect(v1.headers.get('link')).toBe(`</patients/v2/patient/${patientId}>; rel="successor-version"`)
  })

  it('shows the calls in /metrics and serves the OpenAPI document', async () => {
    const metrics = await (await fetch(`${base}/metrics`)).text()
    expect(metrics).toMatch(
      /http_requests_total\{method="POST",route="\/patients\/v2\/patient",status_code="201"\} 1/,
    )
    const docs = await fetch(`${base}/docs/json`)
    expect(docs.status).toBe(200)
    const spec = (await docs.json()) as {
      paths: Record<string, Record<string, { deprecated?: boolean; security?: unknown }>>
    }
    expect(spec.paths['/patients/v1/patient/{patient_id}']?.get?.deprecated).toBe(true)
    expect(spec.paths['/patients/v2/patient']?.post?.security).toEqual([{ bearerAuth: ['write:patient'] }])
  })

  it('has written nothing on stderr by the end of the walkthrough', () => {
    expect(stderr).toBe('')
  })
})
