import crypto from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { KeyError } from './errors.js';

export interface MasterKey {
  key: Buffer;
  /** true only when this call created DATA_DIR/master.key: the caller should warn that it is a development key. */
  generated: boolean;
  /** 'env' = MASTER_KEY (production); 'file' = DATA_DIR/master.key (development, generated now or on an earlier start). */
  source: 'env' | 'file';
  /** Set when source is 'file'. */
  path?: string;
}

const MASTER_KEY_FILE = 'master.key';

/** Accepts exactly 32 bytes as hex (64 digits) or base64/base64url; anything else is a configuration error, never a silent fallback. */
export function parseMasterKey(value: string, origin = 'MASTER_KEY'): Buffer {
  const v = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(v)) return Buffer.from(v, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(v)) {
    const b = Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length === 32) return b;
  }
  throw new KeyError(
    'master_key_invalid',
    `${origin} must be 32 bytes written as 64 hex digits or base64 (e.g. \`openssl rand -base64 32\`); got ${v.length} characters that are neither`,
  );
}

/**
 * The environment value wins so production never depends on a file next to the data;
 * without it a development key is created once in DATA_DIR/master.key (0600) and reused.
 */
export async function loadOrCreateMasterKey(dataDir: string, envValue?: string): Promise<MasterKey> {
  if (envValue !== undefined && envValue.trim() !== '') {
    return { key: parseMasterKey(envValue), generated: false, source: 'env' };
  }
  const file = path.join(dataDir, MASTER_KEY_FILE);
  let existing: string | undefined;
  try {
    existing = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  if (existing !== undefined) return { key: parseMasterKey(existing, file), generated: false, source: 'file', path: file };

  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const key = crypto.randomBytes(32);
  try {
    // 'wx': two processes starting together must not overwrite each other's key.
    await writeFile(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateMasterKey(dataDir, envValue);
    throw err;
  }
  return { key, generated: true, source: 'file', path: file };
}
