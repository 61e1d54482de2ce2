import { formatLabels, formatValue, header, type MetricType } from "./exposition.js";

/**
 * A small metrics registry: counters and histograms updated on the request path, gauges (and
 * counters owned elsewhere) read when scraped. Every family can be turned into a plain-JSON
 * snapshot, and snapshots merge by addition, so cluster workers' figures can be summed into one
 * exposition.
 */

/** One labelled time series of a family, in snapshot form. */
export interface SeriesSnapshot {
  readonly labels: readonly string[];
  /** Counters and gauges. */
  readonly value?: number;
  /** Histograms: per-bucket (not cumulative) counts, then the sum and count of observations. */
  readonly buckets?: readonly number[];
  readonly sum?: number;
  readonly count?: number;
}

export interface FamilySnapshot {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  readonly labelNames: readonly string[];
  /** Histograms: the upper bounds, without +Inf. */
  readonly bounds?: readonly number[];
  /** How cluster workers' values combine: summed (default), or the largest (per-process settings). */
  readonly aggregate?: "sum" | "max";
  readonly series: readonly SeriesSnapshot[];
}

export type MetricsSnapshot = readonly FamilySnapshot[];

interface Family {
  snapshot(): FamilySnapshot;
}

/** Label values joined: \u0001 cannot appear in a model name or version a registry accepts. */
const keyOf = (values: readonly string[]) => values.join("\u0001");

export class CounterSeries {
  value = 0;
  constructor(readonly labels: readonly string[]) {}
}

export class Counter implements Family {
  private readonly series = new Map<string, CounterSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
  ) {}

  /** The series for these label values, created on first use. */
  labels(values: readonly string[]): CounterSeries {
    const key = keyOf(values);
    let series = this.series.get(key);
    if (!series) {
      series = new CounterSeries([...values]);
      this.series.set(key, series);
    }
    return series;
  }

  inc(values: readonly string[], by = 1): void {
    this.labels(values).value += by;
  }

  snapshot(): FamilySnapshot {
    return {
      name: this.name,
      help: this.help,
      type: "counter",
      labelNames: this.labelNames,
      series: [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value })),
    };
  }
}

export class HistogramSeries {
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(
    readonly labels: readonly string[],
    private readonly bounds: readonly number[],
  ) {
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    this.sum += value;
    this.count++;
    const bounds = this.bounds;
    // A dozen buckets: a linear scan beats a binary search here.
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]!++;
        return;
      }
    }
  }
}

export class Histogram implements Family {
  private readonly series = new Map<string, HistogramSeries>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: readonly string[],
    readonly bounds: readonly number[],
  ) {}

  labels(values: readonly string[]): HistogramSeries {
    const key = keyOf(values);
    let series = this.series.get(key);
    if (!series) {
      series = new HistogramSeries([...values], this.bounds);
      this.series.set(key, series);
    }
    return series;
  }

  observe(values: readonly string[], value: number): void {
    this.labels(values).observe(value);
  }

  snapshot(): FamilySnapshot {
    return {
      name: this.name,
      help: this.help,
      type: "histogram",
      labelNames: this.labelNames,
      bounds: this.bounds,
      series: [...this.series.values()].map((s) => ({
        labels: s.labels,
        buckets: Array.from(s.counts),
        sum: s.sum,
        count: s.count,
      })),
    };
  }
}

/** Values read at scrape time: queue depths, or counts another component keeps. */
export type Collect = () => Iterable<readonly [labels: readonly string[], value: number]>;

class Collected implements Family {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: "counter" | "gauge",
    readonly labelNames: readonly string[],
    private readonly collect: Collect,
    private readonly aggregate: "sum" | "max",
  ) {}

  snapshot(): FamilySnapshot {
    const series: SeriesSnapshot[] = [];
    for (const [labels, value] of this.collect()) series.push({ labels, value });
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      labelNames: this.labelNames,
      ...(this.aggregate === "max" ? { aggregate: "max" as const } : {}),
      series,
    };
  }
}

export class MetricsRegistry {
  private readonly families = new Map<string, Family>();

  counter(name: string, help: string, labelNames: readonly string[] = []): Counter {
    return this.add(name, new Counter(name, help, labelNames));
  }

  histogram(name: string, help: string, labelNames: readonly string[], bounds: readonly number[]): Histogram {
    return this.add(name, new Histogram(name, help, labelNames, bounds));
  }

  /** A gauge, or a counter whose value lives elsewhere, read when scraped. */
  collected(
    name: string,
    help: string,
    type: "counter" | "gauge",
    labelNames: readonly string[],
    collect: Collect,
    aggregate: "sum" | "max" = "sum",
  ): void {
    this.add(name, new Collected(name, help, type, labelNames, collect, aggregate));
  }

  snapshot(): MetricsSnapshot {
    return [...this.families.values()].map((f) => f.snapshot());
  }

  render(): string {
    return renderSnapshot(this.snapshot());
  }

  private add<F extends Family>(name: string, family: F): F {
    if (this.families.has(name)) throw new Error(`Metric ${name} is registered twice`);
    this.families.set(name, family);
    return family;
  }
}

/** The exposition text of a snapshot. */
export function renderSnapshot(snapshot: MetricsSnapshot): string {
  let text = "";
  for (const family of snapshot) {
    text += header(family.name, family.help, family.type);
    for (const series of family.series) {
      if (family.type !== "histogram") {
        text += `${family.name}${formatLabels(family.labelNames, series.labels)} ${formatValue(series.value ?? 0)}\n`;
        continue;
      }
      const names = [...family.labelNames, "le"];
      let cumulative = 0;
      (family.bounds ?? []).forEach((bound, i) => {
        cumulative += series.buckets?.[i] ?? 0;
        const labels = formatLabels(names, [...series.labels, formatValue(bound)]);
        text += `${family.name}_bucket${labels} ${formatValue(cumulative)}\n`;
      });
      const count = series.count ?? 0;
      text += `${family.name}_bucket${formatLabels(names, [...series.labels, "+Inf"])} ${formatValue(count)}\n`;
      const labels = formatLabels(family.labelNames, series.labels);
      text += `${family.name}_sum${labels} ${formatValue(series.sum ?? 0)}\n`;
      text += `${family.name}_count${labels} ${formatValue(count)}\n`;
    }
  }
  return text;
}

/**
 * Sums snapshots (one per cluster worker) family by family and series by series. Gauges add up
 * too (queue depths and queued log entries of several processes are totals) unless the family
 * says "max" (a setting every process has, like an arm's share).
 */
export function mergeSnapshots(snapshots: readonly MetricsSnapshot[]): MetricsSnapshot {
  const families = new Map<string, { family: FamilySnapshot; series: Map<string, SeriesSnapshot> }>();
  for (const snapshot of snapshots) {
    for (const family of snapshot) {
      let merged = families.get(family.name);
      if (!merged) {
        merged = { family, series: new Map() };
        families.set(family.name, merged);
      }
      for (const series of family.series) {
        const key = keyOf(series.labels);
        const before = merged.series.get(key);
        merged.series.set(key, before ? combine(before, series, family.aggregate ?? "sum") : series);
      }
    }
  }
  return [...families.values()].map(({ family, series }) => ({ ...family, series: [...series.values()] }));
}

function combine(a: SeriesSnapshot, b: SeriesSnapshot, aggregate: "sum" | "max"): SeriesSnapshot {
  if (a.buckets === undefined) {
    const value =
      aggregate === "max" ? Math.max(a.value ?? 0, b.value ?? 0) : (a.value ?? 0) + (b.value ?? 0);
    return { labels: a.labels, value };
  }
  return {
    labels: a.labels,
    buckets: a.buckets.map((count, i) => count + (b.buckets?.[i] ?? 0)),
    sum: (a.sum ?? 0) + (b.sum ?? 0),
    count: (a.count ?? 0) + (b.count ?? 0),
  };
}
