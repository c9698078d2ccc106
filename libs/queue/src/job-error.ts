/** What went wrong with a job operation; the RPC edge maps each kind to a status code. */
export type JobErrorKind = 'not-found' | 'conflict' | 'invalid';

/** A queue operation that cannot be done the way it was asked: no such job, a job in the wrong state, a bad argument. */
export class JobError extends Error {
  override readonly name = 'JobError';
  constructor(
    readonly kind: JobErrorKind,
    message: string,
  ) {
    super(message);
  }
}

export const isJobError = (e: unknown): e is JobError => e instanceof JobError;
