import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";

/**
 * The IPC protocol between the benchmark (parent) and a server child. The server lives in its own
 * process so its event loop, GC and JIT never share a thread with the client's; IPC (not stdout)
 * carries control messages so the child's stdout stays free and the parent's stdout carries only
 * the JSON figures.
 */

export type ParentMessage =
  | { type: "cpu" }
  | { type: "profile-start" }
  | { type: "profile-stop"; path: string }
  | { type: "shutdown" };

export type ChildMessage =
  | { type: "ready"; baseUrl: string }
  | { type: "cpu"; userUs: number; systemUs: number }
  | { type: "profile-started" }
  | { type: "profile-written"; path: string };

export interface RunningServer {
  baseUrl: string;
  close(): Promise<void>;
}

/** Sampling every 200 µs: fine enough to see per-request costs of ~100 µs requests. */
const PROFILE_INTERVAL_US = 200;

/**
 * Child side: starts the server, reports its base URL, then answers control messages until told
 * to shut down. Run by hand (no IPC channel) it just prints the URL and serves until killed.
 */
export async function serveChild(start: () => Promise<RunningServer>): Promise<void> {
  const server = await start();
  if (!process.send) {
    console.log(server.baseUrl);
    return;
  }
  const profiler = new Profiler();
  const reply = (message: ChildMessage) => process.send?.(message);
  process.on("message", (message: ParentMessage) => {
    void handle(message).catch((error: unknown) => {
      console.error(`server child: ${String(error)}`);
      process.exit(1);
    });
  });
  // Orphaned (parent died): stop rather than linger as a stray server.
  process.on("disconnect", () => void server.close().finally(() => process.exit(0)));
  reply({ type: "ready", baseUrl: server.baseUrl });

  async function handle(message: ParentMessage): Promise<void> {
    switch (message.type) {
      case "cpu": {
        const usage = process.cpuUsage();
        reply({ type: "cpu", userUs: usage.user, systemUs: usage.system });
        return;
      }
      case "profile-start":
        await profiler.start();
        reply({ type: "profile-started" });
        return;
      case "profile-stop":
        await profiler.stopTo(message.path);
        reply({ type: "profile-written", path: message.path });
        return;
      case "shutdown":
        await server.close();
        process.exit(0);
    }
  }
}

/** In-process V8 profiler, so each benchmark phase gets its own .cpuprofile. */
class Profiler {
  private session: Session | undefined;

  async start(): Promise<void> {
    if (!this.session) {
      this.session = new Session();
      this.session.connect();
      await this.session.post("Profiler.enable");
      await this.session.post("Profiler.setSamplingInterval", { interval: PROFILE_INTERVAL_US });
    }
    await this.session.post("Profiler.start");
  }

  async stopTo(path: string): Promise<void> {
    if (!this.session) throw new Error("profile-stop without profile-start");
    const { profile } = await this.session.post("Profiler.stop");
    writeFileSync(path, JSON.stringify(profile));
  }
}
