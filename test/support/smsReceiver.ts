import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SmsReceiver {
  url: string;
  messages: { mobile: string; code: string; contractId: string; signerId: string }[];
  /** The newest code sent for a signer. */
  codeFor(signerId: string): string;
  /** Answer the next n deliveries with this status instead of 200. */
  failNext(n: number, status?: number): void;
  stop(): Promise<void>;
}

/** A real HTTP SMS gateway stand-in: records what the service posts so the test can read the code. */
export async function startSmsReceiver(): Promise<SmsReceiver> {
  const messages: SmsReceiver['messages'] = [];
  let failures = 0;
  let failStatus = 500;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      if (failures > 0) {
        failures--;
        res.writeHead(failStatus).end();
        return;
      }
      messages.push(JSON.parse(body));
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`,
    messages,
    codeFor(signerId) {
      const m = [...messages].reverse().find((x) => x.signerId === signerId);
      if (!m) throw new Error(`no SMS for signer ${signerId}`);
      return m.code;
    },
    failNext(n, status = 500) {
      failures = n;
      failStatus = status;
    },
    stop: () => new Promise((r) => server.close(() => r())),
  };
}
