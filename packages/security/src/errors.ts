import createError from '@fastify/error'

/** A plugin option (or an issuer definition) is missing or invalid. */
export const FBI_SECURITY_INVALID_OPTION = createError<'FBI_SECURITY_INVALID_OPTION', 500, [string, string]>(
  'FBI_SECURITY_INVALID_OPTION',
  "Invalid @fbi/security option '%s': %s",
  500,
  TypeError,
)

/** A combinator was called with arguments it cannot work with (caught when the route is defined). */
export const FBI_SECURITY_INVALID_PREDICATE = createError<
  'FBI_SECURITY_INVALID_PREDICATE',
  500,
  [string, string]
>('FBI_SECURITY_INVALID_PREDICATE', 'Invalid predicate %s: %s', 500, TypeError)

/** `config.protect` on a route holds something that is not a predicate function. */
export const FBI_SECURITY_INVALID_PROTECT = createError<'FBI_SECURITY_INVALID_PROTECT', 500, [string]>(
  'FBI_SECURITY_INVALID_PROTECT',
  "Route %s: 'config.protect' must be a predicate function",
  500,
  TypeError,
)

/** `requireProtection` is on and routes lack `config.protect`. */
export const FBI_SECURITY_UNPROTECTED_ROUTES = createError<'FBI_SECURITY_UNPROTECTED_ROUTES', 500, [string]>(
  'FBI_SECURITY_UNPROTECTED_ROUTES',
  "requireProtection is on and these routes have no 'config.protect' (use publicRoute for deliberate exceptions): %s",
  500,
)

/** The system-token service could not be reached or gave no token. */
export const FBI_SECURITY_SYSTEM_JWT_FAILED = createError<
  'FBI_SECURITY_SYSTEM_JWT_FAILED',
  503,
  [string, string]
>('FBI_SECURITY_SYSTEM_JWT_FAILED', "Could not get a system JWT for '%s': %s", 503)

/** The JWKS health check: no usable key could be fetched from a JWKS provider. */
export const FBI_SECURITY_JWKS_UNAVAILABLE = createError<
  'FBI_SECURITY_JWKS_UNAVAILABLE',
  503,
  [string, string]
>('FBI_SECURITY_JWKS_UNAVAILABLE', 'JWKS provider %s unavailable: %s', 503)

/** In production, an HS issuer's key is shorter than any HS algorithm allows (RFC 7518 §3.2). */
export const FBI_SECURITY_WEAK_HS_KEY = createError<'FBI_SECURITY_WEAK_HS_KEY', 500, [string, number]>(
  'FBI_SECURITY_WEAK_HS_KEY',
  "The HS key of issuer '%s' is %d bytes: RFC 7518 §3.2 needs at least 32 (HS256), 48 (HS384) or 64 (HS512), refused in production",
  500,
)

/** A route's protection can never pass, or never sees what the handler sees (startup). */
export const FBI_SECURITY_IMPOSSIBLE_PROTECT = createError<
  'FBI_SECURITY_IMPOSSIBLE_PROTECT',
  500,
  [string, string]
>(
  'FBI_SECURITY_IMPOSSIBLE_PROTECT',
  "Route %s: 'config.protect' can never pass as written: %s",
  500,
  TypeError,
)

/** A later plugin changed a route's `config.protect` or replaced its security hooks after compile (startup). */
export const FBI_SECURITY_PROTECTION_CHANGED = createError<'FBI_SECURITY_PROTECTION_CHANGED', 500, [string]>(
  'FBI_SECURITY_PROTECTION_CHANGED',
  'Route protection was changed after @fbi/security compiled it (an onRoute hook that ran later): %s',
  500,
)

/** `requireProtection` is on and the route table could not be read completely (startup). */
export const FBI_SECURITY_ROUTE_TABLE_UNREADABLE = createError<
  'FBI_SECURITY_ROUTE_TABLE_UNREADABLE',
  500,
  [string]
>(
  'FBI_SECURITY_ROUTE_TABLE_UNREADABLE',
  'requireProtection is on and the route table (printRoutes) could not be read completely: %s',
  500,
)

/** `getSystemJwt` was given a system id that is not one safe path segment. */
export const FBI_SECURITY_INVALID_SYSTEM_ID = createError<'FBI_SECURITY_INVALID_SYSTEM_ID', 500, [string]>(
  'FBI_SECURITY_INVALID_SYSTEM_ID',
  'Invalid system id %s: it must be one path segment of letters, digits and -._~ (not . or ..)',
  500,
  TypeError,
)

/** Code this package calls (a logger, an option getter, a decorator) threw a value that is not an Error (startup). */
export const FBI_SECURITY_NON_ERROR_THROWN = createError<
  'FBI_SECURITY_NON_ERROR_THROWN',
  500,
  [string, { cause: unknown }?]
>(
  'FBI_SECURITY_NON_ERROR_THROWN',
  '@fbi/security was interrupted by a thrown value that is not an Error: %s',
  500,
)
