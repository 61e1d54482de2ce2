import { randomBytes } from "node:crypto";
import { type Gyre, tracking } from "../../../sdk/src/index.js";

export const T0 = Date.UTC(2025, 0, 2, 3, 4, 5);
export const ARTIFACT_BYTES = randomBytes(2048);

export interface Seeded {
  experimentId: string;
  baseline: string;
  tuned: string;
  live: string;
}

/**
 * Three runs with fixed times and values, written through the SDK's low-level calls so start and
 * end times are exact: "baseline" (finished after 65 s), "tuned" (failed after 1.5 s), "live" (running).
 */
export async function seedRuns(gyre: Gyre, baseUrl: string): Promise<Seeded> {
  const { client } = gyre;
  const { experiment_id: experimentId } = await client.call(tracking.createExperiment, { name: "churn" });
  const create = async (name: string, start: number) =>
    (
      await client.call(tracking.createRun, {
        experiment_id: experimentId,
        run_name: name,
        user_id: "ada",
        start_time: start,
        tags: [{ key: "team", value: "ml" }],
      })
    ).run.info.run_id;

  const baseline = await create("baseline", T0);
  await client.call(tracking.logBatch, {
    run_id: baseline,
    params: [
      { key: "lr", value: "0.01" },
      { key: "layers", value: "3" },
    ],
    metrics: [
      { key: "loss", value: 0.9, timestamp: T0 + 1000, step: 0 },
      { key: "loss", value: 0.5, timestamp: T0 + 2000, step: 1 },
      { key: "acc", value: 0.8123456789, timestamp: T0 + 2000, step: 1 },
    ],
  });
  await client.call(tracking.logInputs, {
    run_id: baseline,
    datasets: [
      {
        tags: [{ key: "mlflow.data.context", value: "training" }],
        dataset: { name: "churn.csv", digest: "abc123", source_type: "local", source: "{}" },
      },
    ],
  });
  const artifacts = `${baseUrl}/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${baseline}/artifacts`;
  await put(`${artifacts}/model/MLmodel`, "flavors: {}\n");
  await put(`${artifacts}/data.bin`, ARTIFACT_BYTES);
  await client.call(tracking.updateRun, { run_id: baseline, status: "FINISHED", end_time: T0 + 65_000 });

  const tuned = await create("tuned", T0 + 3_355_000);
  await client.call(tracking.logBatch, {
    run_id: tuned,
    params: [{ key: "lr", value: "0.001" }],
    metrics: [{ key: "loss", value: 0.25, timestamp: T0 + 3_356_000, step: 0 }],
  });
  await client.call(tracking.updateRun, { run_id: tuned, status: "FAILED", end_time: T0 + 3_356_500 });

  const live = await create("live", Date.UTC(2025, 0, 3));
  return { experimentId, baseline, tuned, live };
}

async function put(url: string, body: string | Uint8Array): Promise<void> {
  const response = await fetch(url, { method: "PUT", body });
  if (!response.ok) throw new Error(`seeding ${url} failed: ${response.status} ${await response.text()}`);
}
