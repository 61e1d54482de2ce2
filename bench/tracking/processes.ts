import { type ChildProcess, fork } from "node:child_process";
import type { ChildMessage, ParentMessage } from "./child-protocol.js";

type MessageOf<T extends ChildMessage["type"]> = Extract<ChildMessage, { type: T }>;

interface Waiter {
  type: ChildMessage["type"];
  resolve(message: ChildMessage): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

const START_TIMEOUT_MS = 60_000;
const REPLY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

/** Parent side of a server child (see child-protocol.ts): start, query CPU, profile, stop. */
export class ServerChild {
  /** Set once the child reports it is listening. */
  baseUrl = "";
  private readonly waiters: Waiter[] = [];
  private exited = false;

  private constructor(
    private readonly child: ChildProcess,
    private readonly label: string,
  ) {
    child.on("message", (message: ChildMessage) => this.deliver(message));
    child.on("exit", (code, signal) => {
      this.exited = true;
      this.failAll(new Error(`${label} exited (code ${code}, signal ${signal})`));
    });
  }

  /** Forks `script` and resolves once it listens. Its stdout goes to our stderr: ours is for figures. */
  static async start(
    script: string,
    args: readonly string[],
    label: string,
    execArgv: readonly string[] = [],
  ): Promise<ServerChild> {
    const child = fork(script, [...args], { stdio: ["ignore", 2, 2, "ipc"], execArgv: [...execArgv] });
    const server = new ServerChild(child, label);
    try {
      server.baseUrl = (await server.next("ready", START_TIMEOUT_MS)).baseUrl;
    } catch (error) {
      child.kill("SIGKILL");
      throw error;
    }
    return server;
  }

  /** The child's total CPU time so far (user + system, all threads), in milliseconds. */
  async cpuMs(): Promise<number> {
    this.send({ type: "cpu" });
    const usage = await this.next("cpu");
    return (usage.userUs + usage.systemUs) / 1000;
  }

  async profileStart(): Promise<void> {
    this.send({ type: "profile-start" });
    await this.next("profile-started");
  }

  async profileStop(path: string): Promise<void> {
    this.send({ type: "profile-stop", path });
    await this.next("profile-written");
  }

  /** Asks for a clean shutdown (closes the store); kills the child if it does not go in time. */
  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.send({ type: "shutdown" });
    const timer = setTimeout(() => this.child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }

  private send(message: ParentMessage): void {
    if (this.exited) throw new Error(`${this.label} is not running`);
    this.child.send(message);
  }

  private next<T extends ChildMessage["type"]>(type: T, timeoutMs = REPLY_TIMEOUT_MS): Promise<MessageOf<T>> {
    return new Promise((resolve, reject) => {
      if (this.exited) return reject(new Error(`${this.label} is not running`));
      const waiter: Waiter = {
        type,
        resolve: (message) => resolve(message as MessageOf<T>),
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          reject(new Error(`${this.label}: no '${type}' within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.waiters.push(waiter);
    });
  }

  private deliver(message: ChildMessage): void {
    const index = this.waiters.findIndex((w) => w.type === message.type);
    if (index < 0) return;
    const [waiter] = this.waiters.splice(index, 1);
    clearTimeout(waiter!.timer);
    waiter!.resolve(message);
  }

  private failAll(error: Error): void {
    for (const waiter of this.waiters.splice(0)) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
  }
}
