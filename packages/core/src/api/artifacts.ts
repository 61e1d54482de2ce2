import { z } from "zod";
import { defineRoute } from "./contract.js";
import { FileInfo } from "./tracking.js";

/**
 * MLflow's artifact proxy (`mlflow-artifacts:` URIs resolve here). Paths are relative to the
 * artifact destination: `<experiment_id>/<run_id>/artifacts/<file>`. Bodies are raw bytes.
 */
const BASE = "/api/2.0/mlflow-artifacts/artifacts";
const TAG = "Artifacts";

export const ARTIFACT_PROXY_PREFIX = BASE;

export const listProxiedArtifacts = defineRoute({
  operation: "listProxiedArtifacts",
  methods: ["GET"],
  path: BASE,
  tag: TAG,
  summary: "List one directory of the artifact store; entries carry base names.",
  request: z.object({ path: z.string().optional() }),
  response: z.object({ files: z.array(FileInfo).optional() }),
});

export const uploadArtifact = defineRoute({
  operation: "uploadArtifact",
  methods: ["PUT"],
  path: `${BASE}/{path}`,
  tag: TAG,
  summary: "Upload one file; the request body is the file's bytes, streamed to the store.",
  request: z.object({ path: z.string() }),
  response: z.object({}),
});

export const downloadArtifact = defineRoute({
  operation: "downloadArtifact",
  methods: ["GET"],
  path: `${BASE}/{path}`,
  tag: TAG,
  summary: "Download one file, streamed (application/octet-stream or a guessed type).",
  request: z.object({ path: z.string() }),
  response: z.instanceof(Uint8Array),
});

export const deleteArtifact = defineRoute({
  operation: "deleteArtifact",
  methods: ["DELETE"],
  path: `${BASE}/{path}`,
  tag: TAG,
  summary: "Delete a file or a directory tree.",
  request: z.object({ path: z.string() }),
  response: z.object({}),
});

export const artifactRoutes = [
  listProxiedArtifacts,
  uploadArtifact,
  downloadArtifact,
  deleteArtifact,
] as const;
