/**
 * DateParts in a graph: the calendar arithmetic of preprocess/date-parts.ts (`datePart`, H. Hinnant's
 * civil-from-days) written with double Div/Floor/Mod/Sub nodes, in the same order of operations, so
 * every part is bit-identical to the TypeScript value. The input is the date-time column as epoch
 * milliseconds (double), as DateParts itself takes it: a graph cannot parse date strings, so a
 * served model needs the client to send epoch milliseconds for that column.
 *
 * One difference: the TypeScript `day_of_year` goes through `Date.UTC`, which reads years 0–99 as
 * 1900–1999; the graph uses the proleptic Gregorian calendar for every year.
 */
import { attr, TENSOR_DATA_TYPES } from "@gyre/onnx";
import { type DatePart, DateParts } from "../preprocess/date-parts.js";
import type { FittedTransformer } from "../preprocess/transformer.js";
import type { GraphBuilder } from "./graph-builder.js";
import type { NamedValues, OnnxFrame } from "./onnx-frame.js";

const DAY_MS = 86_400_000;

/** Element-wise double arithmetic on graph values; numbers become shared scalar constants. */
class Arithmetic {
  constructor(private readonly graph: GraphBuilder) {}

  private value(x: string | number): string {
    return typeof x === "number" ? this.graph.scalar(x, "double") : x;
  }

  private binary(op: string, a: string | number, b: string | number): string {
    return this.graph.op(op, [this.value(a), this.value(b)]);
  }

  add = (a: string | number, b: string | number) => this.binary("Add", a, b);
  sub = (a: string | number, b: string | number) => this.binary("Sub", a, b);
  mul = (a: string | number, b: string | number) => this.binary("Mul", a, b);
  div = (a: string | number, b: string | number) => this.binary("Div", a, b);
  /** JavaScript's `%` on doubles is C's fmod: the result takes the dividend's sign. */
  mod = (a: string | number, b: string | number) =>
    this.graph.op("Mod", [this.value(a), this.value(b)], { fmod: attr.int(1) });
  floor = (a: string) => this.graph.op("Floor", [a]);
  floorDiv = (a: string | number, b: string | number) => this.floor(this.div(a, b));
  /** 1 where a < b, else 0 (NaN compares false, as in JavaScript). */
  less = (a: string | number, b: string | number) =>
    this.graph.op("Cast", [this.binary("Less", a, b)], { to: attr.int(TENSOR_DATA_TYPES.double) });
  /** cond ? a : b, with cond a 0/1 double. */
  select = (cond: string, a: string, b: string) =>
    this.graph.op("Where", [this.graph.op("Cast", [cond], { to: attr.int(TENSOR_DATA_TYPES.bool) }), a, b]);
}

/** Lazily built intermediate values shared by the parts (the civil date is computed once). */
class Calendar {
  private readonly cache = new Map<string, string>();
  constructor(
    private readonly ops: Arithmetic,
    private readonly epochMs: string,
  ) {}

  private memo(key: string, build: () => string): string {
    let value = this.cache.get(key);
    if (value === undefined) {
      value = build();
      this.cache.set(key, value);
    }
    return value;
  }

  days = () => this.memo("days", () => this.ops.floorDiv(this.epochMs, DAY_MS));
  msOfDay = () => this.memo("msOfDay", () => this.ops.sub(this.epochMs, this.ops.mul(this.days(), DAY_MS)));
  hour = () => this.memo("hour", () => this.ops.floorDiv(this.msOfDay(), 3_600_000));
  minute = () => this.memo("minute", () => this.ops.mod(this.ops.floorDiv(this.msOfDay(), 60_000), 60));

  private civilDate?: { readonly year: string; readonly month: string; readonly day: string };

  /** Hinnant's civil-from-days: year, month and day share every intermediate value. */
  private civil() {
    if (this.civilDate) return this.civilDate;
    const { ops } = this;
    const z = ops.add(this.days(), 719_468);
    const era = ops.floorDiv(z, 146_097);
    const doe = ops.sub(z, ops.mul(era, 146_097));
    const yoe = ops.floorDiv(
      ops.sub(
        ops.add(ops.sub(doe, ops.floorDiv(doe, 1460)), ops.floorDiv(doe, 36_524)),
        ops.floorDiv(doe, 146_096),
      ),
      365,
    );
    const doy = ops.sub(
      doe,
      ops.sub(ops.add(ops.mul(365, yoe), ops.floorDiv(yoe, 4)), ops.floorDiv(yoe, 100)),
    );
    const mp = ops.floorDiv(ops.add(ops.mul(5, doy), 2), 153);
    const day = ops.add(ops.sub(doy, ops.floorDiv(ops.add(ops.mul(153, mp), 2), 5)), 1);
    const month = ops.select(ops.less(mp, 10), ops.add(mp, 3), ops.sub(mp, 9));
    const year = ops.add(ops.add(yoe, ops.mul(era, 400)), ops.less(month, 3));
    this.civilDate = { year, month, day };
    return this.civilDate;
  }

  year = () => this.civil().year;
  month = () => this.civil().month;
  day = () => this.civil().day;

  /** days − days(1 January of the year) + 1, with Hinnant's days-from-civil for 1 January. */
  dayOfYear = () =>
    this.memo("dayOfYear", () => {
      const { ops } = this;
      const y = ops.sub(this.year(), 1);
      const era = ops.floorDiv(y, 400);
      const yoe = ops.sub(y, ops.mul(era, 400));
      // 306 = day of year of 1 March-based 1 January: (153·10 + 2) / 5.
      const doe = ops.add(
        ops.sub(ops.add(ops.mul(yoe, 365), ops.floorDiv(yoe, 4)), ops.floorDiv(yoe, 100)),
        306,
      );
      const january1 = ops.sub(ops.add(ops.mul(era, 146_097), doe), 719_468);
      return ops.add(ops.sub(this.days(), january1), 1);
    });

  part(part: DatePart): string {
    const { ops } = this;
    switch (part) {
      case "year":
        return this.year();
      case "month":
        return this.month();
      case "day":
        return this.day();
      case "weekday":
        // 1970-01-01 was a Thursday: ((days + 3) % 7 + 7) % 7, as in datePart.
        return ops.mod(ops.add(ops.mod(ops.add(this.days(), 3), 7), 7), 7);
      case "hour":
        return this.hour();
      case "minute":
        return this.minute();
      case "fractional_hour":
        return ops.add(
          ops.add(this.hour(), ops.div(this.minute(), 60)),
          ops.div(ops.mod(ops.floorDiv(this.msOfDay(), 1000), 60), 3600),
        );
      case "day_of_year":
        return this.dayOfYear();
    }
  }
}

export function exportDateParts(transformer: FittedTransformer, frame: OnnxFrame): void {
  if (!(transformer instanceof DateParts)) throw new Error("Expected DateParts");
  const { column, parts, keepSource } = transformer.options;
  const source = frame.get(column, "numeric");
  const calendar = new Calendar(new Arithmetic(frame.graph), frame.numeric(column));
  const replacements: NamedValues[] = keepSource ? [{ name: column, values: source }] : [];
  for (const [name, part] of Object.entries(parts)) {
    replacements.push({ name, values: { kind: "numeric", tensor: calendar.part(part) } });
  }
  frame.replace(column, replacements);
}
