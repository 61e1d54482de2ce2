import { Gyre, PipelinesClient } from "@gyre/sdk";
import { describe, expect, it } from "vitest";
import { createGyre } from "../../server/src/index.js";
import { availableBackends } from "../../server/test/support/backends.js";
import { pipeline, runPipeline } from "../src/index.js";

const backends = await availableBackends();

describe.each(backends)("the step cache across server restarts ($name)", (backend) => {
  it("finds outputs stored before the server restarted", async () => {
    const store = await backend.create();
    let calls = 0;
    const def = pipeline("restartable", (p) => {
      const n = p.param("n", "number", 3);
      p.step("cube", { inputs: { n }, outputs: { value: "number" } }, ({ inputs }) => {
        calls++;
        return { value: inputs.n ** 3 };
      });
    });
    const serve = async () => {
      const server = await createGyre({
        backendStoreUri: store.uri,
        artifactsDestination: store.artifacts,
        port: 0,
        logLevel: false,
      });
      return { server, uri: await server.listen() };
    };
    try {
      const first = await serve();
      const before = await runPipeline(def, { trackingUri: first.uri });
      await first.server.close();

      const second = await serve();
      try {
        const after = await runPipeline(def, { trackingUri: second.uri });
        expect(before.steps.cube).toMatchObject({ status: "SUCCEEDED", outputs: { value: 27 } });
        expect(after.steps.cube).toMatchObject({ status: "CACHED", outputs: { value: 27 } });
        expect(calls).toBe(1);
        const runs = await new PipelinesClient(new Gyre({ trackingUri: second.uri }).client).listRuns();
        expect(runs.map((r) => [r.id, r.status])).toEqual([
          [after.id, "SUCCEEDED"],
          [before.id, "SUCCEEDED"],
        ]);
      } finally {
        await second.server.close();
      }
    } finally {
      await store.dispose();
    }
  });
});
