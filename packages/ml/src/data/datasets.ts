/**
 * Loaders for the five shared data sets (ml-baselines.md §0): features and target as the reference
 * benchmarks define them. Each takes the directory holding the CSV files (`../shared/data`).
 */
import { join } from "node:path";
import { column, type Frame } from "../frame/frame.js";
import { dropColumns, everyNthRow, selectColumns, takeRows } from "../frame/rows.js";
import { DateParts } from "../preprocess/date-parts.js";
import { readCsv } from "./csv.js";
import { type ClassTarget, classTargetOf } from "./target.js";

export type Dataset =
  | {
      readonly name: string;
      readonly task: "binary" | "multiclass";
      readonly features: Frame;
      readonly target: ClassTarget;
    }
  | {
      readonly name: string;
      readonly task: "regression";
      readonly features: Frame;
      readonly target: Float64Array;
    };

export type DatasetName = "breast-cancer" | "penguins" | "letter" | "ames" | "flights-200k" | "flights-1m";
export const DATASET_NAMES: readonly DatasetName[] = [
  "breast-cancer",
  "penguins",
  "letter",
  "ames",
  "flights-200k",
  "flights-1m",
];

export function loadDataset(name: DatasetName, dataDir: string): Dataset {
  switch (name) {
    case "breast-cancer":
      return classification(name, readCsv(join(dataDir, "breast-cancer.csv")), "target");
    case "penguins":
      return classification(name, readCsv(join(dataDir, "penguins.csv")), "species");
    case "letter":
      return classification(name, readCsv(join(dataDir, "letter-recognition.csv")), "lettr");
    case "ames": {
      const frame = readCsv(join(dataDir, "ames.csv"));
      const y = column(frame, "Sale_Price");
      if (y.kind !== "numeric") throw new Error("ames: Sale_Price is not numeric");
      return { name, task: "regression", features: dropColumns(frame, ["Sale_Price"]), target: y.values };
    }
    case "flights-200k":
    case "flights-1m":
      return loadFlights(dataDir, name);
  }
}

export const FLIGHTS_FEATURES = [
  "month",
  "day_of_month",
  "day_of_week",
  "dep_hour",
  "distance",
  "origin",
  "destination",
];

/** The date-part features of the flights reference setup, from the `date` column. */
const flightsDateParts = new DateParts({
  column: "date",
  parts: { month: "month", day_of_month: "day", day_of_week: "weekday", dep_hour: "fractional_hour" },
  keepSource: true,
});

/**
 * flights: target delay >= 15. flights-200k is every 5th row of flights-1m (still in time order);
 * category levels come from the whole file. `departure` (epoch ms) is returned for time-based splits.
 */
export function loadFlights(
  dataDir: string,
  name: "flights-200k" | "flights-1m" = "flights-200k",
): Dataset & { readonly departure: Float64Array } {
  let frame = readCsv(join(dataDir, "flights-1m.csv"), { schema: { date: "datetime" } });
  if (name === "flights-200k") frame = takeRows(frame, everyNthRow(frame.nRows, 5));
  const delay = column(frame, "delay");
  const date = column(frame, "date");
  if (delay.kind !== "numeric" || date.kind !== "numeric")
    throw new Error("flights: unexpected column types");
  const late = new Int32Array(frame.nRows);
  for (let i = 0; i < late.length; i++) late[i] = delay.values[i]! >= 15 ? 1 : 0;
  return {
    name,
    task: "binary",
    features: selectColumns(flightsDateParts.transform(frame), FLIGHTS_FEATURES),
    target: { codes: late, classes: ["0", "1"] },
    departure: date.values,
  };
}

function classification(name: string, frame: Frame, targetName: string): Dataset {
  const target = classTargetOf(column(frame, targetName));
  return {
    name,
    task: target.classes.length === 2 ? "binary" : "multiclass",
    features: dropColumns(frame, [targetName]),
    target,
  };
}
