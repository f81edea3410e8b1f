// One verification in a worker thread: the PDF and the settings arrive by structured clone, the
// registry and revocation questions go back to the main thread (callbackPort.ts).
import type { MessagePort } from 'node:worker_threads';
import { PdfInputError, type PdfInputErrorCode } from '../errors.js';
import type { VerificationReport } from '../types.js';
import { verifyPdf, type VerifyPolicyOptions } from '../verifyPdf.js';
import { remoteSources, type WorkerMessage } from './callbackPort.js';

export interface VerifyTask {
  pdf: Uint8Array;
  trustAnchors: Uint8Array[];
  validationTime?: Date;
  allowOnline?: boolean;
  revocationPolicy?: VerifyPolicyOptions['revocationPolicy'];
  sources: { revocation: boolean; registry: boolean };
  port: MessagePort;
}

/** A PdfInputError loses its class crossing threads, so it travels as a value. */
export type VerifyOutcome = { report: VerificationReport } | { inputError: { code: PdfInputErrorCode; message: string } };

export default async function verifyTask(task: VerifyTask): Promise<VerifyOutcome> {
  task.port.postMessage({ started: true } satisfies WorkerMessage);
  try {
    const report = await verifyPdf(Buffer.from(task.pdf.buffer, task.pdf.byteOffset, task.pdf.byteLength), {
      trustAnchors: task.trustAnchors.map((a) => Buffer.from(a)),
      validationTime: task.validationTime,
      allowOnline: task.allowOnline,
      revocationPolicy: task.revocationPolicy,
      ...remoteSources(task.port, task.sources),
    });
    return { report };
  } catch (e) {
    if (e instanceof PdfInputError) return { inputError: { code: e.code, message: e.message } };
    throw e;
  } finally {
    task.port.close();
  }
}
