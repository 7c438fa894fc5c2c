/**
 * Exit codes scripts can rely on (documented in the README):
 * 0 done · 1 refused by the API (validation, other 4xx) · 2 usage error · 3 not authorised (401/403)
 * · 4 not found · 5 conflict (e.g. already suspended) · 6 unreachable or server error.
 */
export const exitCodes = {
  ok: 0,
  refused: 1,
  usage: 2,
  unauthorised: 3,
  notFound: 4,
  conflict: 5,
  unavailable: 6,
} as const;

/** A failure the CLI reports as one line on stderr, with the exit code for scripts. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "CliError";
  }
}

export function exitCodeForStatus(status: number): number {
  if (status === 401 || status === 403) return exitCodes.unauthorised;
  if (status === 404) return exitCodes.notFound;
  if (status === 409) return exitCodes.conflict;
  if (status >= 500) return exitCodes.unavailable;
  return exitCodes.refused;
}
