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
  | 'pki_state_invalid'
  /** A service or organisation certificate that is revoked: nothing is signed with it until it is rotated (503). */
  | 'certificate_unavailable'
  /** The root and issuing CA are revoked by their operator, not through the API; imported material is rotated by importing. */
  | 'not_revocable'
  | 'not_rotatable';

export class PkiError extends Error {
  readonly code: PkiErrorCode;
  constructor(code: PkiErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PkiError';
    this.code = code;
  }
}
