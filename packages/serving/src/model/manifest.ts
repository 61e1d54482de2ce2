import path from "node:path";
import { z } from "zod";
import { signatureSchema } from "./signature.js";

/** The file that makes a directory a Gyre model. */
export const MANIFEST_FILE = "gyre-model.json";

/** A path inside the model directory: relative, and never climbing out of it. */
export const innerPath = z.string().refine((p) => {
  if (p === "" || path.isAbsolute(p) || p.includes("\\")) return false;
  const normalized = path.posix.normalize(p);
  return normalized !== ".." && !normalized.startsWith("../");
}, "must be a relative path inside the model directory");

/** gyre-model.json: `{format, model_file, signature?, input_example?, metadata?}`. */
export const manifestSchema = z.object({
  format: z.literal("onnx"),
  model_file: innerPath,
  signature: signatureSchema.optional(),
  input_example: z.unknown().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export type Manifest = z.output<typeof manifestSchema>;
