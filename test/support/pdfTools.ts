import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Writes bytes to a temp file and returns its path, for the command-line checkers. */
export function tempFile(bytes: Uint8Array, name = 'doc.pdf'): string {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'esign-pdf-')), name);
  writeFileSync(file, bytes);
  return file;
}

export function run(cmd: string, args: string[]): { status: number; out: string } {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

export function pdfText(file: string): string {
  return execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
}

/**
 * For checkers that call back into the service under test (OCSP, CRL over HTTP): a synchronous spawn
 * would block the event loop that has to answer them.
 */
export function runAsync(cmd: string, args: string[], timeoutMs = 60_000): Promise<{ status: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { encoding: 'utf8', timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? -1) : 0, out: `${stdout}${stderr}` });
    });
  });
}
