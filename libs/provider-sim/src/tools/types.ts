/** What a request carries besides text, read from any wire format (see each wire's *-tools.ts). */
export interface SimTools {
  /** Declared functions with their parameter schemas (unchanged from the wire). */
  tools: ReadonlyArray<{ name: string; parameters: unknown }>;
  /** `auto`, `none`, `required`, or the name of the one function to call. */
  choice: string;
  /** Set when the answer must be JSON: with a schema, JSON following it. */
  json?: { schema: unknown } | undefined;
  /** Images in the request. */
  images: number;
  /** The last turn is a tool result (its text): the answer is text that uses it. */
  toolResult?: string | undefined;
}

/** A tool call of a simulated answer. */
export interface SimToolCall {
  id: string;
  name: string;
  /** The arguments, parsed into an object. */
  input: Record<string, unknown>;
}

/** No tools, no format, no images. */
export const NO_TOOLS: SimTools = { tools: [], choice: 'auto', images: 0 };
