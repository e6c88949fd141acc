// Tokens from the example's own minting script (`pnpm run token`, its README's way), signed with the
// instances' key and issuer.
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { promisify } from 'node:util'

// The repository's own pnpm (package.json's packageManager), so a version bump has one place.
const { packageManager } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'))
const PNPM = ['-y', packageManager]

/** Runs `pnpm run token <args>` in `serviceDir`; resolves with the token. */
export async function mintToken(serviceDir, hsKey, proxyUrl, args) {
  const { stdout } = await promisify(execFile)('npx', [...PNPM, '--silent', 'run', 'token', ...args], {
    cwd: serviceDir,
    // The script refuses a production environment: it mints with the instances' key and issuer.
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ENVIRONMENT: 'DEVELOPMENT',
      HS_KEY: hsKey,
      PROXY_URL: proxyUrl,
    },
    timeout: 60_000,
  })
  return stdout.trim()
}
