import { parseBoolean } from './booleans.js'
import type { Values } from './build-config.js'
import type { ConfigProblem } from './problems.js'
import type { TracesSampler, TracingConfig, TracingProtocol } from './types.js'
import { GROUP_PURPOSE } from './variables.js'

/** The service name OpenTelemetry's SDK specification gives a service that names none. */
export const UNKNOWN_SERVICE_NAME = 'unknown_service:node'

const HEADER_LISTS = ['OTEL_EXPORTER_OTLP_HEADERS', 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'] as const

/**
 * A `key=value,key=value` list with percent-encoded values, as OTEL_EXPORTER_OTLP_HEADERS and
 * OTEL_RESOURCE_ATTRIBUTES are written (W3C Baggage without its `;` properties). Written here, not
 * taken from @opentelemetry/core, because @fbi/config must not load OpenTelemetry for a service
 * that does not trace. Null when an entry is not `key=value` or a value is badly encoded.
 */
export function parseKeyValueList(text: string): Record<string, string> | null {
  const out: Record<string, string> = {}
  for (const entry of text.split(',')) {
    if (entry.trim() === '') continue
    const equals = entry.indexOf('=')
    const key = entry.slice(0, equals).trim()
    if (equals === -1 || key === '') return null
    try {
      out[key] = decodeURIComponent(entry.slice(equals + 1).trim())
    } catch {
      return null
    }
  }
  return out
}

/**
 * Rules the schema cannot say: list syntax and the batch size against the queue size. The lists
 * may hold credentials (a collector's API key), so a problem never echoes them.
 */
export function tracingProblems(input: Readonly<Record<string, string>>): ConfigProblem[] {
  const problems: ConfigProblem[] = []
  const neededBy = GROUP_PURPOSE.tracing
  for (const variable of [...HEADER_LISTS, 'OTEL_RESOURCE_ATTRIBUTES']) {
    const text = input[variable]
    if (text !== undefined && parseKeyValueList(text) === null) {
      problems.push({
        variable,
        problem: 'is not a comma-separated list of key=value pairs with percent-encoded values',
        neededBy,
      })
    }
  }
  const queue = Number(input.OTEL_BSP_MAX_QUEUE_SIZE ?? 2048)
  const batch = Number(input.OTEL_BSP_MAX_EXPORT_BATCH_SIZE ?? 512)
  if (Number.isInteger(queue) && Number.isInteger(batch) && batch > queue) {
    problems.push({
      variable: 'OTEL_BSP_MAX_EXPORT_BATCH_SIZE',
      problem: `'${batch}' is larger than OTEL_BSP_MAX_QUEUE_SIZE (${queue})`,
      neededBy,
    })
  }
  return problems
}

function list(values: Values, name: string): Record<string, string> {
  const text = values[name]
  return typeof text === 'string' ? (parseKeyValueList(text) ?? {}) : {}
}

/** The traces URL: the traces endpoint as given, else the base endpoint + `v1/traces` (the SDK's rule). */
function tracesEndpoint(values: Values): string | undefined {
  const traces = values.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT as string | undefined
  if (traces !== undefined) return traces
  const base = values.OTEL_EXPORTER_OTLP_ENDPOINT as string | undefined
  if (base === undefined) return undefined
  return `${base}${base.endsWith('/') ? '' : '/'}v1/traces`
}

/** The tracing group, from checked values (tracingProblems has passed). */
export function buildTracing(values: Values): TracingConfig {
  const resourceAttributes = Object.freeze(list(values, 'OTEL_RESOURCE_ATTRIBUTES'))
  const endpoint = tracesEndpoint(values)
  const exporter = values.OTEL_TRACES_EXPORTER as 'otlp' | 'none'
  const sdkDisabled = parseBoolean(values.OTEL_SDK_DISABLED as string) === true
  return {
    enabled: !sdkDisabled && exporter === 'otlp' && endpoint !== undefined,
    sdkDisabled,
    exporter,
    serviceName:
      (values.OTEL_SERVICE_NAME as string | undefined) ??
      resourceAttributes['service.name'] ??
      UNKNOWN_SERVICE_NAME,
    resourceAttributes,
    endpoint,
    protocol: (values.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ??
      values.OTEL_EXPORTER_OTLP_PROTOCOL) as TracingProtocol,
    headers: Object.freeze({
      ...list(values, 'OTEL_EXPORTER_OTLP_HEADERS'),
      ...list(values, 'OTEL_EXPORTER_OTLP_TRACES_HEADERS'),
    }),
    timeoutMs: (values.OTEL_EXPORTER_OTLP_TRACES_TIMEOUT ?? values.OTEL_EXPORTER_OTLP_TIMEOUT) as number,
    sampler: values.OTEL_TRACES_SAMPLER as TracesSampler,
    samplerRatio: (values.OTEL_TRACES_SAMPLER_ARG as number | undefined) ?? 1,
    batch: Object.freeze({
      scheduleDelayMs: values.OTEL_BSP_SCHEDULE_DELAY as number,
      exportTimeoutMs: values.OTEL_BSP_EXPORT_TIMEOUT as number,
      maxQueueSize: values.OTEL_BSP_MAX_QUEUE_SIZE as number,
      maxExportBatchSize: values.OTEL_BSP_MAX_EXPORT_BATCH_SIZE as number,
    }),
  }
}
