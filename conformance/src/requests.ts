import type { Answer, Outgoing } from './http.js'
import { bearer, claims, INTERNAL_ISSUER, sign } from './tokens.js'

/** Headers of a request, or a function of the answers this same server gave earlier (for ETags). */
export type HeadersSpec =
  | Readonly<Record<string, string>>
  | ((earlier: ReadonlyMap<string, Answer>) => Record<string, string>)

/** One request of the matrix, sent in order to the original and to each fbi app. */
export interface MatrixRequest {
  /** Stable key of the row in expectations.ts: `<group>.<case>`. */
  readonly id: string
  readonly method: string
  readonly path: string
  readonly headers?: HeadersSpec
  readonly body?: string
}

/** The paths the monitoring batteries of both libraries serve. */
export const MONITORING_PATHS: ReadonlySet<string> = new Set([
  '/running',
  '/version',
  '/healthcheck',
  '/metrics',
  '/debug',
])

/** The path without its query string. */
export function pathOf(request: Pick<MatrixRequest, 'path'>): string {
  const query = request.path.indexOf('?')
  return query === -1 ? request.path : request.path.slice(0, query)
}

/** The outgoing request, its headers resolved against this server's earlier answers. */
export function outgoing(request: MatrixRequest, earlier: ReadonlyMap<string, Answer>): Outgoing {
  const headers = typeof request.headers === 'function' ? request.headers(earlier) : (request.headers ?? {})
  return { method: request.method, path: request.path, headers, body: request.body }
}

const JSON_TYPE = { 'content-type': 'application/json' }

/** The ETag this server gave to an earlier request of the matrix ('"none"' when it gave none). */
function etagOf(earlier: ReadonlyMap<string, Answer>, id: string): string {
  const etag = earlier.get(id)?.headers.etag
  return typeof etag === 'string' ? etag : '"none"'
}

/**
 * The request matrix, built when called so token times are fresh. Every route of the original's
 * reference app (shared/oracle/ref_app.py) is covered: the protected /p/<id> (tokens and claims),
 * /e/<kind> (error classes), /sql/<kind> (SQLSTATEs), POST /s (strict bodies), /g (a GET that refuses
 * a JSON body), the deprecated /dep and /dep2, wrong methods and unknown paths, request ids, ETags,
 * and the monitoring endpoints. /metrics comes last so that it has counted every other request.
 */
export function buildMatrix(): MatrixRequest[] {
  const valid = sign(claims())
  const rows: MatrixRequest[] = []
  const add = (
    id: string,
    method: string,
    path: string,
    extra: Omit<MatrixRequest, 'id' | 'method' | 'path'> = {},
  ) => rows.push({ id, method, path, ...extra })
  const patient = (id: string, headers: HeadersSpec, path = '/p/p1') =>
    add(`auth.${id}`, 'GET', path, { headers })
  const withToken = (id: string, token: string, path = '/p/p1') => patient(id, bearer(token), path)

  // ---- tokens and claims against GET /p/<patient_id>: and(scopesPresent('read:patient'), matchKeys({ patient_id }))
  patient('no-header', {})
  withToken('hs256', valid)
  withToken('hs384', sign(claims(), { algorithm: 'HS384' }))
  withToken('hs512', sign(claims(), { algorithm: 'HS512' }))
  withToken('no-aud', sign(claims({}, ['aud'])))
  withToken('no-exp', sign(claims({}, ['exp'])))
  withToken('no-aud-no-exp', sign(claims({}, ['aud', 'exp'])))
  withToken('aud-list-with-ours', sign(claims({ aud: ['http://elsewhere/', INTERNAL_ISSUER] })))
  withToken('no-iss', sign(claims({}, ['iss'])))
  withToken('iss-without-slash', sign(claims({ iss: 'http://localhost' })))
  withToken('no-iat', sign(claims({}, ['iat'])))
  withToken('iat-in-future', sign(claims({ iat: Math.floor(Date.now() / 1000) + 3600 })))
  withToken('expired', sign(claims({ exp: Math.floor(Date.now() / 1000) - 120 })))
  withToken('nbf-in-future', sign(claims({ nbf: Math.floor(Date.now() / 1000) + 3600 })))
  withToken('nbf-in-past', sign(claims({ nbf: Math.floor(Date.now() / 1000) - 60 })))
  withToken(
    'wrong-key',
    sign(claims(), { key: 'another-key-of-sixty-four-bytes-0123456789abcdef0123456789abcdef' }),
  )
  withToken('alg-none', `${sign(claims(), { claimedAlgorithm: 'none' }).split('.').slice(0, 2).join('.')}.`)
  withToken('alg-claimed-rs256', sign(claims(), { claimedAlgorithm: 'RS256' }))
  withToken('wrong-aud', sign(claims({ aud: 'http://elsewhere/' })))
  withToken('unknown-iss', sign(claims({ iss: 'http://elsewhere/' })))
  patient('scheme-lowercase', { authorization: `bearer ${valid}` })
  patient('scheme-uppercase', { authorization: `BEARER ${valid}` })
  patient('scheme-two-spaces', { authorization: `Bearer  ${valid}` })
  patient('token-trailing-space', { authorization: `Bearer ${valid} ` })
  patient('scheme-basic', { authorization: 'Basic dXNlcjpwYXNz' })
  patient('token-without-scheme', { authorization: valid })
  patient('bearer-without-token', { authorization: 'Bearer ' })
  withToken('not-a-jwt', 'not.a.jwt')
  withToken('two-part-token', valid.split('.').slice(0, 2).join('.'))
  withToken('scope-missing', sign(claims({ scope: 'write:patient' })))
  withToken('scope-among-others', sign(claims({ scope: 'write:patient read:patient read:other' })))
  withToken('scope-as-array', sign(claims({ scope: ['read:patient'] })))
  withToken('scope-as-number', sign(claims({ scope: 7 })))
  withToken('scope-claim-absent', sign(claims({}, ['scope'])))
  withToken('path-id-not-the-claim', valid, '/p/p2')
  withToken('claim-list-has-path-id', sign(claims({ metadata: { patient_id: ['p7', 'p1'] } })))
  withToken('claim-list-lacks-path-id', sign(claims({ metadata: { patient_id: ['p7', 'p1'] } })), '/p/p2')
  withToken('claim-number-path-string', sign(claims({ metadata: { patient_id: 1 } })), '/p/1')
  withToken('claim-object', sign(claims({ metadata: { patient_id: { id: 'p1' } } })))
  withToken('metadata-without-patient', sign(claims({ metadata: { clinician_id: 'c1' } })))
  withToken('metadata-absent', sign(claims({}, ['metadata'])))
  withToken('path-id-percent-encoded', valid, '/p/p%31')
  withToken('path-id-with-space', sign(claims({ metadata: { patient_id: 'a b' } })), '/p/a%20b')
  withToken('path-id-encoded-slash', sign(claims({ metadata: { patient_id: 'p/1' } })), '/p/p%2F1')
  add('auth.head', 'HEAD', '/p/p1', { headers: bearer(valid) })

  // ---- error classes raised by a handler, with a message and without (?bare=1)
  for (const kind of [
    'entity-not-found',
    'duplicate',
    'unprocessable',
    'service-unavailable',
    'auth-missing',
    'permission',
    'not-implemented',
    'value',
    'key',
    'type',
    'runtime',
  ]) {
    add(`error.${kind}`, 'GET', `/e/${kind}`)
    add(`error.${kind}-bare`, 'GET', `/e/${kind}?bare=1`)
  }
  add('error.head', 'HEAD', '/e/entity-not-found')

  // ---- PostgreSQL errors raised by a real query
  for (const kind of [
    'unique',
    'foreign-key',
    'serialization',
    'deadlock',
    'bad-uuid',
    'cancelled',
    'undefined-table',
    'raise',
    'ok',
  ])
    add(`sql.${kind}`, 'GET', `/sql/${kind}`)

  // ---- POST /s: post(required={name: str, age: int}, optional={nickname: str, weight: float})
  const body = (id: string, payload: string | undefined, headers: Record<string, string> = JSON_TYPE) =>
    add(`body.${id}`, 'POST', '/s', { headers, body: payload })
  body('required-only', '{"name":"a","age":3}')
  body('with-optionals', '{"name":"a","age":3,"nickname":"n","weight":70.5}')
  body('int-for-float', '{"name":"a","age":3,"weight":70}')
  body('negative-int', '{"name":"a","age":-3}')
  body('huge-int', '{"name":"a","age":12345678901234567890}')
  body('unicode', '{"name":"Zoë 患者","age":3}')
  body('duplicate-key', '{"name":"a","name":"b","age":3}')
  body('extra-key', '{"name":"a","age":3,"oops":1}')
  body('missing-required', '{"name":"a"}')
  body('string-for-int', '{"name":"a","age":"12"}')
  body('bool-for-int', '{"name":"a","age":true}')
  body('12.0-for-int', '{"name":"a","age":12.0}')
  body('3.5-for-int', '{"name":"a","age":3.5}')
  body('string-for-float', '{"name":"a","age":3,"weight":"70"}')
  body('object-for-string', '{"name":{"first":"a"},"age":3}')
  body('null-required', '{"name":null,"age":3}')
  body('null-optional', '{"name":"a","age":3,"nickname":null}')
  body('null-optionals', '{"name":"a","age":3,"nickname":null,"weight":null}')
  body('identifier-uuid', '{"name":"a","age":3,"uuid":"u1"}')
  body(
    'identifier-all',
    '{"name":"a","age":3,"uuid":"u1","created":"2020-01-01T00:00:00.000Z","created_by":"c","modified":"x","modified_by":"m"}',
  )
  body('empty-object', '{}')
  body('array', '[1,2]')
  body('json-null', 'null')
  body('json-string', '"name"')
  body('malformed', '{"name":')
  body('empty-with-json-type', '')
  body('no-body-no-type', undefined, {})
  body('text-plain', 'name=a', { 'content-type': 'text/plain' })
  body('json-with-charset', '{"name":"a","age":3}', { 'content-type': 'application/json; charset=utf-8' })
  body('json-suffix-type', '{"name":"a","age":3}', { 'content-type': 'application/vnd.api+json' })

  // ---- a JSON body on GET (the original's schema.get() in /g) and DELETE
  add('get-body.json', 'GET', '/g', { headers: JSON_TYPE, body: '{"a":1}' })
  add('get-body.json-type-no-body', 'GET', '/g', { headers: JSON_TYPE })
  add('get-body.json-suffix-type', 'GET', '/g', {
    headers: { 'content-type': 'application/merge-patch+json' },
    body: '{"a":1}',
  })
  add('get-body.text', 'GET', '/g', { headers: { 'content-type': 'text/plain' }, body: 'a' })
  add('get-body.protected-route', 'GET', '/p/p1', {
    headers: { ...bearer(valid), ...JSON_TYPE },
    body: '{"a":1}',
  })
  add('get-body.delete-unrouted', 'DELETE', '/g', { headers: JSON_TYPE, body: '{"a":1}' })

  // ---- request ids
  const id = (name: string, headers: Record<string, string>, path = '/g', method = 'GET') =>
    add(`request-id.${name}`, method, path, { headers })
  id('request-id', { 'x-request-id': 'conformance-1' })
  id('correlation-id', { 'x-correlation-id': 'conformance-corr-1' })
  id('request-id-wins', { 'x-request-id': 'conformance-2', 'x-correlation-id': 'conformance-corr-2' })
  id('amzn-root', { 'x-amzn-trace-id': 'Root=1-67891233-abcdef012345678912345678' })
  id('amzn-self', {
    'x-amzn-trace-id': 'Self=1-67891233-12456789abcdef012345678;Root=1-67891233-abcdef012345678912345678',
  })
  id('correlation-wins-over-amzn', {
    'x-correlation-id': 'conformance-corr-3',
    'x-amzn-trace-id': 'Root=1-67891233-abcdef012345678912345678',
  })
  id('empty', { 'x-request-id': '' })
  id('with-spaces', { 'x-request-id': 'an id with spaces' })
  id('128-chars', { 'x-request-id': 'r'.repeat(128) })
  id('200-chars', { 'x-request-id': 'r'.repeat(200) })
  id('quotes', { 'x-request-id': 'say"hi"' })
  id('on-404', { 'x-request-id': 'conformance-404' }, '/nowhere')
  id('on-401', { 'x-request-id': 'conformance-401' }, '/p/p1')
  id('on-500', { 'x-request-id': 'conformance-500' }, '/e/runtime')
  id('on-405', { 'x-request-id': 'conformance-405' }, '/running', 'POST')
  id('on-running', { 'x-request-id': 'conformance-running' }, '/running')
  add('request-id.on-400', 'POST', '/s', {
    headers: { ...JSON_TYPE, 'x-request-id': 'conformance-400' },
    body: '{"name":"a"}',
  })

  // ---- ETags and If-None-Match
  const first = 'etag.first'
  add(first, 'GET', '/g')
  const match = (name: string, value: (own: string) => string, path = '/g', method = 'GET') =>
    add(`etag.${name}`, method, path, {
      headers: (earlier) => ({ 'if-none-match': value(etagOf(earlier, first)) }),
    })
  match('own', (own) => own)
  match('own-weak', (own) => `W/${own}`)
  match('list-with-own', (own) => `"zzz", ${own}`)
  match('list-with-own-weak', (own) => `"zzz", W/${own}`)
  match('star', () => '*')
  match('other', () => '"other"')
  match('own-head', (own) => own, '/g', 'HEAD')
  match('star-on-404', () => '*', '/nowhere')
  match('star-on-error', () => '*', '/e/entity-not-found')
  match('star-on-running', () => '*', '/running')
  add('etag.protected-own', 'GET', '/p/p1', {
    headers: (earlier) => ({ ...bearer(valid), 'if-none-match': etagOf(earlier, 'auth.hs256') }),
  })
  add('etag.post-own', 'POST', '/s', {
    body: '{"name":"a","age":3}',
    headers: (earlier) => ({ ...JSON_TYPE, 'if-none-match': etagOf(earlier, 'body.required-only') }),
  })

  // ---- methods and paths
  const route = (name: string, method: string, path: string, headers: Record<string, string> = {}) =>
    add(`route.${name}`, method, path, { headers })
  route('post-running', 'POST', '/running')
  route('put-protected', 'PUT', '/p/p1', bearer(valid))
  route('post-protected', 'POST', '/p/p1', bearer(valid))
  route('delete-g', 'DELETE', '/g')
  route('get-s', 'GET', '/s')
  add('route.put-s', 'PUT', '/s', { headers: JSON_TYPE, body: '{"name":"a","age":3}' })
  route('patch-s', 'PATCH', '/s')
  route('options-running', 'OPTIONS', '/running')
  route('options-protected', 'OPTIONS', '/p/p1')
  route('options-s', 'OPTIONS', '/s')
  route('options-unknown', 'OPTIONS', '/nowhere')
  route('head-running', 'HEAD', '/running')
  route('head-g', 'HEAD', '/g')
  route('head-unknown', 'HEAD', '/nowhere')
  route('unknown', 'GET', '/nowhere')
  route('unknown-post', 'POST', '/nowhere')
  route('protected-without-id', 'GET', '/p/')
  route('protected-without-id-with-token', 'GET', '/p/', bearer(valid))
  route('protected-extra-segment', 'GET', '/p/p1/more', bearer(valid))
  route('trailing-slash', 'GET', '/g/')
  route('running-trailing-slash', 'GET', '/running/')
  route('upper-case', 'GET', '/RUNNING')
  route('query-string', 'GET', '/running?probe=1')

  // ---- deprecated routes
  add('deprecated.dated', 'GET', '/dep')
  add('deprecated.plain', 'GET', '/dep2')
  add('deprecated.head', 'HEAD', '/dep')
  add('deprecated.own-etag', 'GET', '/dep', {
    headers: (earlier) => ({ 'if-none-match': etagOf(earlier, 'deprecated.dated') }),
  })

  // ---- monitoring endpoints (/metrics last: it has then counted every request above)
  add('monitor.running', 'GET', '/running')
  add('monitor.version', 'GET', '/version')
  add('monitor.version-head', 'HEAD', '/version')
  add('monitor.healthcheck', 'GET', '/healthcheck')
  add('monitor.healthcheck-post', 'POST', '/healthcheck')
  add('monitor.debug', 'GET', '/debug', {
    headers: { 'X-Custom': 'c1', 'X-Request-ID': 'conformance-debug' },
  })
  add('monitor.debug-secrets', 'GET', '/debug', { headers: { ...bearer(valid), cookie: 'session=s1' } })
  add('monitor.metrics', 'GET', '/metrics')
  return rows
}
