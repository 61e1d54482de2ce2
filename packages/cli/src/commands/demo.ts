import { existsSync } from "node:fs";
import { mkdir, readdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { defineCommand, integerFlag } from "../command.js";
import { printJson } from "../io.js";
import { UsageError } from "../usage-error.js";
import { Progress } from "./predict-progress.js";

const DEFAULT_HOME = "gyre-demo";
const DEFAULT_SAMPLE = 40;
const DEFAULT_TRIALS = 4;
const DEFAULT_SLOT_SECONDS = 2;
const DEFAULT_UNTIL = "2001-07-01";

export const demoCommand = defineCommand({
  words: ["demo"],
  summary:
    "Run the whole loop on real flights: data, features, training, registry, serving, monitoring, an alert, a retrain, a gate and a promotion.",
  options: {
    home: { type: "string" },
    sample: { type: "string" },
    trials: { type: "string" },
    "slot-seconds": { type: "string" },
    until: { type: "string" },
    json: { type: "boolean" },
  },
  optionHelp: [
    ["--home DIR", `A new or empty directory for the demo's store and files (default: ./${DEFAULT_HOME})`],
    ["--sample N", `Replay one flight in N of the 3 million (default: ${DEFAULT_SAMPLE})`],
    ["--trials N", `Tuning trials per training (default: ${DEFAULT_TRIALS})`],
    [
      "--slot-seconds S",
      `Real seconds per replayed week, one monitor window each (default: ${DEFAULT_SLOT_SECONDS})`,
    ],
    ["--until DATE", `Stop the replay before this day, 2001-03-01 … 2001-07-01 (default: ${DEFAULT_UNTIL})`],
    ["--json", "Print the story as JSON"],
    [
      "",
      "Data: vega-datasets' flights-3m.parquet (BSD-3-Clause), Jan–Jun 2001. From 2001-04-01 the replayed",
    ],
    ["", "world is shifted on purpose, seeded: 35 % of morning departures move 8 h later and 45 % of"],
    ["", "departures from 16:00 get 40 more minutes of delay (the real months alone drift too little)."],
  ],
  async run({ values }, context) {
    const home = resolve(values.home ?? DEFAULT_HOME);
    const sampleEvery = integerFlag("sample", values.sample, 1, 10_000) ?? DEFAULT_SAMPLE;
    const trials = integerFlag("trials", values.trials, 1, 100) ?? DEFAULT_TRIALS;
    const slotSeconds = integerFlag("slot-seconds", values["slot-seconds"], 1, 60) ?? DEFAULT_SLOT_SECONDS;
    const until = values.until ?? DEFAULT_UNTIL;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(until) || until < "2001-03-01" || until > "2001-07-01") {
      throw new UsageError(`--until must be a day from 2001-03-01 to 2001-07-01, got '${until}'`);
    }
    const existing = await readdir(home).catch(() => undefined);
    if (existing && existing.length > 0) {
      throw new UsageError(`--home ${home} is not empty: the demo needs a new or empty directory`);
    }
    await mkdir(home, { recursive: true });
    const progress = new Progress(
      { write: context.stderr, isTTY: process.stderr.isTTY === true, columns: process.stderr.columns },
      Date.now,
      "demo",
    );
    const { runDemo } = await import("./demo-run.js");
    let story: Awaited<ReturnType<typeof runDemo>>;
    try {
      story = await runDemo({ home, sampleEvery, trials, slotSeconds, until, progress });
    } finally {
      progress.finish();
    }
    if (values.json) printJson(context, story);
    else context.stdout((await import("./demo-story.js")).renderStory(story));
  },
});

/**
 * `gyre server`'s first-run hint: on the embedded default store, before its database exists
 * (a fresh clone's `npm start`), point at the demo. Undefined otherwise.
 */
export function firstRunHint(home: string, backendStoreUri: string, defaultUri: string): string | undefined {
  if (backendStoreUri !== defaultUri || existsSync(join(home, "gyre.db"))) return undefined;
  return FIRST_RUN_HINT;
}

export const FIRST_RUN_HINT =
  "\nNew to Gyre? In another terminal, `npx gyre demo` runs the whole loop on real flight data\n(data → features → training → registry → serving → monitoring → retraining) in about two minutes.";
