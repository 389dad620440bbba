/**
 * A refusal a route throws: the status and reason of its JSON error answer. The routes' handler
 * turns it into `{ "error": reason }`; anything else thrown is a 500.
 */
export class HttpError extends Error {
  override name = 'HttpError'

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}
