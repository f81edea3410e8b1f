import { webcrypto } from 'node:crypto';
import * as pkijs from 'pkijs';

// pkijs needs an engine for the few operations that hash or verify through it (e.g. parsing
// helpers, chain checks); private-key operations never go through it — they use node:crypto.
let installed = false;
export function ensurePkijsEngine(): void {
  if (installed) return;
  pkijs.setEngine('node', new pkijs.CryptoEngine({ name: 'node', crypto: webcrypto as unknown as Crypto }));
  installed = true;
}
ensurePkijsEngine();
