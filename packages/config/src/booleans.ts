// The one place that knows how a boolean variable may be written.
//
// Ours: true, false, 1, 0, in any case. The original's (environs 9.5 reads booleans with
// marshmallow 3's Boolean field): also y/yes/t/on and n/no/f/off, each in lower, Title or UPPER
// case exactly (marshmallow lists those three casings; "yEs" was refused). Those are still
// accepted, so a deployment's environment carries over, and each one read earns a warning.
const OURS_TRUE = ['true', '1']
const OURS_FALSE = ['false', '0']
const LEGACY_TRUE_WORDS = ['y', 'yes', 't', 'on']
const LEGACY_FALSE_WORDS = ['n', 'no', 'f', 'off']

function casings(word: string): string[] {
  return [...new Set([word, word[0]!.toUpperCase() + word.slice(1), word.toUpperCase()])]
}
function anyCase(word: string): string {
  return [...word].map((c) => (/[a-z]/.test(c) ? `[${c}${c.toUpperCase()}]` : c)).join('')
}

const LEGACY_TRUE: ReadonlySet<string> = new Set(LEGACY_TRUE_WORDS.flatMap(casings))
const LEGACY_FALSE: ReadonlySet<string> = new Set(LEGACY_FALSE_WORDS.flatMap(casings))

/** The JSON-schema pattern of a boolean variable: our spellings in any case, the original's as it read them. */
export const BOOLEAN_PATTERN = `^(${[
  ...[...OURS_TRUE, ...OURS_FALSE].map(anyCase),
  ...LEGACY_TRUE,
  ...LEGACY_FALSE,
].join('|')})$`

/** The value of a boolean variable, or undefined when it is not one of the accepted spellings. */
export function parseBoolean(raw: string): boolean | undefined {
  const lower = raw.toLowerCase()
  if (OURS_TRUE.includes(lower) || LEGACY_TRUE.has(raw)) return true
  if (OURS_FALSE.includes(lower) || LEGACY_FALSE.has(raw)) return false
  return undefined
}

/** True for a spelling only the original accepted (yes, on, n...): read, but worth a warning. */
export function isLegacyBoolean(raw: string): boolean {
  return LEGACY_TRUE.has(raw) || LEGACY_FALSE.has(raw)
}
