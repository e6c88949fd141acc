import { createServer } from 'node:net'

/**
 * Why `host:port` cannot be listened on ('EADDRINUSE', 'EACCES', …), or null when it can: tried by
 * listening and closing at once, the only sure test (the port could still be taken in between).
 */
export function listenProblem(host: string, port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const probe = createServer()
    probe.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message))
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(null)))
  })
}
