// The error body's schema as plain JSON, for the OpenAPI document: apart from schemas.ts's TypeBox
// ErrorResponse (built from the same words) so that a service whose routes never use TypeBox does
// not load it to write its document.

/** The error body's description, shared with schemas.ts's ErrorResponse. */
export const ERROR_RESPONSE_DESCRIPTION = 'An error response in json format'

const ERROR_RESPONSE_FIELDS = Object.freeze({
  code: { description: 'HTTP response code', examples: [404] },
  message: { description: 'Message attached to response', examples: ['Not Found'] },
})

/** A fresh copy of one field's description and examples (nothing shared between two schemas). */
export function errorFieldOptions(field: 'code' | 'message') {
  return structuredClone(ERROR_RESPONSE_FIELDS[field])
}

/** `{ code, message }` as JSON Schema: the document's `components.schemas.Error`. */
export function errorResponseJsonSchema() {
  return {
    type: 'object' as const,
    properties: {
      code: { type: 'integer' as const, ...errorFieldOptions('code') },
      message: { type: 'string' as const, ...errorFieldOptions('message') },
    },
    required: ['code', 'message'],
    description: ERROR_RESPONSE_DESCRIPTION,
  }
}
