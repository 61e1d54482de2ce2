import { basename, join } from "node:path";
import { GyreError } from "@gyre/core/errors";
import { joinArtifactPath, proxyRootOf, proxyUrlPath } from "./artifact-paths.js";
import type { GyreClient } from "./client.js";
import {
  fileStream,
  listFilesRecursively,
  requireDirectory,
  requireFile,
  writeStreamToFile,
} from "./local-files.js";

/** Artifact bytes of one run, moved through the server's artifact proxy (PUT/GET of raw bytes). */
export class RunArtifacts {
  private readonly root: string;

  constructor(
    private readonly client: GyreClient,
    artifactUri: string,
  ) {
    this.root = proxyRootOf(artifactUri);
  }

  /** Uploads one file as `<artifactDir>/<file name>`; returns its artifact path. */
  async uploadFile(localPath: string, artifactDir?: string): Promise<string> {
    const artifactPath = joinArtifactPath(artifactDir, basename(localPath));
    await this.put(localPath, artifactPath);
    return artifactPath;
  }

  /** Uploads a directory tree under `artifactDir`, keeping its layout; returns the artifact paths. */
  async uploadDirectory(localDir: string, artifactDir?: string): Promise<string[]> {
    await requireDirectory(localDir);
    const uploaded: string[] = [];
    for (const file of await listFilesRecursively(localDir)) {
      const artifactPath = joinArtifactPath(artifactDir, file);
      await this.put(join(localDir, file), artifactPath);
      uploaded.push(artifactPath);
    }
    return uploaded;
  }

  /** Uploads one file to an exact artifact path (relative to the run's artifact root). */
  async uploadFileAs(localPath: string, artifactPath: string): Promise<void> {
    await this.put(localPath, joinArtifactPath(artifactPath));
  }

  async download(artifactPath: string, destinationFile: string): Promise<void> {
    const response = await this.client.send({ method: "GET", path: proxyUrlPath(this.root, artifactPath) });
    if (!response.body)
      throw new GyreError("INTERNAL_ERROR", `Empty response body for artifact '${artifactPath}'.`);
    await writeStreamToFile(response.body, destinationFile);
  }

  private async put(localPath: string, artifactPath: string): Promise<void> {
    await requireFile(localPath);
    const response = await this.client.send({
      method: "PUT",
      path: proxyUrlPath(this.root, artifactPath),
      stream: () => fileStream(localPath),
      headers: { "content-type": "application/octet-stream" },
    });
    await response.body?.cancel();
  }
}
