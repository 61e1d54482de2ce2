import { join } from "node:path";
import type { DatasetVersion } from "@gyre/core";
import { analyzeFiles, type DataFile, formatSummary, listDataFiles, materializeQuery } from "@gyre/data";
import type { DatasetVersionsTable } from "../store/schema.js";
import { type DatasetsContext, type Req, type Res, requireStorage } from "./context.js";
import { datasetVersionOf, VERSION_COLUMNS } from "./reader.js";
import type { DatasetStorage, Staging } from "./storage.js";

/** Who registers or validates: the request's user_id, else the x-gyre-user header. */
export type Creator = string | undefined;

/** The file a query's result is stored in. */
const QUERY_RESULT = "data.parquet";

/**
 * Registration: the data is first staged (copied from the path, or taken from the upload, or
 * written by the query), then DuckDB computes digest, schema and profile over exactly the staged
 * bytes, and one transaction either finds the same digest under the name (the staged copy is
 * dropped and that version returned) or takes the next number and moves the files into place.
 */
export class DatasetRegistrationService {
  constructor(private readonly ctx: DatasetsContext) {}

  async registerDataset(req: Req<"registerDataset">, creator: Creator): Promise<Res<"registerDataset">> {
    const storage = requireStorage(this.ctx);
    const staging = await storage.newStaging();
    try {
      const source = req.path ?? "upload";
      const files = await this.stage(storage, staging, req);
      const analysis = await analyzeFiles(files);
      const described = await storage.describe(files);
      const row = (version: number): DatasetVersionsTable => ({
        name: req.name,
        version,
        digest: analysis.digest,
        location: storage.location(req.name, version),
        source,
        sql: req.sql ?? null,
        format: formatSummary(files),
        files: JSON.stringify(described),
        size_bytes: described.reduce((total, f) => total + f.size, 0),
        schema: JSON.stringify(analysis.schema),
        row_count: analysis.rows,
        profile: JSON.stringify(analysis.profile),
        description: req.description ?? null,
        creator: creator ?? null,
        creation_time: this.ctx.now(),
      });
      const committed = await this.commit(storage, staging, req.name, analysis.digest, row);
      return analysis.warnings.length > 0 ? { ...committed, warnings: analysis.warnings } : committed;
    } finally {
      await storage.discard(staging);
    }
  }

  /** The version's files, staged: copied from the path, moved from the upload, or a query's result. */
  private async stage(
    storage: DatasetStorage,
    staging: Staging,
    req: Req<"registerDataset">,
  ): Promise<DataFile[]> {
    const input =
      req.path !== undefined
        ? await this.ctx.paths.files(req.path, "path")
        : await listDataFiles(await storage.takeUpload(req.upload_id!, staging));
    if (req.sql !== undefined) {
      await materializeQuery(input, req.sql, join(staging.dataDir, QUERY_RESULT));
    } else if (req.path !== undefined) {
      await storage.copyIn(input, staging);
    } else {
      await storage.adoptInput(staging);
    }
    return listDataFiles(staging.dataDir);
  }

  private async commit(
    storage: DatasetStorage,
    staging: Staging,
    name: string,
    digest: string,
    row: (version: number) => DatasetVersionsTable,
  ): Promise<{ dataset_version: DatasetVersion; created: boolean }> {
    return this.ctx.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("dataset_names")
        .values({ name, creation_time: this.ctx.now() })
        .onConflict((oc) => oc.column("name").doNothing())
        .execute();
      // Locking the name serialises registrations of one dataset (SQLite serialises writers anyway).
      if (this.ctx.dialect === "postgres") {
        await trx.selectFrom("dataset_names").select("name").where("name", "=", name).forUpdate().execute();
      }
      const existing = await trx
        .selectFrom("dataset_versions")
        .select(VERSION_COLUMNS)
        .where("name", "=", name)
        .where("digest", "=", digest)
        .executeTakeFirst();
      if (existing) return { dataset_version: datasetVersionOf(existing), created: false };
      const { max } = await trx
        .selectFrom("dataset_versions")
        .select((eb) => eb.fn.max("version").as("max"))
        .where("name", "=", name)
        .executeTakeFirstOrThrow();
      const values = row(Number(max ?? 0) + 1);
      await storage.commit(staging, name, values.version);
      await trx.insertInto("dataset_versions").values(values).execute();
      return { dataset_version: datasetVersionOf(values), created: true };
    });
  }
}
