/** A process that does nothing, for the memory baseline: how much RSS Node (and tsx) take before any service code. */
process.send?.({ type: 'ready' });
setInterval(() => undefined, 60_000);
process.on('disconnect', () => process.exit(0));
