import { GyreError } from "@gyre/core/errors";
import { describe, expect, it } from "vitest";
import {
  type Clause,
  EXPERIMENT_SEARCH,
  MODEL_VERSION_SEARCH,
  type OrderTerm,
  parseFilter,
  parseOrderBy,
  REGISTERED_MODEL_SEARCH,
  RUN_SEARCH,
  type SearchGrammar,
} from "../src/search/filter.js";

/** Runs `fn`, asserts it throws a GyreError with `code`, and returns the message for further checks. */
function errorOf(fn: () => unknown, code = "INVALID_PARAMETER_VALUE"): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(GyreError);
    expect((error as GyreError).code).toBe(code);
    return (error as GyreError).message;
  }
  throw new Error("expected a GyreError, but nothing was thrown");
}

const runs = (filter: string) => parseFilter(filter, RUN_SEARCH);
const one = (filter: string, grammar: SearchGrammar = RUN_SEARCH): Clause => {
  const clauses = parseFilter(filter, grammar);
  expect(clauses).toHaveLength(1);
  return clauses[0]!;
};

describe("parseFilter: empty input", () => {
  it.each([undefined, "", "   ", "\n\t "])("%j matches everything", (filter) => {
    expect(parseFilter(filter, RUN_SEARCH)).toEqual([]);
    expect(parseFilter(filter, EXPERIMENT_SEARCH)).toEqual([]);
  });
});

describe("parseFilter: runs", () => {
  it("parses metric, param, tag and attribute clauses joined by AND", () => {
    expect(
      runs(
        "metrics.rmse < 0.5 AND params.lr = '0.01' and tags.team != 'ml' And attributes.status = 'FINISHED'",
      ),
    ).toEqual([
      { entity: "metric", key: "rmse", comparator: "<", value: 0.5 },
      { entity: "param", key: "lr", comparator: "=", value: "0.01" },
      { entity: "tag", key: "team", comparator: "!=", value: "ml" },
      { entity: "attribute", key: "status", comparator: "=", value: "FINISHED" },
    ]);
  });

  it.each<[string, Clause["entity"]]>([
    ["metric.a > 1", "metric"],
    ["metrics.a > 1", "metric"],
    ["param.a = 'x'", "param"],
    ["params.a = 'x'", "param"],
    ["parameter.a = 'x'", "param"],
    ["parameters.a = 'x'", "param"],
    ["tag.a = 'x'", "tag"],
    ["tags.a = 'x'", "tag"],
    ["dataset.name = 'x'", "dataset"],
    ["datasets.name = 'x'", "dataset"],
  ])("entity alias in %s", (filter, entity) => {
    expect(one(filter).entity).toBe(entity);
  });

  it.each(["attribute", "attributes", "attr", "run"])("attribute alias %s", (prefix) => {
    expect(one(`${prefix}.run_id = 'abc'`)).toEqual({
      entity: "attribute",
      key: "run_id",
      comparator: "=",
      value: "abc",
    });
  });

  it("treats an identifier without entity as an attribute", () => {
    expect(one("user_id = 'alice'")).toEqual({
      entity: "attribute",
      key: "user_id",
      comparator: "=",
      value: "alice",
    });
  });

  it("splits only at the first dot, so dotted keys need no quotes", () => {
    expect(one("tags.mlflow.user = 'bob'")).toEqual({
      entity: "tag",
      key: "mlflow.user",
      comparator: "=",
      value: "bob",
    });
    expect(one("metrics.val.loss.1 <= 3")).toEqual({
      entity: "metric",
      key: "val.loss.1",
      comparator: "<=",
      value: 3,
    });
  });

  it("accepts backtick- and double-quoted keys and entities", () => {
    expect(
      runs("metrics.`a-b` < 2 AND metrics.\"a b\" >= 1 AND tag.`mlflow.prompt.is_prompt` != 'true'"),
    ).toEqual([
      { entity: "metric", key: "a-b", comparator: "<", value: 2 },
      { entity: "metric", key: "a b", comparator: ">=", value: 1 },
      { entity: "tag", key: "mlflow.prompt.is_prompt", comparator: "!=", value: "true" },
    ]);
    expect(one("`metrics`.`x y` = 1")).toEqual({ entity: "metric", key: "x y", comparator: "=", value: 1 });
    expect(one('"params"."p" = \'v\'')).toEqual({ entity: "param", key: "p", comparator: "=", value: "v" });
    expect(one("params.`odd``name` = 'v'")).toEqual({
      entity: "param",
      key: "odd`name",
      comparator: "=",
      value: "v",
    });
  });

  it("normalises attribute aliases to canonical keys", () => {
    for (const alias of ["`run name`", "`Run name`", '"Run Name"', "attributes.`Run name`"]) {
      expect(one(`${alias} = 'my-run'`)).toEqual({
        entity: "attribute",
        key: "run_name",
        comparator: "=",
        value: "my-run",
      });
    }
    expect(one("created > 1700000000000")).toEqual({
      entity: "attribute",
      key: "start_time",
      comparator: ">",
      value: 1700000000000,
    });
    expect(one("attributes.Created <= 5")).toEqual({
      entity: "attribute",
      key: "start_time",
      comparator: "<=",
      value: 5,
    });
  });

  it("parses every numeric literal form", () => {
    const values = [
      ["1", 1],
      ["-1", -1],
      ["0.5", 0.5],
      ["-0.25", -0.25],
      [".5", 0.5],
      ["3.", 3],
      ["1e-3", 0.001],
      ["-2.5E+2", -250],
      ["1e3", 1000],
    ] as const;
    for (const [literal, value] of values) {
      expect(one(`metrics.m = ${literal}`).value).toBe(value);
    }
    expect(runs("metrics.a>-1 and metrics.b>=-1e-2 and end_time<10")).toEqual([
      { entity: "metric", key: "a", comparator: ">", value: -1 },
      { entity: "metric", key: "b", comparator: ">=", value: -0.01 },
      { entity: "attribute", key: "end_time", comparator: "<", value: 10 },
    ]);
  });

  it("reads single- and double-quoted strings with doubled quotes inside", () => {
    expect(
      runs(`params.a = 'it''s' AND params.b = "say ""hi""" AND tags.c = '' AND tags.d = 'a "b" c'`),
    ).toEqual([
      { entity: "param", key: "a", comparator: "=", value: "it's" },
      { entity: "param", key: "b", comparator: "=", value: 'say "hi"' },
      { entity: "tag", key: "c", comparator: "=", value: "" },
      { entity: "tag", key: "d", comparator: "=", value: 'a "b" c' },
    ]);
    expect(one("tags.t = 'a AND b OR c'").value).toBe("a AND b OR c");
    expect(one("tags.t = 'x;y'").value).toBe("x;y");
  });

  it("normalises comparators to upper case", () => {
    expect(
      runs(
        "params.a like 'x%' AND params.b ILike '%Y' AND tags.c LIKE '_' AND run_id in ('a') AND run_id not In ('b')",
      ),
    ).toEqual([
      { entity: "param", key: "a", comparator: "LIKE", value: "x%" },
      { entity: "param", key: "b", comparator: "ILIKE", value: "%Y" },
      { entity: "tag", key: "c", comparator: "LIKE", value: "_" },
      { entity: "attribute", key: "run_id", comparator: "IN", value: ["a"] },
      { entity: "attribute", key: "run_id", comparator: "NOT IN", value: ["b"] },
    ]);
  });

  it("parses IN / NOT IN lists for run_id and datasets", () => {
    expect(
      runs(
        "attributes.run_id IN ('a1', 'b2',\"c3\") AND datasets.digest NOT IN ('d') AND dataset.context IN ('train','eval')",
      ),
    ).toEqual([
      { entity: "attribute", key: "run_id", comparator: "IN", value: ["a1", "b2", "c3"] },
      { entity: "dataset", key: "digest", comparator: "NOT IN", value: ["d"] },
      { entity: "dataset", key: "context", comparator: "IN", value: ["train", "eval"] },
    ]);
  });

  it("accepts every comparator on numeric fields and string comparators on string fields", () => {
    for (const op of ["=", "!=", ">", ">=", "<", "<="] as const) {
      expect(one(`metrics.m ${op} 1`).comparator).toBe(op);
      expect(one(`start_time ${op} 1`).comparator).toBe(op);
    }
    for (const op of ["=", "!=", "LIKE", "ILIKE"] as const) {
      expect(one(`run_name ${op} 'x'`).comparator).toBe(op);
      expect(one(`datasets.name ${op} 'x'`).comparator).toBe(op);
    }
  });

  it("needs no whitespace around operators", () => {
    expect(runs("metrics.a>=1 AND params.b='x' AND tags.c!='y'")).toEqual([
      { entity: "metric", key: "a", comparator: ">=", value: 1 },
      { entity: "param", key: "b", comparator: "=", value: "x" },
      { entity: "tag", key: "c", comparator: "!=", value: "y" },
    ]);
  });

  it("accepts unicode keys", () => {
    expect(one("metrics.précision > 0.9")).toEqual({
      entity: "metric",
      key: "précision",
      comparator: ">",
      value: 0.9,
    });
  });
});

describe("parseFilter: rejected structure", () => {
  it.each<[string, string]>([
    ["metrics.a > 1 OR metrics.b < 2", "'OR'"],
    ["metrics.a > 1 or metrics.b < 2", "'or'"],
    ["NOT metrics.a > 1", "'NOT'"],
    ["(metrics.a > 1)", "'(metrics.a > 1)'"],
    ["metrics.a > 1 AND (tags.x = 'y' OR tags.x = 'z')", "'(tags.x = 'y' OR tags.x = 'z')'"],
    ["tags.x IS NULL", "'tags.x IS NULL'"],
    ["tags.x IS NOT NULL AND metrics.a > 1", "'tags.x IS NOT NULL'"],
    ["lower(tags.x) = 'a'", "'lower(tags.x) = 'a''"],
    ["metrics.a > abs(-1) AND metrics.b > 1", "'metrics.a > abs(-1)'"],
    ["metrics.a + 1 > 2", "'metrics.a + 1 > 2'"],
    ["metrics.a > 1 + 2", "'+'"],
    ["metrics.a > 1;", "';'"],
    ["metrics.a > 1 AND", "'AND'"],
    ["AND metrics.a > 1", "'AND'"],
    ["metrics.a > 1 metrics.b > 2", "'metrics.b'"],
    ["metrics.a >", "'metrics.a >'"],
    ["metrics.a", "'metrics.a'"],
    ["tags.x NOT LIKE 'a'", "'tags.x NOT LIKE 'a''"],
    ["'x' = tags.a", "''x' = tags.a'"],
    ["metrics . a > 1", "'metrics . a > 1'"],
  ])("%s", (filter, offending) => {
    expect(errorOf(() => runs(filter))).toBe(`Invalid clause(s) in filter string: ${offending}`);
  });

  it("rejects several statements", () => {
    const message = errorOf(() => runs("metrics.a > 1; metrics.b < 2"));
    expect(message).toContain("multiple expressions");
    expect(message).toContain("';'");
  });

  it("rejects an unterminated quote", () => {
    expect(errorOf(() => runs("tags.a = 'open"))).toBe(
      "Unterminated quoted string in filter string: ''open'",
    );
    expect(errorOf(() => runs("metrics.`a = 1"))).toContain("'`a = 1'");
  });

  it("rejects a dangling dot in an identifier", () => {
    expect(errorOf(() => runs("metrics. = 1"))).toBe("Invalid identifier 'metrics.' in filter string");
  });
});

describe("parseFilter: rejected types, keys and comparators", () => {
  it("wants a number for metrics", () => {
    expect(errorOf(() => runs("metrics.acc > '0.5'"))).toBe(
      "Expected numeric value type for metric 'acc'. Found '0.5'",
    );
    expect(errorOf(() => runs("metrics.acc = NaN"))).toBe(
      "Expected numeric value type for metric 'acc'. Found NaN",
    );
    expect(errorOf(() => runs("start_time > 'yesterday'"))).toBe(
      "Expected numeric value type for attribute 'start_time'. Found 'yesterday'",
    );
  });

  it("wants a quoted string for params, tags and string attributes", () => {
    expect(errorOf(() => runs("params.lr = 0.1"))).toBe(
      "Expected a quoted string value for parameter 'lr' (e.g. 'my-value'). Got value 0.1",
    );
    expect(errorOf(() => runs("tags.t = abc"))).toBe(
      "Expected a quoted string value for tag 't' (e.g. 'my-value'). Got value abc",
    );
    expect(errorOf(() => runs("status = `FINISHED`"))).toContain("Got value `FINISHED`");
    expect(errorOf(() => runs("tags.a = tags.b"))).toContain("Got value tags.b");
  });

  it("rejects unknown attributes, listing the valid keys", () => {
    const message = errorOf(() => runs("attributes.colour = 'red'"));
    expect(message).toBe(
      "Invalid attribute key 'colour' specified. Valid keys are " +
        "'run_id', 'run_name', 'user_id', 'status', 'artifact_uri', 'start_time', 'end_time'",
    );
    expect(errorOf(() => runs("lifecycle_stage = 'active'"))).toContain("'lifecycle_stage'");
    expect(errorOf(() => runs("datasets.version = 'x'"))).toBe(
      "Invalid dataset key 'version' specified. Valid keys are 'name', 'digest', 'context'",
    );
  });

  it("rejects unknown entities", () => {
    expect(errorOf(() => runs("metricz.a > 1"))).toBe(
      "Invalid entity type 'metricz'. Valid entity types are 'metric', 'param', 'tag', 'attribute', 'dataset'",
    );
    expect(errorOf(() => runs("Metrics.a > 1"))).toContain("'Metrics'");
  });

  it("rejects comparators the key does not take", () => {
    expect(errorOf(() => runs("metrics.a LIKE '1'"))).toBe(
      "Invalid comparator 'LIKE' for metric 'a'. Valid comparators are '=', '!=', '>', '>=', '<', '<='",
    );
    expect(errorOf(() => runs("params.a > 'x'"))).toContain("Invalid comparator '>' for parameter 'a'");
    expect(errorOf(() => runs("tags.a IN ('x')"))).toContain("Invalid comparator 'IN' for tag 'a'");
    expect(errorOf(() => runs("run_name IN ('x')"))).toContain(
      "Invalid comparator 'IN' for attribute 'run_name'",
    );
    expect(errorOf(() => runs("metrics.a == 1"))).toContain("Invalid comparator '==' for metric 'a'");
    expect(errorOf(() => runs("metrics.a <> 1"))).toContain("Invalid comparator '<>'");
  });

  it("checks IN lists", () => {
    expect(errorOf(() => runs("run_id IN 'a'"))).toBe(
      "Expected a list of quoted string values after IN, got ''a''",
    );
    expect(errorOf(() => runs("run_id NOT IN ()"))).toContain("non-empty list");
    expect(errorOf(() => runs("run_id IN (1, 2)"))).toContain("'(1, 2)'");
    expect(errorOf(() => runs("run_id IN ('a' 'b')"))).toContain("'('a' 'b')'");
    expect(errorOf(() => runs("run_id IN ('a',)"))).toContain("'('a',)'");
    expect(errorOf(() => runs("run_id IN ('a'"))).toBe(
      "Invalid clause(s) in filter string: 'run_id IN ('a''",
    );
    expect(errorOf(() => runs("run_id = ('a', 'b')"))).toBe(
      "Only IN and NOT IN take a list of values; got '('a', 'b')' after '='",
    );
  });
});

describe("parseFilter: experiments", () => {
  const experiments = (filter: string) => parseFilter(filter, EXPERIMENT_SEARCH);

  it("accepts name, times and tags", () => {
    expect(
      experiments(
        "name LIKE 'exp-%' AND creation_time >= 100 AND attribute.last_update_time < 2e3 AND tags.owner = 'me'",
      ),
    ).toEqual([
      { entity: "attribute", key: "name", comparator: "LIKE", value: "exp-%" },
      { entity: "attribute", key: "creation_time", comparator: ">=", value: 100 },
      { entity: "attribute", key: "last_update_time", comparator: "<", value: 2000 },
      { entity: "tag", key: "owner", comparator: "=", value: "me" },
    ]);
  });

  it("rejects params and metrics", () => {
    expect(errorOf(() => experiments("params.x = 'y'"))).toBe(
      "Invalid entity type 'params'. Valid entity types are 'attribute', 'tag'",
    );
    expect(errorOf(() => experiments("metrics.x > 1"))).toContain("Invalid entity type 'metrics'");
  });

  it("types its attributes", () => {
    expect(errorOf(() => experiments("creation_time > '1'"))).toContain(
      "Expected numeric value type for attribute 'creation_time'",
    );
    expect(errorOf(() => experiments("name = 1"))).toContain(
      "Expected a quoted string value for attribute 'name'",
    );
    expect(errorOf(() => experiments("experiment_id = '1'"))).toBe(
      "Invalid attribute key 'experiment_id' specified. Valid keys are 'name', 'creation_time', 'last_update_time'",
    );
    expect(errorOf(() => experiments("name IN ('a')"))).toContain("Invalid comparator 'IN'");
  });
});

describe("parseFilter: registered models", () => {
  const models = (filter: string) => parseFilter(filter, REGISTERED_MODEL_SEARCH);

  it("accepts name and tags, including the client's prompt clause", () => {
    expect(models("name ILIKE '%bert%' AND tag.`mlflow.prompt.is_prompt` != 'true'")).toEqual([
      { entity: "attribute", key: "name", comparator: "ILIKE", value: "%bert%" },
      { entity: "tag", key: "mlflow.prompt.is_prompt", comparator: "!=", value: "true" },
    ]);
  });

  it("rejects everything else", () => {
    expect(errorOf(() => models("creation_timestamp > 1"))).toBe(
      "Invalid attribute key 'creation_timestamp' specified. Valid keys are 'name'",
    );
    expect(errorOf(() => models("timestamp > 1"))).toContain("Invalid attribute key 'timestamp'");
    expect(errorOf(() => models("datasets.name = 'x'"))).toContain("Invalid entity type 'datasets'");
  });
});

describe("parseFilter: model versions", () => {
  const versions = (filter: string) => parseFilter(filter, MODEL_VERSION_SEARCH);

  it("accepts name, run_id lists, source_path, version_number and tags", () => {
    expect(
      versions(
        "name = 'm' AND run_id IN ('r1','r2') AND source_path LIKE 's3://%' AND version_number > 2 AND tags.k = 'v'",
      ),
    ).toEqual([
      { entity: "attribute", key: "name", comparator: "=", value: "m" },
      { entity: "attribute", key: "run_id", comparator: "IN", value: ["r1", "r2"] },
      { entity: "attribute", key: "source_path", comparator: "LIKE", value: "s3://%" },
      { entity: "attribute", key: "version_number", comparator: ">", value: 2 },
      { entity: "tag", key: "k", comparator: "=", value: "v" },
    ]);
  });

  it("rejects current_stage, NOT IN and string version numbers", () => {
    expect(errorOf(() => versions("current_stage = 'Production'"))).toBe(
      "Invalid attribute key 'current_stage' specified. Valid keys are 'name', 'run_id', 'source_path', 'version_number'",
    );
    expect(errorOf(() => versions("run_id NOT IN ('a')"))).toContain("Invalid comparator 'NOT IN'");
    expect(errorOf(() => versions("version_number = '1'"))).toContain(
      "Expected numeric value type for attribute 'version_number'",
    );
  });
});

describe("parseOrderBy", () => {
  const order = (items: string[], grammar: SearchGrammar = RUN_SEARCH) => parseOrderBy(items, grammar);

  it("returns nothing for no input", () => {
    expect(parseOrderBy(undefined, RUN_SEARCH)).toEqual([]);
    expect(parseOrderBy([], RUN_SEARCH)).toEqual([]);
  });

  it("parses run order terms with directions and identifier rules", () => {
    expect(
      order([
        "metrics.rmse",
        "params.lr DESC",
        "tags.`mlflow.runName` asc",
        "attributes.start_time Desc",
        "run_name",
        'metric."val loss" ASC',
        "tags.mlflow.user desc",
      ]),
    ).toEqual<OrderTerm[]>([
      { entity: "metric", key: "rmse", ascending: true },
      { entity: "param", key: "lr", ascending: false },
      { entity: "tag", key: "mlflow.runName", ascending: true },
      { entity: "attribute", key: "start_time", ascending: false },
      { entity: "attribute", key: "run_name", ascending: true },
      { entity: "metric", key: "val loss", ascending: true },
      { entity: "tag", key: "mlflow.user", ascending: false },
    ]);
  });

  it("normalises aliases", () => {
    expect(order(["created DESC"])).toEqual([{ entity: "attribute", key: "start_time", ascending: false }]);
    expect(order(["timestamp DESC", "name"], REGISTERED_MODEL_SEARCH)).toEqual([
      { entity: "attribute", key: "last_updated_timestamp", ascending: false },
      { entity: "attribute", key: "name", ascending: true },
    ]);
  });

  it("knows each grammar's orderable keys", () => {
    expect(
      order(["experiment_id", "creation_time DESC", "last_update_time", "name"], EXPERIMENT_SEARCH),
    ).toEqual([
      { entity: "attribute", key: "experiment_id", ascending: true },
      { entity: "attribute", key: "creation_time", ascending: false },
      { entity: "attribute", key: "last_update_time", ascending: true },
      { entity: "attribute", key: "name", ascending: true },
    ]);
    expect(
      order(
        ["name", "version_number DESC", "creation_timestamp", "last_updated_timestamp DESC"],
        MODEL_VERSION_SEARCH,
      ),
    ).toEqual([
      { entity: "attribute", key: "name", ascending: true },
      { entity: "attribute", key: "version_number", ascending: false },
      { entity: "attribute", key: "creation_timestamp", ascending: true },
      { entity: "attribute", key: "last_updated_timestamp", ascending: false },
    ]);
    expect(errorOf(() => order(["source_path"], MODEL_VERSION_SEARCH))).toBe(
      "Invalid order_by key 'source_path' specified. Valid keys are " +
        "'name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'",
    );
    expect(errorOf(() => order(["creation_timestamp"], EXPERIMENT_SEARCH))).toContain(
      "Invalid order_by key 'creation_timestamp'",
    );
    expect(errorOf(() => order(["lifecycle_stage"]))).toContain("Invalid order_by key 'lifecycle_stage'");
  });

  it("rejects entities that cannot be ordered on", () => {
    expect(errorOf(() => order(["tags.owner"], EXPERIMENT_SEARCH))).toBe("Invalid order_by entity: tag");
    expect(errorOf(() => order(["datasets.name"]))).toBe("Invalid order_by entity: dataset");
    expect(errorOf(() => order(["params.x"], REGISTERED_MODEL_SEARCH))).toContain(
      "Invalid entity type 'params'",
    );
  });

  it("rejects malformed clauses", () => {
    expect(errorOf(() => order(["metrics.a DESC extra"]))).toBe(
      "Invalid order_by clause 'metrics.a DESC extra'. Could not be parsed.",
    );
    expect(errorOf(() => order([""]))).toBe("Invalid order_by clause ''. Could not be parsed.");
    expect(errorOf(() => order(["metrics.a, metrics.b"]))).toContain("Could not be parsed");
    expect(errorOf(() => order(["'name'"], EXPERIMENT_SEARCH))).toContain("Could not be parsed");
    expect(errorOf(() => order(["metrics.a UP"]))).toBe(
      "Invalid ordering key 'UP' in order_by clause 'metrics.a UP'. Expected ASC or DESC.",
    );
  });

  it("answers a duplicate key with INVALID_PARAMETER_VALUE (MLflow: a retried 500)", () => {
    expect(errorOf(() => order(["metrics.a", "metric.a DESC"]), "INVALID_PARAMETER_VALUE")).toBe(
      "`order_by` contains duplicate fields: 'metric.a DESC' repeats metric 'a'",
    );
    expect(errorOf(() => order(["start_time", "created DESC"]), "INVALID_PARAMETER_VALUE")).toContain(
      "'start_time'",
    );
    // Same key under different entities is not a duplicate.
    expect(order(["metrics.a", "params.a", "tags.a"])).toHaveLength(3);
  });
});
