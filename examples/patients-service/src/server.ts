import type { FbiConfig } from '@fbi/config'
import Fastify from 'fastify'
import { createServer, loadServiceConfig, registerService } from './app.js'
import { listenProblem } from './port-check.js'

/** Starts the service; resolves to the exit code when it could not. */
async function main(): Promise<number> {
  let config: FbiConfig
  try {
    config = loadServiceConfig()
  } catch (error) {
    // No configuration, so no LOG_LEVEL/LOG_FORMAT to honour: Fastify's own logger says why.
    Fastify({ logger: true }).log.fatal({ err: error }, 'could not start')
    return 1
  }
  const app = createServer(config)
  // Starting the embedded database and migrating take seconds: a port that is already taken (another
  // `pnpm example` still running) is said first, before anything starts.
  const { listenAddress: host, port } = config
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
    await registerService(app, config)
    await app.listen({ host, port })
  } catch (error) {
    // SIGTERM while starting (an orchestrator that no longer wants this instance): not a failure.
    if (app.shutdownSignal.aborted) {
      app.log.info('stopped while starting')
      return 0
    }
    app.log.fatal({ err: error }, 'could not start')
    await app.close()
    return 1
  }
  return 0
}

const code = await main()
if (code !== 0) process.exitCode = code
