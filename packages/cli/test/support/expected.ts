import type { Seeded } from "./seed.js";

const id = (text: string) => text.padEnd(32);

/** `gyre runs list --experiment churn` over the seeded runs, newest first, times in UTC. */
export function expectedRunsTable(s: Seeded): string {
  return [
    `${id("RUN ID")}  NAME      STATUS    START TIME           DURATION  metrics.loss  metrics.acc  params.lr  params.layers`,
    `${s.live}  live      RUNNING   2025-01-03 00:00:00  -`,
    `${s.tuned}  tuned     FAILED    2025-01-02 04:00:00  1.5s      0.25                       0.001`,
    `${s.baseline}  baseline  FINISHED  2025-01-02 03:04:05  1m 05s    0.5           0.812346     0.01       3`,
    "",
  ].join("\n");
}

/** `gyre runs show <baseline>`. */
export function expectedBaselineReport(s: Seeded): string {
  return `Run ${s.baseline} (baseline)

  experiment id    ${s.experimentId}
  status           FINISHED
  user             ada
  start time       2025-01-02 03:04:05
  end time         2025-01-02 03:05:10
  duration         1m 05s
  artifact uri     mlflow-artifacts:/${s.experimentId}/${s.baseline}/artifacts
  lifecycle stage  active

Params
  KEY     VALUE
  layers  3
  lr      0.01

Metrics (latest)
  KEY   VALUE     STEP  TIMESTAMP
  acc   0.812346  1     2025-01-02 03:04:07
  loss  0.5       1     2025-01-02 03:04:07

Tags
  KEY             VALUE
  mlflow.runName  baseline
  team            ml

Inputs
  NAME       DIGEST  SOURCE TYPE  CONTEXT
  churn.csv  abc123  local        training

Artifacts
  PATH           SIZE
  data.bin       2.0 KiB
  model/MLmodel  12 B
`;
}
