import type { pipelines } from "@gyre/core";

/** What a running pipeline reports, in order, to `onEvent` (the CLI's progress view, tests). */
export type PipelineEvent =
  | {
      type: "pipeline";
      id: string;
      name: string;
      status: pipelines.PipelineRunStatus;
      /** The parent MLflow run. */
      runId?: string;
      error?: string;
    }
  | {
      type: "step";
      step: string;
      status: pipelines.PipelineStepStatus;
      attempt: number;
      runId?: string;
      error?: string;
      durationMs?: number;
    }
  | { type: "log"; step: string; line: string; timestamp: number };

export type EventListener = (event: PipelineEvent) => void;
