import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { FastifyInstance } from 'fastify'
import { FBI_SCHEMA_APP_MODULE } from './errors.js'
import { writeOpenApiSpec } from './spec-file.js'

export const USAGE = `Usage: fbi-openapi <app-module> [output-file] [--format yaml|json]

Loads <app-module> (its default export, or an export named app, build or buildApp: a Fastify
instance or a function returning one), writes its OpenAPI document to [output-file]
(default openapi.yaml; JSON when the name ends in .json) and validates it: an invalid
document exits with status 1 and writes nothing.`

/** Where the command writes its messages; the process streams by default. */
export interface CliIo {
  out: (line: string) => void
  err: (line: string) => void
}

function looksLikeFastify(value: unknown): value is FastifyInstance {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as FastifyInstance).ready === 'function' &&
    typeof (value as FastifyInstance).close === 'function'
  )
}

async function loadApp(modulePath: string): Promise<FastifyInstance> {
  let module: Record<string, unknown>
  try {
    module = (await import(pathToFileURL(resolve(modulePath)).href)) as Record<string, unknown>
  } catch (error) {
    throw new FBI_SCHEMA_APP_MODULE(modulePath, error instanceof Error ? error.message : String(error))
  }
  const candidate = module.default ?? module.app ?? module.build ?? module.buildApp
  const app = typeof candidate === 'function' ? await (candidate as () => unknown)() : candidate
  if (!looksLikeFastify(app)) {
    throw new FBI_SCHEMA_APP_MODULE(
      modulePath,
      'export a Fastify instance or a function returning one (default, app, build or buildApp)',
    )
  }
  return app
}

/** Runs `fbi-openapi` with its arguments; resolves with the exit status. */
export async function runCli(
  args: readonly string[],
  io: CliIo = { out: (line) => console.log(line), err: (line) => console.error(line) },
): Promise<number> {
  const positional: string[] = []
  let format: 'yaml' | 'json' | undefined
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!
    if (arg === '--help' || arg === '-h') {
      io.out(USAGE)
      return 0
    }
    if (arg === '--format') {
      const value = args[++i]
      if (value !== 'yaml' && value !== 'json') {
        io.err(`--format must be yaml or json\n\n${USAGE}`)
        return 2
      }
      format = value
    } else if (arg.startsWith('-')) {
      io.err(`Unknown option ${arg}\n\n${USAGE}`)
      return 2
    } else {
      positional.push(arg)
    }
  }
  const [modulePath, output = 'openapi.yaml', ...extra] = positional
  if (modulePath === undefined || extra.length > 0) {
    io.err(USAGE)
    return 2
  }
  let app: FastifyInstance | undefined
  try {
    app = await loadApp(modulePath)
    const document = await writeOpenApiSpec(app, output, format === undefined ? {} : { format })
    const paths = Object.keys((document.paths as Record<string, unknown> | undefined) ?? {}).length
    io.out(`OpenAPI specification (${paths} paths) written to ${output}`)
    return 0
  } catch (error) {
    io.err(error instanceof Error ? error.message : String(error))
    return 1
  } finally {
    await app?.close()
  }
}
