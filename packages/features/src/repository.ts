import { readFile, stat } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { type FeatureRepository, invalidParameter, parseFeatureRepository } from "@gyre/core";
import { importModule } from "@gyre/data/modules";
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
  const module = await importModule(file);
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
