import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, extname } from 'node:path'
import type { FastifyInstance } from 'fastify'
import { FBI_SCHEMA_INVALID_OPENAPI, FBI_SCHEMA_NO_OPENAPI } from './errors.js'
import { isPlainObject } from './plain-object.js'

export type OpenApiDocument = Record<string, unknown>

export interface WriteOpenApiSpecOptions {
  /** The file format. Default: JSON for a `.json` file, YAML otherwise. */
  format?: 'yaml' | 'json'
}

// The seed laid documents out in a fixed order so diffs between versions stay readable.
const TOP_KEYS = ['openapi', 'info', 'servers', 'paths']

function ordered(document: OpenApiDocument): OpenApiDocument {
  const out: OpenApiDocument = {}
  for (const key of TOP_KEYS) if (key in document) out[key] = document[key]
  return Object.assign(out, document)
}

/**
 * Validates an OpenAPI document with @readme/openapi-parser (the OpenAPI schema plus duplicate
 * operationIds, path parameters and the like). Throws FBI_SCHEMA_INVALID_OPENAPI listing the
 * problems; resolves with the parser's warnings.
 */
export async function validateOpenApiSpec(spec: unknown): Promise<string[]> {
  // Loaded on demand: only the command and tests need the parser, not a running service.
  const { validate, compileErrors } = await import('@readme/openapi-parser')
  // A JSON copy: the parser dereferences in place, and TypeBox schemas carry symbol keys.
  const copy = JSON.parse(JSON.stringify(spec ?? null)) as Parameters<typeof validate>[0]
  if (!isPlainObject(copy)) throw new FBI_SCHEMA_INVALID_OPENAPI('not an object')
  let result: Awaited<ReturnType<typeof validate>>
  try {
    result = await validate(copy)
  } catch (error) {
    throw new FBI_SCHEMA_INVALID_OPENAPI(error instanceof Error ? error.message : String(error))
  }
  if (!result.valid) throw new FBI_SCHEMA_INVALID_OPENAPI(compileErrors(result))
  return result.warnings.map((warning) => warning.message)
}

/** The app's OpenAPI document as a plain, ordered object (the app is made ready first). */
export async function openApiSpecOf(app: FastifyInstance): Promise<OpenApiDocument> {
  await app.ready()
  if (typeof app.swagger !== 'function') throw new FBI_SCHEMA_NO_OPENAPI()
  return ordered(JSON.parse(JSON.stringify(app.swagger())) as OpenApiDocument)
}

/**
 * Writes the app's OpenAPI document to `file` as YAML or JSON, after validating it: an invalid
 * document throws FBI_SCHEMA_INVALID_OPENAPI and nothing is written. Resolves with the document.
 */
export async function writeOpenApiSpec(
  app: FastifyInstance,
  file: string,
  options: WriteOpenApiSpecOptions = {},
): Promise<OpenApiDocument> {
  const document = await openApiSpecOf(app)
  await validateOpenApiSpec(document)
  const format = options.format ?? (extname(file).toLowerCase() === '.json' ? 'json' : 'yaml')
  const text =
    format === 'json'
      ? `${JSON.stringify(document, null, 2)}\n`
      : // Imported here: only the command that writes a YAML file needs it, not a running service.
        (await import('yaml')).stringify(document, { aliasDuplicateObjects: false, lineWidth: 0 })
  await mkdir(dirname(file), { recursive: true })
  await writeFile(file, text)
  return document
}
