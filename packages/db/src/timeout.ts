/**
 * `work`, or the error `onTimeout` makes when it has not settled within `ms`. The one timeout of
 * this package; the work itself is not cancelled (a query keeps its connection until pg's own
 * query_timeout destroys it).
 */
export function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms)
  })
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer))
}
