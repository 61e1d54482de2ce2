import { z } from "zod";
import { signatureSchema } from "./signature.js";

/**
 * gyre-model.json, the manifest that makes a directory a Gyre model. It lives here, not in the
 * serving package, because the SDK writes it, the registry reads it and the runtime loads it:
 * one schema, and the SDK stays free of the runtime's dependencies.
 */

/** The file that makes a directory a Gyre model. */
export const MANIFEST_FILE = "gyre-model.json";

/** Whether a '/'-separated relative path stays inside its directory once '.' and '..' are applied. */
function staysInside(path: string): boolean {
  // Absolute, Windows drive-relative and backslashed paths are refused outright.
  if (path === "" || path.startsWith("/") || path.includes("\\") || /^[a-zA-Z]:/.test(path)) return false;
  let depth = 0;
  for (const segment of path.split("/")) {
    if (segment === "..") depth--;
    else if (segment !== "" && segment !== ".") depth++;
    if (depth < 0) return false;
  }
  return true;
}

/** A path inside the model directory: relative, and never climbing out of it. */
export const innerPath = z.string().refine(staysInside, "must be a relative path inside the model directory");

/** gyre-model.json: `{format, model_file, signature?, input_example?, metadata?}`. */
export const manifestSchema = z.object({
  format: z.literal("onnx"),
  model_file: innerPath,
  signature: signatureSchema.optional(),
  input_example: z.unknown().optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
});

export type Manifest = z.output<typeof manifestSchema>;
