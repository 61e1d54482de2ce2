import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { analyzeFiles, listDataFiles } from "../src/index.js";
import { scratchDir } from "./support/fixtures.js";

const scratch = scratchDir();
afterAll(() => scratch.dispose());

async function digestOf(path: string): Promise<string> {
  return (await analyzeFiles(await listDataFiles(path))).digest;
}

const HEADER = "id,name,score\n";
const ROWS = ["1,ada,0.5", "2,bob,1.25", "3,cyd,", "4,dee,7"];

describe("content digest", () => {
  it("is 32 hex characters, within MLflow's 36", async () => {
    expect(await digestOf(scratch.write("a.csv", HEADER + ROWS.join("\n")))).toMatch(/^[0-9a-f]{32}$/);
  });

  it("depends neither on row order, nor file names, nor how rows are split across files", async () => {
    const base = await digestOf(scratch.write("base.csv", HEADER + ROWS.join("\n")));
    expect(await digestOf(scratch.write("renamed.csv", HEADER + ROWS.join("\n")))).toBe(base);
    expect(await digestOf(scratch.write("reversed.csv", HEADER + [...ROWS].reverse().join("\n")))).toBe(base);
    const dir = join(scratch.dir, "split");
    mkdirSync(dir);
    scratch.write("split/part-1.csv", HEADER + ROWS.slice(0, 2).join("\n"));
    scratch.write("split/part-2.csv", HEADER + ROWS.slice(2).join("\n"));
    expect(await digestOf(dir)).toBe(base);
  });

  it("changes with any value, a duplicated row, a column name or a column type", async () => {
    const base = await digestOf(scratch.write("b.csv", HEADER + ROWS.join("\n")));
    const variants = [
      HEADER + ROWS.join("\n").replace("1.25", "1.5"),
      HEADER + [...ROWS, ROWS[0]].join("\n"),
      `id,name,points\n${ROWS.join("\n")}`,
      HEADER + ROWS.join("\n").replace("4,dee,7", "4,dee,x"),
    ];
    const digests = await Promise.all(variants.map((text, i) => digestOf(scratch.write(`v${i}.csv`, text))));
    for (const digest of digests) expect(digest).not.toBe(base);
    expect(new Set(digests).size).toBe(variants.length);
  });

  it("is the same for the same table in CSV and JSON lines", async () => {
    const csv = await digestOf(scratch.write("t.csv", "name,n\nx,1\ny,2\n"));
    const json = await digestOf(scratch.write("t.jsonl", '{"name":"y","n":2}\n{"name":"x","n":1}\n'));
    expect(json).toBe(csv);
  });
});
