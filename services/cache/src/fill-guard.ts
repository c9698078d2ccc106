import type { Entry } from './entry.ts';

/** One read from Redis in flight; see {@link FillGuard}. */
export interface FillMark {
  readonly scoped: string;
  dirty: boolean;
  /** Write ids announced for the key while the read was in flight, in order. */
  readonly writes: string[];
}

/**
 * Keeps a read from Redis from putting an old value back into the local replica: if the
 * key was deleted, replaced locally, or swept by a prefix/tag/resync while the read was in
 * flight, the value read is not kept; if writes were announced, it is kept only when it
 * is the last one announced (its write id matches).
 */
export interface FillGuard {
  begin(scoped: string): FillMark;
  /** Whether the entry read may go into the local replica; ends the mark. */
  settle(mark: FillMark, entry: Entry): boolean;
  /** The read failed or found nothing; ends the mark. */
  end(mark: FillMark): void;
  /** Another replica wrote the key (write id `id`). */
  written(scoped: string, id: string): void;
  /** The key was deleted or replaced here. */
  dropped(scoped: string): void;
  /** Anything may have changed (prefix, tag, resync). */
  droppedAll(): void;
}

export function createFillGuard(): FillGuard {
  const marks = new Map<string, Set<FillMark>>();
  const end = (mark: FillMark) => {
    const set = marks.get(mark.scoped);
    set?.delete(mark);
    if (set?.size === 0) marks.delete(mark.scoped);
  };
  return {
    begin(scoped) {
      const mark: FillMark = { scoped, dirty: false, writes: [] };
      let set = marks.get(scoped);
      if (!set) marks.set(scoped, (set = new Set()));
      set.add(mark);
      return mark;
    },
    settle(mark, entry) {
      end(mark);
      if (mark.dirty) return false;
      return mark.writes.length === 0 || mark.writes[mark.writes.length - 1] === entry.id;
    },
    end,
    written(scoped, id) {
      for (const m of marks.get(scoped) ?? []) m.writes.push(id);
    },
    dropped(scoped) {
      for (const m of marks.get(scoped) ?? []) m.dirty = true;
    },
    droppedAll() {
      for (const set of marks.values()) for (const m of set) m.dirty = true;
    },
  };
}
