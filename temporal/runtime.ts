import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from '../observability/logger';

const LEVELS: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

let installed = false;

/** Routes the SDK's own logs into pino and, given a port, serves the SDK's metrics for Prometheus. Once per process. */
export function installTemporalRuntime(logger: Logger, options: { metricsPort?: number | undefined } = {}): void {
  if (installed) return;
  installed = true;
  const level = (logger.level === 'silent' ? 'ERROR' : logger.level.toUpperCase()) as LogLevel;
  Runtime.install({
    ...(options.metricsPort ? { telemetryOptions: { metrics: { prometheus: { bindAddress: `0.0.0.0:${options.metricsPort}` } } } } : {}),
    logger: new DefaultLogger(level in LEVELS ? level : 'INFO', (entry) => {
      logger[LEVELS[entry.level]]({ ...entry.meta, sdk: 'temporal' }, entry.message);
    }),
  });
}
