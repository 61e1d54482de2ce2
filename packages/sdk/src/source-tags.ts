import { execFileSync } from "node:child_process";
import { hostname } from "node:os";
import { dirname, resolve } from "node:path";
import { currentUser } from "./user.js";

/** Where a run is started from: the facts behind its automatic tags. */
export interface SourceContext {
  user: string;
  /** The script that was run (process.argv[1]); absent in a REPL. */
  entryPoint: string | undefined;
  host: string;
  nodeVersion: string;
  git: GitState | undefined;
}

export interface GitState {
  commit: string;
  dirty: boolean;
}

export function currentSourceContext(): SourceContext {
  const entryPoint = process.argv[1] ? resolve(process.argv[1]) : undefined;
  return {
    user: currentUser(),
    entryPoint,
    host: hostname(),
    nodeVersion: process.version,
    // Like MLflow, take the repository of the script, not of the working directory.
    git: gitState(entryPoint ? dirname(entryPoint) : process.cwd()),
  };
}

/** The tags MLflow's client sets at run start, plus Gyre's own reproducibility tags. */
export function sourceTags(context: SourceContext): Record<string, string> {
  const tags: Record<string, string> = {
    "mlflow.user": context.user,
    "mlflow.source.type": "LOCAL",
    "gyre.host": context.host,
    "gyre.node.version": context.nodeVersion,
  };
  if (context.entryPoint) tags["mlflow.source.name"] = context.entryPoint;
  if (context.git) {
    tags["mlflow.source.git.commit"] = context.git.commit;
    tags["gyre.source.git.dirty"] = String(context.git.dirty);
  }
  return tags;
}

/**
 * The commit checked out in `dir` and whether tracked files differ from it; undefined outside a
 * work tree or without git. Untracked files do not count: ML projects keep data and checkpoints
 * untracked beside the code, and they would mark every run dirty.
 */
export function gitState(dir: string): GitState | undefined {
  try {
    const commit = git(dir, ["rev-parse", "HEAD"]);
    const changes = git(dir, ["status", "--porcelain", "--untracked-files=no"]);
    return /^[0-9a-f]{40,64}$/.test(commit) ? { commit, dirty: changes !== "" } : undefined;
  } catch {
    return undefined;
  }
}

function git(cwd: string, args: string[]): string {
  // stderr ignored: a script outside a repository must not print git's complaints.
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
    timeout: 5000,
  }).trim();
}
