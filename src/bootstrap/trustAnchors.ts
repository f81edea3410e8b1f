import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** DER certificates from the PEM files named in TRUST_ANCHORS; a file that holds none stops the start. */
export async function loadTrustAnchors(files: string[]): Promise<Buffer[]> {
  const anchors: Buffer[] = [];
  for (const file of files) {
    const pem = await readFile(file, 'utf8').catch((err: NodeJS.ErrnoException) => {
      throw new Error(`TRUST_ANCHORS: cannot read ${file} (${err.code})`);
    });
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
    if (blocks.length === 0) throw new Error(`TRUST_ANCHORS: ${file} holds no PEM certificate`);
    for (const block of blocks) anchors.push(Buffer.from(new X509Certificate(block).raw));
  }
  return anchors;
}
