// Uploaded files are verified in worker threads, so a hostile file costs a worker, never the event
// loop that answers /healthz and signs contracts. A worker over its heap or wall-time limit is
// terminated and replaced by the pool (piscina); the caller gets PdfInputError pdf_too_complex.
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { Piscina } from 'piscina';
import { PdfInputError, VerifierBusyError } from '../errors.js';
import type { VerificationReport, VerifyOptions } from '../types.js';
import type { VerifyPolicyOptions } from '../verifyPdf.js';
import { answerCalls } from './callbackPort.js';
import type { VerifyOutcome, VerifyTask } from './verifyWorker.js';

export type PdfVerifier = (pdf: Buffer, opts: VerifyOptions & VerifyPolicyOptions) => Promise<VerificationReport>;

export interface VerifyPoolOptions {
  threads: number;
  /** Verifications waiting for a worker beyond which callers are refused (VerifierBusyError). */
  maxQueue: number;
  /** Wall time of one verification once a worker has started it. */
  timeoutMs: number;
  /** V8 heap of a worker; decoded stream data is bounded separately by the reader's decode budget. */
  heapMb: number;
}

export interface VerifyPool {
  verify: PdfVerifier;
  /** 'start' when a worker begins a verification (tests wait on it to act while one runs). */
  events: EventEmitter;
  close(): Promise<void>;
}

export function createVerifyPool(opts: VerifyPoolOptions): VerifyPool {
  // From source (npm start, vitest) the worker is TypeScript and needs tsx's loader; the build has plain JavaScript.
  const fromSource = import.meta.url.endsWith('.ts');
  const pool = new Piscina<VerifyTask, VerifyOutcome>({
    filename: new URL(`./verifyWorker.${fromSource ? 'ts' : 'js'}`, import.meta.url).href,
    execArgv: fromSource ? ['--import', pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href] : [],
    minThreads: 0,
    maxThreads: opts.threads,
    idleTimeout: 60_000,
    resourceLimits: { maxOldGenerationSizeMb: opts.heapMb },
  });
  const events = new EventEmitter();
  let admitted = 0;

  async function verify(pdf: Buffer, v: VerifyOptions & VerifyPolicyOptions): Promise<VerificationReport> {
    if (admitted >= opts.threads + opts.maxQueue) throw new VerifierBusyError();
    admitted++;
    const { port1, port2 } = new MessageChannel();
    const abort = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const calls = answerCalls(port1, v, () => {
      timer = setTimeout(() => abort.abort(), opts.timeoutMs);
      events.emit('start');
    });
    const copy = new Uint8Array(pdf);
    const task: VerifyTask = {
      pdf: copy,
      trustAnchors: v.trustAnchors,
      validationTime: v.validationTime,
      allowOnline: v.allowOnline,
      revocationPolicy: v.revocationPolicy,
      sources: { revocation: !!v.revocation, registry: !!v.registry },
      port: port2,
    };
    try {
      const out = await pool.run(task, { transferList: [port2, copy.buffer], signal: abort.signal });
      if ('inputError' in out) throw new PdfInputError(out.inputError.code, out.inputError.message);
      return out.report;
    } catch (e) {
      if (e instanceof PdfInputError) throw e;
      // A source that failed (the database is down) keeps its own meaning for the caller.
      if (calls.failure) throw calls.failure;
      if (abort.signal.aborted) throw new PdfInputError('pdf_too_complex', `verifying the file took longer than ${opts.timeoutMs / 1000} s`, { cause: e });
      if ((e as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') {
        throw new PdfInputError('pdf_too_complex', `verifying the file needed more than ${opts.heapMb} MB of memory`, { cause: e });
      }
      throw e;
    } finally {
      clearTimeout(timer);
      port1.close();
      admitted--;
    }
  }

  return { verify, events, close: () => pool.destroy() };
}
