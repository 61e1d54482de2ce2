/** Saved form of a design layout, shared by every linear model. */
import type { DesignLayout } from "../data/design-matrix.js";
import { arrayField, type Json, objectField, stringField, strings } from "../pipeline/json.js";

export function layoutToJson(layout: DesignLayout): Json {
  return {
    dense: [...layout.dense],
    oneHot: layout.oneHot.map((b) => ({ column: b.column, levels: [...b.levels] })),
  };
}

export function layoutFromJson(json: Json | undefined): DesignLayout {
  const o = objectField(json, "layout");
  return {
    dense: strings(o.dense, "layout.dense"),
    oneHot: arrayField(o.oneHot, "layout.oneHot").map((entry) => {
      const b = objectField(entry, "layout block");
      return {
        column: stringField(b.column, "layout block column"),
        levels: strings(b.levels, "layout block levels"),
      };
    }),
  };
}
