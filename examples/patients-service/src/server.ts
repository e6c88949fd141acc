import { buildApp } from './app.js'

const app = await buildApp()
try {
  await app.listen({ host: app.config.listenAddress, port: app.config.port })
} catch (error) {
  app.log.fatal({ err: error }, 'could not start')
  await app.close()
  process.exitCode = 1
}
