import type { Resources } from "./definition.js";
import { StepCancelled } from "./executor.js";

interface Waiter {
  cpu: number;
  memoryMb: number;
  grant: () => void;
}

/**
 * CPU and memory slots of one executor: a step starts when its hints fit in what is left. A step
 * asking for more than the whole budget is given the whole budget (it runs alone) rather than
 * never. Waiters are served in order, so a large step is not starved by small ones.
 */
export class ResourcePool {
  private cpuFree: number;
  private memoryFree: number;
  private readonly queue: Waiter[] = [];

  constructor(
    private readonly cpu: number,
    private readonly memoryMb: number,
  ) {
    this.cpuFree = cpu;
    this.memoryFree = memoryMb;
  }

  /** Resolves with a release function once the step's resources are free. */
  async acquire(step: string, hints: Resources, signal: AbortSignal): Promise<() => void> {
    const cpu = Math.min(hints.cpu, this.cpu);
    const memoryMb = Math.min(hints.memoryMb, this.memoryMb);
    await new Promise<void>((resolve, reject) => {
      const waiter: Waiter = { cpu, memoryMb, grant: resolve };
      const onAbort = () => {
        const index = this.queue.indexOf(waiter);
        if (index >= 0) {
          this.queue.splice(index, 1);
          reject(new StepCancelled(step));
        }
      };
      if (signal.aborted) return reject(new StepCancelled(step));
      signal.addEventListener("abort", onAbort, { once: true });
      waiter.grant = () => {
        signal.removeEventListener("abort", onAbort);
        resolve();
      };
      this.queue.push(waiter);
      this.drain();
    });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.cpuFree += cpu;
      this.memoryFree += memoryMb;
      this.drain();
    };
  }

  private drain(): void {
    while (this.queue.length > 0) {
      const next = this.queue[0];
      if (!next || next.cpu > this.cpuFree + 1e-9 || next.memoryMb > this.memoryFree + 1e-9) return;
      this.queue.shift();
      this.cpuFree -= next.cpu;
      this.memoryFree -= next.memoryMb;
      next.grant();
    }
  }
}
