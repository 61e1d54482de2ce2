import { userInfo } from "node:os";

/** The header the registry's audit log reads the actor from (when a request has no user_id). */
export const USER_HEADER = "x-gyre-user";

/** The login name of this process's user. */
export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    // Containers often run under a uid without a passwd entry.
    return process.env.USER ?? process.env.USERNAME ?? "unknown";
  }
}

/**
 * A user name as a header value. fetch refuses values outside Latin-1 and HTTP strips or rejects
 * control characters, so any other name is sent percent-encoded (UTF-8) rather than failing every
 * request of a user called, say, "Łukasz".
 */
export function userHeaderValue(user: string): string {
  const trimmed = user.trim();
  return /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/.test(trimmed) ? trimmed : encodeURIComponent(trimmed);
}
