import { DateOnly, ErrorResponse, Identifier, StrictBody, Type, UpdateBody } from '@fbi/schema'

const patientFields = {
  first_name: Type.String({ minLength: 1, maxLength: 200 }),
  last_name: Type.String({ minLength: 1, maxLength: 200 }),
  date_of_birth: DateOnly,
  nhs_number: Type.Optional(Type.Union([Type.String({ pattern: '^[0-9]{10}$' }), Type.Null()])),
}

export const PatientCreate = StrictBody(patientFields)
export const PatientUpdate = UpdateBody(patientFields, { minProperties: 1 })
export const Patient = Type.Object({ ...Identifier.properties, ...patientFields })
export const PatientList = Type.Array(Patient)
export const PatientParams = Type.Object({ patient_id: Type.String({ format: 'uuid' }) })
export { ErrorResponse }
