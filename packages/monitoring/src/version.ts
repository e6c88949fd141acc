import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The body of GET /version. */
export interface VersionInfo {
  /** The CI build number (BUILD_NUMBER, else the build-circleci.txt file), or "unknown". */
  circle: string
  /** The git commit (GIT_HASH, else the build-githash.txt file), or "unknown". */
  hash: string
  /** The service's own package version, or "unknown". */
  version: string
}

const UNKNOWN = 'unknown'

function readTrimmed(path: string): string | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim()
    return text.length > 0 ? text : undefined
  } catch {
    return undefined
  }
}

function packageVersion(dir: string): string | undefined {
  const text = readTrimmed(join(dir, 'package.json'))
  if (text === undefined) return undefined
  try {
    const parsed: unknown = JSON.parse(text)
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      'version' in parsed &&
      typeof parsed.version === 'string'
    ) {
      return parsed.version
    }
  } catch {
    // A broken package.json is not a reason to fail /version.
  }
  return undefined
}

export interface VersionSources {
  buildNumber?: string | undefined
  gitHash?: string | undefined
  buildInfoDir: string
  serviceVersion?: string | undefined
  cwd: string
}

/** Resolved once at startup: build files and package.json do not change under a running service. */
export function resolveVersion(sources: VersionSources): VersionInfo {
  return {
    circle: sources.buildNumber || readTrimmed(join(sources.buildInfoDir, 'build-circleci.txt')) || UNKNOWN,
    hash: sources.gitHash || readTrimmed(join(sources.buildInfoDir, 'build-githash.txt')) || UNKNOWN,
    version: sources.serviceVersion || packageVersion(sources.cwd) || UNKNOWN,
  }
}
