import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import { buildServingApp, ModelRuntime, type ServedModel, StaticModelRegistry } from "../../src/index.js";
import { logregColumnsDir, logregTensorDir, mlflowTreesDir, perColumnDir } from "./models.js";

export interface Served {
  readonly app: FastifyInstance;
  readonly root: string;
  /** logreg20, inferred tensor signature 'input' float32 [-1, 20]; versions 1 and 2. */
  readonly logreg: ModelRuntime;
  /** logreg20 with the column signature x0..x19 (double); also the default model of /invocations. */
  readonly columns: ModelRuntime;
  /** age (long), income (double), member (boolean), one ONNX input each. */
  readonly perColumn: ModelRuntime;
  /** The MLflow model directory with the two-tree classifier, columns f0..f2 (double). */
  readonly trees: ModelRuntime;
  close(): Promise<void>;
}

/** Every fixture model loaded into real onnxruntime sessions behind one serving app. */
export async function startServed(defaultModel = "churn"): Promise<Served> {
  const root = await mkdtemp(path.join(tmpdir(), "gyre-serving-"));
  const logreg = await ModelRuntime.load(await logregTensorDir(path.join(root, "logreg")), {
    name: "logreg",
  });
  const columns = await ModelRuntime.load(await logregColumnsDir(path.join(root, "churn")), {
    name: "churn",
  });
  const perColumn = await ModelRuntime.load(await perColumnDir(path.join(root, "members")), {
    name: "members",
  });
  const trees = await ModelRuntime.load(await mlflowTreesDir(path.join(root, "trees")), { name: "trees" });
  const models: ServedModel[] = [
    { name: "logreg", version: "1", predictor: logreg },
    { name: "logreg", version: "2", predictor: logreg },
    { name: "churn", predictor: columns },
    { name: "members", predictor: perColumn },
    { name: "trees", version: "7", predictor: trees },
  ];
  const app = await buildServingApp({
    models: new StaticModelRegistry(models, { defaultModel }),
    serverVersion: "9.9.9",
  });
  return {
    app,
    root,
    logreg,
    columns,
    perColumn,
    trees,
    async close() {
      await app.close();
      await Promise.all([logreg, columns, perColumn, trees].map((r) => r.release()));
      await rm(root, { recursive: true, force: true });
    },
  };
}

export interface Answer {
  status: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: unknown;
  text: string;
}

export async function call(
  app: FastifyInstance,
  method: "GET" | "POST",
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await app.inject({
    method,
    url,
    ...(payload === undefined
      ? {}
      : {
          payload:
            typeof payload === "string" || Buffer.isBuffer(payload) ? payload : JSON.stringify(payload),
          headers: { "content-type": "application/json", ...headers },
        }),
    ...(payload === undefined && Object.keys(headers).length > 0 ? { headers } : {}),
  });
  let body: unknown;
  try {
    body = JSON.parse(response.body);
  } catch {
    body = undefined;
  }
  return { status: response.statusCode, headers: response.headers, body, text: response.body };
}
