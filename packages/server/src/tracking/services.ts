import { ArtifactService } from "../artifacts/service.js";
import type { ArtifactStore } from "../artifacts/store.js";
import type { TrackingContext } from "./context.js";
import { ExperimentService } from "./experiments.js";
import { MetricHistoryService } from "./history.js";
import { RunLogService } from "./logging.js";
import { RunSearchService } from "./run-search.js";
import { RunService } from "./runs.js";

/** The tracking domain's public surface: one service per concern, wired once. */
export interface TrackingServices {
  experiments: ExperimentService;
  runs: RunService;
  logging: RunLogService;
  search: RunSearchService;
  history: MetricHistoryService;
  artifacts: ArtifactService;
}

export function createTrackingServices(ctx: TrackingContext, artifactStore: ArtifactStore): TrackingServices {
  const experiments = new ExperimentService(ctx);
  return {
    experiments,
    runs: new RunService(ctx, experiments),
    logging: new RunLogService(ctx),
    search: new RunSearchService(ctx),
    history: new MetricHistoryService(ctx),
    artifacts: new ArtifactService(ctx, artifactStore),
  };
}
