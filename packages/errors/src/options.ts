import { FBI_ERRORS_INVALID_OPTION } from './errors.js'

/** The behaviours @fbi/errors can switch to: 'flask' answers as Flask Batteries Included did. */
export type ErrorsCompat = 'flask'

export interface FbiErrorsOptions {
  /** Answer with RFC 9457 `application/problem+json` bodies instead of `{ code, message }`. Default: false. */
  problemJson?: boolean
  /**
   * Show the real message of unexpected 5xx errors to clients. Default: true outside production
   * (read from `app.config.isProduction` when @fbi/config is registered), false in production or
   * when the environment is unknown.
   */
  exposeServerErrors?: boolean
  /**
   * 'flask' answers with the original's statuses and messages where fbi deliberately differs (see
   * the README); false keeps fbi's. Default: `app.config.compat` (false without @fbi/config).
   */
  compat?: ErrorsCompat | false
}

/** Every option with its default filled in; `compat: false` becomes null, as in `app.config.compat`. */
export type ResolvedErrorsOptions = Readonly<
  Required<Omit<FbiErrorsOptions, 'compat'>> & { compat: ErrorsCompat | null }
>

/** What the plugin reads of @fbi/config's `app.config`, when it is there. */
export interface ConfigView {
  readonly isProduction?: boolean
  readonly compat?: ErrorsCompat | null
}

const COMPAT_MODES: readonly ErrorsCompat[] = Object.freeze(['flask'])

function optionalBoolean(
  opts: FbiErrorsOptions,
  name: 'problemJson' | 'exposeServerErrors',
): boolean | undefined {
  const value = opts[name]
  if (value !== undefined && typeof value !== 'boolean')
    throw new FBI_ERRORS_INVALID_OPTION(name, 'must be a boolean')
  return value
}

function optionalCompat(opts: FbiErrorsOptions): ErrorsCompat | false | undefined {
  const value = opts.compat
  if (value !== undefined && value !== false && !COMPAT_MODES.includes(value)) {
    throw new FBI_ERRORS_INVALID_OPTION('compat', `must be false or one of: ${COMPAT_MODES.join(', ')}`)
  }
  return value
}

/**
 * Checks the options and fills in the defaults: the one place each default is written. Without
 * @fbi/config the environment counts as production (the safe side).
 */
export function resolveOptions(
  opts: FbiErrorsOptions,
  config: ConfigView | undefined,
): ResolvedErrorsOptions {
  const isProduction = config?.isProduction ?? true
  const compat = optionalCompat(opts)
  return Object.freeze({
    problemJson: optionalBoolean(opts, 'problemJson') ?? false,
    exposeServerErrors: optionalBoolean(opts, 'exposeServerErrors') ?? !isProduction,
    compat: compat === undefined ? (config?.compat ?? null) : compat || null,
  })
}
