/** A request body that cannot be used; `param` names the field, as OpenAI's errors do. */
export class BadRequestError extends Error {
  constructor(
    message: string,
    readonly param: string | null,
  ) {
    super(message);
    this.name = 'BadRequestError';
  }
}
