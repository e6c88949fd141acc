import fastifySwagger, { type SwaggerTransform, type SwaggerTransformObject } from '@fastify/swagger'
import type { FastifyInstance, FastifySchema } from 'fastify'
import { registerDocs } from './docs-ui.js'
import { errorResponseJsonSchema } from './error-response.js'
import { propertiesOf } from './plain-object.js'
import { queryDecoderOf } from './query-decoder.js'

/** The OpenAPI document and its UI. */
export interface FbiOpenApiOptions {
  /** The document's info object. Default: { title: 'API', version: '1.0.0' }. */
  info?: { title: string; version: string; description?: string }
  /** The document's servers. Default: none (paths are relative to the host serving them). */
  servers?: Array<{ url: string; description?: string }>
  /**
   * Where swagger-ui (and the document at `<docs>/json`, `<docs>/yaml`) is served, or false; behind
   * @fbi/monitoring's admin guard when it is registered. Default: '/docs' outside production, false
   * in production (turn it on by naming a path).
   */
  docs?: string | false
}

/** The OpenAPI version written: 3.1, whose schemas are JSON Schema like TypeBox's (nulls, examples) and
 * whose security requirements may list the scopes of an http bearer scheme. */
export const OPENAPI_VERSION = '3.1.0'

/** The standard error responses every service documents (the seed's RESPONSES plus Forbidden). */
export const STANDARD_RESPONSES = {
  BadRequest: 'Bad or malformed request was received',
  NotFound: 'The specified resource was not found',
  Unauthorized: 'Unauthorized',
  Forbidden: 'Forbidden',
  ServiceUnavailable: 'Service or dependent resource not available',
} as const

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const

/** The duck-typed view of @fbi/security's Predicate that the document needs (no import, see COMMON contract). */
interface ProtectMetadata {
  readonly description?: unknown
  readonly requiredScopes?: unknown
  readonly isPublic?: unknown
}

function protectOf(config: unknown): ProtectMetadata | undefined {
  const protect = (config as { protect?: unknown } | undefined)?.protect
  return typeof protect === 'function' ? (protect as ProtectMetadata) : undefined
}

function flag(config: unknown, key: 'deprecated' | 'monitoringRoute'): boolean {
  const value = (config as Record<string, unknown> | undefined)?.[key]
  return value !== undefined && value !== null && value !== false
}

// Carries QueryList names from the route schema (where the decoder symbol is visible) to the
// generated operation, where fbiTransformObject turns them into pipeDelimited parameters.
const PIPE_LISTS = 'x-fbi-pipe-delimited'

function pipeListNames(querystring: unknown): string[] {
  const properties = propertiesOf(querystring)
  if (properties === undefined) return []
  return Object.keys(properties).filter((key) => queryDecoderOf(properties[key])?.kind === 'list')
}

function deprecationNote(deprecated: unknown): string {
  const supersededBy = (deprecated as { supersededBy?: unknown }).supersededBy
  return typeof supersededBy === 'string' ? `Deprecated: use ${supersededBy} instead.` : 'Deprecated.'
}

/** Adds what route config knows (protection, deprecation, monitoring) to the route's schema. */
export const fbiTransform: SwaggerTransform = ({ schema, url, route }) => {
  const out: FastifySchema & Record<string, unknown> = { ...schema }
  const protect = protectOf(route.config)
  if (protect !== undefined && protect.isPublic !== true && out.security === undefined) {
    const scopes = Array.isArray(protect.requiredScopes)
      ? protect.requiredScopes.filter((scope): scope is string => typeof scope === 'string')
      : []
    out.security = [{ bearerAuth: scopes }]
    if (typeof protect.description === 'string') out['x-fbi-protect'] = protect.description
  }
  if (flag(route.config, 'deprecated')) {
    out.deprecated = true
    const note = deprecationNote((route.config as { deprecated: unknown }).deprecated)
    out.description = out.description === undefined ? note : `${out.description}\n\n${note}`
  }
  const lists = pipeListNames(schema?.querystring)
  if (lists.length > 0) out[PIPE_LISTS] = lists
  if (flag(route.config, 'monitoringRoute') && out.tags === undefined) out.tags = ['monitoring']
  return { schema: out, url }
}

function words(text: string): string {
  return text
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('')
}

/** "get" + "/dhos/v1/patient/{patient_id}" -> "getDhosV1PatientByPatientId". */
export function operationIdFor(method: string, path: string): string {
  const parts = path
    .split('/')
    .filter((part) => part.length > 0)
    .map((part) => (part.startsWith('{') ? `By${words(part)}` : words(part)))
  return method.toLowerCase() + (parts.length > 0 ? parts.join('') : 'Root')
}

type Operation = Record<string, unknown> & { responses?: Record<string, unknown> }

const responseRef = (name: keyof typeof STANDARD_RESPONSES) => ({ $ref: `#/components/responses/${name}` })

/** Gives every operation a unique operationId and the standard error responses it can produce. */
export const fbiTransformObject: SwaggerTransformObject = (documentObject) => {
  if (!('openapiObject' in documentObject)) return documentObject.swaggerObject
  const document = documentObject.openapiObject
  const used = new Set<string>()
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    if (item === undefined) continue
    const pathItem = item as Record<string, unknown>
    for (const method of HTTP_METHODS) {
      if (pathItem[method] === undefined) continue
      // @fastify/swagger shares one operation object between the methods of one route.
      const operation: Operation = { ...(pathItem[method] as Operation) }
      pathItem[method] = operation
      let id =
        typeof operation.operationId === 'string' ? operation.operationId : operationIdFor(method, path)
      if (used.has(id)) id = `${id}_${method}`
      used.add(id)
      operation.operationId = id
      const responses: Record<string, unknown> = { ...operation.responses }
      const hasInput = Array.isArray(operation.parameters) || operation.requestBody !== undefined
      if (hasInput && responses['400'] === undefined) responses['400'] = responseRef('BadRequest')
      if (Array.isArray(operation.security) && operation.security.length > 0) {
        if (responses['401'] === undefined) responses['401'] = responseRef('Unauthorized')
        if (responses['403'] === undefined) responses['403'] = responseRef('Forbidden')
      }
      operation.responses = responses
      const lists = operation[PIPE_LISTS]
      delete operation[PIPE_LISTS]
      if (Array.isArray(lists) && Array.isArray(operation.parameters)) {
        operation.parameters = operation.parameters.map((parameter: Record<string, unknown>) =>
          parameter.in === 'query' && lists.includes(parameter.name)
            ? { ...parameter, style: 'pipeDelimited', explode: false }
            : parameter,
        )
      }
    }
  }
  return document
}

function components() {
  const responses: Record<
    string,
    { description: string; content: Record<string, { schema: { $ref: string } }> }
  > = {}
  for (const [name, description] of Object.entries(STANDARD_RESPONSES)) {
    responses[name] = {
      description,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
    }
  }
  return {
    securitySchemes: { bearerAuth: { type: 'http' as const, scheme: 'bearer', bearerFormat: 'JWT' } },
    schemas: { Error: errorResponseJsonSchema() },
    responses,
  }
}

/** Registers @fastify/swagger (and swagger-ui) on the plugin's (unencapsulated) instance. */
export async function registerOpenApi(
  fastify: FastifyInstance,
  options: FbiOpenApiOptions & { docs: string | false },
): Promise<void> {
  const { info = { title: 'API', version: '1.0.0' }, servers, docs } = options
  await fastify.register(fastifySwagger, {
    openapi: {
      openapi: OPENAPI_VERSION,
      info,
      ...(servers === undefined ? {} : { servers }),
      components: components(),
    },
    transform: fbiTransform,
    transformObject: fbiTransformObject,
  })
  if (docs !== false) await registerDocs(fastify, docs)
}
