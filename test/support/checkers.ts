import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runAsync } from './pdfTools.js';

/** An NSS database that trusts the given root, for pdfsig -nssdir. */
export function nssDbTrusting(rootPem: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'nss-'));
  writeFileSync(path.join(dir, 'root.pem'), rootPem);
  execFileSync('certutil', ['-N', '-d', `sql:${dir}`, '--empty-password']);
  execFileSync('certutil', ['-A', '-d', `sql:${dir}`, '-n', 'esign-root', '-t', 'CT,C,C', '-i', path.join(dir, 'root.pem')]);
  return dir;
}

export interface PdfsigSignature {
  block: string;
  signerName: string;
  valid: boolean;
  trusted: boolean;
  totalDocumentSigned: boolean;
}

/** pdfsig exits 0 whatever it finds, so its text is the verdict. */
export async function pdfsig(file: string, nssDir: string): Promise<PdfsigSignature[]> {
  const { out } = await runAsync('pdfsig', ['-nssdir', `sql:${nssDir}`, file]);
  return out
    .split(/^Signature #\d+:$/m)
    .slice(1)
    .map((block) => ({
      block,
      signerName: /Signer Certificate Common Name: (.*)/.exec(block)?.[1]?.trim() ?? '',
      valid: block.includes('Signature Validation: Signature is Valid.'),
      trusted: block.includes('Certificate Validation: Certificate is Trusted.'),
      totalDocumentSigned: block.includes('Total document signed'),
    }));
}
