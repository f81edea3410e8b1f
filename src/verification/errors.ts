export type PdfInputErrorCode = 'not_a_pdf' | 'empty_file' | 'truncated_pdf' | 'encrypted_pdf' | 'malformed_pdf' | 'pdf_too_complex';

/** The input cannot be verified at all: the API answers 4xx with `code`, the CLI exits 2. */
export class PdfInputError extends Error {
  readonly code: PdfInputErrorCode;

  constructor(code: PdfInputErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PdfInputError';
    this.code = code;
  }
}

/** Every verification worker is busy and the queue is full: the API answers 503, try again shortly. */
export class VerifierBusyError extends Error {
  constructor() {
    super('every verification worker is busy; retry shortly');
    this.name = 'VerifierBusyError';
  }
}
