import { packIdentifier } from '@fbi/db'
import { EntityNotFound } from '@fbi/errors'
import type { FbiTypeProvider } from '@fbi/schema'
import { and, matchKeys, or, scopesPresent } from '@fbi/security'
import type { FastifyInstance } from 'fastify'
import {
  ErrorResponse,
  Patient,
  PatientCreate,
  PatientList,
  PatientParams,
  PatientUpdate,
} from './schemas.js'

interface PatientRow {
  uuid: string
  created: Date
  created_by: string
  modified: Date
  modified_by: string
  first_name: string
  last_name: string
  date_of_birth: string
  nhs_number: string | null
}

function toPatient(row: PatientRow) {
  return {
    ...packIdentifier(row),
    first_name: row.first_name,
    last_name: row.last_name,
    date_of_birth: row.date_of_birth,
    nhs_number: row.nhs_number,
  }
}

// A clinician with read:patient:all sees everyone; a patient's own token (read:patient and a
// patient_id claim) sees only that patient.
const canReadPatient = or(
  scopesPresent('read:patient:all'),
  and(scopesPresent('read:patient'), matchKeys({ patient_id: 'patient_id' })),
)
const canWritePatient = scopesPresent('write:patient')
const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse }

/** Routes of the patients API: v2, and v1 kept for old clients but deprecated. */
export async function patientRoutes(app: FastifyInstance): Promise<void> {
  const api = app.withTypeProvider<FbiTypeProvider>()

  async function findPatient(patientId: string): Promise<PatientRow> {
    const { rows } = await app.pg.query<PatientRow>('SELECT * FROM patients WHERE uuid = $1', [patientId])
    const row = rows[0]
    if (!row) throw new EntityNotFound('Patient not found')
    return row
  }

  api.post(
    '/patients/v2/patient',
    {
      config: { protect: canWritePatient },
      schema: { summary: 'Create a patient', body: PatientCreate, response: { 201: Patient, ...errors } },
    },
    async (request, reply) => {
      const row = await app.db.insertWithIdentifier<PatientRow>(request, 'patients', request.body)
      return reply.code(201).send(toPatient(row))
    },
  )

  api.get(
    '/patients/v2/patient',
    {
      config: { protect: scopesPresent('read:patient:all') },
      schema: { summary: 'List patients', response: { 200: PatientList, ...errors } },
    },
    async () => {
      const { rows } = await app.pg.query<PatientRow>(
        'SELECT * FROM patients ORDER BY created, uuid LIMIT 1000',
      )
      return rows.map(toPatient)
    },
  )

  api.get(
    '/patients/v2/patient/:patient_id',
    {
      config: { protect: canReadPatient },
      schema: { summary: 'Get a patient', params: PatientParams, response: { 200: Patient, ...errors } },
    },
    async (request) => toPatient(await findPatient(request.params.patient_id)),
  )

  api.patch(
    '/patients/v2/patient/:patient_id',
    {
      config: { protect: canWritePatient },
      schema: {
        summary: 'Update a patient',
        params: PatientParams,
        body: PatientUpdate,
        response: { 200: Patient, ...errors },
      },
    },
    async (request) => {
      const row = await app.db.updateWithIdentifier<PatientRow>(
        request,
        'patients',
        request.params.patient_id,
        request.body,
      )
      return toPatient(row)
    },
  )

  api.get(
    '/patients/v1/patient/:patient_id',
    {
      config: {
        protect: canReadPatient,
        deprecated: {
          since: new Date('2026-06-01T00:00:00Z'),
          supersededBy: 'GET /patients/v2/patient/:patient_id',
          sunset: new Date('2027-06-01T00:00:00Z'),
        },
      },
      schema: { summary: 'Get a patient (v1)', params: PatientParams, response: { 200: Patient, ...errors } },
    },
    async (request) => toPatient(await findPatient(request.params.patient_id)),
  )
}
