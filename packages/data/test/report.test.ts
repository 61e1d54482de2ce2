import { describe, expect, it } from "vitest";
import {
  compareToReferenceSync,
  type DriftColumnInput,
  type MonitoringReport,
  prepareReferenceSync,
  renderReportHtml,
  reportJson,
} from "../src/index.js";
import { seeded } from "./support/random.js";

/** The HTML report: bounded size, one plot per drift column, well-formed markup, escaped strings. */

const HOSTILE = "<script>alert('x')</script>";

/** 10 numeric and 10 categorical columns (200 categories, hostile names and labels), 3000 rows. */
function table(seed: number, shift: number): DriftColumnInput[] {
  const random = seeded(seed);
  const n = 3000;
  const columns: DriftColumnInput[] = [];
  for (let c = 0; c < 10; c++) {
    const values = Float64Array.from({ length: n }, () => random() * 10 + (c < 3 ? shift : 0));
    columns.push({ name: c === 0 ? HOSTILE : `num_${c}`, kind: "numeric", values });
  }
  for (let c = 0; c < 10; c++) {
    const levels = 5 + c * 20;
    const dictionary = Array.from({ length: levels }, (_, i) => (i === 0 ? `<b>&"bold"</b>` : `level ${i}`));
    if (shift > 0) dictionary.push("brand new <i>");
    const codes = Int32Array.from({ length: n }, () =>
      shift > 0 && random() < 0.02 ? levels : Math.floor(random() ** 2 * levels),
    );
    columns.push({ name: `cat_${c}`, kind: "categorical", codes, dictionary });
  }
  return columns;
}

function report(): MonitoringReport {
  const drift = compareToReferenceSync(prepareReferenceSync(table(1, 0)), table(2, 1), {
    methods: { cat_1: "chisquare" },
    newCategories: "include",
  });
  return {
    title: `Drift of ${HOSTILE}`,
    generated_at: "2024-06-01T00:00:00Z",
    reference: { name: "train.csv", rows: 3000 },
    current: { name: "prod & <today>", rows: 3000 },
    drift,
    quality: [
      {
        kind: "table",
        title: "Missing values",
        headers: ["column", "missing share", "<th>"],
        rows: [
          ["age", 0.01, null],
          [HOSTILE, 0.5, true],
        ],
        breaches: [false, true],
      },
    ],
    performance: [
      {
        kind: "timeseries",
        title: "Accuracy per day",
        unit: "share",
        threshold: 0.8,
        series: [
          {
            name: "v1 <champion>",
            points: [
              { t: "2024-05-01", value: 0.91 },
              { t: "2024-05-02", value: 0.88 },
              { t: "2024-05-03", value: null },
              { t: "2024-05-04", value: 0.79 },
            ],
          },
          { name: "v2", points: [{ t: "2024-05-03", value: 0.9 }] },
        ],
      },
    ],
    notes: ["monitor <nightly>"],
  };
}

const VOID = new Set(["meta", "br", "hr", "img", "input", "link"]);

/** Every element closed in order, void ones self-closed; no stray '<' or '>' outside tags. */
function checkWellFormed(html: string): void {
  const body = html.replace(/^<!DOCTYPE html>\s*/, "");
  const tag = /<(\/?)([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[a-zA-Z][a-zA-Z0-9:-]*="[^"<>]*")*)\s*(\/?)>/g;
  const stack: string[] = [];
  let last = 0;
  for (const m of body.matchAll(tag)) {
    const text = body.slice(last, m.index);
    expect(text, `text before ${m[0]}`).not.toMatch(/[<>]/);
    last = m.index! + m[0].length;
    const [, closing, name, , selfClosing] = m;
    if (closing) expect(stack.pop(), `closing </${name}>`).toBe(name);
    else if (selfClosing) continue;
    else {
      expect(VOID.has(name!), `void <${name}> must be self-closed`).toBe(false);
      stack.push(name!);
    }
  }
  expect(body.slice(last)).not.toMatch(/[<>]/);
  expect(stack).toEqual([]);
}

describe("HTML report", () => {
  const html = renderReportHtml(report());

  it("stays under 1 MB for 20 columns and needs nothing from outside", () => {
    expect(Buffer.byteLength(html)).toBeLessThan(1024 * 1024);
    expect(html).not.toMatch(/<script|src=|@import|url\(/i);
  });

  it("draws one distribution plot per drift column", () => {
    const articles = html.split('<article id="col-').slice(1);
    expect(articles).toHaveLength(20);
    for (const article of articles) expect(article).toContain("<svg");
    // The numeric columns as paired bars per bin, the categorical ones per category.
    expect(articles[0]!.match(/<rect /g)!.length).toBeGreaterThanOrEqual(2 * 10);
  });

  it("is well-formed", () => {
    checkWellFormed(html);
  });

  it("escapes every user string", () => {
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;");
    expect(html).toContain("&lt;b&gt;&amp;&quot;bold&quot;&lt;/b&gt;");
    expect(html).toContain("prod &amp; &lt;today&gt;");
    expect(html).toContain("v1 &lt;champion&gt;");
    expect(html).not.toContain("<i>");
  });

  it("shows new categories, quality rows and the time series with its threshold", () => {
    expect(html).toContain("brand new &lt;i&gt;");
    expect(html).toContain('<tr class="breach"><td>&lt;script&gt;');
    expect(html).toMatch(/<polyline [^>]*points="[^"]+"\/>/);
    expect(html).toContain("stroke-dasharray");
  });

  it("has a JSON twin: the same object, non-finite numbers spelled out", () => {
    const r = report();
    const parsed = JSON.parse(reportJson(r));
    const chi = parsed.drift.columns.find((c: any) => c.name === "cat_1");
    expect([chi.method, chi.statistic, chi.p_value]).toEqual(["chisquare", "Infinity", 0]);
    expect(parsed.drift.columns).toHaveLength(20);
    expect(parsed.performance[0].series[0].points[2]).toEqual({ t: "2024-05-03", value: null });
  });
});
