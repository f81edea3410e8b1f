import type { Logger } from 'pino';
import type { SmsKind } from '../documents/index.js';

/** What the gateway receives: the text to send, and the parts of it a gateway may want on their own. */
export interface SmsMessage {
  kind: SmsKind;
  mobile: string;
  text: string;
  contractId: string;
  signerId: string;
  url?: string;
  /** Only in `code` messages. */
  code?: string;
}

export interface SmsGateway {
  send(message: SmsMessage): Promise<void>;
}

export class SmsGatewayError extends Error {}

/** Posts the message as JSON to the utility's SMS gateway. */
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

/** No gateway configured: says which message would have gone, never its text, code or link. */
export function loggingSmsGateway(log: Logger): SmsGateway {
  return {
    async send({ kind, contractId, signerId }) {
      log.info({ kind, contractId, signerId }, 'SMS not sent: no SMS gateway configured');
    },
  };
}
