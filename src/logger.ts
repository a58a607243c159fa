// pino JSON lines on stderr (stdout is for command output such as --json),
// with every field that can hold a secret redacted.
import { pino, type Logger as PinoLogger } from 'pino';

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

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): PinoLogger {
  return pino(
    { name, level, redact: { paths: REDACT_PATHS, censor: '***' } },
    pino.destination({ dest: 2, sync: false }),
  );
}
