import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** One span as the collector received it (OTLP/JSON, decoded). */
export interface CollectedSpan {
  readonly traceId: string
  readonly spanId: string
  /** Empty for a root span. */
  readonly parentSpanId: string
  readonly name: string
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  readonly kind: number
  /** `service.name` of the span's resource. */
  readonly serviceName: string
  /** The instrumentation scope's name (`@fastify/otel`, `@fbi/tracing` ...). */
  readonly scope: string
  readonly attributes: Readonly<Record<string, unknown>>
  /** OTLP's status: code 0 unset, 1 ok, 2 error. */
  readonly status: { readonly code: number; readonly message?: string }
  readonly events: readonly {
    readonly name: string
    readonly attributes: Readonly<Record<string, unknown>>
  }[]
}

/** One export request as it arrived. */
export interface CollectedRequest {
  readonly path: string
  readonly contentType: string
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly body: Buffer
}

interface OtlpValue {
  stringValue?: string
  boolValue?: boolean
  intValue?: number | string
  doubleValue?: number
  arrayValue?: { values?: OtlpValue[] }
}
interface OtlpKeyValue {
  key: string
  value: OtlpValue
}

function decodeValue(value: OtlpValue): unknown {
  if (value.stringValue !== undefined) return value.stringValue
  if (value.boolValue !== undefined) return value.boolValue
  if (value.intValue !== undefined) return Number(value.intValue)
  if (value.doubleValue !== undefined) return value.doubleValue
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(decodeValue)
  return undefined
}

function decodeAttributes(list: OtlpKeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const { key, value } of list ?? []) out[key] = decodeValue(value)
  return out
}

interface OtlpSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  attributes?: OtlpKeyValue[]
  status?: { code?: number; message?: string }
  events?: { name: string; attributes?: OtlpKeyValue[] }[]
}
interface OtlpRequest {
  resourceSpans?: {
    resource?: { attributes?: OtlpKeyValue[] }
    scopeSpans?: { scope?: { name?: string }; spans?: OtlpSpan[] }[]
  }[]
}

/** The spans of an OTLP/JSON ExportTraceServiceRequest (ids in hex, as OTLP/JSON writes them). */
export function decodeOtlpJson(document: OtlpRequest): CollectedSpan[] {
  const spans: CollectedSpan[] = []
  for (const resourceSpans of document.resourceSpans ?? []) {
    const serviceName = String(decodeAttributes(resourceSpans.resource?.attributes)['service.name'] ?? '')
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      const scope = scopeSpans.scope?.name ?? ''
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId ?? '',
          name: span.name,
          kind: span.kind,
          serviceName,
          scope,
          attributes: decodeAttributes(span.attributes),
          status: { code: span.status?.code ?? 0, message: span.status?.message },
          events: (span.events ?? []).map((event) => ({
            name: event.name,
            attributes: decodeAttributes(event.attributes),
          })),
        })
      }
    }
  }
  return spans
}

/**
 * An OTLP/HTTP collector on 127.0.0.1 (port chosen by the system) for tests: it keeps every export
 * request, and decodes the spans of OTLP/JSON ones (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`).
 * Protobuf requests are kept as they came. Point OTEL_EXPORTER_OTLP_ENDPOINT at `url`.
 */
export class TestCollector {
  /** Every span received, in arrival order. */
  readonly spans: CollectedSpan[] = []
  /** Every export request received. */
  readonly requests: CollectedRequest[] = []
  private readonly server: Server
  private port = 0

  private constructor() {
    this.server = createServer((request, response) => this.handle(request, response))
  }

  static async start(): Promise<TestCollector> {
    const collector = new TestCollector()
    await new Promise<void>((resolve, reject) => {
      collector.server.once('error', reject)
      collector.server.listen(0, '127.0.0.1', () => resolve())
    })
    collector.port = (collector.server.address() as AddressInfo).port
    return collector
  }

  /** The base endpoint (OTEL_EXPORTER_OTLP_ENDPOINT): the exporter posts to `${url}/v1/traces`. */
  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks)
      const contentType = String(request.headers['content-type'] ?? '')
      this.requests.push({ path: request.url ?? '', contentType, headers: request.headers, body })
      if (contentType.startsWith('application/json')) {
        try {
          this.spans.push(...decodeOtlpJson(JSON.parse(body.toString('utf8')) as OtlpRequest))
        } catch {
          response.writeHead(400).end()
          return
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}')
        return
      }
      // An empty ExportTraceServiceResponse is zero bytes of protobuf.
      response.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
    })
  }

  /** Resolves with the spans once `done(spans)` is true; rejects after `timeoutMs`. */
  async waitFor(
    done: (spans: readonly CollectedSpan[]) => boolean,
    timeoutMs = 10_000,
  ): Promise<CollectedSpan[]> {
    const deadline = Date.now() + timeoutMs
    while (!done(this.spans)) {
      if (Date.now() > deadline)
        throw new RangeError(`the collector did not get the expected spans in ${timeoutMs} ms`)
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    return [...this.spans]
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
