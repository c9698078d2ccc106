import { context, createContextKey, type Context } from '@opentelemetry/api';

/**
 * Which of Ultra's services the active work belongs to, so spans keep one `service.name`
 * per service when several services share a process (topology `single`). Set around a
 * service's start-up (its timers and watch loops inherit it) and around each call a
 * service receives in process; read by the span processor `instrumentation.ts` installs.
 * Without the OpenTelemetry SDK there is no context manager and this is a no-op, as are spans.
 */
const SERVICE_KEY = createContextKey('ultra.service');

/** `ctx` (default: the active context) marked to belong to `service` (`router`, `cache`, ...). */
export function inService(service: string, ctx: Context = context.active()): Context {
  return ctx.setValue(SERVICE_KEY, service);
}

/** Runs `fn` for `service`: spans started inside it, now or later, are that service's. */
export function withService<T>(service: string, fn: () => T): T {
  return context.with(inService(service), fn);
}

/** The service `ctx` belongs to, if it was marked. */
export function serviceOf(ctx: Context = context.active()): string | undefined {
  const v = ctx.getValue(SERVICE_KEY);
  return typeof v === 'string' ? v : undefined;
}
