/**
 * Calendar parts of a date-time column (epoch milliseconds, wall clock read as UTC; see
 * data/datetime.ts). Stateless, so fitting returns the transformer itself.
 */
import { numericColumnOf } from "../frame/access.js";
import type { Column, Frame } from "../frame/frame.js";
import { expectKind, type KindedJson, objectField, stringField } from "../pipeline/json.js";
import type { FittedTransformer, Transformer } from "./transformer.js";

export const DATE_PARTS = [
  "year",
  "month",
  "day",
  "weekday",
  "hour",
  "minute",
  "fractional_hour",
  "day_of_year",
] as const;
/**
 * month 1–12, day 1–31, weekday Monday = 0 … Sunday = 6 (pandas' dayofweek), fractional_hour =
 * hour + minute/60 + second/3600, day_of_year 1–366.
 */
export type DatePart = (typeof DATE_PARTS)[number];

export interface DatePartsOptions {
  readonly column: string;
  /** Output column name → part, e.g. `{ month: "month", dep_hour: "fractional_hour" }`. */
  readonly parts: Readonly<Record<string, DatePart>>;
  /** Keep the source column (default false: the parts take its place). */
  readonly keepSource?: boolean;
}

const DAY_MS = 86_400_000;

export class DateParts implements Transformer, FittedTransformer {
  readonly kind = "date_parts";
  constructor(readonly options: DatePartsOptions) {
    for (const part of Object.values(options.parts)) {
      if (!DATE_PARTS.includes(part)) throw new Error(`DateParts: unknown part '${part}'`);
    }
  }

  fit(): DateParts {
    return this;
  }

  transform(frame: Frame): Frame {
    const source = numericColumnOf(frame, this.options.column).values;
    const partColumns = Object.entries(this.options.parts).map(([name, part]): Column => {
      const values = new Float64Array(source.length);
      for (let i = 0; i < values.length; i++) values[i] = datePart(source[i]!, part);
      return { kind: "numeric", name, values };
    });
    const columns: Column[] = [];
    for (const c of frame.columns) {
      if (c.name !== this.options.column) columns.push(c);
      else {
        if (this.options.keepSource) columns.push(c);
        columns.push(...partColumns);
      }
    }
    return { nRows: frame.nRows, columns };
  }

  toJSON(): KindedJson {
    return {
      kind: this.kind,
      column: this.options.column,
      parts: { ...this.options.parts },
      keepSource: !!this.options.keepSource,
    };
  }

  static fromJSON(json: KindedJson): DateParts {
    expectKind(json, "date_parts");
    const parts: Record<string, DatePart> = {};
    for (const [name, part] of Object.entries(objectField(json.parts, "date_parts.parts"))) {
      parts[name] = stringField(part, `date_parts.parts.${name}`) as DatePart;
    }
    return new DateParts({
      column: stringField(json.column, "date_parts.column"),
      parts,
      keepSource: json.keepSource === true,
    });
  }
}

export function datePart(epochMs: number, part: DatePart): number {
  if (Number.isNaN(epochMs)) return Number.NaN;
  const days = Math.floor(epochMs / DAY_MS);
  const msOfDay = epochMs - days * DAY_MS;
  switch (part) {
    case "weekday":
      return (((days + 3) % 7) + 7) % 7; // 1970-01-01 was a Thursday
    case "hour":
      return Math.floor(msOfDay / 3_600_000);
    case "minute":
      return Math.floor(msOfDay / 60_000) % 60;
    case "fractional_hour":
      return (
        Math.floor(msOfDay / 3_600_000) +
        (Math.floor(msOfDay / 60_000) % 60) / 60 +
        (Math.floor(msOfDay / 1000) % 60) / 3600
      );
    case "day_of_year":
      return days - Math.floor(Date.UTC(civil(days, "year"), 0, 1) / DAY_MS) + 1;
    default:
      return civil(days, part);
  }
}

/** Proleptic Gregorian year, month or day of a day count since 1970-01-01 (H. Hinnant's algorithm). */
function civil(days: number, part: "year" | "month" | "day"): number {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  if (part === "day") return day;
  return part === "month" ? month : yoe + era * 400 + (month <= 2 ? 1 : 0);
}
