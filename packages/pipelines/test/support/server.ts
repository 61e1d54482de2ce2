import { Gyre, PipelinesClient } from "@gyre/sdk";
import { type Backend, sqliteBackend } from "../../../server/test/support/backends.js";
import { startTestServer, type TestServer } from "../../../server/test/support/server.js";

export interface PipelineTestServer {
  server: TestServer;
  uri: string;
  gyre: Gyre;
  store: PipelinesClient;
  close(): Promise<void>;
}

/** A Gyre server on a loopback port over a fresh store, with an SDK client and the pipelines client. */
export async function startPipelineServer(backend: Backend = sqliteBackend): Promise<PipelineTestServer> {
  const server = await startTestServer(backend);
  const gyre = new Gyre({ trackingUri: server.baseUrl, maxRetries: 0 });
  return {
    server,
    uri: server.baseUrl,
    gyre,
    store: new PipelinesClient(gyre.client),
    close: () => server.close(),
  };
}
