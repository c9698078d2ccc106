import type { Image, Message } from '@ultra/contracts/chat';

/** Content helpers shared by the wire formats: images, JSON text, message text. */

/** An image in the form of a URL: its own https URL, or a `data:` URL of its bytes. */
export function imageUrlOf(image: Image): string {
  if (image.source.case === 'url') return image.source.value;
  const bytes = image.source.case === 'data' ? image.source.value : new Uint8Array();
  return `data:${image.mimeType};base64,${Buffer.from(bytes).toString('base64')}`;
}

/** An image's bytes in base64 and their MIME type, when it has bytes (not a URL). */
export function inlineImage(image: Image): { mimeType: string; base64: string } | undefined {
  if (image.source.case !== 'data') return undefined;
  return { mimeType: image.mimeType, base64: Buffer.from(image.source.value).toString('base64') };
}

/** An image's URL when it is given by one (undefined when it has bytes, or no source at all). */
export function urlOf(image: Image): string | undefined {
  return image.source.case === 'url' ? image.source.value : undefined;
}

/** JSON text already checked by the router, parsed into a value; '' is an empty object. */
export function jsonOf(text: string): unknown {
  return text === '' ? {} : JSON.parse(text);
}

/** A message's whole text: its content, or its text parts joined. */
export function textOf(m: Message): string {
  if (m.parts.length === 0) return m.content;
  return m.parts.map((p) => (p.part.case === 'text' ? p.part.value : '')).join('');
}
