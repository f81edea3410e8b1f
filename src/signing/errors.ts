export type SigningErrorCode =
  | 'field_not_found'
  | 'field_not_signature'
  | 'field_already_signed'
  | 'widget_missing'
  | 'placeholder_too_small'
  | 'unsupported_pdf'
  | 'malformed_pdf'
  | 'timestamp_failed'
  | 'invalid_identity';

/** Callers map `code` to HTTP responses / audit records, so it is stable; the message is for humans. */
export class SigningError extends Error {
  readonly code: SigningErrorCode;

  constructor(code: SigningErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SigningError';
    this.code = code;
  }
}
