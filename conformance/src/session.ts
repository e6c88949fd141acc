import type { FbiOptions } from '@fbi/all'
import { createTestDatabase, type TestDatabase } from '@fbi/db/testing'
import type { FastifyInstance } from 'fastify'
import { FBI_CONFORMANCE_SETUP } from './errors.js'
import { startFbiService } from './fbi-service.js'
import { type Answer, type Outgoing, send } from './http.js'
import { checkOriginalIsInstalled, type RunningOriginal, startOriginal } from './original.js'
import { buildMatrix, type MatrixRequest, outgoing } from './requests.js'
import { HS_KEY, PROXY_URL } from './tokens.js'

export const MODES = ['default', 'compat'] as const
export type Mode = (typeof MODES)[number]

/** Any database of the PostgreSQL server the suite may create its own databases on. */
export const ADMIN_DATABASE_URL =
  process.env.FBI_TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres'

/** What was sent to one server and what it answered. */
export interface Exchange {
  readonly sent: Outgoing
  readonly answer: Answer
}

export interface SessionResults {
  readonly requests: readonly MatrixRequest[]
  readonly original: ReadonlyMap<string, Exchange>
  readonly fbi: Readonly<Record<Mode, ReadonlyMap<string, Exchange>>>
  /** How long starting, asking and stopping everything took, in ms. */
  readonly durationMs: number
}

/** Sends the whole matrix, in order, to one server; each request may read this server's earlier answers. */
async function ask(url: string, requests: readonly MatrixRequest[]): Promise<Map<string, Exchange>> {
  const answers = new Map<string, Answer>()
  const exchanges = new Map<string, Exchange>()
  for (const request of requests) {
    const sent = outgoing(request, answers)
    const answer = await send(url, sent)
    answers.set(request.id, answer)
    exchanges.set(request.id, { sent, answer })
  }
  return exchanges
}

async function createDatabase(label: string): Promise<TestDatabase> {
  try {
    return await createTestDatabase(ADMIN_DATABASE_URL, label)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new FBI_CONFORMANCE_SETUP(
      `cannot create a database on ${new URL(ADMIN_DATABASE_URL).host} (FBI_TEST_DATABASE_URL): ${reason}`,
    )
  }
}

/** The DATABASE_* variables of a database, as both services read them. */
function databaseVariables(url: string) {
  const parsed = new URL(url)
  return {
    host: parsed.hostname,
    port: Number(parsed.port || 5432),
    user: decodeURIComponent(parsed.username || 'postgres'),
    password: decodeURIComponent(parsed.password),
    name: decodeURIComponent(parsed.pathname.slice(1)),
  }
}

/**
 * One fbi app per mode, each on a new database of its own, as each service has: what one mode does
 * there (compat's health check reads alembic_version) cannot change what the other answers. What is
 * created goes into `databases` and `apps` at once, for the caller to clean up whatever fails.
 */
async function startFbiApps(
  modeOptions: Readonly<Record<Mode, FbiOptions>>,
  databases: TestDatabase[],
  apps: FastifyInstance[],
): Promise<Record<Mode, string>> {
  const urls = {} as Record<Mode, string>
  for (const mode of MODES) {
    const database = await createDatabase(`conformance_${mode}`)
    databases.push(database)
    const db = databaseVariables(database.url)
    const env = {
      ENVIRONMENT: 'DEVELOPMENT',
      HS_KEY,
      PROXY_URL,
      DATABASE_HOST: db.host,
      DATABASE_PORT: String(db.port),
      DATABASE_USER: db.user,
      DATABASE_NAME: db.name,
      ...(db.password === '' ? {} : { DATABASE_PASSWORD: db.password }),
    }
    const app = await startFbiService({ env, options: modeOptions[mode] }).catch((error: unknown) => {
      const reason = error instanceof Error ? `${error.message}` : String(error)
      throw new FBI_CONFORMANCE_SETUP(`the fbi app in ${mode} mode did not start: ${reason}`)
    })
    apps.push(app)
    const address = app.server.address()
    if (typeof address !== 'object' || address === null)
      throw new FBI_CONFORMANCE_SETUP(`the fbi app in ${mode} mode has no port`)
    urls[mode] = `http://127.0.0.1:${address.port}`
  }
  return urls
}

/**
 * Starts the original and one fbi app per mode, each on its own new database, sends them the matrix,
 * then stops every server and drops the databases, whatever failed. Throws when anything could not
 * be started or stopped: the suite fails rather than compares less.
 */
export async function runSession(modeOptions: Readonly<Record<Mode, FbiOptions>>): Promise<SessionResults> {
  const started = Date.now()
  const databases: TestDatabase[] = []
  const apps: FastifyInstance[] = []
  let original: RunningOriginal | undefined
  let results: SessionResults | undefined
  let failure: unknown
  try {
    checkOriginalIsInstalled() // before anything is created: the commonest failure, said first
    const refDatabase = await createDatabase('conformance_ref')
    databases.push(refDatabase)
    // The original takes longest to start (Python's imports): the fbi apps start meanwhile. Both are
    // awaited whatever happens, so that everything started is stopped below.
    const [originalStart, appsStart] = await Promise.allSettled([
      startOriginal({
        database: databaseVariables(refDatabase.url),
        hsKey: HS_KEY,
        proxyUrl: PROXY_URL,
      }).then((running) => {
        original = running
        return running
      }),
      startFbiApps(modeOptions, databases, apps),
    ])
    if (originalStart.status === 'rejected') throw originalStart.reason
    if (appsStart.status === 'rejected') throw appsStart.reason
    const urls = appsStart.value
    const running = originalStart.value

    const requests = buildMatrix()
    // The three servers are independent: ask them at the same time, each in the matrix's order.
    const [fromOriginal, fromDefault, fromCompat] = await Promise.all([
      ask(running.url, requests),
      ask(urls.default, requests),
      ask(urls.compat, requests),
    ])
    results = {
      requests,
      original: fromOriginal,
      fbi: { default: fromDefault, compat: fromCompat },
      durationMs: 0,
    }
  } catch (error) {
    failure = error
  }
  const cleanupFailures: string[] = []
  const attempt = async (what: string, action: () => Promise<void>) => {
    await action().catch((error: unknown) =>
      cleanupFailures.push(`${what}: ${error instanceof Error ? error.message : String(error)}`),
    )
  }
  await attempt('stopping the original', async () => original?.stop())
  for (const app of apps) await attempt('closing an fbi app', () => app.close())
  for (const database of databases) await attempt('dropping a database', () => database.drop())
  const cleanup = cleanupFailures.length === 0 ? '' : `cleanup failed: ${cleanupFailures.join('; ')}`
  if (failure !== undefined) {
    if (cleanup === '') throw failure
    const reason = failure instanceof Error ? failure.message : String(failure)
    throw new FBI_CONFORMANCE_SETUP(`${reason}; and ${cleanup}`)
  }
  if (cleanup !== '') throw new FBI_CONFORMANCE_SETUP(cleanup)
  if (results === undefined) throw new FBI_CONFORMANCE_SETUP('the matrix produced no results')
  return { ...results, durationMs: Date.now() - started }
}
