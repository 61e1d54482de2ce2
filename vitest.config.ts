import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "bench/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Suites that start real servers or databases are heavy; two cores, so keep the pool small.
    maxWorkers: 2,
    reporters: ["default", "./tools/vitest-summary-reporter.ts"],
  },
});
