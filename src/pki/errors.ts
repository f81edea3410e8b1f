/**
 * Typed failures so callers can map them without parsing messages:
 * certificate_not_found → 404, already_revoked → 409, bad_request → 400,
 * import_invalid / pki_state_invalid → fail the start-up (key custody failures are KeyError).
 */
export type PkiErrorCode =
  | 'certificate_not_found'
  | 'already_revoked'
  | 'bad_request'
  | 'import_invalid'
  | 'pki_state_invalid';

export class PkiError extends Error {
  readonly code: PkiErrorCode;
  constructor(code: PkiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PkiError';
    this.code = code;
  }
}
