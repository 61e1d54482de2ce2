import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGyre } from "../src/index.js";
import { availableBackends } from "./support/backends.js";
import { startTestServer, type TestServer } from "./support/server.js";

/**
 * `allowedPaths` (`gyre server --allowed-paths`): every server path a request names — a dataset's
 * path, a feature source's path, get-historical's entity_path (read) and output_path (written) —
 * must lie inside the allowed directories once symbolic links are followed, else 403
 * PERMISSION_DENIED naming the field. The policy does not depend on the metadata backend.
 */
const [backend] = await availableBackends();
const DATASETS = "/api/2.0/gyre/datasets";
const FEATURES = "/api/2.0/gyre/features";
const CSV = "driver_id,event_timestamp,conv_rate\n1,2024-06-01 00:00:00,0.5\n2,2024-06-02 00:00:00,0.25\n";
const ENTITIES = "driver_id,event_timestamp\n1,2024-06-05 00:00:00\n";

describe("server paths named in requests, with allowed paths set", () => {
  let server: TestServer;
  let scratch: string;
  let allowed: string;
  let outside: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "gyre-paths-"));
    allowed = join(scratch, "allowed");
    outside = join(scratch, "outside");
    mkdirSync(allowed);
    mkdirSync(outside);
    writeFileSync(join(allowed, "stats.csv"), CSV);
    writeFileSync(join(allowed, "entities.csv"), ENTITIES);
    writeFileSync(join(outside, "secret.csv"), CSV);
    // A link inside the allowed directory that leads out of it.
    symlinkSync(join(outside, "secret.csv"), join(allowed, "escape.csv"));
    server = await startTestServer(backend!, { allowedPaths: [allowed] });
  });
  afterAll(async () => {
    await server?.close();
    rmSync(scratch, { recursive: true, force: true });
  });

  const denied = (field: string, path: string, access: "read" | "write") => ({
    status: 403,
    body: {
      error_code: "PERMISSION_DENIED",
      message: `${field} '${path}' is outside the directories this server may ${access} for requests (--allowed-paths ${allowed}).`,
    },
  });

  it("registers a dataset from inside; refuses a path outside, a link leading out, and '..' escapes", async () => {
    const register = (path: string) => server.call("POST", `${DATASETS}/register`, { name: "stats", path });
    expect((await register(join(allowed, "stats.csv"))).status).toBe(200);
    const secret = join(outside, "secret.csv");
    expect(await register(secret)).toEqual(denied("path", secret, "read"));
    const link = join(allowed, "escape.csv");
    expect(await register(link)).toEqual(denied("path", link, "read"));
    const dotted = `${allowed}/../outside/secret.csv`;
    expect(await register(dotted)).toEqual(denied("path", dotted, "read"));
    // Whether a path outside exists is not revealed: a missing one is refused the same way.
    const missing = join(outside, "nothing.csv");
    expect(await register(missing)).toEqual(denied("path", missing, "read"));
    expect(await register("relative/stats.csv")).toEqual({
      status: 400,
      body: {
        error_code: "INVALID_PARAMETER_VALUE",
        message: "path 'relative/stats.csv' must be absolute (the server reads it).",
      },
    });
  });

  it("refuses a feature source outside, naming the source; joins inside and writes only inside", async () => {
    const repository = (path: string) => ({
      entities: [{ name: "driver", join_keys: [{ name: "driver_id", type: "int64" }] }],
      sources: [{ name: "stats_src", path }],
      feature_views: [
        {
          name: "stats",
          entities: ["driver"],
          source: "stats_src",
          event_timestamp_column: "event_timestamp",
          features: [{ name: "conv_rate", type: "float64" }],
        },
      ],
    });
    const secret = join(outside, "secret.csv");
    const refused = await server.call("POST", `${FEATURES}/apply`, { repository: repository(secret) });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe(
      `source 'stats_src': path '${secret}' is outside the directories this server may read for requests (--allowed-paths ${allowed}).`,
    );
    const applied = await server.call("POST", `${FEATURES}/apply`, {
      repository: repository(join(allowed, "stats.csv")),
    });
    expect(applied.status, JSON.stringify(applied.body)).toBe(200);

    const historical = (body: Record<string, unknown>) =>
      server.call("POST", `${FEATURES}/historical`, { features: ["stats:conv_rate"], ...body });
    // A directory not created yet inside the allowed one is fine for the output.
    const output = join(allowed, "new", "training.parquet");
    const joined = await historical({ entity_path: join(allowed, "entities.csv"), output_path: output });
    expect(joined.status, JSON.stringify(joined.body)).toBe(200);
    expect(joined.body.rows).toBe(1);
    const overwrite = join(outside, "secret.parquet");
    expect(await historical({ entity_path: join(allowed, "entities.csv"), output_path: overwrite })).toEqual(
      denied("output_path", overwrite, "write"),
    );
    expect(await historical({ entity_path: secret, output_path: output })).toEqual(
      denied("entity_path", secret, "read"),
    );
  });
});

describe("allowed paths as configuration", () => {
  it("an empty list takes no server paths at all; a missing directory is refused at start", async () => {
    const server = await startTestServer(backend!, { allowedPaths: [] });
    try {
      const path = join(tmpdir(), "anything.csv");
      expect(await server.call("POST", `${DATASETS}/register`, { name: "x", path })).toEqual({
        status: 403,
        body: {
          error_code: "PERMISSION_DENIED",
          message: `path '${path}': this server takes no paths of its own in requests (--allowed-paths is empty); upload the files instead.`,
        },
      });
    } finally {
      await server.close();
    }
    await expect(
      createGyre({
        backendStoreUri: "sqlite:///nowhere/never-opened.db",
        artifactsDestination: "/nowhere/artifacts",
        allowedPaths: ["/nowhere/at/all"],
      }),
    ).rejects.toThrow("allowed path '/nowhere/at/all' does not exist.");
  });
});
