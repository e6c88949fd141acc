import type { FastifyInstance } from 'fastify'

/**
 * `application/<anything>+json` (RFC 6839 structured syntax suffix), parameters allowed: Fastify
 * tests a RegExp parser against the whole Content-Type header, charset included.
 */
const JSON_SUFFIX_TYPE = /^application\/[\w.-]+\+json\s*(?:;|$)/i

/**
 * Parses `application/*+json` bodies (`application/vnd.api+json`, `application/merge-patch+json`)
 * with Fastify's own JSON parser, as the original did (Flask's `get_json` took any `+json` type),
 * instead of answering 415. Fastify's parser keeps its prototype-poisoning protection.
 */
export function acceptJsonSuffixTypes(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(
    JSON_SUFFIX_TYPE,
    { parseAs: 'string' },
    fastify.getDefaultJsonParser('error', 'error'),
  )
}
