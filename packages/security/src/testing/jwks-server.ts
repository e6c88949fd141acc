/** A local JWKS provider for tests: keys in memory, served over real HTTP, with rotation and outages. */
import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type Algorithm, createSigner } from 'fast-jwt'
import { type AsymmetricAlgorithm, EC_CURVES, isEcAlgorithm } from '../algorithms.js'
import { buildPayload, type TokenClaimsOptions } from './tokens.js'

interface KeyPair {
  kid: string
  alg: AsymmetricAlgorithm
  privateKey: KeyObject
  publicKey: KeyObject
}

function generatePair(alg: AsymmetricAlgorithm, rsaModulusLength = 2048): KeyPair {
  const kid = randomUUID()
  const { privateKey, publicKey } = isEcAlgorithm(alg)
    ? generateKeyPairSync('ec', { namedCurve: EC_CURVES[alg] })
    : generateKeyPairSync('rsa', { modulusLength: rsaModulusLength })
  return { kid, alg, privateKey, publicKey }
}

/** How the provider misbehaves, for outage tests. */
export type JwksFailure = 'none' | 'status-500' | 'html' | 'empty-object' | 'no-keys' | 'hang' | 'oversized'

export interface TestJwksServerOptions {
  /** One key per algorithm. Default: ['RS256', 'ES256']. */
  algorithms?: AsymmetricAlgorithm[]
  /**
   * Bits of the RSA keys (RS and PS algorithms), e.g. 1024 to publish a key too weak to be used.
   * Default: 2048.
   */
  rsaModulusLength?: number
}

export interface SignOptions extends TokenClaimsOptions {
  /** Which of the server's keys signs. Default: the first algorithm. */
  algorithm?: AsymmetricAlgorithm
  /** Override the header's kid (e.g. an unknown one). */
  kid?: string
}

/**
 * An in-process JWKS provider on 127.0.0.1 (port chosen by the system) serving
 * `/.well-known/jwks.json`, with keys that can rotate and an outage switch.
 */
export class TestJwksServer {
  private server: Server
  private port = 0
  private current: KeyPair[]
  private previous: KeyPair[] = []
  private readonly algorithms: AsymmetricAlgorithm[]
  private readonly rsaModulusLength: number
  /** How the next requests are answered. */
  failure: JwksFailure = 'none'
  /** Requests served since start (or since `resetRequestCount`). */
  requestCount = 0

  private constructor(algorithms: AsymmetricAlgorithm[], rsaModulusLength: number) {
    this.algorithms = algorithms
    this.rsaModulusLength = rsaModulusLength
    this.current = algorithms.map((alg) => generatePair(alg, rsaModulusLength))
    this.server = this.createHttpServer()
  }

  static async start(options: TestJwksServerOptions = {}): Promise<TestJwksServer> {
    const server = new TestJwksServer(
      options.algorithms ?? ['RS256', 'ES256'],
      options.rsaModulusLength ?? 2048,
    )
    await server.start()
    return server
  }

  /** http://127.0.0.1:<port>/ (the issuer base, with a trailing slash). */
  get url(): string {
    return `http://127.0.0.1:${this.port}/`
  }

  get jwksUrl(): string {
    return `${this.url}.well-known/jwks.json`
  }

  /** The kids currently published. */
  get kids(): string[] {
    return [...this.current, ...this.previous].map((pair) => pair.kid)
  }

  private createHttpServer(): Server {
    return createServer((request: IncomingMessage, response: ServerResponse) =>
      this.handle(request, response),
    )
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    this.requestCount++
    if (request.url !== '/.well-known/jwks.json') {
      response.writeHead(404).end()
      return
    }
    switch (this.failure) {
      case 'hang':
        return
      case 'status-500':
        response.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"down"}')
        return
      case 'html':
        response.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>Login</body></html>')
        return
      case 'empty-object':
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
        return
      case 'oversized': {
        // Valid JSON with the real keys, padded past any sane size, sent without a content-length.
        const document = JSON.stringify({ ...this.jwks(), padding: 'x'.repeat(2 * 1024 * 1024) })
        response.writeHead(200, { 'content-type': 'application/json' })
        response.write(document.slice(0, 1024))
        response.end(document.slice(1024))
        return
      }
      case 'no-keys':
        response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}')
        return
      default:
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(this.jwks()))
    }
  }

  /** The published document. */
  jwks(): { keys: Record<string, unknown>[] } {
    return {
      keys: [...this.current, ...this.previous].map((pair) => ({
        ...pair.publicKey.export({ format: 'jwk' }),
        kid: pair.kid,
        alg: pair.alg,
        use: 'sig',
      })),
    }
  }

  /** Starts listening (again, on the same port after `stop`). */
  async start(): Promise<void> {
    if (this.server.listening) return
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.port, '127.0.0.1', () => {
        this.server.off('error', reject)
        this.port = (this.server.address() as AddressInfo).port
        resolve()
      })
    })
  }

  /** Stops listening and drops open connections: the provider is down. */
  async stop(): Promise<void> {
    if (!this.server.listening) return
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    this.server.closeAllConnections()
    await closed
    this.server = this.createHttpServer()
  }

  /** New keys for every algorithm; the old ones stay published only when `keepPrevious`. */
  rotate(options: { keepPrevious?: boolean } = {}): void {
    this.previous = options.keepPrevious ? this.current : []
    this.current = this.algorithms.map((alg) => generatePair(alg, this.rsaModulusLength))
  }

  private pair(alg: AsymmetricAlgorithm | undefined): KeyPair {
    const pair = alg === undefined ? this.current[0] : this.current.find((p) => p.alg === alg)
    if (pair === undefined) throw new TypeError(`TestJwksServer has no ${alg} key`)
    return pair
  }

  /** A token signed by a current key (its kid in the header). */
  sign(options: SignOptions): string {
    const pair = this.pair(options.algorithm)
    const key = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    const payload = buildPayload(options)
    const sign = createSigner({
      key,
      algorithm: pair.alg as Algorithm,
      kid: options.kid ?? pair.kid,
      noTimestamp: payload.iat === undefined,
    })
    return sign(payload)
  }

  /** A current public key as PEM (for algorithm-confusion tests). */
  publicKeyPem(alg?: AsymmetricAlgorithm): string {
    return this.pair(alg).publicKey.export({ type: 'spki', format: 'pem' }).toString()
  }

  /** The kid of a current key. */
  kid(alg?: AsymmetricAlgorithm): string {
    return this.pair(alg).kid
  }

  resetRequestCount(): void {
    this.requestCount = 0
  }
}
