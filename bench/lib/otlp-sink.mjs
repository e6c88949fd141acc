// The loopback collector the traced fbi cases export to: it takes OTLP/HTTP requests, counts them and
// their spans' bytes, and answers as a collector does (an empty ExportTraceServiceResponse). It
// decodes nothing: what is measured is the service's cost of tracing, not a collector's.
import { createServer } from 'node:http'

export async function startOtlpSink() {
  const sink = { url: '', requests: 0, bytes: 0, close: () => Promise.resolve() }
  const server = createServer((req, res) => {
    req.on('data', (chunk) => {
      sink.bytes += chunk.length
    })
    req.on('end', () => {
      sink.requests++
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end()
    })
  })
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  sink.url = `http://127.0.0.1:${server.address().port}`
  sink.close = () =>
    new Promise((resolve) => {
      server.close(resolve)
      server.closeAllConnections()
    })
  return sink
}
