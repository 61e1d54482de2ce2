import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Gyre } from "../../server/src/index.js";
import {
  postJson,
  type ScratchStore,
  scratchSqliteStore,
  startServingGyre,
} from "../../server/src/testing/index.js";
import { registerVersionOn } from "../../serving/test/support/versions.js";
import { gyreCli } from "./support/spawn-cli.js";

/** `gyre deployments …` against a running `gyre server` (remote) and the embedded store (in-process). */
describe("gyre deployments", () => {
  let store: ScratchStore;
  let gyre: Gyre;
  let url: string;
  let home: string;
  const cli = (...args: string[]) =>
    gyreCli(["deployments", ...args, "--tracking-uri", url], { GYRE_HOME: home });

  beforeAll(async () => {
    store = scratchSqliteStore("gyre-cli-deployments-");
    home = await mkdtemp(join(tmpdir(), "gyre-cli-home-"));
    ({ gyre, url } = await startServingGyre(store));
    await postJson(url, "/api/2.0/mlflow/registered-models/create", { name: "churn" });
    for (const v of ["1", "2", "3"]) await registerVersionOn(url, "churn", v);
    await postJson(url, "/api/2.0/mlflow/registered-models/alias", {
      name: "churn",
      alias: "champion",
      version: "1",
    });
  });
  afterAll(async () => {
    await gyre?.close();
    await store?.dispose();
    await rm(home, { recursive: true, force: true });
  });

  it("creates, lists, shows, re-weights, rolls back and deletes over a remote server", async () => {
    const created = await cli(
      "create",
      "churn-prod",
      "--model",
      "models:/churn@champion",
      "--canary",
      "models:/churn/2=10",
      "--shadow",
      "models:/churn/3=20",
      "--sticky-header",
      "x-user",
    );
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    expect(created.stdout).toContain("Created deployment churn-prod (revision 1).");
    expect(created.stdout).toMatch(/primary:\s+churn version 1 \(90%\) ← models:\/churn@champion/);
    expect(created.stdout).toMatch(/shadow:\s+churn version 3 \(20%\)/);

    const listed = await cli("list");
    expect(listed.stdout).toMatch(
      /churn-prod\s+1\s+models:\/churn@champion 90, models:\/churn\/2 10; shadow/,
    );

    const weighted = await cli("set-weights", "churn-prod", "v1=30", "models:/churn/2=70");
    expect(weighted.code).toBe(0);
    expect(weighted.stdout).toContain("revision 2");
    expect(weighted.stdout).toMatch(/primary:\s+churn version 2 \(70%\)/);

    const rolled = await cli("rollback", "churn-prod", "--json");
    expect(rolled.code).toBe(0);
    const { deployment } = JSON.parse(rolled.stdout) as { deployment: { revision: number; spec: unknown } };
    expect(deployment.revision).toBe(3);
    expect(deployment.spec).toMatchObject({
      arms: [
        { model_uri: "models:/churn@champion", weight: 90 },
        { model_uri: "models:/churn/2", weight: 10 },
      ],
    });

    const shown = await cli("show", "churn-prod");
    expect(shown.stdout).toMatch(/revisions:\n\s+3\s+rollback/);

    const predicted = await fetch(`${url}/serving/churn-prod/invocations`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ inputs: [new Array(20).fill(0)] }),
    });
    expect(predicted.status).toBe(200);

    expect((await cli("delete", "churn-prod")).stdout).toContain("Deleted deployment churn-prod.");
    expect((await cli("list")).stdout).toContain("No deployments.");
  });

  it("reports bad specs and usage mistakes", async () => {
    const unknown = await cli("create", "bad", "--model", "models:/missing/1");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("'spec.arms.0.model_uri'");
    const usage = await cli("create", "bad", "--model", "models:/churn/1", "--canary", "models:/churn/2");
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("--canary takes MODEL_URI=NUMBER");
    expect((await cli("set-weights", "bad")).code).toBe(2);
  });

  it("manages specs in the embedded store in-process", async () => {
    const listed = await gyreCli(["deployments", "list"], { GYRE_HOME: home });
    expect(listed.code).toBe(0);
    expect(listed.stdout).toContain("No deployments.");
  });
});
