import pg from 'pg'

const { TIMESTAMP, TIMESTAMPTZ } = pg.types.builtins
const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ)

/**
 * `timestamp without time zone` text read as UTC. pg's default reads it in the Node process's
 * time zone, so the same row would mean another instant on a machine with TZ set; the original
 * wrote UTC (datetime.utcnow()) into these columns and so does @fbi/db. The text is handed to pg's
 * own timestamptz parser with an explicit +00 (before a trailing " BC"), so BC dates and
 * ±infinity keep pg's handling.
 */
export function parseUtcTimestamp(text: string): unknown {
  if (text === 'infinity' || text === '-infinity') return parseTimestamptz(text)
  return parseTimestamptz(text.endsWith(' BC') ? `${text.slice(0, -3)}+00 BC` : `${text}+00`)
}

/** The type parsers of an fbi pool: pg's defaults (and any global overrides) except timestamps without time zone. */
export function utcTypes(): pg.TypeOverrides {
  const types = new pg.TypeOverrides()
  types.setTypeParser(TIMESTAMP, parseUtcTimestamp)
  return types
}
