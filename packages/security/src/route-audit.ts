import type { FastifyInstance } from 'fastify'
import { FBI_SECURITY_ROUTE_TABLE_UNREADABLE, FBI_SECURITY_UNPROTECTED_ROUTES } from './errors.js'
import { type BatteryRoutes, batteryRoutes, matchesRoutes } from './public-routes.js'
import { readRouteTree, type TableRoute, UnreadableRouteTable } from './route-table.js'

/** One line of `app.protectionReport()`. */
export interface ProtectionReportEntry {
  method: string
  url: string
  /** The predicate's description, or null when the route is not protected. */
  protect: string | null
  /** Scopes the predicate requires. */
  requiredScopes: readonly string[]
  /**
   * Deliberately public: `protect: publicRoute`, named by the `publicRoutes` option, a probe another
   * battery announced, or an admin route nothing guards.
   */
  public: boolean
  /** Added by @fbi/monitoring (its probes and admin routes). */
  monitoringRoute: boolean
  /**
   * An admin route (@fbi/monitoring's /metrics, /version, /debug; @fbi/schema's /docs): `protect`
   * then says what guards it (the admin port, the admin token), or it is public when nothing does.
   */
  adminRoute: boolean
  /**
   * False for a route registered before @fbi/security where its onRoute hook could not see it (an
   * earlier sibling plugin, or the same context before it): it is never verified, whatever its
   * `config.protect` says.
   */
  seen: boolean
}

function methodsOf(method: string): string[] {
  return method.split(',')
}

/**
 * The routes of the router that our onRoute hook never saw. Keys are compared as find-my-way prints
 * them: `::` (a literal colon) printed as `:`, the path lower-cased when the router is case-insensitive
 * (detected: a route we saw appears only lower-cased), and a prefix route's trailing-slash twin
 * (Fastify's `prefixTrailingSlash: 'both'` adds it without a second onRoute call) counted as seen.
 * Also says why the table could not be read completely, when it could not.
 */
function unseenRoutes(
  fastify: FastifyInstance,
  seen: readonly ProtectionReportEntry[],
): { unseen: TableRoute[]; unreadable?: string } {
  let table: TableRoute[]
  try {
    table = readRouteTree(fastify.printRoutes())
  } catch (error) {
    if (error instanceof UnreadableRouteTable)
      return { unseen: [], unreadable: `cannot read the line '${error.line}'` }
    throw error
  }
  const seenKeys = seen.flatMap((entry) =>
    methodsOf(entry.method).map((method) => `${method} ${entry.url.replaceAll('::', ':')}`),
  )
  const tableKeys = new Set(table.map((route) => `${route.method} ${route.url}`))
  const lowerTableKeys = new Set([...tableKeys].map((key) => key.toLowerCase()))
  const caseInsensitive = seenKeys.some(
    (key) => !tableKeys.has(key) && key !== key.toLowerCase() && lowerTableKeys.has(key.toLowerCase()),
  )
  const fold = (key: string) => (caseInsensitive ? key.toLowerCase() : key)
  const known = new Set(seenKeys.map(fold))
  const comparedTable = caseInsensitive ? lowerTableKeys : tableKeys
  const missing = seenKeys.filter((key) => !comparedTable.has(fold(key)))
  const unseen = new Map<string, TableRoute>()
  for (const route of table) {
    const key = fold(`${route.method} ${route.url}`)
    if (known.has(key) || (route.url.length > 1 && route.url.endsWith('/') && known.has(key.slice(0, -1)))) {
      continue
    }
    unseen.set(key, route)
  }
  return {
    unseen: [...unseen.values()],
    ...(missing.length > 0
      ? { unreadable: `routes seen by onRoute are not in it: ${missing.join('; ')}` }
      : {}),
  }
}

/** A battery's route as the report shows it: a probe is public, an admin route guarded or public. */
function asBatteryRoute(entry: ProtectionReportEntry, batteries: BatteryRoutes): ProtectionReportEntry {
  const found = methodsOf(entry.method).map((method) => batteries.find(method, entry.url))
  const first = found[0]
  if (first === undefined || found.some((route) => route?.admin !== first.admin)) return entry
  const monitoringRoute = entry.monitoringRoute || first.monitoring
  if (!first.admin) return { ...entry, monitoringRoute, public: true }
  const guard = batteries.adminGuard
  return guard === null
    ? { ...entry, monitoringRoute, adminRoute: true, public: true }
    : { ...entry, monitoringRoute, adminRoute: true, public: false, protect: `admin guard: ${guard}` }
}

/**
 * At onReady, once every route exists: reads the whole route table (printRoutes, the one public
 * door to it) and adds the routes @fbi/security never saw to the report; the routes other batteries
 * announced (probes, admin routes) are shown as what they are. With `requireProtection`, `failure`
 * is the startup error naming every unprotected route; without, routes it could not reach are
 * warned about.
 */
export function auditRouteTable(
  fastify: FastifyInstance,
  seen: readonly ProtectionReportEntry[],
  options: { readonly requireProtection: boolean; readonly publicRoutes: readonly string[] },
): { report: readonly ProtectionReportEntry[]; failure?: Error } {
  const batteries = batteryRoutes(fastify)
  const { publicRoutes } = options
  // A route without protect: a battery's (as announced), else public when publicRoutes names it.
  const classify = (entry: ProtectionReportEntry): ProtectionReportEntry => {
    if (entry.protect !== null) return entry
    const battery = asBatteryRoute(entry, batteries)
    const named = methodsOf(entry.method).every((method) => matchesRoutes(publicRoutes, method, entry.url))
    return battery === entry && named ? { ...entry, public: true } : battery
  }
  const { unseen, unreadable } = unseenRoutes(fastify, seen)
  const report: ProtectionReportEntry[] = seen.map(classify)
  for (const route of unseen) {
    report.push(
      classify({
        method: route.method,
        url: route.url,
        protect: null,
        requiredScopes: [],
        public: false,
        monitoringRoute: false,
        adminRoute: false,
        seen: false,
      }),
    )
  }
  const unprotected = report.filter((e) => e.protect === null && !e.public)
  const name = (e: ProtectionReportEntry) =>
    `${e.method} ${e.url}${e.seen ? '' : ' (registered before @fbi/security)'}`
  if (options.requireProtection) {
    if (unreadable !== undefined)
      return { report, failure: new FBI_SECURITY_ROUTE_TABLE_UNREADABLE(unreadable) }
    if (unprotected.length > 0) {
      return { report, failure: new FBI_SECURITY_UNPROTECTED_ROUTES(unprotected.map(name).join('; ')) }
    }
    return { report }
  }
  if (unreadable !== undefined)
    fastify.log.warn({ reason: unreadable }, 'Could not read the whole route table')
  const unreachable = unprotected.filter((e) => !e.seen)
  if (unreachable.length > 0) {
    fastify.log.warn(
      { routes: unreachable.map(name) },
      'Routes registered before @fbi/security, out of its reach: served without token verification, whatever their config.protect says',
    )
  }
  return { report }
}
