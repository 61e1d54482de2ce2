import cluster, { type Worker } from "node:cluster";

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

/** A worker's lifecycle messages to the primary (beside channel calls). */
type Lifecycle = { type: "listening"; url: string } | { type: "start-failed"; message: string };

const STOP_TIMEOUT_MS = 30_000;

/** One worker process and the channel to it. */
export interface Member {
  readonly worker: Worker;
  readonly index: number;
  readonly channel: IpcChannel;
}

/**
 * The primary's side of a group of worker processes sharing one port: forks them, waits until
 * each listens, replaces one that dies while serving (with the same index), and stops them all.
 * What the workers may ask the primary is `handlersOf(member)`.
 */
export class WorkerGroup {
  private readonly all = new Set<Member>();
  private closing = false;

  constructor(
    private readonly options: {
      /** The environment of the worker with this index (what it serves, as JSON). */
      readonly envOf: (index: number) => Record<string, string>;
      readonly handlersOf: (member: Member) => IpcHandlers;
      /** "serving worker", "server worker": how messages name a worker. */
      readonly what: string;
      readonly warn: (line: string) => void;
    },
  ) {}

  /** Forks `count` workers; resolves with the first one's URL once all listen, or fails and stops them. */
  async start(count: number): Promise<string> {
    try {
      const urls = await Promise.all(Array.from({ length: count }, (_, index) => this.fork(index)));
      return urls[0]!;
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  /** The live workers, optionally without one. */
  members(except?: Member): Member[] {
    return [...this.all].filter((m) => m !== except && !m.worker.isDead());
  }

  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      [...this.all].map(
        ({ worker, channel }) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const timer = setTimeout(() => worker.kill("SIGKILL"), STOP_TIMEOUT_MS);
            worker.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            channel.call("shutdown").catch(() => undefined);
          }),
      ),
    );
  }

  private fork(index: number): Promise<string> {
    const worker = cluster.fork(this.options.envOf(index));
    // Filled once the member exists: the handlers may call back through its own channel.
    const handlers: IpcHandlers = {};
    const channel = new IpcChannel((message) => worker.isConnected() && worker.send(message), handlers);
    const self: Member = { worker, index, channel };
    Object.assign(handlers, this.options.handlersOf(self));
    this.all.add(self);
    let listening = false;
    worker.on("message", (message: unknown) => {
      if (!channel.receive(message) && (message as Lifecycle).type === "listening") listening = true;
    });
    worker.once("exit", (code, signal) => {
      this.all.delete(self);
      channel.close("the worker exited");
      // One that never started is the caller's failure to report, not one to replace in a loop.
      if (this.closing || !listening) return;
      this.options.warn(
        `error: ${this.options.what} ${worker.process.pid} exited (${signal ?? `code ${code}`}); starting another`,
      );
      this.fork(index).catch((error: Error) =>
        this.options.warn(`error: cannot replace the ${this.options.what}: ${error.message}`),
      );
    });
    return new Promise((resolve, reject) => {
      const onMessage = (message: Lifecycle) => {
        if (message.type === "listening") resolve(message.url);
        if (message.type === "start-failed") reject(new Error(message.message));
        if (message.type === "listening" || message.type === "start-failed") worker.off("message", onMessage);
      };
      worker.on("message", onMessage);
      worker.once("exit", (code) =>
        reject(new Error(`a ${this.options.what} exited while starting (code ${code})`)),
      );
    });
  }
}

/**
 * The worker's side: starts what it serves, reports it listening, answers the primary's calls
 * (`handlers`, plus "shutdown"), and resolves once `stop` has finished — after the primary's
 * shutdown, a signal, or the primary going away (an orphan must not keep the port).
 */
export async function runWorker(
  handlers: IpcHandlers,
  start: (channel: IpcChannel) => Promise<{ url: string; stop: () => Promise<void> }>,
): Promise<void> {
  const toPrimary = (message: unknown) => process.send?.(message);
  let stop: () => Promise<void> = async () => undefined;
  const channel = new IpcChannel(toPrimary, {
    ...handlers,
    shutdown: () => {
      void stop();
    },
  });
  process.on("message", (message) => channel.receive(message));
  let started: { url: string; stop: () => Promise<void> };
  try {
    started = await start(channel);
  } catch (error) {
    toPrimary({ type: "start-failed", message: error instanceof Error ? error.message : String(error) });
    process.disconnect?.();
    return;
  }
  let stopping: Promise<void> | undefined;
  const stopped = new Promise<void>((resolve) => {
    stop = () => {
      stopping ??= started.stop().then(resolve);
      return stopping;
    };
    // Ctrl+C reaches the whole process group; the primary's orderly shutdown follows anyway.
    for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => void stop());
    process.on("disconnect", () => void stop());
  });
  toPrimary({ type: "listening", url: started.url } satisfies Lifecycle);
  await stopped;
  channel.close("the worker is shutting down");
  process.disconnect?.();
}
