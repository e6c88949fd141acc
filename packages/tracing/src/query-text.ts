// Literals of a PostgreSQL statement: '...' strings (with '' inside, and the E'...' form), $tag$...$tag$
// dollar-quoted strings, and numbers that are not part of a name or a $1 parameter.
const LITERALS =
  /(?:\b[Ee])?'(?:[^']|'')*'|\$([A-Za-z_][A-Za-z0-9_]*)?\$[\s\S]*?\$\1\$|(?<![\w$.])\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b/g

/**
 * The statement with its literal values replaced by `?`, for `db.query.text`. OpenTelemetry's
 * database conventions ask for query text to be sanitized unless it is parameterized; node has no
 * library for PostgreSQL's literal syntax, so the three forms are matched here. fbi's own queries
 * pass their values as parameters ($1...), which are kept as written.
 */
export function sanitizeQueryText(text: string): string {
  return text.replace(LITERALS, '?')
}

/** The statement's first word, upper-cased (SELECT, INSERT, BEGIN...), as @opentelemetry/instrumentation-pg names it. */
export function operationName(text: string): string {
  const trimmed = text.trimStart()
  const end = trimmed.search(/[\s;(]/)
  return (end === -1 ? trimmed : trimmed.slice(0, end)).toUpperCase()
}
