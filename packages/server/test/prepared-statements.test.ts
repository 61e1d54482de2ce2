import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type MetadataDatabase, openMetadataDatabase, SQL_HINTS } from "../src/store/database.js";
import type { ScratchStore } from "../src/testing/index.js";
import { indexes, Prepared } from "../src/tracking/prepared.js";
import { availableBackends } from "./support/backends.js";

/**
 * Prepared statements and the SQL hints behind them, on every backend: parameters land where
 * Kysely put them whatever the argument order, list sizes get their own text (kept or not),
 * array rows come back in select-list order, and transactions see them like any query.
 */
const backends = await availableBackends();

describe.each(backends)("prepared statements on $name", (backend) => {
  let store: ScratchStore;
  let database: MetadataDatabase;

  beforeAll(async () => {
    store = await backend.create();
    database = await openMetadataDatabase(store.uri);
    await database.db
      .insertInto("experiments")
      .values({
        name: "prepared",
        artifact_location: "file:///tmp/prepared",
        lifecycle_stage: "active",
        creation_time: 1,
        last_update_time: 2,
      })
      .execute();
  });
  afterAll(async () => {
    await database?.close();
    await store?.dispose();
  });

  const experimentId = async () =>
    (
      await database.db
        .selectFrom("experiments")
        .select("experiment_id")
        .where("name", "=", "prepared")
        .executeTakeFirstOrThrow()
    ).experiment_id;

  // The builder names arguments in an order unlike the parameters' (where before values).
  const insertRuns = new Prepared<{
    experiment: number;
    runs: { id: string; name: string; start: number }[];
  }>((db, $, size) =>
    db.insertInto("runs").values(
      indexes(size).map((i) => ({
        run_uuid: $("runs", i, "id"),
        experiment_id: $("experiment"),
        name: $("runs", i, "name"),
        user_id: null,
        status: "RUNNING",
        start_time: $("runs", i, "start"),
        end_time: $("missing"),
        deleted_time: null,
        lifecycle_stage: "active",
        artifact_uri: $("runs", i, "id"),
      })),
    ),
  );
  const namesOf = new Prepared<{ ids: string[]; minStart: number }, readonly unknown[]>(
    (db, $, size) =>
      db
        .selectFrom("runs")
        .select(["name", "start_time", "run_uuid"])
        .where("start_time", ">=", $("minStart"))
        .where(
          "run_uuid",
          "in",
          indexes(size).map((i) => $("ids", i)),
        )
        .orderBy("start_time"),
    { arrayRows: true },
  );

  it("binds each argument where Kysely placed it, constants and absent arguments included", async () => {
    const experiment = await experimentId();
    const runs = [
      { id: "a1", name: "first", start: 10 },
      { id: "a2", name: "second", start: 20 },
      { id: "a3", name: "third", start: 30 },
    ];
    const inserted = await insertRuns.execute(database.db, { experiment, runs }, runs.length);
    expect(Number(inserted.numAffectedRows)).toBe(3);
    const stored = await database.db
      .selectFrom("runs")
      .select(["run_uuid", "name", "start_time", "end_time", "status", "experiment_id", "artifact_uri"])
      .where("run_uuid", "in", ["a1", "a2", "a3"])
      .orderBy("run_uuid")
      .execute();
    expect(stored).toEqual(
      runs.map((r) => ({
        run_uuid: r.id,
        name: r.name,
        start_time: r.start,
        end_time: null,
        status: "RUNNING",
        experiment_id: experiment,
        artifact_uri: r.id,
      })),
    );
  });

  it("returns array rows in select-list order, for each list size", async () => {
    expect(await namesOf.rows(database.db, { ids: ["a3", "a1"], minStart: 0 }, 2)).toEqual([
      ["first", 10, "a1"],
      ["third", 30, "a3"],
    ]);
    expect(await namesOf.rows(database.db, { ids: ["a1", "a2", "a3"], minStart: 15 }, 3)).toEqual([
      ["second", 20, "a2"],
      ["third", 30, "a3"],
    ]);
    // Again at size 2: the text compiled first is reused with the new arguments.
    expect(await namesOf.rows(database.db, { ids: ["a2", "a9"], minStart: 0 }, 2)).toEqual([
      ["second", 20, "a2"],
    ]);
  });

  it("handles list sizes beyond the kept ones, one after another", async () => {
    const experiment = await experimentId();
    const many = (n: number, prefix: string) =>
      Array.from({ length: n }, (_, i) => ({ id: `${prefix}${i}`, name: `${prefix}${i}`, start: 1000 + i }));
    const seventy = many(70, "b");
    const ninety = many(90, "c");
    await insertRuns.execute(database.db, { experiment, runs: seventy }, seventy.length);
    await insertRuns.execute(database.db, { experiment, runs: ninety }, ninety.length);
    const read = async (runs: { id: string }[]) =>
      (await namesOf.rows(database.db, { ids: runs.map((r) => r.id), minStart: 0 }, runs.length)).map(
        (r) => r[2],
      );
    expect(await read(seventy)).toEqual(seventy.map((r) => r.id));
    expect(await read(ninety)).toEqual(ninety.map((r) => r.id));
    expect(await read(seventy)).toEqual(seventy.map((r) => r.id));
  });

  it("runs inside a transaction, and a rollback undoes it", async () => {
    const experiment = await experimentId();
    await expect(
      database.db.transaction().execute(async (trx) => {
        await insertRuns.execute(trx, { experiment, runs: [{ id: "t1", name: "t", start: 5 }] }, 1);
        expect(await namesOf.rows(trx, { ids: ["t1"], minStart: 0 }, 1)).toEqual([["t", 5, "t1"]]);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await namesOf.rows(database.db, { ids: ["t1"], minStart: 0 }, 1)).toEqual([]);
  });

  it("honours the array-rows hint in a raw query too", async () => {
    const { rows } = await sql<unknown[]>`${sql.raw(SQL_HINTS.arrayRows)}select name, start_time from runs
      where run_uuid = ${"a2"}`.execute(database.db);
    expect(rows).toEqual([["second", 20]]);
    const plain = await sql<Record<string, unknown>>`select name from runs where run_uuid = ${"a2"}`.execute(
      database.db,
    );
    expect(plain.rows).toEqual([{ name: "second" }]);
  });

  // Only PostgreSQL has named statements: the test exists there alone rather than being skipped.
  if (backend.name === "postgres")
    it("is a named statement on PostgreSQL", async () => {
      // Sequential use takes the same idle pool connection back, where the statement now lives.
      await namesOf.rows(database.db, { ids: ["a1"], minStart: 0 }, 1);
      const { rows } = await sql<{ name: string; statement: string }>`select name, statement
      from pg_prepared_statements where statement like ${"%gyre:array-rows%"}`.execute(database.db);
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((row) => /^gyre_[0-9a-f]{24}$/.test(row.name))).toBe(true);
      expect(rows.every((row) => row.statement.startsWith(SQL_HINTS.prepared))).toBe(true);
    });

  it("refuses a builder that inlines a placeholder into the SQL text", async () => {
    const inlined = new Prepared<{ name: string }>((db, $) =>
      db.selectFrom("runs").select(sql.lit($("name")).as("x")),
    );
    await expect(inlined.execute(database.db, { name: "x" })).rejects.toThrow(/inlined/);
  });
});
