import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createGyre, type Gyre as GyreServer } from "@gyre/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Gyre, GyreError } from "../../sdk/src/index.js";
import { injectFetch } from "../src/inject-fetch.js";

let dir: string;
let server: GyreServer;
let gyre: Gyre;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gyre-inject-"));
  server = await createGyre({
    backendStoreUri: `sqlite:///${dir}/gyre.db`,
    artifactsDestination: join(dir, "artifacts"),
    logLevel: false,
  });
  gyre = new Gyre({ trackingUri: "http://in-process.test", fetch: injectFetch(server.app), maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the in-process fetch", () => {
  it("carries JSON calls, streamed uploads and downloads through the app without a socket", async () => {
    const run = await gyre.startRun({ experiment: "in-process", params: { lr: 0.1 } });
    run.logMetric("loss", 0.5, { step: 1, timestamp: 7 });
    const source = join(dir, "weights.bin");
    const bytes = randomBytes(256 * 1024);
    writeFileSync(source, bytes);
    await run.logArtifact(source, "model");
    await run.end();

    const stored = await gyre.getRun(run.id);
    expect(stored.data.params).toEqual([{ key: "lr", value: "0.1" }]);
    expect(stored.data.metrics).toEqual([{ key: "loss", value: 0.5, timestamp: 7, step: 1 }]);
    expect(await run.listArtifacts("model")).toEqual([
      { path: "model/weights.bin", is_dir: false, file_size: 256 * 1024 },
    ]);
    const copy = join(dir, "copy.bin");
    await run.downloadArtifact("model/weights.bin", copy);
    expect(readFileSync(copy).equals(bytes)).toBe(true);
  });

  it("passes error statuses and bodies through unchanged", async () => {
    const error = await gyre.getRun("missing").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GyreError);
    expect([(error as GyreError).code, (error as GyreError).message]).toEqual([
      "RESOURCE_DOES_NOT_EXIST",
      "Run with id=missing not found",
    ]);
  });
});
