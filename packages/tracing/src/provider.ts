import type { Span, Tracer } from '@opentelemetry/api'
import { resourceFromAttributes } from '@opentelemetry/resources'
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type Span as SdkSpan,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base'
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions'
import { FBI_TRACING_START_FAILED } from './errors.js'
import { buildExporter } from './exporter.js'
import type { ResolvedTracingOptions } from './options.js'
import { installProcessContext } from './process-context.js'
import { buildSampler } from './sampler.js'

/** The name this package's spans are made under (the instrumentation scope). */
export const TRACER_NAME = '@fbi/tracing'

/** One app's tracing: its own provider (its service name, sampler and exporter) and the spans it owns. */
export interface TracingRuntime {
  readonly provider: BasicTracerProvider
  readonly tracer: Tracer
  /** Marks a span as this app's, so that only this app's hooks act on what runs under it. */
  own(span: Span): void
  /** Whether `span` (the active span, usually) is one of this app's. */
  owns(span: Span | undefined): boolean
  /** Exports what is still queued and stops. */
  shutdown(): Promise<void>
}

/**
 * Every span this app's provider starts is its own. A process can hold two fbi apps (a test, a
 * gateway and its backend): the outgoing-call instrumentation, which sees every fetch of the
 * process, asks this before it acts, so each call is traced and propagated once, by its own app.
 */
function ownershipProcessor(own: (span: Span) => void): SpanProcessor {
  return {
    onStart(span: SdkSpan) {
      own(span)
    },
    onEnd() {},
    forceFlush: async () => {},
    shutdown: async () => {},
  }
}

/** Builds the app's provider from the checked configuration (the SDK reads no OTEL_* variable itself for these). */
export function startProvider(options: ResolvedTracingOptions): TracingRuntime {
  const { config, serviceName } = options
  const endpoint = config.endpoint
  if (endpoint === undefined) throw new FBI_TRACING_START_FAILED('no OTLP endpoint is configured')
  installProcessContext()
  const owned = new WeakSet<Span>()
  const own = (span: Span): void => {
    owned.add(span)
  }
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ ...config.resourceAttributes, [ATTR_SERVICE_NAME]: serviceName }),
    sampler: buildSampler(config.sampler, config.samplerRatio),
    spanProcessors: [
      ownershipProcessor(own),
      new BatchSpanProcessor(buildExporter({ ...config, endpoint }), {
        scheduledDelayMillis: config.batch.scheduleDelayMs,
        exportTimeoutMillis: config.batch.exportTimeoutMs,
        maxQueueSize: config.batch.maxQueueSize,
        maxExportBatchSize: config.batch.maxExportBatchSize,
      }),
    ],
  })
  return {
    provider,
    tracer: provider.getTracer(TRACER_NAME),
    own,
    owns: (span) => span !== undefined && owned.has(span),
    shutdown: () => provider.shutdown(),
  }
}
