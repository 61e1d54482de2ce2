import { spawn } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { openMetadataDatabase, parseStoreUri } from "../src/index.js";
import { availableBackends } from "./support/backends.js";

const SERVER_SCRIPT = fileURLToPath(new URL("./support/server-process.mjs", import.meta.url));
const backends = await availableBackends();

/** Starts a real server process and resolves once it listens (or rejects with its exit). */
async function startAndStop(uri: string, artifacts: string): Promise<void> {
  const child = spawn(process.execPath, [SERVER_SCRIPT, uri, artifacts], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const lines = createInterface({ input: child.stdout });
  const started = once(lines, "line").then(() => true);
  const exited = once(child, "exit").then(() => false);
  const listening = await Promise.race([started, exited]);
  child.kill("SIGKILL");
  if (!listening) throw new Error(`server exited before listening: ${stderr}`);
}

describe.each(backends)("migrations on $name", (backend) => {
  it("are applied once when three servers start against one fresh store at the same time", async () => {
    const store = await backend.create();
    try {
      await Promise.all([1, 2, 3].map(() => startAndStop(store.uri, store.artifacts)));
      const database = await openMetadataDatabase(store.uri);
      const applied = await sql<{ name: string }>`select name from gyre_migrations order by name`.execute(
        database.db,
      );
      expect(applied.rows.map((r) => r.name)).toEqual([
        "0001_tracking",
        "0002_registry",
        "0003_datasets",
        "0004_deployments",
        "0005_features",
        "0006_monitoring",
        "0007_pipelines",
        "0008_feature_materialize_jobs",
      ]);
      const experiments = await database.db
        .selectFrom("experiments")
        .select(["experiment_id", "name"])
        .execute();
      expect(experiments.map((e) => [Number(e.experiment_id), e.name])).toEqual([[0, "Default"]]);
      await database.close();
    } finally {
      await store.dispose();
    }
  });
});

describe("store URIs", () => {
  it("follows SQLAlchemy's sqlite:/// convention and accepts postgres spellings", () => {
    expect(parseStoreUri("sqlite:////tmp/a.db")).toEqual({ dialect: "sqlite", path: "/tmp/a.db" });
    expect(parseStoreUri("sqlite:///:memory:")).toEqual({ dialect: "sqlite", path: ":memory:" });
    expect(parseStoreUri("postgresql+psycopg2://u@h:5432/db")).toEqual({
      dialect: "postgres",
      connectionString: "postgresql://u@h:5432/db",
    });
    expect(parseStoreUri("postgres://h/db").dialect).toBe("postgres");
    expect(() => parseStoreUri("mysql://h/db")).toThrow(/Unsupported backend store URI 'mysql:\/\/h\/db'/);
  });
});
