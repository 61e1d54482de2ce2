import {
  type DatasetFile,
  type Expectation,
  type ExpectationSuite,
  formatDatasetRef,
  GyreError,
  parseDatasetRef,
} from "@gyre/core";
import { type DataFile, suiteReferences, validateFiles } from "@gyre/data";
import { decodePageToken, encodePageToken } from "../search/page-token.js";
import { nonEmpty } from "../tracking/context.js";
import { type DatasetsContext, type Req, type Res, requestRef, requireStorage } from "./context.js";
import { requireVersionRow, type VersionRow, validationOf } from "./reader.js";
import type { Creator } from "./registration.js";
import type { DatasetStorage } from "./storage.js";

const DEFAULT_PAGE = 100;

/**
 * Validation: a suite is evaluated against a version's verified files (and its references'),
 * and the result is appended to the version's history, success or not.
 */
export class DatasetValidationService {
  constructor(private readonly ctx: DatasetsContext) {}

  async validateDataset(req: Req<"validateDataset">, creator: Creator): Promise<Res<"validateDataset">> {
    const storage = requireStorage(this.ctx);
    const row = await requireVersionRow(this.ctx.db, requestRef(req.name, req.version));
    const version = Number(row.version);
    // References are pinned to numbers before evaluation, so the stored suite says what it compared with.
    const pinned = new Map<string, VersionRow>();
    for (const ref of suiteReferences(req.suite, req.reference))
      pinned.set(ref, await this.resolveReference(ref));
    const pin = (ref: string | undefined) => {
      const target = ref === undefined ? undefined : pinned.get(ref);
      return target ? formatDatasetRef(target.name, Number(target.version)) : ref;
    };
    const suite: ExpectationSuite = {
      ...req.suite,
      expectations: req.suite.expectations.map(
        (e): Expectation =>
          e.kind === "no_drift" && e.reference ? { ...e, reference: pin(e.reference) } : e,
      ),
    };
    const references = new Map<string, DataFile[]>();
    for (const target of pinned.values()) {
      references.set(formatDatasetRef(target.name, Number(target.version)), await filesOf(storage, target));
    }
    const result = await validateFiles(await filesOf(storage, row), suite, {
      references,
      defaultReference: pin(req.reference),
    });
    const stored = {
      name: row.name,
      version,
      suite: suite.name,
      reference: pin(req.reference) ?? null,
      success: result.success ? 1 : 0,
      result: JSON.stringify(result),
      creator: creator ?? null,
      creation_time: this.ctx.now(),
    };
    const { id } = await this.ctx.db
      .insertInto("dataset_validations")
      .values(stored)
      .returning("id")
      .executeTakeFirstOrThrow();
    return { validation: validationOf({ id, ...stored }) };
  }

  async listDatasetResults(req: Req<"listDatasetResults">): Promise<Res<"listDatasetResults">> {
    const ref = requestRef(req.name, req.version);
    // Without a version every version's results are listed; with one (or @latest), that version's.
    const pinned =
      ref.version === undefined ? undefined : Number((await requireVersionRow(this.ctx.db, ref)).version);
    if (pinned === undefined) await requireVersionRow(this.ctx.db, { name: ref.name });
    const max = req.max_results ?? DEFAULT_PAGE;
    const offset = decodePageToken(req.page_token);
    let query = this.ctx.db.selectFrom("dataset_validations").selectAll().where("name", "=", ref.name);
    if (pinned !== undefined) query = query.where("version", "=", pinned);
    if (req.suite !== undefined) query = query.where("suite", "=", req.suite);
    const rows = await query
      .orderBy("id", "desc")
      .limit(max + 1)
      .offset(offset)
      .execute();
    return {
      validations: nonEmpty(rows.slice(0, max).map(validationOf)),
      next_page_token: rows.length > max ? encodePageToken(offset + max) : undefined,
    };
  }

  private async resolveReference(text: string): Promise<VersionRow> {
    const ref = parseDatasetRef(text);
    if (!ref) {
      throw new GyreError(
        "INVALID_PARAMETER_VALUE",
        `Invalid reference '${text}': expected name@<version>, name@latest or name.`,
      );
    }
    return requireVersionRow(this.ctx.db, ref);
  }
}

function filesOf(storage: DatasetStorage, row: VersionRow): Promise<DataFile[]> {
  return storage.verifiedFiles(row.name, Number(row.version), JSON.parse(row.files) as DatasetFile[]);
}
