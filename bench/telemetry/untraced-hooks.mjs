// Module-resolution hooks for the telemetry bench's baseline processes (see untraced.ts):
// `@ultra/telemetry` resolves to a stand-in without tracing, and the SDK's `--import`
// entry point to an empty module, so the process runs with no OpenTelemetry SDK and none
// of Ultra's tracing code.
const untraced = new URL('./untraced.ts', import.meta.url).href;
const empty = 'data:text/javascript,export{}';

export async function resolve(specifier, context, nextResolve) {
  if (specifier === '@ultra/telemetry') return nextResolve(untraced, context);
  if (specifier === '@ultra/telemetry/instrumentation') return { url: empty, shortCircuit: true };
  return nextResolve(specifier, context);
}
