import { randomUUID } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { datasetUri, GyreError, invalidParameter } from "@gyre/core";
import type { Table } from "@gyre/data";
import { directoriesOf, tableOverFiles, withEngine } from "@gyre/data";
import {
  checkViewSource,
  defineSource,
  outputFormatOf,
  type Transformation,
  writeHistorical,
} from "@gyre/features";
import type { DatasetServices } from "../datasets/services.js";
import type { FeaturesContext, Req, Res } from "./context.js";
import type { RegistrySnapshots } from "./snapshot.js";
import { datasetFiles, sourceData } from "./sources.js";

/**
 * Offline retrieval: the point-in-time join of an entity table (a file on the server or a
 * dataset version) against the selected views, written to Parquet or CSV and optionally
 * registered as a dataset version through the datasets service.
 */
export class FeatureHistoricalService {
  constructor(
    private readonly ctx: FeaturesContext,
    private readonly snapshots: RegistrySnapshots,
    private readonly datasets: DatasetServices,
    private readonly transformations: ReadonlyMap<string, Transformation>,
  ) {}

  async getHistoricalFeatures(
    req: Req<"getHistoricalFeatures">,
    creator: string | undefined,
  ): Promise<Res<"getHistoricalFeatures">> {
    const started = performance.now();
    const selection = await this.snapshots.select(req);
    const output =
      req.output_path !== undefined
        ? await this.ctx.paths.writable(req.output_path, "output_path")
        : join(this.scratchDir(), `${randomUUID()}.parquet`);
    const format = outputFormatOf(output);
    if (!format) throw invalidParameter(`output_path '${output}' must end in .parquet or .csv.`);
    const spineFiles =
      req.entity_path !== undefined
        ? await this.ctx.paths.files(req.entity_path, "entity_path")
        : await datasetFiles(this.ctx, req.entity_dataset!, "entity_dataset");
    const sources = new Map<string, Awaited<ReturnType<typeof sourceData>>>();
    for (const { view } of selection.views) {
      if (!sources.has(view.source.name))
        sources.set(view.source.name, await sourceData(this.ctx, view.source));
    }
    await mkdir(dirname(output), { recursive: true });
    const allowed = directoriesOf([
      ...spineFiles.map((f) => f.path),
      ...[...sources.values()].flatMap((s) => s.files.map((f) => f.path)),
      output,
    ]);
    try {
      const result = await withEngine({ allowedDirectories: allowed }, async (engine) => {
        const spine = await tableOverFiles(engine, "entities", spineFiles);
        const tables = new Map<string, Table>();
        const bySource = new Map<string, Table>();
        for (const [i, { view }] of selection.views.entries()) {
          let table = bySource.get(view.source.name);
          if (!table) {
            table = await defineSource(engine, `source_${i}`, sources.get(view.source.name)!);
            bySource.set(view.source.name, table);
          }
          checkViewSource(view, table);
          tables.set(view.def.name, table);
        }
        return writeHistorical(
          { engine, spine, timestampColumn: req.timestamp_column, selection, sources: tables },
          output,
          format,
          this.transformations,
        );
      });
      let uri: string | undefined;
      if (req.register !== undefined) {
        const registered = await this.datasets.registration.registerDataset(
          {
            name: req.register,
            path: output,
            description: `Point-in-time features (${req.feature_service ?? req.features?.join(", ")})`,
          },
          creator,
        );
        uri = datasetUri(registered.dataset_version.name, registered.dataset_version.version);
      }
      return {
        rows: result.rows,
        columns: result.columns,
        output_path: req.output_path,
        dataset_uri: uri,
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      if (req.output_path === undefined) await rm(output, { force: true });
    }
  }

  /** Where a result goes when it is only registered (copied into the dataset, then removed). */
  private scratchDir(): string {
    if (!this.ctx.storage) {
      throw new GyreError(
        "NOT_IMPLEMENTED",
        "Registering a result needs a local artifact destination; give output_path.",
      );
    }
    return join(this.ctx.storage.datasetsDir, "_staging", "features");
  }
}
