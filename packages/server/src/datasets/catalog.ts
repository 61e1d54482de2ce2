import { decodePageToken, encodePageToken } from "../search/page-token.js";
import { nonEmpty } from "../tracking/context.js";
import { type DatasetsContext, datasetNotFound, type Req, type Res, requestRef } from "./context.js";
import { datasetVersionOf, nameExists, profileOf, requireVersionRow, VERSION_COLUMNS } from "./reader.js";

const DEFAULT_PAGE = 100;

/** Reading datasets: the latest version per name, one name's versions, one version, its profile. */
export class DatasetCatalogService {
  constructor(private readonly ctx: DatasetsContext) {}

  async listDatasets(req: Req<"listDatasets">): Promise<Res<"listDatasets">> {
    const max = req.max_results ?? DEFAULT_PAGE;
    const offset = decodePageToken(req.page_token);
    const rows = await this.ctx.db
      .selectFrom("dataset_versions as v")
      .innerJoin(
        (eb) =>
          eb
            .selectFrom("dataset_versions")
            .select(["name", (e) => e.fn.max("version").as("latest")])
            .groupBy("name")
            .as("m"),
        (join) => join.onRef("m.name", "=", "v.name").onRef("m.latest", "=", "v.version"),
      )
      .select(VERSION_COLUMNS.map((c) => `v.${c}` as const))
      .orderBy("v.name")
      .limit(max + 1)
      .offset(offset)
      .execute();
    return {
      datasets: nonEmpty(rows.slice(0, max).map(datasetVersionOf)),
      next_page_token: rows.length > max ? encodePageToken(offset + max) : undefined,
    };
  }

  async listDatasetVersions(req: Req<"listDatasetVersions">): Promise<Res<"listDatasetVersions">> {
    if (!(await nameExists(this.ctx.db, req.name))) throw datasetNotFound(req.name);
    const max = req.max_results ?? DEFAULT_PAGE;
    const offset = decodePageToken(req.page_token);
    const rows = await this.ctx.db
      .selectFrom("dataset_versions")
      .select(VERSION_COLUMNS)
      .where("name", "=", req.name)
      .orderBy("version", "desc")
      .limit(max + 1)
      .offset(offset)
      .execute();
    return {
      dataset_versions: nonEmpty(rows.slice(0, max).map(datasetVersionOf)),
      next_page_token: rows.length > max ? encodePageToken(offset + max) : undefined,
    };
  }

  async getDataset(req: Req<"getDataset">): Promise<Res<"getDataset">> {
    const row = await requireVersionRow(this.ctx.db, requestRef(req.name, req.version));
    return { dataset_version: datasetVersionOf(row) };
  }

  async getDatasetProfile(req: Req<"getDatasetProfile">): Promise<Res<"getDatasetProfile">> {
    const row = await requireVersionRow(this.ctx.db, requestRef(req.name, req.version));
    const version = Number(row.version);
    return { name: row.name, version, profile: await profileOf(this.ctx.db, row.name, version) };
  }
}
