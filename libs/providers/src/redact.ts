const MARK = '[redacted]';

/**
 * Shapes of API keys that providers echo back (sometimes masked, like `sk-ab***yz`) in
 * their error messages. Anything that looks like one is cut out as well.
 */
const KEY_SHAPES: readonly RegExp[] = [
  /\b(?:sk|pk|rk)-[A-Za-z0-9_*-]{6,}/g,
  /\bAIza[0-9A-Za-z_*-]{10,}/g,
  /\bBearer\s+[^\s"',]+/gi,
];
const KEY_PARAM = /([?&](?:key|api[-_]?key)=)[^&\s"']+/gi;

/**
 * Removes every secret (each at least 4 characters long) and anything shaped like an
 * API key from `text`.
 */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 4) out = out.split(secret).join(MARK);
  }
  for (const shape of KEY_SHAPES) out = out.replace(shape, MARK);
  return out.replace(KEY_PARAM, `$1${MARK}`);
}

/** Flattens whitespace and cuts `text` to at most `max` characters (default 200), marking a cut with `…`. */
export function truncate(text: string, max = 200): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}
