/** A request body that cannot be used; `param` names the field, like OpenAI's errors. */
export class BadRequestError extends Error {
  constructor(
    message: string,
    readonly param: string | null,
  ) {
    super(message);
    this.name = 'BadRequestError';
  }
}

/**
 * The OpenAI request field a path of Ultra's request names (`sampling.temperature` is
 * `temperature`, `messages[0].parts[1]` is `messages[0].content[1]`), for the `param` of an
 * OpenAI error; a path with no counterpart as it is.
 */
export function openAiParam(path: string): string {
  return path
    .replace(/^sampling\./, '')
    .replace(/\.parts\[/g, '.content[')
    .replace(/\.image\.url$/, '.image_url.url')
    .replace(/^tool_choice\.function_name$/, 'tool_choice.function.name')
    .replace(/^response_format\.name$/, 'response_format.json_schema.name');
}
