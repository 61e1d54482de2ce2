import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { GyreError } from "@gyre/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readModelDir, writeModelDir } from "../src/index.js";
import { parseMlflowSignature } from "../src/model/signature.js";
import { COLUMN_SIGNATURE, logregGraph, mlflowTreesDir, onnx } from "./support/models.js";

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "gyre-model-dir-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function failure(promise: Promise<unknown>): Promise<GyreError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(GyreError);
  return error as GyreError;
}

describe("Gyre model directories", () => {
  it("writes the ONNX file and gyre-model.json, and reads them back", async () => {
    const dir = path.join(root, "written");
    const bytes = onnx(logregGraph());
    const written = await writeModelDir(dir, {
      onnxBytes: bytes,
      signature: COLUMN_SIGNATURE,
      inputExample: { columns: ["x0"], data: [[1]] },
      metadata: { owner: "risk-team" },
    });
    const manifest = JSON.parse(await readFile(path.join(dir, "gyre-model.json"), "utf8"));
    expect(manifest).toEqual({
      format: "onnx",
      model_file: "model.onnx",
      signature: {
        inputs: Array.from({ length: 20 }, (_, i) => ({ name: `x${i}`, type: "double" })),
        outputs: [{ name: "probability", type: "float32", shape: [-1, 1] }],
      },
      input_example: { columns: ["x0"], data: [[1]] },
      metadata: { owner: "risk-team" },
    });
    expect(new Uint8Array(await readFile(path.join(dir, "model.onnx")))).toEqual(bytes);
    const read = await readModelDir(dir);
    expect(read).toEqual(written);
    expect(read).toEqual({
      path: dir,
      flavor: "gyre",
      format: "onnx",
      modelFile: path.join(dir, "model.onnx"),
      signature: COLUMN_SIGNATURE,
      inputExample: { columns: ["x0"], data: [[1]] },
      metadata: { owner: "risk-team" },
    });
  });

  it("leaves the signature out when none is given (the runtime infers it from the graph)", async () => {
    const dir = path.join(root, "bare");
    await writeModelDir(dir, { onnxBytes: onnx(logregGraph()), modelFile: "nested/m.onnx" });
    expect(await readModelDir(dir)).toEqual({
      path: dir,
      flavor: "gyre",
      format: "onnx",
      modelFile: path.join(dir, "nested/m.onnx"),
    });
  });

  it("rejects directories that are not models, and invalid manifests, naming the problem", async () => {
    const empty = path.join(root, "empty");
    await mkdir(empty);
    const missing = await failure(readModelDir(empty));
    expect([missing.code, missing.message]).toEqual([
      "RESOURCE_DOES_NOT_EXIST",
      `${empty} is not a model directory: it has neither gyre-model.json nor MLmodel`,
    ]);

    const bad = path.join(root, "bad-format");
    await mkdir(bad);
    await writeFile(
      path.join(bad, "gyre-model.json"),
      JSON.stringify({ format: "pickle", model_file: "../x.onnx" }),
    );
    const invalid = await failure(readModelDir(bad));
    expect(invalid.code).toBe("INVALID_PARAMETER_VALUE");
    expect(invalid.message).toContain(`${path.join(bad, "gyre-model.json")} is invalid: format: `);
    expect(invalid.message).toContain("model_file: must be a relative path inside the model directory");

    const badType = path.join(root, "bad-type");
    await mkdir(badType);
    await writeFile(
      path.join(badType, "gyre-model.json"),
      JSON.stringify({
        format: "onnx",
        model_file: "m.onnx",
        signature: { inputs: [{ name: "when", type: "datetime" }] },
      }),
    );
    expect((await failure(readModelDir(badType))).message).toBe(
      `${path.join(badType, "gyre-model.json")} is invalid: signature.inputs.0.type: unsupported column type 'datetime'`,
    );

    const noFile = path.join(root, "no-file");
    await mkdir(noFile);
    await writeFile(
      path.join(noFile, "gyre-model.json"),
      JSON.stringify({ format: "onnx", model_file: "m.onnx" }),
    );
    expect((await failure(readModelDir(noFile))).message).toBe(
      `The model file ${path.join(noFile, "m.onnx")} does not exist`,
    );
  });
});

describe("MLflow model directories", () => {
  it("reads an MLmodel with an onnx flavor: model file, signature from JSON strings, input example", async () => {
    const dir = await mlflowTreesDir(path.join(root, "mlflow"));
    expect(await readModelDir(dir)).toEqual({
      path: dir,
      flavor: "mlflow",
      format: "onnx",
      modelFile: path.join(dir, "model.onnx"),
      signature: {
        inputs: [
          { name: "f0", type: "double" },
          { name: "f1", type: "double" },
          { name: "f2", type: "double" },
        ],
        outputs: [{ name: "label", type: "long" }],
      },
      inputExample: { columns: ["f0", "f1", "f2"], data: [[0, 0, 0]] },
    });
  });

  it("parses tensor specs, unnamed ones included", () => {
    expect(
      parseMlflowSignature({
        inputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1, 20]}}]',
        outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}, "name": "label"}]',
      }),
    ).toEqual({
      inputs: [{ type: "float32", shape: [-1, 20] }],
      outputs: [{ name: "label", type: "int64", shape: [-1] }],
    });
    expect(() => parseMlflowSignature({ inputs: '[{"type": "datetime", "name": "t"}]' })).toThrow(
      "Invalid MLflow signature inputs: unsupported column type 'datetime'",
    );
    expect(() =>
      parseMlflowSignature({
        inputs:
          '[{"type": "double", "name": "a"}, {"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}]',
      }),
    ).toThrow("Invalid MLflow signature inputs: columns and tensors are mixed");
  });

  it("refuses an MLflow model without an onnx flavor, listing the flavors it has", async () => {
    const dir = path.join(root, "sklearn");
    await mkdir(dir);
    await writeFile(
      path.join(dir, "MLmodel"),
      "flavors:\n  python_function: {loader_module: mlflow.sklearn}\n  sklearn: {pickled_model: model.pkl}\n",
    );
    const error = await failure(readModelDir(dir));
    expect([error.code, error.message]).toEqual([
      "INVALID_PARAMETER_VALUE",
      `MLflow model at ${dir}: MLmodel has no onnx flavor (flavors: python_function, sklearn)`,
    ]);
  });

  it("accepts flavors.onnx.onnx_model as the model file key", async () => {
    const dir = path.join(root, "onnx-model-key");
    await mkdir(dir);
    await writeFile(path.join(dir, "graph.onnx"), onnx(logregGraph()));
    await writeFile(path.join(dir, "MLmodel"), "flavors:\n  onnx:\n    onnx_model: graph.onnx\n");
    expect((await readModelDir(dir)).modelFile).toBe(path.join(dir, "graph.onnx"));
  });
});
