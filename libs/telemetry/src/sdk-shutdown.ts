/**
 * The hand-over between `instrumentation.ts`, which starts the OpenTelemetry SDK before
 * anything else, and the process's drain, which flushes it last. Kept on `globalThis`:
 * the `--import` may load this package from another path (dist) than the service does (src).
 */
declare global {
  /** Flushes and stops the SDK; set only when instrumentation.ts started it. */
  var __ultraOtelShutdown: (() => Promise<void>) | undefined;
}

/** Records how to flush and stop the SDK that was started (instrumentation.ts only). */
export function setTelemetryShutdown(shutdown: () => Promise<void>): void {
  globalThis.__ultraOtelShutdown = shutdown;
}

/** Flushes and stops the SDK; undefined when none was started. */
export function shutdownTelemetry(): Promise<void> | undefined {
  return globalThis.__ultraOtelShutdown?.();
}
