import { generateSecret, generateURI, verify } from 'otplib';

/** RFC 6238 TOTP (SHA-1, 6 digits, 30 s), as every authenticator app reads it. */
export const totp = {
  newSecret: (): string => generateSecret(),

  /** The otpauth:// URI an authenticator app scans. */
  uri: (secret: string, account: string, issuer: string): string => generateURI({ issuer, label: account, secret }),

  /**
   * The time step of a good code, or undefined. One step of clock drift either way is accepted; a code of
   * a step at or before `afterStep` (one used already) is not, so an overheard code cannot be replayed.
   */
  async check(secret: string, code: string, afterStep: number | null, nowMs: number): Promise<number | undefined> {
    if (!/^\d{6}$/.test(code)) return undefined;
    const result = await verify({
      secret,
      token: code,
      epoch: Math.floor(nowMs / 1000),
      epochTolerance: 30,
      ...(afterStep !== null ? { afterTimeStep: afterStep } : {}),
    });
    return result.valid ? Math.floor(nowMs / 30_000) + result.delta : undefined;
  },
};
