import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildServingApp, DeploymentRegistry, type ModelRuntime } from "../src/index.js";
import { deploy, VersionDirs, versionOfZeroRowAnswer } from "./support/versions.js";

let dirs: VersionDirs;
beforeAll(async () => {
  dirs = await VersionDirs.create();
});
afterAll(() => dirs.dispose());

const VERSIONS = ["1", "2", "3", "4", "5", "6"];
const BODY = JSON.stringify({ inputs: [new Array(20).fill(0)] });

interface Answer {
  status: number;
  /** Index into VERSIONS of the live version when the request was sent and when it was answered. */
  sentAt: number;
  answeredAt: number;
  version: string | undefined;
}

describe("hot swap under load", () => {
  it("switches versions 5 times under 8 concurrent clients with zero failed requests", async () => {
    let live = 0;
    const released: ModelRuntime[] = [];
    const deployment = await deploy(
      dirs,
      { arms: [{ version: "1", weight: 1 }] },
      {
        observer: {
          // The switch itself: from here on new requests see the new version.
          applied: (_name, spec) => {
            live = VERSIONS.indexOf(spec.arms[0]!.version);
          },
          released: (_name, _version, runtime) => released.push(runtime),
        },
      },
    );
    const registry = new DeploymentRegistry();
    registry.add(deployment);
    const app = await buildServingApp({ models: registry });
    await app.listen({ host: "127.0.0.1", port: 0 });
    const { port } = app.server.address() as AddressInfo;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });

    const answers: Answer[] = [];
    const socketErrors: Error[] = [];
    let stop = false;
    const client = async () => {
      while (!stop) {
        const sentAt = live;
        try {
          const { status, text } = await post(agent, port, "/invocations", BODY);
          const probability = (JSON.parse(text) as { predictions: { probability: number[][] } }).predictions
            ?.probability?.[0]?.[0];
          answers.push({
            status,
            sentAt,
            answeredAt: live,
            version: probability === undefined ? undefined : versionOfZeroRowAnswer(probability, VERSIONS),
          });
        } catch (error) {
          socketErrors.push(error as Error);
        }
      }
    };
    const clients = Array.from({ length: 8 }, client);
    try {
      for (const version of VERSIONS.slice(1)) {
        await new Promise((resolve) => setTimeout(resolve, 150));
        const before = answers.length;
        const result = await deployment.apply({ arms: [{ version, weight: 1 }] });
        expect(result.released).toHaveLength(1);
        // Requests kept flowing while the new version loaded and the old one drained.
        expect(answers.length).toBeGreaterThan(before);
      }
      await new Promise((resolve) => setTimeout(resolve, 150));
    } finally {
      stop = true;
      await Promise.all(clients);
      agent.destroy();
      await app.close();
      await deployment.close();
    }

    expect(socketErrors).toEqual([]);
    expect(answers.filter((a) => a.status !== 200)).toEqual([]);
    // Enough traffic to span every switch, even on a loaded machine (not a speed check).
    expect(answers.length).toBeGreaterThan(100);
    for (const answer of answers) {
      // From the version live when it was sent or one that went live while it was in flight.
      const index = VERSIONS.indexOf(answer.version ?? "?");
      expect(index).toBeGreaterThanOrEqual(answer.sentAt);
      expect(index).toBeLessThanOrEqual(answer.answeredAt);
    }
    // Every version served some requests, and every replaced session was released.
    expect(new Set(answers.map((a) => a.version))).toEqual(new Set(VERSIONS));
    expect(released).toHaveLength(6);
    expect(released.every((runtime) => !runtime.ready)).toBe(true);
  });
});

function post(
  agent: http.Agent,
  port: number,
  path: string,
  body: string,
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: "127.0.0.1",
        port,
        path,
        method: "POST",
        agent,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => {
          text += chunk;
        });
        response.on("end", () => resolve({ status: response.statusCode ?? 0, text }));
        response.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}
