import * as crypto from 'node:crypto'
import type { FastifyEtagOptions } from '@fastify/etag'
import fastifyEtag from '@fastify/etag'
import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify'

export type { FastifyEtagOptions } from '@fastify/etag'

type OnSendDone = (err: Error | null, payload?: unknown) => void
type RawOnSend = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: OnSendDone) => void

type OneShotHash = (algorithm: string, data: string | Buffer, encoding: 'base64') => string

/**
 * The same sha1/base64 tag @fastify/etag computes, through Node's one-shot `crypto.hash` (Node 20.12+),
 * which skips building a Hash object per response. Other algorithms and custom hashFns are left alone.
 */
function withOneShotHash(opts: FastifyEtagOptions): FastifyEtagOptions {
  const hash = (crypto as unknown as { hash?: OneShotHash }).hash
  const algorithm = opts.algorithm ?? 'sha1'
  if (opts.hashFn !== undefined || algorithm !== 'sha1' || typeof hash !== 'function') return opts
  return { ...opts, hashFn: (payload) => hash('sha1', payload, 'base64') }
}

/**
 * @fastify/etag tags and answers 304 for every method and status. Its hook is taken out here and run
 * only on 2xx responses of GET and HEAD routes: the method is known per route (the hook is attached to
 * those routes only), the status is checked per response, and what it lacks is all that is added.
 */
export async function etagOnSend(opts: FastifyEtagOptions): Promise<onSendHookHandler> {
  let hook: RawOnSend | undefined
  const collector = {
    addHook(name: string, fn: RawOnSend) {
      if (name === 'onSend') hook = fn
    },
  }
  // Awaited so a bad option (an unknown algorithm) rejects the registration.
  await fastifyEtag(collector as unknown as FastifyInstance, withOneShotHash(opts))
  const etag = hook
  if (etag === undefined) throw new TypeError('@fastify/etag did not add its onSend hook')
  return function fbiEtag(request, reply, payload, done) {
    const status = reply.statusCode
    if (status < 200 || status > 299) {
      done(null, payload)
      return
    }
    etag(request, reply, payload, done as OnSendDone)
  } as onSendHookHandler
}
