import { describe, expect, it } from "vitest";
import { DEFAULT_TRACKING_URI, GyreError, resolveTrackingUri, trackingUriFromEnv } from "../src/index.js";

describe("tracking URI resolution", () => {
  const env = { GYRE_TRACKING_URI: "http://gyre:1", MLFLOW_TRACKING_URI: "http://mlflow:2" };

  it("prefers the explicit option, then GYRE_TRACKING_URI, then MLFLOW_TRACKING_URI, then the default", () => {
    expect(resolveTrackingUri("https://explicit:3/", env)).toBe("https://explicit:3");
    expect(resolveTrackingUri(undefined, env)).toBe("http://gyre:1");
    expect(resolveTrackingUri(undefined, { MLFLOW_TRACKING_URI: "http://mlflow:2" })).toBe("http://mlflow:2");
    expect(resolveTrackingUri(undefined, { GYRE_TRACKING_URI: " ", MLFLOW_TRACKING_URI: "" })).toBe(
      DEFAULT_TRACKING_URI,
    );
    expect(DEFAULT_TRACKING_URI).toBe("http://127.0.0.1:5000");
  });

  it("keeps a path prefix of a server mounted below the root", () => {
    expect(resolveTrackingUri("http://host/mlflow/", {})).toBe("http://host/mlflow");
  });

  it("reports the environment's choice without a default", () => {
    expect(trackingUriFromEnv({})).toBeUndefined();
    expect(trackingUriFromEnv({ MLFLOW_TRACKING_URI: "sqlite:///x.db" })).toBe("sqlite:///x.db");
  });

  it("rejects URIs that are not http(s) with a clear error", () => {
    for (const uri of ["sqlite:///mlflow.db", "file:./mlruns", "databricks", "http://"]) {
      let caught: unknown;
      try {
        resolveTrackingUri(uri, {});
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(GyreError);
      expect((caught as GyreError).code).toBe("INVALID_PARAMETER_VALUE");
      expect((caught as GyreError).message).toContain(`Unsupported tracking URI '${uri}'`);
    }
  });
});
