import net from "node:net";

/**
 * An HTTP/1.1 load generator on raw sockets, rotating through pre-serialised requests. Closed
 * loop by default: each connection sends its next request when the previous answer is complete,
 * so the server runs flat out and latency is whatever saturation gives. Open loop with
 * `ratePerS`: requests fall due at a fixed rate whatever the server does, go out on idle
 * connections, and are timed from when they fell due (or when the client's timer first saw them
 * due, so its own lateness is not charged to the server) — waiting for a free connection counts,
 * as it would for a real caller (no coordinated omission). It does the
 * least a client can — write bytes, find the header end and Content-Length — so it leaves most
 * of the shared 2 cores to the server, and it times answers in microseconds (autocannon's
 * histogram has 1 ms resolution, too coarse for a 3 ms p99 target). wrk would do, but is not
 * on a fresh machine.
 */

export interface LoadOptions {
  readonly port: number;
  /** Whole HTTP requests, sent in rotation. */
  readonly requests: readonly Buffer[];
  readonly connections: number;
  /** Stops issuing after this long (ms) or this many requests, whichever comes first. */
  readonly durationMs?: number;
  readonly maxRequests?: number;
  /** Sees each 2xx answer's body; leave unset when not needed (reading bodies costs client CPU). */
  readonly onBody?: (body: Buffer) => void;
  /** Open loop: this many requests fall due per second, spread evenly (see above). */
  readonly ratePerS?: number;
}

/** The next request for a connection; `dueAt` is where its latency starts. */
interface Outgoing {
  readonly request: Buffer;
  readonly dueAt: number;
}

/** How often the open loop's timer looks for due requests (Node's timers go no finer than 1 ms). */
const PACE_TICK_MS = 1;

export interface LoadResult {
  /** Answers received, whatever their status. */
  readonly answered: number;
  readonly ok: number;
  readonly non2xx: number;
  /** Connections that failed or closed with a request outstanding. */
  readonly socketErrors: number;
  readonly elapsedMs: number;
  /** Latencies of the 2xx answers, milliseconds. */
  readonly latenciesMs: Float64Array;
  readonly statuses: Readonly<Record<string, number>>;
}

const HEADER_END = Buffer.from("\r\n\r\n");
const CONTENT_LENGTH = /\r\ncontent-length:\s*(\d+)/i;

/** Counters a caller may read while the load runs (the alias mover watches `answered`). */
export class LoadRun {
  answered = 0;
  ok = 0;
  non2xx = 0;
  socketErrors = 0;
  issued = 0;
  readonly statuses: Record<string, number> = {};
  latencies = new Float64Array(1 << 16);
  private stopAt = Number.POSITIVE_INFINITY;
  private started = 0;
  private open = 0;
  private finish: () => void = () => undefined;
  /** Open loop: when the next request falls due, and connections waiting for one. */
  private nextDue = 0;
  private readonly idle: Connection[] = [];
  private pacer: NodeJS.Timeout | undefined;

  constructor(private readonly options: LoadOptions) {}

  run(): Promise<LoadResult> {
    this.started = performance.now();
    if (this.options.durationMs !== undefined) this.stopAt = this.started + this.options.durationMs;
    return new Promise((resolve) => {
      this.finish = () => {
        const elapsedMs = performance.now() - this.started;
        resolve({
          answered: this.answered,
          ok: this.ok,
          non2xx: this.non2xx,
          socketErrors: this.socketErrors,
          elapsedMs,
          latenciesMs: this.latencies.slice(0, this.ok),
          statuses: this.statuses,
        });
      };
      const { ratePerS } = this.options;
      if (ratePerS !== undefined) {
        this.nextDue = this.started;
        this.pacer = setInterval(() => this.dispatch(), PACE_TICK_MS);
      }
      for (let i = 0; i < this.options.connections; i++) this.connect();
    });
  }

  /**
   * The next request for `connection`: undefined once the run is over (the connection closes),
   * "wait" when in the open loop nothing is due yet (the connection waits in `idle`).
   */
  next(connection: Connection, notBefore = 0): Outgoing | "wait" | undefined {
    const { maxRequests, requests, ratePerS } = this.options;
    if (maxRequests !== undefined && this.issued >= maxRequests) return undefined;
    const now = performance.now();
    if (ratePerS === undefined) {
      if (now >= this.stopAt) return undefined;
      return { request: requests[this.issued++ % requests.length]!, dueAt: now };
    }
    if (this.nextDue >= this.stopAt) return undefined;
    if (this.nextDue > now) {
      this.idle.push(connection);
      return "wait";
    }
    const dueAt = Math.max(this.nextDue, notBefore);
    this.nextDue += 1000 / ratePerS;
    return { request: requests[this.issued++ % requests.length]!, dueAt };
  }

  /**
   * The open loop's timer: hands due requests to idle connections. A request the timer sees late
   * is timed from the timer's run, not from when it fell due: that lateness is the client's.
   */
  private dispatch(): void {
    const now = performance.now();
    while (this.idle.length > 0 && this.nextDue <= now) this.idle.pop()!.send(now);
    if (this.nextDue >= this.stopAt) {
      clearInterval(this.pacer);
      for (const connection of this.idle.splice(0)) connection.send();
    }
  }

  record(status: number, latencyMs: number, body: Buffer): void {
    this.answered++;
    this.statuses[status] = (this.statuses[status] ?? 0) + 1;
    if (status < 200 || status >= 300) {
      this.non2xx++;
      return;
    }
    if (this.ok === this.latencies.length) {
      const grown = new Float64Array(this.latencies.length * 2);
      grown.set(this.latencies);
      this.latencies = grown;
    }
    this.latencies[this.ok++] = latencyMs;
    this.options.onBody?.(body);
  }

  private connect(): void {
    this.open++;
    new Connection(this, this.options.port, () => {
      this.open--;
      if (this.open === 0) this.finish();
    });
  }
}

/** One keep-alive connection: send, read one answer, send the next (or wait for it to fall due). */
class Connection {
  private readonly socket: net.Socket;
  private chunks: Buffer[] = [];
  private received = 0;
  /** Where the answer's body starts and ends, once its header is complete. */
  private bodyStart = -1;
  private expected = -1;
  private status = 0;
  private sentAt = 0;
  private outstanding = false;

  constructor(
    private readonly run: LoadRun,
    port: number,
    private readonly onClose: () => void,
  ) {
    this.socket = net.connect({ port, host: "127.0.0.1", noDelay: true });
    this.socket.on("connect", () => this.send());
    this.socket.on("data", (chunk: Buffer) => this.onData(chunk));
    // Counted on close (a request was outstanding), not here: "error" is always followed by "close".
    this.socket.on("error", () => undefined);
    this.socket.on("close", () => {
      if (this.outstanding) this.run.socketErrors++;
      this.onClose();
    });
  }

  /** `notBefore`: when the open loop's timer found this connection idle and a request due. */
  send(notBefore = 0): void {
    const next = this.run.next(this, notBefore);
    if (next === "wait") return;
    if (!next) {
      this.socket.end();
      return;
    }
    this.outstanding = true;
    this.sentAt = next.dueAt;
    this.socket.write(next.request);
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.received += chunk.length;
    if (this.expected < 0) {
      const head = this.chunks.length === 1 ? chunk : Buffer.concat(this.chunks);
      this.chunks = [head];
      const end = head.indexOf(HEADER_END);
      if (end < 0) return;
      const header = head.toString("latin1", 0, end);
      this.status = Number(header.slice(9, 12));
      const length = CONTENT_LENGTH.exec(header)?.[1];
      // Every answer measured here has a Content-Length; anything else is a broken exchange.
      if (length === undefined) {
        this.socket.destroy();
        return;
      }
      this.bodyStart = end + HEADER_END.length;
      this.expected = this.bodyStart + Number(length);
    }
    if (this.received < this.expected) return;
    const whole = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks);
    const latency = performance.now() - this.sentAt;
    this.outstanding = false;
    this.run.record(this.status, latency, whole.subarray(this.bodyStart, this.expected));
    this.chunks = [];
    this.received = 0;
    this.expected = -1;
    this.send();
  }
}
