/**
 * Logger factory: pino JSON to stdout (journald under systemd). One child per module and
 * camera. A redacting hook runs over every message so that a URL with credentials that
 * slips into a log call is masked anyway.
 */
import { pino, type Logger, type LoggerOptions } from 'pino';
import { redactText } from './redact.js';

export type { Logger };

export interface LoggerSettings {
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to read lines back. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(settings: LoggerSettings = {}): Logger {
  const options: LoggerOptions = {
    level: settings.level ?? 'info',
    base: { svc: 'nvr' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // URLs keep their host (useful) but lose user info; secrets go entirely.
    redact: {
      paths: ['password', '*.password', 'url', '*.url', '*.headers.authorization', '*.headers.cookie'],
      censor: (value, path) => (typeof value === 'string' && path.at(-1) === 'url' ? redactText(value) : '[redacted]'),
    },
    hooks: {
      logMethod(args, method) {
        const masked = args.map((a) => (typeof a === 'string' ? redactText(a) : a));
        method.apply(this, masked as Parameters<typeof method>);
      },
    },
    formatters: { level: (label) => ({ level: label }) },
  };
  return settings.destination ? pino(options, settings.destination as pino.DestinationStream) : pino(options);
}

/** A logger that drops everything, for unit tests that do not read logs. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
