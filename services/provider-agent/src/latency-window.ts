/** The latency window is `@ultra/core`'s (the router's hedge delay reads one too). */
export { createLatencyWindow, type LatencyWindow } from '@ultra/core';
