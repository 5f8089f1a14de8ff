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
  return pino(
    {
      level: options.level,
      name: options.name,
      base: { pid: process.pid },
      redact: { paths: SECRET_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
      // Within a traced request or activity every line names its trace, beside correlationId and workflowId.
      mixin: activeTraceFields,
    },
    // Written before the call returns: with pino's default (asynchronous) stdout, a line still being written when
    // the process exits is lost, as a crash's fatal line was on a loaded machine. The roles log per chunk, page or
    // request, not per record, so a write call per line costs nothing measurable (docs/BENCHMARKS.md).
    pino.destination({ dest: 1, sync: true }),
  );
}

/**
 * A process's last words as a log line: an uncaught exception or unhandled rejection is logged at fatal, with its
 * stack, before the process exits 1 (what Node would do anyway, minus the unstructured stderr dump).
 */
/** For a logger of createLogger. */
export function logFatalErrors(logger: Logger): void {
  const die = (kind: string) => (err: unknown) => {
    // createLogger's destination is synchronous: the line is out when fatal() returns, so nothing waits for a flush.
    logger.fatal({ err }, `${kind}; exiting`);
    process.exit(1);
  };
  process.once('uncaughtException', die('uncaught exception'));
  process.once('unhandledRejection', die('unhandled rejection'));
}
