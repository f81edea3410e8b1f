export type PdfFormatErrorCode = 'malformed_pdf' | 'unsupported_pdf' | 'encrypted_pdf' | 'too_complex';

/**
 * Raised by the shared PDF layer. It knows nothing about signing or verifying, so each caller maps
 * the code to its own vocabulary (SigningError, PdfInputError).
 */
export class PdfFormatError extends Error {
  readonly code: PdfFormatErrorCode;

  constructor(code: PdfFormatErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'PdfFormatError';
    this.code = code;
  }
}

/**
 * Bounds on hostile input: a verifier reads files from anyone, so every loop and allocation driven
 * by the file is capped.
 */
export interface PdfLimits {
  /** xref entries summed over all sections */
  maxObjects: number;
  /** length of the /Prev chain */
  maxXrefSections: number;
  /** nesting of arrays and dictionaries */
  maxDepth: number;
  /** output of one decompressed stream */
  maxDecodedStreamBytes: number;
  /** output of all decompressed streams of the document together; default decodeBudget(file size) */
  maxDecodedTotalBytes?: number;
}

export const DEFAULT_LIMITS: PdfLimits = {
  maxObjects: 500_000,
  maxXrefSections: 1_000,
  maxDepth: 64,
  maxDecodedStreamBytes: 64 * 1024 * 1024,
};

const MIB = 1024 * 1024;

/**
 * What a document may inflate to in total: generous for real files (object and xref streams rarely
 * exceed a few times the file size), and capped because the decoded data stays in memory while the
 * file is read.
 */
export function decodeBudget(fileSize: number): number {
  return Math.min(256 * MIB, Math.max(64 * MIB, 20 * fileSize));
}
