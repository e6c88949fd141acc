/**
 * @fbi/security/testing: tokens and a local JWKS provider for tests. Never use in production code:
 * it generates keys in memory and signs whatever it is given.
 */
export type { AsymmetricAlgorithm, HsAlgorithm } from '../algorithms.js'
export {
  type JwksFailure,
  type SignOptions,
  TestJwksServer,
  type TestJwksServerOptions,
} from './jwks-server.js'
export {
  buildPayload,
  forgeToken,
  type HsTokenOptions,
  mintHsToken,
  type TokenClaimsOptions,
} from './tokens.js'
