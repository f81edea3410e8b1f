import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestContext } from 'vitest';
import { runAsync } from './pdfTools.js';

/** Chromium is found by path (playwright launches that binary), the command-line checkers on PATH. */
export const CHROMIUM = '/usr/bin/chromium';

/** What .ci/run installs (poppler-utils, qpdf, libnss3-tools, mupdf-tools, openssl, chromium, softhsm2). */
const INSTALLED_BY_CI = ['pdfsig', 'pdftotext', 'pdffonts', 'pdftoppm', 'qpdf', 'certutil', 'pk12util', 'mutool', 'openssl', 'chromium', 'softhsm2-util'] as const;
export type Checker = (typeof INSTALLED_BY_CI)[number];

const present = (tool: Checker) =>
  tool === 'chromium'
    ? existsSync(CHROMIUM)
    : tool === 'softhsm2-util'
      ? existsSync('/usr/lib/softhsm/libsofthsm2.so') && spawnSync('sh', ['-c', 'command -v softhsm2-util']).status === 0
      : spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

/**
 * Whether the tests that need these checkers can run: use as `it.skipIf(!available('qpdf'))(…)` so a missing
 * tool shows as a skip, never as a pass with nothing checked. Under CI=true, where .ci/run installs them all,
 * a missing one throws instead: the file fails rather than quietly skipping what CI exists to check.
 */
export function available(...tools: Checker[]): boolean {
  const missing = tools.filter((t) => !present(t));
  if (missing.length > 0 && process.env.CI === 'true') {
    throw new Error(`${missing.join(', ')} not installed, but CI=true: .ci/run installs it, so its tests may not be skipped`);
  }
  return missing.length === 0;
}

/** For the checker part at the end of a longer test: the rest is reported as skipped when a tool is missing (failed in CI). */
export function skipUnless(ctx: TestContext, ...tools: Checker[]): void {
  ctx.skip(!available(...tools), `${tools.join(', ')} not installed`);
}

/** Whether the tests that need a real PostgreSQL server can run (DATABASE_URL set); CI sets it, so there a missing one throws. */
export function postgresAvailable(): boolean {
  const url = process.env.DATABASE_URL;
  if (!url && process.env.CI === 'true') throw new Error('DATABASE_URL not set, but CI=true: .ci/run sets it, so the PostgreSQL tests may not be skipped');
  return Boolean(url);
}

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
