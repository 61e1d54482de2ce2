import { createHash } from "node:crypto";
import { ident } from "./sql.js";
import type { Table } from "./table.js";

const MOD64 = 1n << 64n;
/** Bump when the canonical form below changes: digests of different versions must never be compared. */
const DIGEST_VERSION = "gyre-digest-v1";

/**
 * The content digest of a table: 32 hex characters (128 bits; MLflow's dataset digest allows 36).
 *
 * It covers the column names and types in order, the row count, and the *multiset* of rows: each
 * row's canonical text (a JSON array of its values cast to VARCHAR, NULL as null) is hashed with
 * MD5, and the two 64-bit halves are summed modulo 2^64 over all rows. A sum commutes, so the
 * digest does not depend on row order, file names or how rows are split across files; unlike XOR,
 * a duplicated row still changes it. DuckDB computes it in one parallel scan in constant memory.
 */
export async function contentDigest(table: Table): Promise<{ digest: string; rows: number }> {
  const values = table.columns.map((c) => `CAST(${ident(c.name)} AS VARCHAR)`).join(", ");
  const row = await table.engine.one(
    `SELECT count(*) AS n, sum(md5_number_upper(t)) AS hi, sum(md5_number_lower(t)) AS lo
     FROM (SELECT CAST(to_json([${values}]) AS VARCHAR) AS t FROM ${table.relation})`,
  );
  const rows = BigInt(row.n as bigint);
  const hi = rows === 0n ? 0n : BigInt(row.hi as bigint) % MOD64;
  const lo = rows === 0n ? 0n : BigInt(row.lo as bigint) % MOD64;
  const schema = JSON.stringify(table.columns.map((c) => [c.name, c.type]));
  const digest = createHash("sha256")
    .update(`${DIGEST_VERSION}\n${schema}\n${rows}\n${hi}\n${lo}`)
    .digest("hex")
    .slice(0, 32);
  return { digest, rows: Number(rows) };
}
