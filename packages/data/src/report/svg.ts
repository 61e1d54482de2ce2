import type { Distribution } from "../drift/compare.js";
import { escapeHtml, formatNumber, formatShare, truncate } from "./format.js";
import type { TimeSeriesSection } from "./types.js";

/**
 * Inline SVG charts (no script, no font files): reference vs current distributions as paired bars,
 * and time series as polylines. Coordinates are rounded to 0.1 px to keep reports small; every
 * label goes through escapeHtml, and each pair of bars carries a <title> tooltip with the shares.
 */

const WIDTH = 560;
const PAD_LEFT = 44;
const PAD_RIGHT = 8;
const PAD_TOP = 10;
const REFERENCE_COLOUR = "#9aa5b1";
const CURRENT_COLOUR = "#2f6fde";
const NEW_COLOUR = "#e8871e";
const SERIES_COLOURS = ["#2f6fde", "#e8871e", "#2a9d5b", "#b83280", "#6b46c1", "#c53030"];

function r(x: number): string {
  return String(Math.round(x * 10) / 10);
}

function shares(counts: readonly number[], extra = 0): { values: number[]; total: number } {
  const total = counts.reduce((a, b) => a + b, 0) + extra;
  return { values: counts.map((c) => (total === 0 ? 0 : c / total)), total };
}

interface Group {
  label: string;
  reference: number;
  current: number;
  isNew: boolean;
}

/** Paired bars per bin or category: grey for the reference, blue for the current (orange: new). */
export function distributionSvg(distribution: Distribution, caption: string): string {
  const groups: Group[] = [];
  let rotate = false;
  if (distribution.kind === "bins") {
    const ref = shares(distribution.reference);
    const cur = shares(distribution.current);
    distribution.reference.forEach((_, i) => {
      const lo = distribution.edges[i]!;
      const hi = distribution.edges[i + 1]!;
      groups.push({
        label: `[${formatNumber(lo)}, ${formatNumber(hi)}${i === distribution.reference.length - 1 ? "]" : ")"}`,
        reference: ref.values[i]!,
        current: cur.values[i]!,
        isNew: false,
      });
    });
  } else {
    rotate = true;
    const ref = shares(distribution.reference, distribution.other.reference);
    const cur = shares(distribution.current, distribution.other.current);
    distribution.labels.forEach((label, i) => {
      groups.push({ label, reference: ref.values[i]!, current: cur.values[i]!, isNew: distribution.new[i]! });
    });
    if (distribution.other.reference > 0 || distribution.other.current > 0) {
      groups.push({
        label: "(other)",
        reference: ref.total === 0 ? 0 : distribution.other.reference / ref.total,
        current: cur.total === 0 ? 0 : distribution.other.current / cur.total,
        isNew: false,
      });
    }
  }
  const plotHeight = 130;
  const labelHeight = rotate ? 70 : 22;
  const height = PAD_TOP + plotHeight + labelHeight;
  const top = Math.max(1e-12, ...groups.map((g) => Math.max(g.reference, g.current)));
  const slot = (WIDTH - PAD_LEFT - PAD_RIGHT) / Math.max(1, groups.length);
  const bar = Math.max(1, slot * 0.4);
  const y = (share: number) => PAD_TOP + plotHeight * (1 - share / top);
  const parts: string[] = [];
  groups.forEach((g, i) => {
    const x = PAD_LEFT + i * slot + slot * 0.1;
    const tip = `${g.label}${g.isNew ? " (new)" : ""}: reference ${formatShare(g.reference)}, current ${formatShare(g.current)}`;
    // One tooltip per pair: the group's <title> covers both bars.
    parts.push(
      `<g><title>${escapeHtml(tip)}</title>`,
      `<rect x="${r(x)}" y="${r(y(g.reference))}" width="${r(bar)}" height="${r(PAD_TOP + plotHeight - y(g.reference))}" fill="${REFERENCE_COLOUR}"/>`,
      `<rect x="${r(x + bar)}" y="${r(y(g.current))}" width="${r(bar)}" height="${r(PAD_TOP + plotHeight - y(g.current))}" fill="${g.isNew ? NEW_COLOUR : CURRENT_COLOUR}"/></g>`,
    );
  });
  const baseline = PAD_TOP + plotHeight;
  const labels = axisLabels(
    groups,
    slot,
    baseline,
    rotate,
    distribution.kind === "bins" ? distribution.edges : [],
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${escapeHtml(caption)}">`,
    `<line x1="${PAD_LEFT}" y1="${baseline}" x2="${WIDTH - PAD_RIGHT}" y2="${baseline}" stroke="#cbd2d9"/>`,
    `<text x="${PAD_LEFT - 4}" y="${PAD_TOP + 8}" text-anchor="end" class="tick">${escapeHtml(formatShare(top))}</text>`,
    `<text x="${PAD_LEFT - 4}" y="${baseline}" text-anchor="end" class="tick">0</text>`,
    ...parts,
    ...labels,
    "</svg>",
  ].join("");
}

/** Bins: three edge values; categories: every label, rotated and shortened. */
function axisLabels(
  groups: Group[],
  slot: number,
  baseline: number,
  rotate: boolean,
  edges: readonly number[],
): string[] {
  if (groups.length === 0) return [];
  if (rotate) {
    return groups.map((g, i) => {
      const x = PAD_LEFT + (i + 0.5) * slot;
      const text = escapeHtml(truncate(g.label, 14) + (g.isNew ? " *" : ""));
      return `<text x="${r(x)}" y="${baseline + 10}" transform="rotate(-40 ${r(x)} ${baseline + 10})" text-anchor="end" class="tick">${text}</text>`;
    });
  }
  // Bins: the edges at the left end, the middle and the right end of the axis.
  const picks = [...new Set([0, Math.floor(groups.length / 2), groups.length])];
  return picks.map((i) => {
    const x = PAD_LEFT + i * slot;
    const anchor = i === 0 ? "start" : i === groups.length ? "end" : "middle";
    return `<text x="${r(x)}" y="${baseline + 14}" text-anchor="${anchor}" class="tick">${escapeHtml(formatNumber(edges[i]!))}</text>`;
  });
}

function timeOf(t: string | number): number {
  return typeof t === "number" ? t : Date.parse(t);
}

/** One polyline per series over a shared time axis, an optional dashed threshold, a legend. */
export function timeSeriesSvg(section: TimeSeriesSection): string {
  const height = 200;
  const plotHeight = 140;
  const points = section.series.flatMap((s) =>
    s.points.filter((p) => p.value !== null && Number.isFinite(p.value)),
  );
  const times = points.map((p) => timeOf(p.t)).filter(Number.isFinite);
  const values = points.map((p) => p.value!);
  if (section.threshold !== undefined) values.push(section.threshold);
  if (times.length === 0 || values.length === 0) {
    return `<p class="empty">No points yet.</p>`;
  }
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  let v0 = Math.min(...values);
  let v1 = Math.max(...values);
  if (v0 === v1) {
    v0 -= 0.5;
    v1 += 0.5;
  }
  const x = (t: number) =>
    PAD_LEFT + (WIDTH - PAD_LEFT - PAD_RIGHT) * (t1 === t0 ? 0.5 : (t - t0) / (t1 - t0));
  const y = (v: number) => PAD_TOP + plotHeight * (1 - (v - v0) / (v1 - v0));
  const parts: string[] = [];
  section.series.forEach((series, k) => {
    const colour = SERIES_COLOURS[k % SERIES_COLOURS.length]!;
    // A null value breaks the line: one polyline per run of present points.
    let run: string[] = [];
    const flush = () => {
      if (run.length > 1)
        parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="1.5" points="${run.join(" ")}"/>`);
      run = [];
    };
    for (const p of series.points) {
      const t = timeOf(p.t);
      if (p.value === null || !Number.isFinite(p.value) || !Number.isFinite(t)) {
        flush();
        continue;
      }
      run.push(`${r(x(t))},${r(y(p.value))}`);
      const tip = `${series.name} @ ${String(p.t)}: ${formatNumber(p.value)}${section.unit ? ` ${section.unit}` : ""}`;
      parts.push(
        `<circle cx="${r(x(t))}" cy="${r(y(p.value))}" r="2.5" fill="${colour}"><title>${escapeHtml(tip)}</title></circle>`,
      );
    }
    flush();
  });
  if (section.threshold !== undefined) {
    const ty = r(y(section.threshold));
    parts.push(
      `<line x1="${PAD_LEFT}" y1="${ty}" x2="${WIDTH - PAD_RIGHT}" y2="${ty}" stroke="#c53030" stroke-dasharray="4 3"><title>threshold ${escapeHtml(formatNumber(section.threshold))}</title></line>`,
    );
  }
  const baseline = PAD_TOP + plotHeight;
  const first = section.series.flatMap((s) => s.points).find((p) => timeOf(p.t) === t0)?.t ?? t0;
  const last = section.series.flatMap((s) => s.points).find((p) => timeOf(p.t) === t1)?.t ?? t1;
  const legend = section.series.map((s, k) => {
    const colour = SERIES_COLOURS[k % SERIES_COLOURS.length]!;
    const lx = PAD_LEFT + k * 130;
    return `<rect x="${lx}" y="${height - 14}" width="10" height="10" fill="${colour}"/><text x="${lx + 14}" y="${height - 5}" class="tick">${escapeHtml(truncate(s.name, 16))}</text>`;
  });
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${escapeHtml(section.title)}">`,
    `<line x1="${PAD_LEFT}" y1="${baseline}" x2="${WIDTH - PAD_RIGHT}" y2="${baseline}" stroke="#cbd2d9"/>`,
    `<text x="${PAD_LEFT - 4}" y="${PAD_TOP + 8}" text-anchor="end" class="tick">${escapeHtml(formatNumber(v1))}</text>`,
    `<text x="${PAD_LEFT - 4}" y="${baseline}" text-anchor="end" class="tick">${escapeHtml(formatNumber(v0))}</text>`,
    `<text x="${PAD_LEFT}" y="${baseline + 14}" class="tick">${escapeHtml(String(first))}</text>`,
    `<text x="${WIDTH - PAD_RIGHT}" y="${baseline + 14}" text-anchor="end" class="tick">${escapeHtml(String(last))}</text>`,
    ...parts,
    ...legend,
    "</svg>",
  ].join("");
}
