export { signPdfField, signPdfFieldDetailed, pdfDate, type SignResultDetail } from './signPdfField.js';
export { SigningError, type SigningErrorCode } from './errors.js';
export type { SigningIdentity, TimestampClient, Appearance, SignRequest, SigningTuning } from './types.js';
export { warmUpGlyphs } from './glyphs.js';
export { formatDisplayTime } from './appearance.js';
export { sealPreviewPdf } from './sealPreview.js';
export { signingCertificateV2Attribute, derSortedAttributes, OID } from './cms.js';
export { appendDss, appendDocumentTimestamp, type ValidationData } from './longTermValidation.js';
export { normaliseHandwriting, handwritingSummary, HandwritingError, MAX_POINTS, type Handwriting, type DrawnSignature } from './handwriting.js';
