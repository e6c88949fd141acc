import { describe, expect, it } from 'vitest'
import { loadConfig } from '../src/index.js'
import { catchError } from './fixtures.js'

const env = (vars: Record<string, string>) => ({ jwt: false as const, env: vars })

describe('tracing group', () => {
  it('is read by default and is off without an OTLP endpoint', () => {
    const { tracing } = loadConfig(env({}))
    expect(tracing).toEqual({
      enabled: false,
      sdkDisabled: false,
      exporter: 'otlp',
      serviceName: 'unknown_service:node',
      resourceAttributes: {},
      endpoint: undefined,
      protocol: 'http/protobuf',
      headers: {},
      timeoutMs: 10000,
      sampler: 'parentbased_always_on',
      samplerRatio: 1,
      batch: { scheduleDelayMs: 5000, exportTimeoutMs: 30000, maxQueueSize: 2048, maxExportBatchSize: 512 },
    })
    expect(Object.isFrozen(tracing)).toBe(true)
    expect(Object.isFrozen(tracing.batch)).toBe(true)
  })

  it('is on with a base endpoint, to which /v1/traces is added', () => {
    expect(loadConfig(env({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' })).tracing).toMatchObject({
      enabled: true,
      endpoint: 'http://collector:4318/v1/traces',
    })
    expect(loadConfig(env({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318/' })).tracing.endpoint).toBe(
      'http://collector:4318/v1/traces',
    )
  })

  it('takes a traces endpoint as it is, before the base one', () => {
    const { tracing } = loadConfig(
      env({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'https://traces.example.com/otlp',
      }),
    )
    expect(tracing.endpoint).toBe('https://traces.example.com/otlp')
  })

  it('is off when OTEL_SDK_DISABLED is true or the exporter is none', () => {
    const endpoint = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }
    expect(loadConfig(env({ ...endpoint, OTEL_SDK_DISABLED: 'true' })).tracing).toMatchObject({
      enabled: false,
      sdkDisabled: true,
    })
    expect(loadConfig(env({ ...endpoint, OTEL_TRACES_EXPORTER: 'none' })).tracing).toMatchObject({
      enabled: false,
      exporter: 'none',
    })
  })

  it('reads the service name, the resource attributes, the sampler and the exporter settings', () => {
    const { tracing } = loadConfig(
      env({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
        OTEL_RESOURCE_ATTRIBUTES: 'service.name=from-attributes, deployment.environment=staging,team=a%2Cb',
        OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
        OTEL_TRACES_SAMPLER_ARG: '0.01',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=one,x-team=blue',
        OTEL_EXPORTER_OTLP_TRACES_HEADERS: 'x-api-key=two',
        OTEL_EXPORTER_OTLP_TIMEOUT: '3000',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      }),
    )
    expect(tracing).toMatchObject({
      serviceName: 'from-attributes',
      resourceAttributes: {
        'service.name': 'from-attributes',
        'deployment.environment': 'staging',
        team: 'a,b',
      },
      sampler: 'parentbased_traceidratio',
      samplerRatio: 0.01,
      protocol: 'http/json',
      headers: { 'x-api-key': 'two', 'x-team': 'blue' },
      timeoutMs: 3000,
      batch: { scheduleDelayMs: 100 },
    })
    expect(
      loadConfig(env({ OTEL_SERVICE_NAME: 'patients', OTEL_RESOURCE_ATTRIBUTES: 'service.name=x' })).tracing
        .serviceName,
    ).toBe('patients')
    expect(
      loadConfig(
        env({
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/protobuf',
        }),
      ).tracing.protocol,
    ).toBe('http/protobuf')
  })

  it('names every invalid variable at once, and never echoes a header list', () => {
    const error = catchError(() =>
      loadConfig(
        env({
          OTEL_TRACES_SAMPLER: 'sometimes',
          OTEL_TRACES_SAMPLER_ARG: '1.5',
          OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
          OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4318',
          OTEL_EXPORTER_OTLP_HEADERS: 'authorization=Bearer%20secret-key,broken',
          OTEL_BSP_MAX_QUEUE_SIZE: '10',
          OTEL_BSP_MAX_EXPORT_BATCH_SIZE: '20',
        }),
      ),
    )
    expect(error.code).toBe('FBI_CONFIG_INVALID')
    expect(error.message).toContain(
      "OTEL_TRACES_SAMPLER 'sometimes' is not one of: always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio",
    )
    expect(error.message).toContain("OTEL_TRACES_SAMPLER_ARG '1.5' is not a number from 0 to 1")
    expect(error.message).toContain(
      "OTEL_EXPORTER_OTLP_PROTOCOL 'grpc' is not one of: http/protobuf, http/json",
    )
    expect(error.message).toContain('OTEL_EXPORTER_OTLP_ENDPOINT is not an absolute URL')
    expect(error.message).toContain(
      'OTEL_EXPORTER_OTLP_HEADERS is not a comma-separated list of key=value pairs',
    )
    expect(error.message).toContain(
      "OTEL_BSP_MAX_EXPORT_BATCH_SIZE '20' is larger than OTEL_BSP_MAX_QUEUE_SIZE (10)",
    )
    expect(error.message).toContain('(tracing: OpenTelemetry traces (@fbi/tracing))')
    expect(error.message).not.toContain('secret-key')
  })

  it('refuses a badly percent-encoded value', () => {
    expect(() => loadConfig(env({ OTEL_RESOURCE_ATTRIBUTES: 'team=%E0%A4%A' }))).toThrow(
      'OTEL_RESOURCE_ATTRIBUTES is not a comma-separated list',
    )
  })

  it('can be turned off, and then reads nothing', () => {
    const config = loadConfig({ jwt: false, tracing: false, env: { OTEL_TRACES_SAMPLER: 'sometimes' } })
    expect(config.tracing).toBeUndefined()
  })
})
