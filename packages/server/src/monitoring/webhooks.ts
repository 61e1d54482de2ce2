import { createHmac, randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";

/** The body's HMAC-SHA256 with the webhook's secret, as `sha256=<hex>` (GitHub's convention). */
export const SIGNATURE_HEADER = "x-gyre-signature";
/** `alert.fired` or `alert.resolved`. */
export const EVENT_HEADER = "x-gyre-event";
/** One id per delivery, the same on every retry of it (receivers de-duplicate with it). */
export const DELIVERY_HEADER = "x-gyre-delivery";

export interface Webhook {
  readonly url: string;
  readonly secret?: string | undefined;
}

export interface DeliveryOptions {
  /** Tries in all (default 5). */
  readonly attempts?: number;
  /** Wait before the second try; doubled before each later one (default 500 ms). */
  readonly backoffMs?: number;
  /** Per try (default 10 s). */
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
  /** Stops retrying (and the try in flight) when aborted: a closing server does not wait out backoffs. */
  readonly signal?: AbortSignal;
}

export interface DeliveryResult {
  readonly url: string;
  readonly ok: boolean;
  readonly attempts: number;
  readonly status?: number;
  readonly error?: string;
}

export function signature(secret: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * POSTs a JSON body to a webhook, signed when it has a secret. Network errors, timeouts, 429 and
 * 5xx answers are retried with exponential backoff; other 4xx answers are final (the receiver
 * refused it). Never throws: the result says what happened.
 */
export async function deliver(
  webhook: Webhook,
  event: string,
  body: string,
  options: DeliveryOptions = {},
): Promise<DeliveryResult> {
  const attempts = options.attempts ?? 5;
  const backoff = options.backoffMs ?? 500;
  const post = options.fetch ?? fetch;
  const headers: Record<string, string> = {
    "content-type": "application/json",
    [EVENT_HEADER]: event,
    [DELIVERY_HEADER]: randomUUID(),
    ...(webhook.secret ? { [SIGNATURE_HEADER]: signature(webhook.secret, body) } : {}),
  };
  let last: DeliveryResult = { url: webhook.url, ok: false, attempts: 0 };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (options.signal?.aborted) return { ...last, error: "abandoned: the server is closing" };
    if (attempt > 1) {
      const waited = await sleep(backoff * 2 ** (attempt - 2), true, { signal: options.signal }).catch(
        () => false,
      );
      if (!waited) return { ...last, error: "abandoned: the server is closing" };
    }
    try {
      const timeout = AbortSignal.timeout(options.timeoutMs ?? 10_000);
      const response = await post(webhook.url, {
        method: "POST",
        headers,
        body,
        signal: options.signal ? AbortSignal.any([timeout, options.signal]) : timeout,
      });
      await response.arrayBuffer().catch(() => undefined);
      last = { url: webhook.url, ok: response.ok, attempts: attempt, status: response.status };
      if (response.ok) return last;
      if (response.status < 500 && response.status !== 429) return last;
    } catch (error) {
      last = {
        url: webhook.url,
        ok: false,
        attempts: attempt,
        error: error instanceof Error ? error.message : String(error),
      };
    }
  }
  return last;
}
