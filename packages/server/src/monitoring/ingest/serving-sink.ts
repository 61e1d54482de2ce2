import type { PredictionRecord, PredictionSink } from "@gyre/serving";
import type { PredictionRow, PredictionStore } from "../store/prediction-store.js";
import { rowsOfRecord } from "../store/rows.js";

/** Deployment name → its registered model, as the server serves it now. */
export type ModelOf = (deployment: string) => string | undefined;

/**
 * The prediction log's sink inside `gyre server`: each batch of serving records (whose `model` is
 * the deployment's name) becomes prediction rows in the store, named by registered model and
 * deployment. The PredictionLog in front of it bounds memory and counts drops; this only writes.
 */
export class StoreSink implements PredictionSink {
  constructor(
    private readonly store: PredictionStore,
    private readonly modelOf: ModelOf,
  ) {}

  async write(records: readonly PredictionRecord[]): Promise<void> {
    const rows: PredictionRow[] = [];
    for (const record of records) {
      rows.push(
        ...rowsOfRecord(record, {
          model: this.modelOf(record.model) ?? record.model,
          deployment: record.model,
        }),
      );
    }
    if (rows.length > 0) await this.store.appendPredictions(rows);
  }

  /** The store is shared and closed by its owner. */
  async close(): Promise<void> {}
}
