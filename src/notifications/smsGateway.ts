import type { Logger } from 'pino';

export interface SmsMessage {
  mobile: string;
  code: string;
  contractId: string;
  signerId: string;
}

export interface SmsGateway {
  send(message: SmsMessage): Promise<void>;
}

export class SmsGatewayError extends Error {}

/** Posts {mobile, code, contractId, signerId} as JSON to the utility's SMS gateway. */
export function webhookSmsGateway(url: string, timeoutMs = 5_000): SmsGateway {
  return {
    async send(message) {
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(message),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw new SmsGatewayError(`SMS gateway unreachable: ${(err as Error).name}`);
      }
      if (!res.ok) throw new SmsGatewayError(`SMS gateway answered ${res.status}`);
    },
  };
}

/** No gateway configured: says a code was sent, never the code itself. */
export function loggingSmsGateway(log: Logger): SmsGateway {
  return {
    async send({ contractId, signerId }) {
      log.info({ contractId, signerId }, 'code sent (no SMS gateway configured)');
    },
  };
}
