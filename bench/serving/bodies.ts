import { FEATURES, seededRandom } from "./models.js";

/**
 * Request bodies: batch-1 Open Inference Protocol requests (one FP32 input of shape [1, 20]),
 * all distinct. Repeating one input would let the CPU's branch predictor learn the trees' paths
 * and make the tree model look about 3× faster than on real traffic (serving.md, 2.2).
 */
export const DISTINCT_BODIES = 1000;

export function v2Bodies(count = DISTINCT_BODIES, seed = 42): string[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      id: `r${i}`,
      inputs: [
        {
          name: "input",
          shape: [1, FEATURES],
          datatype: "FP32",
          data: Array.from({ length: FEATURES }, () => Math.round((random() * 4 - 2) * 1000) / 1000),
        },
      ],
    }),
  );
}

/** Whole HTTP/1.1 requests, serialised once, so the load generator only writes bytes. */
export function httpRequests(path: string, bodies: readonly string[]): Buffer[] {
  return bodies.map((body) =>
    Buffer.from(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    ),
  );
}
