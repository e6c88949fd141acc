import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import type { FastifyInstance } from 'fastify'
import { FBI_SCHEMA_APP_MODULE } from './errors.js'
import { isPlainObject } from './plain-object.js'
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
  return isPlainObject(value) && typeof value.ready === 'function' && typeof value.close === 'function'
}

interface CliArgs {
  readonly help: boolean
  readonly format: 'yaml' | 'json' | undefined
  readonly positionals: readonly string[]
}

/** The arguments, or the line that says what is wrong with them. */
function readArgs(args: readonly string[]): CliArgs | string {
  let parsed: ReturnType<typeof parseWith>
  try {
    parsed = parseWith(args)
  } catch (error) {
    // node:util's own usage errors (unknown option, missing value) are for the user to read.
    const code = (error as { code?: unknown }).code
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS_')) return (error as Error).message
    throw error
  }
  const { format, help } = parsed.values
  if (format !== undefined && format !== 'yaml' && format !== 'json') return '--format must be yaml or json'
  return { help: help === true, format, positionals: parsed.positionals }
}

function parseWith(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    options: { format: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  })
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
  const parsed = readArgs(args)
  if (typeof parsed === 'string') {
    io.err(`${parsed}\n\n${USAGE}`)
    return 2
  }
  if (parsed.help) {
    io.out(USAGE)
    return 0
  }
  const { format } = parsed
  const [modulePath, output = 'openapi.yaml', ...extra] = parsed.positionals
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
