import { bandwidthToxic } from './toxics/bandwidth.ts';
import { latencyToxic } from './toxics/latency.ts';
import { limitDataToxic } from './toxics/limit-data.ts';
import { noopToxic } from './toxics/noop.ts';
import { resetPeerToxic } from './toxics/reset-peer.ts';
import { slicerToxic } from './toxics/slicer.ts';
import { slowCloseToxic } from './toxics/slow-close.ts';
import { timeoutToxic } from './toxics/timeout.ts';
import type { ToxicKind } from './toxic-types.ts';

/** Every toxic type the Go server registers, `noop` included, by API `type` string. */
export const toxicKinds: ReadonlyMap<string, ToxicKind> = new Map<string, ToxicKind>(
  [
    noopToxic,
    latencyToxic,
    bandwidthToxic,
    slowCloseToxic,
    timeoutToxic,
    resetPeerToxic,
    slicerToxic,
    limitDataToxic,
  ].map((kind): [string, ToxicKind] => [kind.type, kind]),
);

export { noopToxic };
