/** Priority classes, highest first, by their names in the `x-ultra-priority` header. */
export const PRIORITY_CLASSES = ['high', 'normal', 'low', 'batch'] as const;
export type PriorityClass = (typeof PRIORITY_CLASSES)[number];

/**
 * Slots class `priority` may fill out of `limit`: each class below `high` leaves
 * `floor(limit × reserveShare)` more slots to the classes above it, never fewer than one
 * slot for itself. A small limit reserves nothing (it cannot spare a slot).
 */
export function capacityFor(priority: PriorityClass, limit: number, reserveShare: number): number {
  const rank = PRIORITY_CLASSES.indexOf(priority);
  return Math.max(1, limit - rank * Math.floor(limit * reserveShare));
}
