import createError from '@fastify/error'

/** The original, a database or an fbi app could not be started: the suite cannot compare anything. */
export const FBI_CONFORMANCE_SETUP = createError<'FBI_CONFORMANCE_SETUP', 500, [string]>(
  'FBI_CONFORMANCE_SETUP',
  'Conformance suite cannot run: %s',
  500,
)

/** A request of the matrix got no HTTP answer at all (connection refused, reset or timed out). */
export const FBI_CONFORMANCE_NO_ANSWER = createError<'FBI_CONFORMANCE_NO_ANSWER', 500, [string, string]>(
  'FBI_CONFORMANCE_NO_ANSWER',
  'No answer from %s: %s',
  500,
)
