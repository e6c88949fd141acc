import type { PGlite } from '@electric-sql/pglite'
import type { PGLiteSocketServer } from '@electric-sql/pglite-socket'
import { describeThrown } from '@fbi/config/fail-closed'
import { FBI_DB_EMBEDDED_FAILED, FBI_DB_EMBEDDED_NOT_INSTALLED } from './errors.js'

/** Settings of the embedded PostgreSQL used when no database is configured outside production. */
export interface EmbeddedOptions {
  /** Directory that keeps the data between restarts. Default: undefined (in memory, gone on close). */
  dataDir?: string
}

/** A PGlite database served over the PostgreSQL wire protocol on 127.0.0.1. */
export interface EmbeddedDatabase {
  /** postgres:// URL of the running server (fixed for the life of the instance). */
  readonly connectionString: string
  readonly host: string
  readonly port: number
  /** Whether the socket server is currently accepting connections. */
  readonly listening: boolean
  /** Stop accepting connections and drop the open ones; the data stays (for fault tests). */
  stop(): Promise<void>
  /** Listen again on the same port after `stop()`. */
  start(): Promise<void>
  /** Stop the server and close the database for good. */
  close(): Promise<void>
}

/**
 * PGlite runs every query on one backend: pglite-socket multiplexes several sockets onto it
 * message by message, so two clients' extended-protocol messages (Parse/Bind/Execute) can
 * interleave and corrupt each other's unnamed statements. One socket (plus one spare so a
 * reconnect is not refused while the old socket is still closing) is the only safe setting;
 * the pool in front of it must have one client.
 */
export const EMBEDDED_MAX_CONNECTIONS = 2
export const EMBEDDED_POOL_SIZE = 1

interface EmbeddedModules {
  PGlite: typeof PGlite
  PGLiteSocketServer: typeof PGLiteSocketServer
}

// Node's message for a package that is not installed names it: "Cannot find package '<name>' imported
// from …". A package that is installed but broken (one of its own imports missing) names another one.
function isNotInstalled(err: unknown, specifier: string): boolean {
  return (
    err instanceof Error &&
    (err as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' &&
    err.message.includes(`'${specifier}'`)
  )
}

/** Imports an optional peer dependency of the embedded database: a coded error when it is missing or broken. */
export async function importOptional<T>(specifier: string, importModule: () => Promise<T>): Promise<T> {
  try {
    return await importModule()
  } catch (err) {
    if (isNotInstalled(err, specifier)) throw new FBI_DB_EMBEDDED_NOT_INSTALLED(specifier, { cause: err })
    throw new FBI_DB_EMBEDDED_FAILED(describeThrown(err), { cause: err })
  }
}

/**
 * PGlite is 28 MB of WebAssembly that a service with a configured database never uses: it and its
 * socket server are optional peer dependencies, imported only when the embedded database starts.
 */
async function importEmbeddedModules(): Promise<EmbeddedModules> {
  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
    importOptional('@electric-sql/pglite', () => import('@electric-sql/pglite')),
    importOptional('@electric-sql/pglite-socket', () => import('@electric-sql/pglite-socket')),
  ])
  return { PGlite, PGLiteSocketServer }
}

// initdb is most of PGlite's start-up time (seconds). A process that starts several in-memory
// databases (a test suite) keeps a dump of a fresh one, taken from its second database, and loads
// later ones from it; a service that starts one database never pays for the dump or its memory.
let inMemoryStarts = 0
let freshTemplate: Promise<Blob | File> | undefined

async function createInMemory(PGlite: EmbeddedModules['PGlite']): Promise<PGlite> {
  inMemoryStarts += 1
  if (freshTemplate !== undefined) {
    const template = await freshTemplate.catch(() => undefined)
    if (template !== undefined) return PGlite.create({ loadDataDir: template })
  }
  const db = await PGlite.create()
  if (inMemoryStarts >= 2 && freshTemplate === undefined) {
    freshTemplate = db.dumpDataDir('none')
    await freshTemplate.catch(() => {
      freshTemplate = undefined
    })
  }
  return db
}

export async function startEmbedded(opts: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const { PGlite, PGLiteSocketServer } = await importEmbeddedModules()
  let db: PGlite
  let server: PGLiteSocketServer
  try {
    db = opts.dataDir === undefined ? await createInMemory(PGlite) : await PGlite.create(opts.dataDir)
    server = new PGLiteSocketServer({
      db,
      host: '127.0.0.1',
      port: 0,
      maxConnections: EMBEDDED_MAX_CONNECTIONS,
    })
    await server.start()
  } catch (err) {
    throw new FBI_DB_EMBEDDED_FAILED(err instanceof Error ? err.message : String(err), { cause: err })
  }
  const address = server.getServerConn()
  const port = Number(address.slice(address.lastIndexOf(':') + 1))
  const host = '127.0.0.1'
  let listening = true
  let closed = false
  return {
    connectionString: `postgres://postgres@${host}:${port}/postgres`,
    host,
    port,
    get listening() {
      return listening
    },
    async stop() {
      if (!listening) return
      listening = false
      await server.stop()
    },
    async start() {
      if (listening || closed) return
      // A new server object: the old one's handlers are gone, the database (and its data) is the same.
      server = new PGLiteSocketServer({ db, host, port, maxConnections: EMBEDDED_MAX_CONNECTIONS })
      await server.start()
      listening = true
    },
    async close() {
      if (closed) return
      closed = true
      if (listening) {
        listening = false
        await server.stop()
      }
      await db.close()
    },
  }
}
