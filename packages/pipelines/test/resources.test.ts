import { describe, expect, it } from "vitest";
import { ResourcePool } from "../src/resources.js";

const settle = () => new Promise((r) => setImmediate(r));

describe("the local executor's resource pool", () => {
  it("grants steps while their CPU and memory fit, in arrival order, capping oversized requests", async () => {
    const pool = new ResourcePool(2, 1000);
    const never = new AbortController().signal;
    const granted: string[] = [];
    const ask = (name: string, cpu: number, memoryMb: number) =>
      pool.acquire(name, { cpu, memoryMb }, never).then((release) => {
        granted.push(name);
        return release;
      });
    const a = ask("a", 1, 100);
    const b = ask("b", 1, 100);
    const big = ask("big", 8, 100); // more than the whole budget: runs alone
    const d = ask("d", 1, 100);
    await settle();
    expect(granted).toEqual(["a", "b"]);
    (await a)();
    await settle();
    // One core is free, but 'big' arrived before 'd' and needs both.
    expect(granted).toEqual(["a", "b"]);
    (await b)();
    await settle();
    expect(granted).toEqual(["a", "b", "big"]);
    (await big)();
    await settle();
    expect(granted).toEqual(["a", "b", "big", "d"]);
    const heavy = ask("heavy", 1, 950);
    const light = ask("light", 1, 100);
    await settle();
    expect(granted).toEqual(["a", "b", "big", "d"]);
    (await d)();
    await settle();
    expect(granted.slice(4)).toEqual(["heavy"]);
    (await heavy)();
    await light;
    expect(granted.slice(4)).toEqual(["heavy", "light"]);
  });

  it("drops a waiting step when its pipeline is cancelled", async () => {
    const pool = new ResourcePool(1, 0);
    const first = await pool.acquire("first", { cpu: 1, memoryMb: 0 }, new AbortController().signal);
    const cancel = new AbortController();
    const waiting = pool.acquire("second", { cpu: 1, memoryMb: 0 }, cancel.signal);
    cancel.abort();
    await expect(waiting).rejects.toThrow("step 'second' was cancelled");
    first();
    const third = await pool.acquire("third", { cpu: 1, memoryMb: 0 }, new AbortController().signal);
    third();
  });
});
