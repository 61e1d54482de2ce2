import { describeIssues, type V2InferenceRequest, v2InferenceRequest } from "./contracts.js";
import { invalid } from "./decode.js";

/**
 * The inference request body, checked by hand on the hot path: `isV2InferenceRequest` accepts
 * exactly what the contract's zod schema (`v2InferenceRequest`) accepts — a property test holds
 * the two together — at a fraction of its cost per request. A body it refuses goes through zod
 * once more, for the contract's own message naming the field.
 */
export function parseV2InferenceRequest(value: unknown): V2InferenceRequest {
  if (isV2InferenceRequest(value)) return value;
  const result = v2InferenceRequest.safeParse(value);
  if (!result.success) throw invalid(`Invalid inference request: ${describeIssues(result.error)}`);
  return result.data;
}

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `parameters`: string → string | number | boolean (a finite number: JSON has no other). */
function isParameters(value: unknown): boolean {
  if (value === undefined) return true;
  if (!isObject(value)) return false;
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    const v = value[key];
    const t = typeof v;
    if (t !== "string" && t !== "boolean" && !(t === "number" && Number.isFinite(v))) return false;
  }
  return true;
}

function isShape(value: unknown): boolean {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) {
    const d = value[i];
    if (!(Number.isSafeInteger(d) && (d as number) >= 0)) return false;
  }
  return true;
}

function isInput(value: unknown): boolean {
  return (
    isObject(value) &&
    typeof value.name === "string" &&
    isShape(value.shape) &&
    typeof value.datatype === "string" &&
    isParameters(value.parameters) &&
    (value.data === undefined || Array.isArray(value.data))
  );
}

function isRequestedOutput(value: unknown): boolean {
  return isObject(value) && typeof value.name === "string" && isParameters(value.parameters);
}

export function isV2InferenceRequest(value: unknown): value is V2InferenceRequest {
  if (!isObject(value)) return false;
  if (value.id !== undefined && typeof value.id !== "string") return false;
  if (!isParameters(value.parameters)) return false;
  const inputs = value.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) return false;
  for (let i = 0; i < inputs.length; i++) if (!isInput(inputs[i])) return false;
  const outputs = value.outputs;
  if (outputs !== undefined) {
    if (!Array.isArray(outputs)) return false;
    for (let i = 0; i < outputs.length; i++) if (!isRequestedOutput(outputs[i])) return false;
  }
  return true;
}
