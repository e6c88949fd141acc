import { parseBoolean } from './booleans.js'
import { isProduction } from './environment.js'
import type { ConfigProblem } from './problems.js'
import type { GroupName } from './variables.js'

function isTrue(raw: string | undefined): boolean {
  return raw !== undefined && parseBoolean(raw) === true
}

/**
 * Rules that span variables. They read the raw input so that they are reported together with
 * every other problem, even when some unrelated variable is missing. A switch written in the
 * original's spelling (ALLOW_DROP_DATA=yes) is as true as ours.
 */
export function productionGuards(
  input: Readonly<Record<string, string>>,
  groups: ReadonlySet<GroupName>,
): ConfigProblem[] {
  const environment = input.ENVIRONMENT ?? 'PRODUCTION'
  if (!isProduction(environment)) return []
  const problems: ConfigProblem[] = []
  if (isTrue(input.ALLOW_DROP_DATA)) {
    problems.push({
      variable: 'ALLOW_DROP_DATA',
      problem: `cannot be true while ENVIRONMENT is ${environment} (a production environment): it would allow wiping the database`,
      neededBy: 'production guard',
    })
  }
  if (groups.has('jwt') && isTrue(input.IGNORE_JWT_VALIDATION)) {
    problems.push({
      variable: 'IGNORE_JWT_VALIDATION',
      problem: `cannot be true while ENVIRONMENT is ${environment} (a production environment): it would accept unverified tokens`,
      neededBy: 'production guard',
    })
  }
  if (groups.has('db') && input.DATABASE_URL === undefined && input.DATABASE_HOST === undefined) {
    problems.push({
      variable: 'DATABASE_URL',
      problem: 'or DATABASE_HOST is required in production (the embedded database is for development only)',
      neededBy: 'db: PostgreSQL',
    })
  }
  return problems
}
