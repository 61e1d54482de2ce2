/**
 * Offset page tokens in MLflow's own format (spec §6): base64 of the JSON `{"offset": N}`. Clients treat
 * the token as opaque; matching the format keeps tokens interchangeable with an MLflow server's.
 */
import { GyreError } from "@gyre/core/errors";

// Standard and URL-safe alphabets: Node decodes both, and a token may have passed through a URL.
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

const invalid = (message: string) => new GyreError("INVALID_PARAMETER_VALUE", message);

export function encodePageToken(offset: number): string {
  // An offset of 0 is the first page, which takes no token; the decoder rejects it as MLflow does.
  if (!Number.isSafeInteger(offset) || offset <= 0) {
    throw new RangeError(`A page token offset must be a positive integer, got ${offset}`);
  }
  // The space after the colon is what Python's json.dumps writes, so the bytes match MLflow's tokens.
  return Buffer.from(`{"offset": ${offset}}`, "utf8").toString("base64");
}

export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === "") return 0;
  // Node's decoder skips characters outside the alphabet silently, so validate before decoding.
  if (!BASE64.test(token) || token.replace(/=+$/, "").length % 4 === 1) {
    throw invalid(`Invalid page token '${token}', could not base64-decode`);
  }
  const decoded = Buffer.from(token, "base64").toString("utf8");
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded);
  } catch {
    throw invalid(`Invalid page token '${token}', decoded value=${decoded}`);
  }
  const offset = typeof parsed === "object" && parsed !== null ? Reflect.get(parsed, "offset") : undefined;
  if (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset <= 0) {
    throw invalid(`Invalid page token '${token}', parsed value=${decoded}`);
  }
  return offset;
}
