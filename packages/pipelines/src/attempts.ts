import type { RetryPolicy } from "./definition.js";
import { errorText, StepCancelled } from "./executor.js";

export type Sleep = (ms: number, signal: AbortSignal) => Promise<void>;

/** setTimeout as a promise that an abort ends early (rejecting). */
export const abortableSleep: Sleep = (ms, signal) =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });

/** The delay before retry number `retry` (1 = the first retry): backoff · 2^(retry−1), capped. */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  return Math.min(policy.maxBackoffMs, policy.backoffMs * 2 ** (retry - 1));
}

export interface AttemptHooks {
  signal: AbortSignal;
  log(line: string): void;
  onAttempt(attempt: number): void;
  sleep?: Sleep;
}

/**
 * Runs attempts until one succeeds or the retries are used up, waiting the backoff between them.
 * A cancelled pipeline stops at once with StepCancelled.
 */
export async function withRetries<T>(
  step: string,
  policy: RetryPolicy,
  hooks: AttemptHooks,
  attempt: (number: number) => Promise<T>,
): Promise<T> {
  const sleep = hooks.sleep ?? abortableSleep;
  for (let number = 1; ; number++) {
    if (hooks.signal.aborted) throw new StepCancelled(step);
    hooks.onAttempt(number);
    try {
      return await attempt(number);
    } catch (error) {
      if (hooks.signal.aborted) throw new StepCancelled(step);
      if (number > policy.retries) throw error;
      const delay = backoffDelay(policy, number);
      hooks.log(`attempt ${number} failed: ${errorText(error)}; retrying in ${delay} ms`);
      try {
        await sleep(delay, hooks.signal);
      } catch {
        throw new StepCancelled(step);
      }
    }
  }
}

/**
 * Runs `body` with a signal aborted on `timeoutMs` or when `outer` aborts, and settles as soon as
 * either happens, even if `body` ignores its signal (its result is then dropped).
 */
export async function withTimeout<T>(
  step: string,
  timeoutMs: number | undefined,
  outer: AbortSignal,
  body: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timedOut = false;
  const onOuterAbort = () => controller.abort(new StepCancelled(step));
  outer.addEventListener("abort", onOuterAbort, { once: true });
  if (outer.aborted) onOuterAbort();
  const timer =
    timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          controller.abort(new Error(`step '${step}' timed out after ${timeoutMs} ms`));
        }, timeoutMs);
  const aborted = new Promise<never>((_, reject) => {
    const fail = () => reject(controller.signal.reason);
    if (controller.signal.aborted) fail();
    else controller.signal.addEventListener("abort", fail, { once: true });
  });
  aborted.catch(() => undefined);
  try {
    return await Promise.race([body(controller.signal), aborted]);
  } catch (error) {
    if (timedOut) throw controller.signal.reason;
    throw error;
  } finally {
    if (timer) clearTimeout(timer);
    outer.removeEventListener("abort", onOuterAbort);
  }
}
