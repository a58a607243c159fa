// pino JSON lines on stderr (stdout is for command output such as --json),
// with every field that can hold a secret redacted; human-readable lines
// (pino-pretty) when stderr is a terminal. Redaction happens before either.
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import pretty from 'pino-pretty';

export const REDACT_PATHS = [
  'password',
  '*.password',
  'auth',
  '*.auth',
  '*.AUTH',
  '*.*.AUTH',
  's_pw',
  '*.s_pw',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'headers.authorization',
  'req.headers.authorization',
];

export interface LoggerOptions {
  /** Pretty lines instead of JSON; default: when stderr is a terminal (LOG_FORMAT=json|pretty overrides). */
  readonly pretty?: boolean;
  /** Where lines go; default stderr. */
  readonly destination?: DestinationStream;
}

function wantsPretty(): boolean {
  const format = process.env.LOG_FORMAT?.trim().toLowerCase();
  if (format === 'json') return false;
  if (format === 'pretty') return true;
  return process.stderr.isTTY === true;
}

export function createLogger(name: string, level = process.env.LOG_LEVEL || 'info', options: LoggerOptions = {}): PinoLogger {
  // LOG_LEVEL is checked at start-up (checkEnvironment), in any case; pino knows lower case only.
  const opts = { name, level: level.trim().toLowerCase(), redact: { paths: REDACT_PATHS, censor: '***' } };
  if (options.pretty ?? (options.destination ? false : wantsPretty())) {
    const colorize = !options.destination && process.stderr.isTTY === true;
    return pino(opts, pretty({ destination: options.destination ?? 2, sync: true, colorize, translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname' }));
  }
  return pino(opts, options.destination ?? pino.destination({ dest: 2, sync: false }));
}
