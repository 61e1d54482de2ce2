import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { ArtifactService } from "../artifacts/service.js";
import type { ModelUriResolver } from "../registry/model-uri.js";
import { DeploymentEngine, type DeploymentPeers, type EngineMonitoring } from "./engine.js";
import { ModelFiles } from "./model-files.js";
import { Poller } from "./poller.js";
import { DeploymentService } from "./service.js";
import { DeploymentStore, type DeploymentsContext } from "./store.js";

/** The deployments domain: the API's service and, when this server serves them, the engine. */
export interface DeploymentServices {
  readonly api: DeploymentService;
  /** Present when this process serves deployments (`gyre server`); the CLI's in-process store has none. */
  readonly engine: DeploymentEngine | undefined;
  close(): Promise<void>;
}

export interface DeploymentServicesOptions {
  /** Load and serve deployments here; false: only store and validate their specs. */
  readonly serve: boolean;
  /** How often aliases are re-resolved and the store re-read; 0 turns polling off. */
  readonly pollMs: number;
  /** Log every prediction of the served deployments (the monitoring domain's prediction store). */
  readonly monitoring?: EngineMonitoring | undefined;
  /** The other serving processes behind the same port (`gyre server --serving-workers N`). */
  readonly peers?: DeploymentPeers | undefined;
}

/**
 * Wires the domain; when serving, reloads every stored deployment before returning (a restart
 * serves what was served) and starts polling.
 */
export async function createDeploymentServices(
  ctx: DeploymentsContext,
  uris: ModelUriResolver,
  artifacts: ArtifactService,
  options: DeploymentServicesOptions,
): Promise<DeploymentServices> {
  const store = new DeploymentStore(ctx);
  if (!options.serve) {
    return { api: new DeploymentService(store, uris, undefined), engine: undefined, close: async () => {} };
  }
  // Copies of model versions for onnxruntime, private to this process and removed on close.
  const cacheDir = await mkdtemp(path.join(tmpdir(), "gyre-deployments-"));
  const engine = await DeploymentEngine.start({
    files: new ModelFiles(artifacts, cacheDir),
    ...(options.monitoring ? { monitoring: options.monitoring } : {}),
    ...(options.peers ? { peers: options.peers } : {}),
  });
  const api = new DeploymentService(store, uris, engine);
  await api.sync();
  const poller = new Poller(() => api.sync(), options.pollMs);
  poller.start();
  return {
    api,
    engine,
    async close() {
      await poller.stop();
      await engine.close();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}
