/**
 * Mints a development token of the internal issuer, signed with the HS_KEY of .env.development:
 *   pnpm run token --scopes read:patient write:patient [--patient-id <uuid>] [--clinician-id <id>]
 * Refuses to run in production: a real token comes from the platform's auth service.
 */
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { loadConfig } from '@fbi/config'
import { mintHsToken } from '@fbi/security/testing'

const USAGE = `usage: pnpm run token --scopes <scope> [<scope> ...] [options]

Prints a development token of the internal issuer (HS_KEY and PROXY_URL from .env.development).

  --scopes <scope> ...    the token's scopes, e.g. --scopes read:patient write:patient
  --no-scopes             a token without any scope (routes that ask for one answer 403)
  --patient-id <uuid>     the patient_id claim (routes protected by matchKeys)
  --clinician-id <id>     the clinician_id claim (recorded as created_by/modified_by)
  --expires-in <seconds>  lifetime (default 3600)
  --help                  this text`

function parse() {
  try {
    return parseArgs({
      options: {
        scopes: { type: 'string', multiple: true, default: [] },
        'no-scopes': { type: 'boolean', default: false },
        'patient-id': { type: 'string' },
        'clinician-id': { type: 'string' },
        'expires-in': { type: 'string', default: '3600' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: true,
      strict: true,
    })
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`)
    process.exit(2)
  }
}

const { values, positionals } = parse()
if (values.help) {
  console.log(USAGE)
  process.exit(0)
}
const expiresInSec = Number(values['expires-in'])
if (!Number.isInteger(expiresInSec) || expiresInSec <= 0) {
  console.error(`--expires-in must be a positive number of seconds\n\n${USAGE}`)
  process.exit(2)
}

// `--scopes a b c` gives parseArgs one value and two positionals: the positionals are scopes too,
// and `--scopes "a b"` or `--scopes a,b` are split, so every way of writing a list works.
const scopes = [...values.scopes, ...positionals].flatMap((s) => s.split(/[\s,]+/)).filter(Boolean)
// A token without scopes is refused by every protected route: almost always a forgotten --scopes.
if (scopes.length === 0 && !values['no-scopes']) {
  console.error(
    `no scope given: pass --scopes <scope> ... (or --no-scopes for a token without any)\n\n${USAGE}`,
  )
  process.exit(2)
}
if (scopes.length > 0 && values['no-scopes']) {
  console.error(`--no-scopes and scopes together: choose one\n\n${USAGE}`)
  process.exit(2)
}
const config = loadConfig({
  dotenv: { path: fileURLToPath(new URL('../.env.development', import.meta.url)) },
})
if (config.isProduction) {
  console.error(`refusing to mint a development token while ENVIRONMENT is ${config.environment}`)
  process.exit(1)
}

const metadata: Record<string, string> = {}
if (values['patient-id']) metadata.patient_id = values['patient-id']
if (values['clinician-id']) metadata.clinician_id = values['clinician-id']

process.stdout.write(
  `${mintHsToken({
    key: config.jwt.hsKey,
    issuer: config.jwt.internalIssuer,
    audience: config.jwt.internalIssuer,
    scope: scopes,
    metadata,
    expiresInSec,
  })}\n`,
)
