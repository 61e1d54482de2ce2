// The single entry for every benchmark under bench/ (compiled to bench/dist by `tsc -b bench`).
// Each benchmark runs in its own process, one after another, so none skews another's figures;
// their stdout (JSON lines) passes straight through, and the exit code is non-zero if any failed.
// Extra arguments are passed to every benchmark (e.g. `--backend sqlite`, `--profile dir`).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const BENCHMARKS = [
  { name: "tracking", entry: "dist/tracking/main.js" },
  { name: "serving", entry: "dist/serving/main.js" },
  { name: "ml", entry: "dist/ml/main.js" },
  { name: "monitoring", entry: "dist/monitoring/main.js" },
  { name: "features", entry: "dist/features/main.js" },
];

let failed = false;
for (const { name, entry } of BENCHMARKS) {
  const script = fileURLToPath(new URL(entry, import.meta.url));
  if (!existsSync(script)) {
    console.error(
      `bench: ${script} is missing; compile first with \`npx tsc -b bench\` (npm run bench does).`,
    );
    process.exit(2);
  }
  console.error(`bench: running ${name}`);
  const result = spawnSync(process.execPath, [script, ...process.argv.slice(2)], { stdio: "inherit" });
  if (result.status !== 0) {
    console.error(`bench: ${name} failed (${result.error ?? `exit ${result.status ?? result.signal}`})`);
    failed = true;
  }
}
process.exit(failed ? 1 : 0);
