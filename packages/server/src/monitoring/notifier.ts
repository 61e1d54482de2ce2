import type { monitoring } from "@gyre/core";
import { type DeliveryOptions, type DeliveryResult, deliver, type Webhook } from "./webhooks.js";

export interface AlertEvent {
  readonly event: "alert.fired" | "alert.resolved";
  readonly monitor: string;
  readonly alert: monitoring.Alert;
  readonly evaluation: monitoring.Evaluation;
  /** Where the evaluation's reports are (mlflow-artifacts:/monitoring/<monitor>/<n>). */
  readonly report_uri?: string;
}

/** An in-process action on alerts (e.g. start a retraining pipeline); errors are logged, never rethrown. */
export type AlertCallback = (event: AlertEvent) => void | Promise<void>;

/** The server's log, as Fastify's (pino) logger offers it. */
export interface MonitoringLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
  error(object: object, message: string): void;
}

const silent: MonitoringLogger = { info() {}, warn() {}, error() {} };

/**
 * Tells the world about alerts: the server log, every registered in-process callback, and the
 * monitor's webhooks (delivered in the background, signed and retried; see webhooks.ts). The
 * webhook body is the AlertEvent as JSON.
 */
export class AlertNotifier {
  private readonly callbacks = new Set<AlertCallback>();
  private readonly pending = new Set<Promise<unknown>>();
  private logger: MonitoringLogger = silent;
  private readonly closing = new AbortController();

  constructor(private readonly delivery: DeliveryOptions = {}) {}

  /** Abandons pending webhook retries (logged as failed deliveries), then waits for the rest. */
  async close(): Promise<void> {
    this.closing.abort();
    await this.idle();
  }

  setLogger(logger: MonitoringLogger): void {
    this.logger = logger;
  }

  /** Registers an action on every alert event; returns its removal. */
  onAlert(callback: AlertCallback): () => void {
    this.callbacks.add(callback);
    return () => this.callbacks.delete(callback);
  }

  notify(event: AlertEvent, webhooks: readonly Webhook[]): void {
    const summary = {
      monitor: event.monitor,
      alert_id: event.alert.id,
      evaluation: event.evaluation.number,
      breaches: event.evaluation.breaches,
    };
    if (event.event === "alert.fired") this.logger.warn(summary, `monitor ${event.monitor}: alert fired`);
    else this.logger.info(summary, `monitor ${event.monitor}: alert resolved`);
    for (const callback of this.callbacks) {
      this.track(
        (async () => callback(event))().catch((error: unknown) =>
          this.logger.error({ monitor: event.monitor, error: String(error) }, "alert action failed"),
        ),
      );
    }
    const body = JSON.stringify(event);
    for (const webhook of webhooks) {
      this.track(
        deliver(webhook, event.event, body, { ...this.delivery, signal: this.closing.signal }).then(
          (result: DeliveryResult) => {
            if (!result.ok) {
              this.logger.error(
                {
                  monitor: event.monitor,
                  url: webhook.url,
                  attempts: result.attempts,
                  status: result.status,
                  error: result.error,
                },
                "alert webhook delivery failed",
              );
            }
          },
        ),
      );
    }
  }

  /** Resolves when every delivery and action started so far has finished. */
  async idle(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  private track(work: Promise<unknown>): void {
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
  }
}
