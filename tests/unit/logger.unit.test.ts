import { spawnSync } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');

interface LogLine {
  level: number;
  msg: string;
  err?: { type: string; message: string; stack: string };
  [field: string]: unknown;
}

/** A process with the entry points' logger set-up, ending with `crash`; returns its exit code and log lines. */
function crashWith(crash: string) {
  const script = `const { createLogger, logFatalErrors } = require('./observability/logger.ts');
    const logger = createLogger({ level: 'info', name: 'worker' });
    logFatalErrors(logger);
    logger.info({ accessToken: 'shpat_must_not_leak' }, 'started');
    ${crash}`;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { cwd: ROOT, encoding: 'utf8' });
  return { status: child.status, stderr: child.stderr, lines: child.stdout.trim().split('\n').map((l) => JSON.parse(l) as LogLine) };
}

describe('process logger', () => {
  it('logs an unhandled rejection at fatal with its stack, then exits 1', () => {
    const { status, lines, stderr } = crashWith(`Promise.reject(new Error('lost promise'));`);
    expect(status).toBe(1);
    expect(stderr).toBe('');
    expect(lines.at(-1)).toMatchObject({ level: 60, name: 'worker', msg: 'unhandled rejection; exiting', err: { message: 'lost promise' } });
    expect(lines.at(-1)!.err!.stack).toContain('Error: lost promise');
  });

  it('logs an uncaught exception the same way', () => {
    const { status, lines } = crashWith(`setTimeout(() => { throw new TypeError('bad state'); }, 1);`);
    expect(status).toBe(1);
    expect(lines.at(-1)).toMatchObject({ level: 60, msg: 'uncaught exception; exiting', err: { type: 'TypeError', message: 'bad state' } });
  });

  it('redacts secrets by field name', () => {
    const { lines } = crashWith('');
    expect(lines[0]).toMatchObject({ msg: 'started', accessToken: '[redacted]' });
    expect(JSON.stringify(lines)).not.toContain('shpat_must_not_leak');
  });
});
