// Verification speed per signature on our two-signature contract, beside `pdfsig -nocert` on the
// same file in the same run (a spawned process per call, wall time).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { makeGenuine } from '../test/helpers/attackCorpus.js';
import { makePki, padesCms } from '../test/helpers/cmsFixtures.js';
import { createVerifyPool, verifyPdf } from '../src/verification/index.js';
import { createCmsVerifier, verifyCms } from '../src/verification/cms/index.js';
import { stats, timeEach } from './stats.js';

export async function benchVerification(opts: { iterations?: number; pdfsigIterations?: number } = {}): Promise<Record<string, unknown>> {
  const iterations = opts.iterations ?? 300;
  const pdfsigIterations = opts.pdfsigIterations ?? 30;
  const g = await makeGenuine();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'esign-bench-verify-'));
  try {
    const pdf = g.twoSignatures;
    const revocation = g.revocationSource();
    const verifyOpts = { trustAnchors: [g.rootDer], revocation };
    const first = await verifyPdf(pdf, verifyOpts);
    if (first.verdict !== 'valid') throw new Error(`bench fixture is ${first.verdict}`);
    const n = first.signatures.length;
    await timeEach(30, () => verifyPdf(pdf, verifyOpts));
    const perFile = await timeEach(iterations, () => verifyPdf(pdf, verifyOpts));
    const perSignature = perFile.map((ms) => ms / n);
    // The service's path: a worker thread, revocation answered over the message port.
    const pool = createVerifyPool({ threads: 1, maxQueue: 0, timeoutMs: 30_000, heapMb: 512 });
    await timeEach(30, () => pool.verify(pdf, verifyOpts));
    const inWorker = await timeEach(iterations, () => pool.verify(pdf, verifyOpts));
    await pool.close();

    const file = path.join(dir, 'contract.pdf');
    writeFileSync(file, pdf);
    let pdfsig: Record<string, unknown> = { skipped: 'pdfsig not installed' };
    if (spawnSync('sh', ['-c', 'command -v pdfsig']).status === 0) {
      const call = async () => {
        const r = spawnSync('pdfsig', ['-nocert', file], { encoding: 'utf8' });
        if (!/Signature is Valid/.test(r.stdout)) throw new Error(`pdfsig: ${r.stdout}${r.stderr}`);
      };
      await timeEach(3, call);
      const ms = await timeEach(pdfsigIterations, call);
      pdfsig = { note: 'pdfsig -nocert, spawned per call (wall time, whole file)', perFileMs: stats(ms), perSignatureMs: stats(ms.map((x) => x / n)) };
    }
    return {
      cms: await benchCms(iterations),
      contractPdfBytes: pdf.length,
      signatures: n,
      verifyPdf: {
        note: 'verifyPdf incl. CMS, chain, timestamp, local revocation source, revision diff; in-process',
        perFileMs: stats(perFile),
        perSignatureMs: stats(perSignature),
      },
      verifyPool: {
        note: 'the same through the service\'s worker pool (one worker): structured clone, callbacks over a MessagePort',
        perFileMs: stats(inWorker),
        perSignatureMs: stats(inWorker.map((ms) => ms / n)),
      },
      pdfsig,
      targetPerSignatureMs: 5,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await g.close();
  }
}

/** The CMS alone (ECDSA P-256, three-certificate chain, RFC 3161 token), per call and with a reused verifier. */
async function benchCms(iterations: number): Promise<Record<string, unknown>> {
  const data = Buffer.from('%PDF-1.7 ... the ByteRange bytes of a water supply contract ...'.repeat(50));
  const pki = makePki();
  const cms = padesCms(pki, data, { tsa: pki.tsa });
  const opts = { trustAnchors: [pki.root.der] };
  const verifier = createCmsVerifier(opts);
  const first = await verifier.verify(cms, data);
  if (first.integrity.status !== 'ok' || first.chain.status !== 'ok') throw new Error('bench CMS fixture does not verify');
  await timeEach(20, () => verifier.verify(cms, data));
  return {
    note: 'verifyCms on a CMS made like ours, no revocation source; in-process',
    verifyCmsMs: stats(await timeEach(iterations, () => verifyCms(cms, data, opts))),
    createCmsVerifierMs: stats(await timeEach(iterations, () => verifier.verify(cms, data))),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchVerification(), null, 2));
}
