import { randomUUID } from "node:crypto";
import { MANIFEST_FILE, type ModelSignature, signatureToMlflow } from "@gyre/core";

/**
 * The MLmodel document of a logged model. It is both the `MLmodel` file written into the model
 * directory (so MLflow can load the model) and the `model_json` of `runs/log-model` (so MLflow
 * clients list it among the run's logged models): MLflow sends its MLmodel's dict there too.
 */
export interface MlmodelInput {
  readonly runId: string;
  readonly artifactPath: string;
  readonly modelFile: string;
  readonly signature?: ModelSignature;
  /** Where the input example was written for MLflow, when it has a shape MLflow can load. */
  readonly inputExampleFile?: string;
  /** Whether the base document's own example (a file taken along unchanged) still applies. */
  readonly keepBaseExample?: boolean;
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** An MLflow source's own document: its other flavors and fields are kept. */
  readonly base?: Readonly<Record<string, unknown>>;
  readonly createdAt: Date;
}

/** The file MLflow's loaders look for. */
export const INPUT_EXAMPLE_FILE = "input_example.json";

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** MLflow's `utc_time_created`: Python's `str(datetime.utcnow())`, microseconds included. */
export function mlflowTimestamp(date: Date): string {
  return `${date.toISOString().replace("T", " ").replace("Z", "")}000`;
}

/** A DataFrame in pandas' split orientation: the one example shape every MLflow version loads. */
export function isSplitDataFrame(example: unknown): boolean {
  return isRecord(example) && Array.isArray(example.columns) && Array.isArray(example.data);
}

export function mlmodelDocument(input: MlmodelInput): Record<string, unknown> {
  const base = input.base ?? {};
  const baseFlavors = isRecord(base.flavors) ? base.flavors : {};
  // The ONNX flavor names its file by `data` alone once Gyre rewrites the document.
  const onnx = isRecord(baseFlavors.onnx)
    ? Object.fromEntries(Object.entries(baseFlavors.onnx).filter(([key]) => key !== "onnx_model"))
    : {};
  const pyfunc = isRecord(baseFlavors.python_function)
    ? baseFlavors.python_function
    : { loader_module: "mlflow.onnx", data: input.modelFile };
  const document: Record<string, unknown> = {
    ...base,
    artifact_path: input.artifactPath,
    flavors: {
      ...baseFlavors,
      onnx: { providers: ["CPUExecutionProvider"], code: null, ...onnx, data: input.modelFile },
      python_function: pyfunc,
      gyre: { format: "onnx", manifest: MANIFEST_FILE, model_file: input.modelFile },
    },
    run_id: input.runId,
    utc_time_created: mlflowTimestamp(input.createdAt),
    model_uuid: randomUUID().replaceAll("-", ""),
  };
  if (input.signature) document.signature = signatureToMlflow(input.signature);
  else delete document.signature;
  if (input.inputExampleFile) {
    document.saved_input_example_info = {
      artifact_path: input.inputExampleFile,
      type: "dataframe",
      pandas_orient: "split",
    };
  } else if (!input.keepBaseExample) {
    delete document.saved_input_example_info;
  }
  if (input.metadata && Object.keys(input.metadata).length > 0) document.metadata = { ...input.metadata };
  else delete document.metadata;
  return document;
}
