import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { gitState, sourceTags } from "../src/source-tags.js";

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "gyre-sdk-git-"));
  dirs.push(dir);
  return dir;
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
    cwd,
    encoding: "utf8",
  }).trim();
}

describe("git state", () => {
  it("reports the checked-out commit and whether tracked files changed", () => {
    const repo = tempDir();
    git(repo, "init", "-q");
    writeFileSync(join(repo, "train.js"), "v1");
    git(repo, "add", "train.js");
    git(repo, "commit", "-q", "-m", "first");
    const commit = git(repo, "rev-parse", "HEAD");

    expect(gitState(repo)).toEqual({ commit, dirty: false });
    writeFileSync(join(repo, "checkpoint.bin"), "untracked output");
    expect(gitState(repo)).toEqual({ commit, dirty: false });
    writeFileSync(join(repo, "train.js"), "v2");
    expect(gitState(repo)).toEqual({ commit, dirty: true });
  });

  it("is undefined outside a work tree and in a repository without commits", () => {
    expect(gitState(tempDir())).toBeUndefined();
    const empty = tempDir();
    git(empty, "init", "-q");
    expect(gitState(empty)).toBeUndefined();
  });
});

describe("source tags", () => {
  const base = { user: "ada", host: "box", nodeVersion: "v20.0.0" };

  it("names the entry point and git state when known", () => {
    expect(
      sourceTags({ ...base, entryPoint: "/src/train.js", git: { commit: "a".repeat(40), dirty: true } }),
    ).toEqual({
      "mlflow.user": "ada",
      "mlflow.source.name": "/src/train.js",
      "mlflow.source.type": "LOCAL",
      "mlflow.source.git.commit": "a".repeat(40),
      "gyre.source.git.dirty": "true",
      "gyre.host": "box",
      "gyre.node.version": "v20.0.0",
    });
  });

  it("leaves out what it does not know", () => {
    expect(sourceTags({ ...base, entryPoint: undefined, git: undefined })).toEqual({
      "mlflow.user": "ada",
      "mlflow.source.type": "LOCAL",
      "gyre.host": "box",
      "gyre.node.version": "v20.0.0",
    });
  });
});
