/**
 * Calls over a cluster IPC channel, in either direction (primary → worker, worker → primary),
 * answered by id: `gyre serve --workers N` and `gyre server --serving-workers N` coordinate their
 * processes with it.
 */

export type IpcMessage =
  | { readonly gyre: "call"; readonly id: number; readonly method: string; readonly args: unknown }
  | { readonly gyre: "answer"; readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly gyre: "answer"; readonly id: number; readonly ok: false; readonly error: string };

// biome-ignore lint/suspicious/noExplicitAny: each method's arguments are its own (checked at the call sites)
export type IpcHandlers = Record<string, (args: any) => unknown>;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
}

export class IpcChannel {
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();

  constructor(
    private readonly send: (message: IpcMessage) => void,
    private readonly handlers: IpcHandlers,
  ) {}

  /** Calls `method` on the other side; rejects with its error, or after `timeoutMs`. */
  call<T>(method: string, args: unknown = undefined, timeoutMs?: number): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : setTimeout(() => {
              this.pending.delete(id);
              reject(new Error(`no answer to '${method}' within ${timeoutMs} ms`));
            }, timeoutMs);
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject, timer });
      try {
        this.send({ gyre: "call", id, method, args });
      } catch (error) {
        this.settle(id, { ok: false, error: (error as Error).message });
      }
    });
  }

  /** Handles a message if it belongs to a channel; returns whether it did. */
  receive(message: unknown): boolean {
    const m = message as Partial<IpcMessage> | null;
    if (!m || typeof m !== "object" || (m.gyre !== "call" && m.gyre !== "answer")) return false;
    if (m.gyre === "answer") {
      this.settle(m.id!, m as IpcMessage & { gyre: "answer" });
      return true;
    }
    const { id, method, args } = m as IpcMessage & { gyre: "call" };
    const handler = this.handlers[method];
    const answer = (result: { ok: true; value: unknown } | { ok: false; error: string }) => {
      try {
        this.send({ gyre: "answer", id, ...result });
      } catch {
        // The other side is gone; it has nothing left to wait for.
      }
    };
    if (!handler) {
      answer({ ok: false, error: `unknown method '${method}'` });
      return true;
    }
    Promise.resolve()
      .then(() => handler(args))
      .then(
        (value) => answer({ ok: true, value }),
        (error: unknown) =>
          answer({ ok: false, error: error instanceof Error ? error.message : String(error) }),
      );
    return true;
  }

  /** Rejects every call still waiting (the other side went away). */
  close(reason: string): void {
    for (const id of [...this.pending.keys()]) this.settle(id, { ok: false, error: reason });
  }

  private settle(id: number, result: { ok: true; value?: unknown } | { ok: false; error: string }): void {
    const pending = this.pending.get(id);
    if (!pending) return;
    this.pending.delete(id);
    if (pending.timer) clearTimeout(pending.timer);
    if (result.ok) pending.resolve(result.value);
    else pending.reject(new Error(result.error));
  }
}
