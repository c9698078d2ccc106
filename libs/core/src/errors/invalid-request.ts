import { DomainError, domainErrorKind } from './domain-error.ts';

/**
 * A request no provider could answer as it stands: `path` names the field by its place
 * in the request (`messages[3].tool_call_id`, `sampling.temperature`), `detail` what is
 * wrong with it. The message is `path: detail`. `code`, where there is one, names the
 * kind in OpenAI's terms (`model_not_found`). At the RPC edge: INVALID_ARGUMENT.
 */
export class InvalidRequestError extends DomainError {
  override readonly name: string = 'InvalidRequestError';

  constructor(
    readonly path: string,
    readonly detail: string,
    readonly code?: string,
  ) {
    super('invalid-request', `${path}: ${detail}`);
  }
}

export const isInvalidRequest = (e: unknown): e is InvalidRequestError => domainErrorKind(e) === 'invalid-request';
