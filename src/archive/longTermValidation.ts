import type { Pki } from '../pki/index.js';
import { appendDocumentTimestamp, appendDss } from '../signing/index.js';

export interface Archived {
  pdf: Uint8Array;
  /** When the new document timestamp's TSA certificate expires: renew before then. */
  archiveUntil: Date;
}

/**
 * PAdES B-LTA for completed contracts. The completing signature is followed by the validation data of
 * every signature (DSS) and a document timestamp over all of it, so auditors can validate the contract
 * offline, without this service. Before that timestamp's TSA certificate expires, renewal adds fresh
 * validation data and a new timestamp over everything, so the proof of existence chains on.
 */
export function createLongTermValidation(pki: Pki) {
  const tsa = { timestamp: (imprint: Buffer) => pki.timestamp(imprint) };
  async function seal(pdf: Uint8Array, signingCertificates: Buffer[]): Promise<Archived> {
    const withDss = appendDss(pdf, await pki.validationData(signingCertificates));
    return { pdf: await appendDocumentTimestamp(withDss, tsa), archiveUntil: pki.timestampCertificateNotAfter() };
  }
  return {
    complete: (pdf: Uint8Array, signingCertificates: Buffer[]) => seal(pdf, signingCertificates),
    renew: (pdf: Uint8Array) => seal(pdf, []),
    /** How long a timestamp made now would last. */
    archiveUntil: () => pki.timestampCertificateNotAfter(),
  };
}

export type LongTermValidation = ReturnType<typeof createLongTermValidation>;
