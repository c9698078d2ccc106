import type { ToolCallOut, ToolCallPiece } from './types.ts';

/**
 * Assembles streamed tool calls from their pieces, by index: the first piece of a call
 * gives its id and name, later pieces append argument fragments. `calls()` gives them whole,
 * in index order; a call the stream never finished is never among a finished answer's
 * calls because decoders call it only once the provider said the answer is complete.
 */
export interface ToolCallAssembler {
  /** Records one piece and returns the piece passed on (with the id and name it was given). */
  add(piece: ToolCallPiece): ToolCallPiece;
  calls(): ToolCallOut[];
}

export function createToolCallAssembler(): ToolCallAssembler {
  const byIndex = new Map<number, ToolCallOut>();
  return {
    add(piece) {
      const call = byIndex.get(piece.index) ?? { id: '', name: '', arguments: '', signature: '' };
      if (piece.id !== '') call.id = piece.id;
      if (piece.name !== '') call.name = piece.name;
      if (piece.signature !== '') call.signature = piece.signature;
      call.arguments += piece.arguments;
      byIndex.set(piece.index, call);
      return piece;
    },
    calls: () => [...byIndex.entries()].sort(([a], [b]) => a - b).map(([, c]) => ({ ...c, arguments: c.arguments === '' ? '{}' : c.arguments })),
  };
}

/** A piece with defaults, for decoders that fill only some fields. */
export function piece(index: number, fields: Partial<Omit<ToolCallPiece, 'index'>>): ToolCallPiece {
  return { index, id: fields.id ?? '', name: fields.name ?? '', arguments: fields.arguments ?? '', signature: fields.signature ?? '' };
}

/** A whole call in the pieces a stream would carry (one per call), for answers given in one go. */
export function piecesOf(calls: readonly ToolCallOut[]): ToolCallPiece[] {
  return calls.map((c, index) => ({ index, ...c }));
}
