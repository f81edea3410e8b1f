/**
 * The only exception verifyCms throws: the bytes are not a CMS SignedData at all. Everything a
 * forger can influence inside a well-formed structure is reported in the result instead, so a
 * caller can never mistake "crashed" for "invalid" or vice versa.
 */
export class CmsFormatError extends Error {
  readonly code: 'cms_malformed' | 'cms_unsupported';
  constructor(code: 'cms_malformed' | 'cms_unsupported', message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CmsFormatError';
    this.code = code;
  }
}
