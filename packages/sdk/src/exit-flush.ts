/** Something holding data that must reach the server before the process ends. */
export interface ExitFlushable {
  flushAtExit(): Promise<void>;
}

const registered = new Set<ExitFlushable>();

/**
 * 'beforeExit' fires once the event loop is empty, when async work can still run; the flushes
 * it starts keep the process alive until they finish. Each target is flushed once: taken out
 * before its flush, so an unreachable server cannot keep the process alive forever.
 * (process.exit() and fatal signals skip 'beforeExit'; call `end()` or `flush()` for those.)
 */
function onBeforeExit(): void {
  const targets = [...registered];
  registered.clear();
  process.off("beforeExit", onBeforeExit);
  for (const target of targets) void target.flushAtExit();
}

export function flushBeforeExit(target: ExitFlushable): void {
  if (registered.size === 0) process.on("beforeExit", onBeforeExit);
  registered.add(target);
}

export function cancelFlushBeforeExit(target: ExitFlushable): void {
  registered.delete(target);
  if (registered.size === 0) process.off("beforeExit", onBeforeExit);
}
