/**
 * A mistake in the command line itself: reported with usage text and exit code 2. Commands throw
 * it without usage; the command wrapper attaches the command's own usage.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";

  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
  }
}
