import { type ErrorCode, GyreError, isErrorCode } from "@gyre/core/errors";

/**
 * Codes for error bodies that carry no code Gyre knows (proxies, HTML error pages, other servers).
 * MLflow's client maps 400 and 404 the same way; the other entries keep `GyreError.status` equal
 * to the status actually received wherever the table has an unambiguous code for it.
 */
const CODE_BY_STATUS: Readonly<Record<number, ErrorCode>> = {
  400: "BAD_REQUEST",
  401: "UNAUTHENTICATED",
  403: "PERMISSION_DENIED",
  404: "ENDPOINT_NOT_FOUND",
  405: "METHOD_NOT_ALLOWED",
  409: "RESOURCE_CONFLICT",
  413: "PAYLOAD_TOO_LARGE",
  429: "REQUEST_LIMIT_EXCEEDED",
  501: "NOT_IMPLEMENTED",
  503: "TEMPORARILY_UNAVAILABLE",
};

function codeForStatus(status: number): ErrorCode {
  return CODE_BY_STATUS[status] ?? "INTERNAL_ERROR";
}

/** Rebuilds the server's `{error_code, message}` as a GyreError; consumes the response body. */
export async function errorFromResponse(response: Response, what: string): Promise<GyreError> {
  const text = await response.text().catch(() => "");
  const body = parseErrorBody(text);
  if (body && isErrorCode(body.error_code)) return new GyreError(body.error_code, body.message);
  const fallback = codeForStatus(response.status);
  if (body) {
    return new GyreError(fallback, `${body.message} (server error code ${String(body.error_code)})`);
  }
  const excerpt = text.trim().slice(0, 200);
  return new GyreError(
    fallback,
    `${what} failed with HTTP ${response.status}${excerpt ? `: ${excerpt}` : ""}`.trimEnd(),
  );
}

/** The thrown error when the server could not be reached at all, after the last retry. */
export function unreachableError(trackingUri: string, cause: unknown): GyreError {
  const reason = describeNetworkError(cause);
  return new GyreError(
    "TEMPORARILY_UNAVAILABLE",
    `Cannot reach the tracking server at ${trackingUri}: ${reason}`,
    {
      cause,
    },
  );
}

function parseErrorBody(text: string): { error_code: unknown; message: string } | undefined {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === "object" && value !== null && "error_code" in value) {
      const message = "message" in value && typeof value.message === "string" ? value.message : "";
      return { error_code: value.error_code, message };
    }
  } catch {
    // Not JSON: the caller falls back to the HTTP status.
  }
  return undefined;
}

/** fetch() reports every network failure as "fetch failed"; the useful part is in `cause`. */
function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  if (cause instanceof Error) {
    const code = "code" in cause && typeof cause.code === "string" ? `${cause.code}: ` : "";
    return `${code}${cause.message}`;
  }
  return error.message;
}
