import pino, { type Logger } from 'pino';
import { activeTraceFields } from './tracing';

export type { Logger };

/** Field names whose values never reach a log line, at any depth pino can address. */
const SECRET_PATHS = [
  'accessToken',
  'refreshToken',
  'clientSecret',
  'apiKey',
  'password',
  'secret',
  'authorization',
  '*.accessToken',
  '*.refreshToken',
  '*.clientSecret',
  '*.apiKey',
  '*.password',
  '*.secret',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
];

export function createLogger(options: { level: string; name?: string }): Logger {
  return pino({
    level: options.level,
    name: options.name,
    base: { pid: process.pid },
    redact: { paths: SECRET_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    // Within a traced request or activity every line names its trace, beside correlationId and workflowId.
    mixin: activeTraceFields,
  });
}
