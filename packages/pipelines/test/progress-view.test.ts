import { describe, expect, it } from "vitest";
import { PipelineView } from "../../cli/src/commands/pipelines-progress.js";

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { writes, sink: { isTTY, write: (text: string) => void writes.push(text) } };
}

describe("the live view of gyre pipelines run", () => {
  it("prints one plain line per event when the output is not a terminal", () => {
    const { writes, sink: out } = sink(false);
    const view = new PipelineView(out, ["load", "train"]);
    view.handle({ type: "pipeline", id: "r1", name: "p", status: "RUNNING" });
    view.handle({ type: "step", step: "load", status: "RUNNING", attempt: 1 });
    view.handle({ type: "log", step: "load", line: "42 rows", timestamp: 0 });
    view.handle({ type: "step", step: "load", status: "SUCCEEDED", attempt: 1, durationMs: 1500 });
    view.handle({ type: "step", step: "train", status: "RETRYING", attempt: 2 });
    view.handle({
      type: "step",
      step: "train",
      status: "FAILED",
      attempt: 2,
      durationMs: 2000,
      error: "boom",
    });
    view.finish();
    expect(writes.join("")).toBe(
      [
        "pipeline p r1: RUNNING",
        "[load] RUNNING",
        "[load] 42 rows",
        "[load] SUCCEEDED in 1.5s",
        "[train] RETRYING attempt 2",
        "[train] FAILED attempt 2, in 2.0s, boom",
        "",
      ].join("\n"),
    );
  });

  it("redraws the step lines in place on a terminal, with log lines scrolling above them", () => {
    const { writes, sink: out } = sink(true);
    let now = 1000;
    const view = new PipelineView(out, ["load", "train"], () => now);
    view.handle({ type: "step", step: "load", status: "RUNNING", attempt: 1 });
    expect(writes.at(-1)).toBe("▶ load   RUNNING    0ms\n· train  PENDING\n");
    now += 500;
    view.handle({ type: "log", step: "load", line: "reading", timestamp: now });
    // Clear the two status lines, print the log line, draw the status lines again.
    expect(writes.at(-2)).toBe("\x1b[2A\x1b[0J[load] reading\n");
    expect(writes.at(-1)).toBe("▶ load   RUNNING    500ms\n· train  PENDING\n");
    now += 500;
    view.handle({ type: "step", step: "load", status: "CACHED", attempt: 0, durationMs: 20 });
    view.finish();
    expect(writes.at(-1)).toBe("\x1b[2A\x1b[0J≡ load   CACHED     20ms\n· train  PENDING\n");
  });
});
