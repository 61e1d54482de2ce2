import {
  type FeatureRepositoryInput,
  type FeatureStatus,
  type FeatureValue,
  features,
  type RequestOf,
} from "@gyre/core";
import { GyreError } from "@gyre/core/errors";
import type { GyreClient } from "./client.js";

export type RegistryPlan = features.RegistryPlan;
export type MaterializeJob = features.MaterializeJob;

export interface GetOnlineOptions {
  /** One object per entity row: join keys (and request fields of on-demand transformations). */
  entities: Record<string, unknown>[];
  /** A feature service name … */
  featureService?: string;
  /** … or feature references (`view:feature`, `view:*`, `transformation:output`). */
  features?: string[];
  /** Name values `view__feature` instead of `feature`. */
  fullFeatureNames?: boolean;
}

/** Online values per entity row, each with its status (PRESENT, MISSING or EXPIRED). */
export interface OnlineFeatures {
  featureNames: string[];
  results: {
    values: Record<string, FeatureValue>;
    statuses: Record<string, FeatureStatus>;
    event_timestamps: Record<string, string | null>;
  }[];
}

export interface GetHistoricalOptions {
  /** The entity table: a path the server reads, or a dataset (`name@3`, `datasets:/name/3`). */
  entityPath?: string;
  entityDataset?: string;
  timestampColumn?: string;
  featureService?: string;
  features?: string[];
  fullFeatureNames?: boolean;
  /** Absolute path where the server writes the result (.parquet or .csv). */
  outputPath?: string;
  /** Register the result as the next version of this dataset. */
  register?: string;
}

export interface MaterializeOptions {
  /** ISO times; both inclusive. */
  start?: string;
  end?: string;
  incremental?: boolean;
  featureViews?: string[];
  batchSize?: number;
  /** Called with the job after every poll. */
  onProgress?: (job: MaterializeJob) => void;
  /** Poll interval; default 250 ms. */
  pollMs?: number;
}

/** The feature store: registry, offline and online retrieval, materialization (`gyre.features`). */
export class FeaturesClient {
  constructor(private readonly client: GyreClient) {}

  /** What applying `repository` would change. */
  plan(repository: FeatureRepositoryInput): Promise<RegistryPlan> {
    return this.client.call(features.planFeatures, { repository });
  }

  /** Makes the registry hold exactly `repository`; `applied` is false when nothing changed. */
  apply(repository: FeatureRepositoryInput): Promise<RegistryPlan & { applied: boolean }> {
    return this.client.call(features.applyFeatures, { repository });
  }

  list(kind?: features.ObjectKind) {
    return this.client.call(features.listFeatures, kind === undefined ? {} : { kind });
  }

  /** Latest values from the online store, with a status per value. */
  async getOnline(options: GetOnlineOptions): Promise<OnlineFeatures> {
    const response = await this.client.call(features.getOnlineFeatures, {
      entities: options.entities,
      feature_service: options.featureService,
      features: options.features,
      full_feature_names: options.fullFeatureNames,
    });
    return { featureNames: response.feature_names, results: response.results };
  }

  /** Point-in-time join on the server; the result is written and/or registered as a dataset. */
  getHistorical(options: GetHistoricalOptions) {
    const request: RequestOf<typeof features.getHistoricalFeatures> = {
      entity_path: options.entityPath,
      entity_dataset: options.entityDataset,
      timestamp_column: options.timestampColumn,
      feature_service: options.featureService,
      features: options.features,
      full_feature_names: options.fullFeatureNames,
      output_path: options.outputPath,
      register: options.register,
    };
    return this.client.call(features.getHistoricalFeatures, request);
  }

  /** Runs a materialization job to its end, reporting progress; a failed job throws. */
  async materialize(options: MaterializeOptions): Promise<MaterializeJob> {
    let { job } = await this.client.call(features.materializeFeatures, {
      start: options.start,
      end: options.end,
      incremental: options.incremental,
      feature_views: options.featureViews,
      batch_size: options.batchSize,
    });
    options.onProgress?.(job);
    while (job.status === "RUNNING") {
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 250));
      ({ job } = await this.client.call(features.getMaterializeJob, { job_id: job.job_id }));
      options.onProgress?.(job);
    }
    if (job.status === "FAILED")
      throw new GyreError("INTERNAL_ERROR", `Materialization failed: ${job.error ?? "unknown error"}`);
    return job;
  }
}
