import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SmsMessage } from '../../src/notifications/smsGateway.js';

/** What the service posts to its SMS gateway. */
export type ReceivedSms = SmsMessage;

export interface SmsReceiver {
  url: string;
  messages: ReceivedSms[];
  /** The newest code sent for a signer. */
  codeFor(signerId: string): string;
  /** Messages of one kind for a signer, oldest first. */
  of(kind: ReceivedSms['kind'], signerId: string): ReceivedSms[];
  /** Answer the next n messages of this kind (codes by default) with this status instead of 200. */
  failNext(n: number, status?: number, kind?: ReceivedSms['kind']): void;
  stop(): Promise<void>;
}

/** A real HTTP SMS gateway stand-in: records what the service posts so the test can read the code. */
export async function startSmsReceiver(): Promise<SmsReceiver> {
  const messages: ReceivedSms[] = [];
  let failures = 0;
  let failStatus = 500;
  let failKind: ReceivedSms['kind'] = 'code';
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const message = JSON.parse(body) as ReceivedSms;
      if (failures > 0 && message.kind === failKind) {
        failures--;
        res.writeHead(failStatus).end();
        return;
      }
      messages.push(message);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/sms`,
    messages,
    codeFor(signerId) {
      const m = [...messages].reverse().find((x) => x.signerId === signerId && x.kind === 'code');
      if (!m?.code) throw new Error(`no code SMS for signer ${signerId}`);
      return m.code;
    },
    of: (kind, signerId) => messages.filter((m) => m.kind === kind && m.signerId === signerId),
    failNext(n, status = 500, kind = 'code') {
      failures = n;
      failStatus = status;
      failKind = kind;
    },
    stop: () => new Promise((r) => server.close(() => r())),
  };
}
