import { loadConfig } from '@fbi/config'
import { createServer, ENV_FILE, registerService } from './app.js'
import { listenProblem } from './port-check.js'

/** Starts the service; resolves to the exit code when it could not. */
async function main(): Promise<number> {
  const app = createServer()
  // Starting the embedded database and migrating take seconds: a port that is already taken (another
  // `pnpm example` still running) is said first, before anything starts. Only the general variables
  // are read here; the service checks them all when it registers.
  let host: string
  let port: number
  try {
    ;({ listenAddress: host, port } = loadConfig({ dotenv: { path: ENV_FILE }, jwt: false }))
  } catch (error) {
    app.log.fatal({ err: error }, 'could not start')
    return 1
  }
  const problem = await listenProblem(host, port)
  if (problem !== null) {
    const why =
      problem === 'EADDRINUSE' ? 'is already in use (another `pnpm example`?)' : `cannot be used (${problem})`
    app.log.fatal(
      { host, port, code: problem },
      `${host}:${port} ${why}: nothing was started. Stop the other process or set PORT to a free port.`,
    )
    return 1
  }
  try {
    await registerService(app)
    await app.listen({ host, port })
  } catch (error) {
    app.log.fatal({ err: error }, 'could not start')
    await app.close()
    return 1
  }
  return 0
}

const code = await main()
if (code !== 0) process.exitCode = code
