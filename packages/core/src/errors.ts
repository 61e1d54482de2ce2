/**
 * The closed table of error codes Gyre can answer with, each mapped once to its HTTP status.
 * Codes and statuses follow MLflow's `databricks.proto` / `ERROR_CODE_TO_HTTP_STATUS`, so MLflow
 * clients branch on them unchanged. This module has no dependencies: the SDK imports it too.
 */
export const ERROR_HTTP_STATUS = {
  BAD_REQUEST: 400,
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_ALREADY_EXISTS: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  RESOURCE_DOES_NOT_EXIST: 404,
  ENDPOINT_NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  RESOURCE_CONFLICT: 409,
  PAYLOAD_TOO_LARGE: 413,
  REQUEST_LIMIT_EXCEEDED: 429,
  INTERNAL_ERROR: 500,
  INVALID_STATE: 500,
  NOT_IMPLEMENTED: 501,
  TEMPORARILY_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_HTTP_STATUS;

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === "string" && Object.hasOwn(ERROR_HTTP_STATUS, value);
}

export function httpStatusOf(code: ErrorCode): number {
  return ERROR_HTTP_STATUS[code];
}

/** The one error type of Gyre: thrown by services, sent as `{error_code, message}`, rebuilt by the SDK. */
export class GyreError extends Error {
  override readonly name = "GyreError";
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }

  get status(): number {
    return httpStatusOf(this.code);
  }

  toJSON(): { error_code: ErrorCode; message: string } {
    return { error_code: this.code, message: this.message };
  }
}

export const notFound = (message: string) => new GyreError("RESOURCE_DOES_NOT_EXIST", message);
export const invalidParameter = (message: string) => new GyreError("INVALID_PARAMETER_VALUE", message);
export const alreadyExists = (message: string) => new GyreError("RESOURCE_ALREADY_EXISTS", message);
