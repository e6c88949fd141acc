import { identifierColumns } from '@fbi/db'

/** The patients table, with the seed's identifier columns (uuid, created, created_by, modified, modified_by). */
export const up = (pgm) => {
  pgm.createTable('patients', {
    ...identifierColumns(),
    first_name: { type: 'text', notNull: true },
    last_name: { type: 'text', notNull: true },
    date_of_birth: { type: 'date', notNull: true },
    nhs_number: { type: 'text', unique: true },
  })
}

export const down = (pgm) => {
  pgm.dropTable('patients')
}
