import { randomBytes } from "node:crypto";
import { readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { type FeatureRepository, invalidParameter, parseFeatureRepository } from "@gyre/core";
import { FeatureCatalog } from "./catalog.js";
import { defineRepository, type FeatureRepositoryModule, type RepositoryInput } from "./define.js";
import type { Transformation } from "./online/retrieve.js";

/** The files a repository directory may hold, in the order they are looked for. */
export const REPOSITORY_FILES = ["features.js", "features.mjs", "features.ts", "features.json"] as const;

export interface LoadedRepository {
  /** The file the definitions came from. */
  readonly file: string;
  /** Parsed and cross-checked; source paths made absolute against the repository directory. */
  readonly repository: FeatureRepository;
  readonly transformations: ReadonlyMap<string, Transformation>;
}

/**
 * Loads a feature repository: a directory holding features.{js,mjs,ts,json}, or one such file (a
 * module exporting `defineRepository(...)` or the plain definitions, as `default` or
 * `repository`). TypeScript is compiled with the `typescript` package when it is installed.
 * Errors name the object and the field.
 */
export async function loadRepository(path: string): Promise<LoadedRepository> {
  const file = await repositoryFile(resolve(path));
  const loaded = file.endsWith(".json") ? await fromJson(file) : await fromModule(file);
  const base = dirname(file);
  const withPaths = {
    ...loaded.repository,
    sources: (loaded.repository.sources ?? []).map((s) =>
      typeof s?.path === "string" && !isAbsolute(s.path) ? { ...s, path: resolve(base, s.path) } : s,
    ),
  };
  const repository = parseFeatureRepository(withPaths);
  new FeatureCatalog(repository);
  for (const name of loaded.transformations.keys()) {
    if (!repository.on_demand.some((o) => o.name === name)) {
      throw invalidParameter(`on-demand transformation '${name}': a function is given but no definition`);
    }
  }
  return { file, repository, transformations: loaded.transformations };
}

async function repositoryFile(path: string): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw invalidParameter(`Feature repository '${path}' does not exist.`);
  if (info.isFile()) return path;
  for (const name of REPOSITORY_FILES) {
    const candidate = join(path, name);
    if ((await stat(candidate).catch(() => undefined))?.isFile()) return candidate;
  }
  throw invalidParameter(`Directory '${path}' holds no feature repository (${REPOSITORY_FILES.join(", ")}).`);
}

async function fromJson(file: string): Promise<FeatureRepositoryModule> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw invalidParameter(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw invalidParameter(`${file}: a feature repository is a JSON object`);
  }
  return defineRepository(json as RepositoryInput);
}

async function fromModule(file: string): Promise<FeatureRepositoryModule> {
  const module = (
    file.endsWith(".ts") ? await importTypeScript(file) : await import(pathToFileURL(file).href)
  ) as Record<string, unknown>;
  const exported = module.default ?? module.repository;
  if (typeof exported !== "object" || exported === null) {
    throw invalidParameter(
      `${file}: export the definitions as default (export default defineRepository({...})).`,
    );
  }
  const candidate = exported as Partial<FeatureRepositoryModule>;
  if (candidate.repository && candidate.transformations instanceof Map)
    return candidate as FeatureRepositoryModule;
  return defineRepository(exported as RepositoryInput);
}

/** Compiles one .ts file beside itself (so its relative imports resolve), imports it, removes it. */
async function importTypeScript(file: string): Promise<unknown> {
  let ts: typeof import("typescript");
  try {
    ts = (await import("typescript")).default;
  } catch {
    throw invalidParameter(
      `${file}: loading TypeScript needs the 'typescript' package; or compile it to features.js.`,
    );
  }
  const output = ts.transpileModule(await readFile(file, "utf8"), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: file,
  });
  const compiled = join(dirname(file), `.features-${randomBytes(6).toString("hex")}.mjs`);
  await writeFile(compiled, output.outputText);
  try {
    return await import(pathToFileURL(compiled).href);
  } catch (error) {
    // The compiled copy is removed below: name the file that was written instead.
    const message = error instanceof Error ? error.message : String(error);
    throw invalidParameter(
      `${file}: ${message.replaceAll(pathToFileURL(compiled).href, pathToFileURL(file).href).replaceAll(compiled, file)}`,
    );
  } finally {
    await rm(compiled, { force: true });
  }
}
