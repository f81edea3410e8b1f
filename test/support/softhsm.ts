import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const SOFTHSM_MODULE = '/usr/lib/softhsm/libsofthsm2.so';

export interface TestToken {
  module: string;
  label: string;
  pin: string;
  /** PKCS11_* settings for a service using this token. */
  env: Record<string, string>;
}

/**
 * A fresh SoftHSM2 token in this process's token folder (removeSoftHsmFiles deletes it). SOFTHSM2_CONF is process-wide and read when the
 * library initialises, so a test process uses one configuration; each call adds a token to it.
 */
let confDir: string | undefined;
export function softhsmToken(): TestToken {
  if (!confDir) {
    confDir = mkdtempSync(path.join(os.tmpdir(), 'softhsm-'));
    writeFileSync(path.join(confDir, 'softhsm2.conf'), `directories.tokendir = ${confDir}\nobjectstore.backend = file\nlog.level = ERROR\n`);
    process.env.SOFTHSM2_CONF = path.join(confDir, 'softhsm2.conf');
  }
  const label = `esign-${crypto.randomBytes(4).toString('hex')}`;
  const pin = crypto.randomBytes(6).toString('hex');
  execFileSync('softhsm2-util', ['--init-token', '--free', '--label', label, '--so-pin', crypto.randomBytes(6).toString('hex'), '--pin', pin], {
    env: process.env,
    stdio: 'ignore',
  });
  return {
    module: SOFTHSM_MODULE,
    label,
    pin,
    env: { KEY_STORE: 'pkcs11', PKCS11_MODULE: SOFTHSM_MODULE, PKCS11_TOKEN_LABEL: label, PKCS11_PIN: pin, SOFTHSM2_CONF: process.env.SOFTHSM2_CONF! },
  };
}

export function removeSoftHsmFiles(): void {
  if (confDir) rmSync(confDir, { recursive: true, force: true });
  confDir = undefined;
}
