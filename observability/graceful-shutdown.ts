// How the API and the consumer stop on SIGINT/SIGTERM: close-with-grace runs `close` once whatever arrives (a second
// signal while closing does not start another close) and ends the process if closing takes longer than `delayMs`.
import closeWithGrace from 'close-with-grace';
import type { Logger } from './logger';

export function closeGracefully(logger: Logger, delayMs: number, close: () => Promise<void>): void {
  closeWithGrace(
    {
      delay: delayMs,
      logger: { error: (message: unknown) => logger.error(String(message)) },
      // logFatalErrors owns crashes: it logs them and exits at once, with no graceful close of a broken process.
      skip: ['uncaughtException', 'unhandledRejection'],
      onSecondSignal: (signal) => logger.warn({ signal }, 'second signal while stopping: exiting now'),
      onTimeout: (delay) => logger.error({ delay }, 'stopping took too long; exiting'),
    },
    async ({ signal }) => {
      logger.info({ signal }, 'stopping');
      await close();
      logger.info('stopped');
    },
  );
}
