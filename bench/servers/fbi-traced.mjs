// (7), (8) fbi as in (3) with @fbi/tracing on: @fbi/all registers it because an OTLP endpoint is
// set (the runner's loopback sink, BENCH_OTLP_URL), exporting OTLP/HTTP protobuf, the default, in
// the SDK's default batches. BENCH_TRACE_RATIO is the sampler's ratio for new traces (1 and 0.01);
// the load sends no traceparent, so every request starts a trace.
process.env.BENCH_FBI_ENV = JSON.stringify({
  OTEL_EXPORTER_OTLP_ENDPOINT: process.env.BENCH_OTLP_URL,
  OTEL_SERVICE_NAME: 'fbi-bench',
  OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
  OTEL_TRACES_SAMPLER_ARG: process.env.BENCH_TRACE_RATIO,
})
await import('./fbi.mjs')
