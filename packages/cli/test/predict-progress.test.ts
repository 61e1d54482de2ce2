import { describe, expect, it } from "vitest";
import { clock, Progress, progressBar, progressFigures } from "../src/commands/predict-progress.js";

describe("predict progress", () => {
  it("formats rows done of the total, percentage, rate and ETA", () => {
    expect(progressFigures({ done: 40_000, total: 100_000, elapsedMs: 800 })).toBe(
      "40,000/100,000 rows  40%  50,000 rows/s  ETA 0:01",
    );
    expect(progressFigures({ done: 0, total: 100, elapsedMs: 0 })).toBe("0/100 rows  0%  0 rows/s");
    expect(progressFigures({ done: 5, total: undefined, elapsedMs: 1000 })).toBe("5 rows  5 rows/s");
    expect([0, 59.4, 61, 3600, 3661.6].map(clock)).toEqual(["0:00", "0:59", "1:01", "1:00:00", "1:01:02"]);
  });

  it("draws a bar fitted to the terminal", () => {
    // 60 columns less the 33 of the figures and 4 of brackets and spaces leave a bar of 23.
    expect(progressBar({ done: 1, total: 4, elapsedMs: 1000 }, 60)).toBe(
      `[${"#".repeat(6)}${"-".repeat(17)}] 1/4 rows  25%  1 rows/s  ETA 0:03`,
    );
    expect(progressBar({ done: 4, total: 4, elapsedMs: 1000 }, 200)).toBe(
      `[${"#".repeat(40)}] 4/4 rows  100%  4 rows/s  ETA 0:00`,
    );
  });

  it("redraws the bar in place on a terminal, at most every 100 ms, and clears it at the end", () => {
    let now = 0;
    const written: string[] = [];
    const progress = new Progress({ write: (t) => written.push(t), isTTY: true, columns: 200 }, () => now);
    progress.start(100);
    now = 50;
    progress.advance(10); // too soon after the first draw
    now = 150;
    progress.advance(10);
    progress.note("predict: writing out.csv");
    progress.finish();
    expect(written).toEqual([
      `\r\x1b[2K[${"-".repeat(40)}] 0/100 rows  0%  0 rows/s`,
      `\r\x1b[2K[${"#".repeat(8)}${"-".repeat(32)}] 20/100 rows  20%  133 rows/s  ETA 0:01`,
      "\r\x1b[2K",
      "predict: writing out.csv\n",
    ]);
  });

  it("prints a plain line every 5 s elsewhere", () => {
    let now = 0;
    const written: string[] = [];
    const progress = new Progress({ write: (t) => written.push(t), isTTY: false }, () => now);
    progress.start(1000);
    for (let i = 1; i <= 10; i++) {
      now = i * 1000;
      progress.advance(100);
    }
    progress.finish();
    expect(written).toEqual([
      "predict: 500/1,000 rows  50%  100 rows/s  ETA 0:05\n",
      "predict: 1,000/1,000 rows  100%  100 rows/s  ETA 0:00\n",
    ]);
  });
});
