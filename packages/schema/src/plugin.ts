// The plugin alone, without the schema helpers: @fbi/all imports this entry, so a service whose
// routes never use TypeBox does not load it (about 200 modules, a fifth of an fbi service's start-up).
import type {} from '@fbi/config'
import { asError, failClosed } from '@fbi/config/fail-closed'
import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { installCompilers } from './compilers.js'
import { FBI_SCHEMA_NON_ERROR_THROWN } from './errors.js'
import { acceptJsonSuffixTypes } from './json-suffix-types.js'
import { registerOpenApi } from './openapi.js'
import { type FbiSchemaOptions, resolveOptions } from './options.js'
import { rejectJsonBodyOnRoutes } from './reject-json-body.js'

declare module 'fastify' {
  interface FastifyContextConfig {
    /**
     * The JSON-body check of GET/DELETE for this route (@fbi/schema): false lets a JSON body through
     * a GET or DELETE route; true checks a route of any method (with compat 'flask', only routes
     * with true are checked, as the original checked only where a handler called `get()`).
     */
    rejectJsonBody?: boolean
  }
}

const fbiSchema: FastifyPluginAsync<FbiSchemaOptions> = async (fastify, opts) => {
  // Options: production and compat from @fbi/config unless given.
  const options = resolveOptions(opts, fastify.config)
  const { tolerateIdentifierKeys, compat } = options

  // Compilers: our validator (format, strict bodies, query decoding) and serializer (format).
  installCompilers(fastify, {
    validator: options.validator && { tolerateIdentifierKeys, compat },
    serializer: options.serializer,
  })

  // Parsers: the original read `application/*+json` bodies as JSON (Flask's request.is_json).
  if (compat === 'flask') acceptJsonSuffixTypes(fastify)

  // Hooks: no JSON body on GET and DELETE (per route, decided once).
  rejectJsonBodyOnRoutes(fastify, options.rejectJsonBodyOn, compat === 'flask')

  // Routes: the OpenAPI document and swagger-ui.
  if (options.openapi !== false) await registerOpenApi(fastify, options.openapi)
}

export default fp(
  failClosed(fbiSchema, (thrown) =>
    asError(
      thrown,
      'Registering @fbi/schema (an option getter or a custom logger)',
      FBI_SCHEMA_NON_ERROR_THROWN,
    ),
  ),
  {
    name: '@fbi/schema',
    // 5.3 added getDecorator, through which @fbi/monitoring's admin guard is read.
    fastify: '>=5.3.0 <6',
    dependencies: ['@fbi/config'],
    decorators: { fastify: ['config'] },
  },
)
