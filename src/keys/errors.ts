/**
 * Failures of key custody. All of them stop the start-up (a service that cannot reach its keys
 * cannot sign) except key_store_unavailable at run time, which the signing routes answer with 503.
 */
export type KeyErrorCode = 'master_key_invalid' | 'key_decrypt_failed' | 'key_store_config' | 'key_store_unavailable' | 'key_mismatch';

export class KeyError extends Error {
  readonly code: KeyErrorCode;
  constructor(code: KeyErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeyError';
    this.code = code;
  }
}
