import { basename } from "node:path";
import { ARTIFACT_PROXY_PREFIX, GyreError } from "@gyre/core";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { ArtifactService } from "../artifacts/service.js";

const MIME: Record<string, string> = {
  json: "application/json",
  txt: "text/plain",
  yaml: "text/yaml",
  yml: "text/yaml",
  csv: "text/csv",
  html: "text/html",
  png: "image/png",
  svg: "image/svg+xml",
};

function mimeOf(path: string): string {
  return MIME[path.split(".").pop()?.toLowerCase() ?? ""] ?? "application/octet-stream";
}

/** The path after the proxy prefix; Fastify has already percent-decoded it once, as Flask does. */
function artifactPath(request: FastifyRequest): string {
  return (request.params as { "*": string })["*"];
}

/** RFC 6266: an ASCII fallback name plus the exact UTF-8 name, so any file name survives the header. */
function contentDisposition(path: string): string {
  const name = basename(path);
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const plain = `attachment; filename="${fallback}"`;
  return fallback === name ? plain : `${plain}; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** MLflow's artifact proxy: bodies stream straight between the socket and the store. */
export function registerArtifactRoutes(app: FastifyInstance, artifacts: ArtifactService): void {
  app.removeAllContentTypeParsers();
  // Keep the body unread: the handler pipes the raw request into the store.
  app.addContentTypeParser("*", (_request, _payload, done) => done(null));

  app.get(ARTIFACT_PROXY_PREFIX, async (request, reply) => {
    const { path } = request.query as { path?: string };
    if (path !== undefined && typeof path !== "string") {
      throw new GyreError("INVALID_PARAMETER_VALUE", "Parameter 'path' must be a single string.");
    }
    return reply.type("application/json").send(JSON.stringify(await artifacts.list(path)));
  });

  app.put(`${ARTIFACT_PROXY_PREFIX}/*`, async (request, reply) => {
    await artifacts.upload(artifactPath(request), request.raw);
    return reply.type("application/json").send("{}");
  });

  app.get(`${ARTIFACT_PROXY_PREFIX}/*`, async (request, reply) => {
    const path = artifactPath(request);
    const { stream, size } = await artifacts.download(path);
    return reply
      .header("content-type", mimeOf(path))
      .header("content-length", size)
      .header("content-disposition", contentDisposition(path))
      .header("x-content-type-options", "nosniff")
      .send(stream);
  });

  app.delete(`${ARTIFACT_PROXY_PREFIX}/*`, async (request, reply) => {
    await artifacts.delete(artifactPath(request));
    return reply.type("application/json").send("{}");
  });
}
