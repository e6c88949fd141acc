// Steady mixed traffic through the load balancer, at fixed rates, with every request's outcome kept.
//
// Written on node:http rather than autocannon (which the benchmarks use): the harness needs each
// request's own record (when it was sent, its latency, its status or the socket error that ended
// it, and the uuid an acknowledged write returned) to compare latency before and during a deploy
// and to check every acknowledged write in the database afterwards; autocannon reports aggregates.
// The schedule is open-loop: a request is sent when it is due whether or not earlier ones have
// answered, so a stall shows up as latency instead of silently lowering the rate.
import { Agent, request as httpRequest } from 'node:http'

const REQUEST_TIMEOUT_MS = 10_000

/** How a request ended: 'ok', or the failure a client would see. */
function classify(error) {
  const code = error?.code
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset'
  if (code === 'ECONNREFUSED') return 'refused'
  if (code === 'TIMEOUT') return 'timeout'
  return 'error'
}

function send(agent, url, { method, path, token, body }) {
  const payload = body === undefined ? undefined : JSON.stringify(body)
  return new Promise((resolve) => {
    const req = httpRequest(
      `${url}${path}`,
      {
        method,
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }),
        },
      },
      (res) => {
        let text = ''
        res.setEncoding('utf8')
        res.on('data', (chunk) => {
          text += chunk
        })
        res.on('end', () => resolve({ status: res.statusCode, text }))
        res.on('error', (error) => resolve({ error }))
      },
    )
    req.setTimeout(REQUEST_TIMEOUT_MS, () =>
      req.destroy(Object.assign(new Error('request timed out'), { code: 'TIMEOUT' })),
    )
    req.on('error', (error) => resolve({ error }))
    req.end(payload)
  })
}

function json(text) {
  try {
    return JSON.parse(text)
  } catch {
    return undefined
  }
}

/**
 * Starts the traffic: `rates` per second for reads (a clinician reading any seeded patient, and
 * every fourth read the patient's own token on its own record), creates and updates. `seeds` are
 * patients created beforehand; updates change their last_name, one request in flight per patient
 * so the last acknowledged value is the one the database must hold. Returns { records, writes, stop }.
 */
export function startTraffic({ url, tokens, seeds, ownPatientId, rates, clock, runId, maxInFlight = 500 }) {
  // Clients close idle connections after 30 s, before HAProxy's 60 s `timeout http-keep-alive`:
  // the side that closes an idle connection must be the one that would otherwise send on it.
  const agent = new Agent({ keepAlive: true, maxSockets: 64, timeout: 30_000 })
  const records = []
  const writes = { created: new Map(), updated: new Map(), updatesAcknowledged: 0, unknown: [] }
  let inFlight = 0
  let running = true
  const pending = new Set()
  let seq = 0

  function record(kind, startedAt, outcome, extra = {}) {
    records.push({ kind, startedAt, ms: clock() - startedAt, outcome, ...extra })
  }

  async function fire(kind, spec, check) {
    const startedAt = clock()
    if (inFlight >= maxInFlight) return record(kind, startedAt, 'saturated')
    inFlight++
    const result = await send(agent, url, spec)
    inFlight--
    if (result.error) return record(kind, startedAt, classify(result.error), { code: result.error.code })
    const problem = check(result.status, json(result.text))
    record(kind, startedAt, problem === undefined ? 'ok' : 'status', {
      status: result.status,
      ...(problem === undefined ? {} : { problem: problem.slice(0, 200) }),
    })
  }

  const kinds = {
    async read() {
      const own = seq++ % 4 === 0
      const id = own ? ownPatientId : seeds[Math.floor(Math.random() * seeds.length)].uuid
      return fire(
        'read',
        { method: 'GET', path: `/patients/v2/patient/${id}`, token: own ? tokens.patient : tokens.clinician },
        (status, body) =>
          status === 200 && body?.uuid === id ? undefined : `GET ${id}: ${status} ${JSON.stringify(body)}`,
      )
    },
    async create() {
      const marker = `deploy-${runId}-${seq++}`
      return fire(
        'create',
        {
          method: 'POST',
          path: '/patients/v2/patient',
          token: tokens.clinician,
          body: { first_name: marker, last_name: 'Harness', date_of_birth: '1980-01-01' },
        },
        (status, body) => {
          if (status !== 201 || body?.first_name !== marker || typeof body?.uuid !== 'string') {
            writes.unknown.push(marker)
            return `POST ${marker}: ${status} ${JSON.stringify(body)}`
          }
          writes.created.set(marker, body.uuid)
          return undefined
        },
      )
    },
    async update() {
      const patient = seeds.find((s) => !s.busy)
      if (patient === undefined) return record('update', clock(), 'saturated')
      patient.busy = true
      const lastName = `updated-${runId}-${seq++}`
      return fire(
        'update',
        {
          method: 'PATCH',
          path: `/patients/v2/patient/${patient.uuid}`,
          token: tokens.clinician,
          body: { last_name: lastName },
        },
        (status, body) => {
          if (status !== 200 || body?.last_name !== lastName) {
            writes.unknown.push(lastName)
            return `PATCH ${patient.uuid}: ${status} ${JSON.stringify(body)}`
          }
          writes.updated.set(patient.uuid, lastName)
          writes.updatesAcknowledged++
          return undefined
        },
      ).finally(() => {
        // Last in the queue, so the updates spread over every seeded patient.
        patient.busy = false
        seeds.push(...seeds.splice(seeds.indexOf(patient), 1))
      })
    },
  }

  // One schedule per kind: request n is due at start + n / rate, whatever happened to the others.
  const loops = Object.entries(rates)
    .filter(([, rate]) => rate > 0)
    .map(async ([kind, rate]) => {
      const start = clock()
      for (let n = 0; running; n++) {
        const due = start + (n * 1000) / rate
        const wait = due - clock()
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
        if (!running) break
        const request = kinds[kind]()
        pending.add(request)
        request.finally(() => pending.delete(request))
      }
    })

  return {
    records,
    writes,
    /** Stops sending, then waits for every request under way to end (each has its own timeout). */
    async stop() {
      running = false
      await Promise.all(loops)
      while (pending.size > 0) await Promise.all([...pending])
      agent.destroy()
    },
  }
}
