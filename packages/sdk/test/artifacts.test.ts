import { createHash, randomBytes } from "node:crypto";
import {
  createReadStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqliteBackend } from "../../server/test/support/backends.js";
import { startTestServer, type TestServer } from "../../server/test/support/server.js";
import { proxyRootOf, proxyUrlPath } from "../src/artifact-paths.js";
import { Gyre, GyreError } from "../src/index.js";
import { recordingFetch } from "./support/recording-fetch.js";

let server: TestServer;
let work: string;
beforeAll(async () => {
  server = await startTestServer(sqliteBackend);
  work = mkdtempSync(join(tmpdir(), "gyre-sdk-artifacts-"));
});
afterAll(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash("sha256");
    createReadStream(file)
      .on("data", (chunk) => hash.update(chunk))
      .on("end", () => resolve(hash.digest("hex")))
      .on("error", reject);
  });
}

describe("artifact proxy paths", () => {
  it("maps run artifact URIs onto proxy paths", () => {
    expect(proxyRootOf("mlflow-artifacts:/1/abc/artifacts")).toBe("1/abc/artifacts");
    expect(proxyRootOf("mlflow-artifacts://host:5000/1/abc/artifacts")).toBe("1/abc/artifacts");
    expect(proxyUrlPath("1/abc/artifacts", "model dir/a#b.txt")).toBe(
      "/api/2.0/mlflow-artifacts/artifacts/1/abc/artifacts/model%20dir/a%23b.txt",
    );
  });

  it("refuses artifact roots that the proxy does not serve", () => {
    expect(() => proxyRootOf("/var/mlruns/1/abc/artifacts")).toThrow(GyreError);
    expect(() => proxyRootOf("s3://bucket/1/abc/artifacts")).toThrow(
      "Artifact URI 's3://bucket/1/abc/artifacts' is not served through the artifact proxy",
    );
  });
});

describe("run artifacts", () => {
  it("uploads a nested directory, lists it and downloads every file byte-exact", async () => {
    const source = join(work, "model");
    mkdirSync(join(source, "weights", "layer1"), { recursive: true });
    const files: Record<string, Buffer> = {
      MLmodel: Buffer.from("flavors: {}\n"),
      "weights/bias.bin": randomBytes(1234),
      "weights/layer1/kernel.bin": randomBytes(4096),
    };
    for (const [path, bytes] of Object.entries(files)) writeFileSync(join(source, path), bytes);

    const gyre = new Gyre({ trackingUri: server.baseUrl });
    const run = await gyre.startRun({ experiment: "artifacts" });
    expect(await run.logArtifacts(source, "model")).toEqual([
      "model/MLmodel",
      "model/weights/bias.bin",
      "model/weights/layer1/kernel.bin",
    ]);
    expect(await run.logArtifact(join(source, "MLmodel"))).toBe("MLmodel");

    expect(await run.listArtifacts()).toEqual([
      { path: "MLmodel", is_dir: false, file_size: 12 },
      { path: "model", is_dir: true },
    ]);
    expect(await run.listArtifacts("model")).toEqual([
      { path: "model/MLmodel", is_dir: false, file_size: 12 },
      { path: "model/weights", is_dir: true },
    ]);
    expect(await run.listArtifacts("model/weights")).toEqual([
      { path: "model/weights/bias.bin", is_dir: false, file_size: 1234 },
      { path: "model/weights/layer1", is_dir: true },
    ]);

    for (const [path, bytes] of Object.entries(files)) {
      const target = join(work, "downloads", path);
      await run.downloadArtifact(`model/${path}`, target);
      expect(readFileSync(target).equals(bytes)).toBe(true);
    }
    const viaGyre = join(work, "downloads", "by-run-id.bin");
    await gyre.downloadArtifact(run.id, "model/weights/bias.bin", viaGyre);
    expect(readFileSync(viaGyre).equals(files["weights/bias.bin"]!)).toBe(true);
    await run.end();
  });

  it("streams a ~20 MB file up and down byte-exact", async () => {
    const big = join(work, "big.bin");
    writeFileSync(big, randomBytes(20 * 1024 * 1024 + 17));
    const recorder = recordingFetch();
    const gyre = new Gyre({ trackingUri: server.baseUrl, fetch: recorder.fetch });
    const run = await gyre.startRun({ experiment: "artifacts" });

    expect(await run.logArtifact(big, "blobs")).toBe("blobs/big.bin");
    const [upload] = recorder.requests.filter((r) => r.method === "PUT");
    expect(upload?.url).toBe(
      `${server.baseUrl}/api/2.0/mlflow-artifacts/artifacts/${run.experimentId}/${run.id}/artifacts/blobs/big.bin`,
    );
    expect(upload?.body).toBeInstanceOf(ReadableStream);
    expect(upload?.duplex).toBe("half");

    expect(await run.listArtifacts("blobs")).toEqual([
      { path: "blobs/big.bin", is_dir: false, file_size: 20 * 1024 * 1024 + 17 },
    ]);
    const copy = join(work, "big.copy");
    await run.downloadArtifact("blobs/big.bin", copy);
    expect(statSync(copy).size).toBe(20 * 1024 * 1024 + 17);
    expect(await sha256(copy)).toBe(await sha256(big));
    await run.end();
  });

  it("reports missing local files and missing artifacts as GyreErrors", async () => {
    const gyre = new Gyre({ trackingUri: server.baseUrl });
    const run = await gyre.startRun({ experiment: "artifacts" });
    const missingFile = await run.logArtifact(join(work, "nope.txt")).catch((e: unknown) => e);
    expect((missingFile as GyreError).message).toBe(`No such file: ${join(work, "nope.txt")}`);

    const target = join(work, "never.txt");
    const missingArtifact = await run.downloadArtifact("nope.txt", target).catch((e: unknown) => e);
    expect((missingArtifact as GyreError).code).toBe("RESOURCE_DOES_NOT_EXIST");
    expect(() => statSync(target)).toThrow();
    await run.end();
  });
});
