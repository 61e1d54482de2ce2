import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadRepository } from "../src/index.js";

/**
 * Feature repositories as code: features.ts (compiled on the fly), features.mjs and
 * features.json; relative source paths made absolute; ttl as a duration; malformed definitions
 * and broken references rejected with the object and the field named.
 */
const ENTITY = { name: "driver", join_keys: [{ name: "driver_id", type: "int64" }] };
const VIEW = {
  name: "stats",
  entities: ["driver"],
  source: "src",
  features: [{ name: "trips", type: "int64" }],
};

describe("loadRepository", () => {
  let root: string;
  const repo = (name: string, files: Record<string, string>) => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
    return dir;
  };
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), "gyre-repo-"));
    // A repository imports @gyre/features as a user's would: from its node_modules.
    symlinkSync(resolve("node_modules"), join(root, "node_modules"));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it("compiles features.ts, keeps the transformation's code and resolves relative paths", async () => {
    const dir = repo("ts", {
      "features.ts": `import { defineRepository } from "@gyre/features";
const boost = (x: number | null, by: number): number | null => (x === null ? null : x + by);
export default defineRepository({
  entities: [${JSON.stringify(ENTITY)}],
  sources: [{ name: "src", path: "data/stats.parquet" }],
  feature_views: [{ ...${JSON.stringify(VIEW)}, ttl: "7d" }],
  on_demand: [{ name: "boosted", inputs: ["stats:trips"], outputs: [{ name: "more", type: "float64" }],
    transform: (row) => ({ more: boost(row.trips as number | null, 1) }) }],
});
`,
    });
    const loaded = await loadRepository(dir);
    expect(loaded.file).toBe(join(dir, "features.ts"));
    expect(loaded.repository.sources[0]!.path).toBe(join(dir, "data/stats.parquet"));
    expect(loaded.repository.feature_views[0]!.ttl_seconds).toBe(604_800);
    expect(await loaded.transformations.get("boosted")!({ trips: 2 })).toEqual({ more: 3 });
  });

  it("reads features.json, with ttl as seconds or a duration", async () => {
    const dir = repo("json", {
      "features.json": JSON.stringify({
        entities: [ENTITY],
        sources: [{ name: "src", path: "/abs/stats.parquet" }],
        feature_views: [{ ...VIEW, ttl: "12h" }],
        feature_services: [{ name: "svc", features: ["stats:*"] }],
      }),
    });
    const loaded = await loadRepository(dir);
    expect(loaded.repository.feature_views[0]!.ttl_seconds).toBe(43_200);
    expect(loaded.repository.sources[0]!.path).toBe("/abs/stats.parquet");
    expect(loaded.transformations.size).toBe(0);
  });

  it("names the object and the field of a malformed definition", async () => {
    const write = (name: string, body: object) => repo(name, { "features.json": JSON.stringify(body) });
    await expect(
      loadRepository(write("ttl", { entities: [ENTITY], feature_views: [{ ...VIEW, ttl: "soon" }] })),
    ).rejects.toThrow("feature view 'stats': field 'ttl_seconds': a ttl is a whole number of seconds");
    await expect(
      loadRepository(
        write("type", { entities: [{ name: "driver", join_keys: [{ name: "driver_id", type: "uuid" }] }] }),
      ),
    ).rejects.toThrow("entity 'driver': field 'join_keys.0.type':");
    await expect(loadRepository(write("extra", { entities: [{ ...ENTITY, owner: "me" }] }))).rejects.toThrow(
      "entity 'driver': definition: Unrecognized key: \"owner\"",
    );
    await expect(
      loadRepository(
        write("source", { entities: [ENTITY], sources: [{ name: "src" }], feature_views: [VIEW] }),
      ),
    ).rejects.toThrow("source 'src': field 'path': a source gives exactly one of 'path' or 'dataset'");
    await expect(
      loadRepository(
        write("ref", { entities: [ENTITY], sources: [{ name: "s2", path: "/x" }], feature_views: [VIEW] }),
      ),
    ).rejects.toThrow("feature view 'stats': field 'source': no source named 'src'");
    await expect(
      loadRepository(
        write("dup", {
          entities: [ENTITY],
          sources: [{ name: "src", path: "/x" }],
          feature_views: [
            {
              ...VIEW,
              features: [
                { name: "trips", type: "int64" },
                { name: "trips", type: "float64" },
              ],
            },
          ],
        }),
      ),
    ).rejects.toThrow("feature view 'stats': field 'features.1': feature 'trips' is listed twice");
    await expect(loadRepository(join(root, "nowhere"))).rejects.toThrow("does not exist");
    // A features.ts that fails to load is named, not the compiled copy it was imported from.
    const broken = repo("broken-ts", {
      "features.ts": 'import { x } from "@gyre/no-such-package";\nexport default x;\n',
    });
    const error = await loadRepository(broken).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(`${join(broken, "features.ts")}: `);
    expect((error as Error).message).toContain("@gyre/no-such-package");
    expect((error as Error).message).not.toContain(".gyre-");
    await expect(loadRepository(repo("empty", {}))).rejects.toThrow("holds no feature repository");
  });
});
