import type { TracingConfig } from '@fbi/config'
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http'
import { OTLPTraceExporter as ProtobufExporter } from '@opentelemetry/exporter-trace-otlp-proto'
import type { SpanExporter } from '@opentelemetry/sdk-trace-base'

/** The OTLP/HTTP exporter of OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL, sending to the configured endpoint. */
export function buildExporter(config: TracingConfig & { endpoint: string }): SpanExporter {
  const settings = { url: config.endpoint, headers: { ...config.headers }, timeoutMillis: config.timeoutMs }
  return config.protocol === 'http/json' ? new JsonExporter(settings) : new ProtobufExporter(settings)
}
