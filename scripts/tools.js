// Where the project's external binaries live. Plain Node, no dependencies: bootstrap runs before node_modules exists.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const TOOLS_DIR = path.join(ROOT, '.tools');
const TOOLS_BIN = path.join(TOOLS_DIR, 'bin');

function onPath(name) {
  for (const dir of (process.env.PATH || '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The project-local copy wins over PATH so every run uses the pinned version. */
function findTool(name) {
  const local = path.join(TOOLS_BIN, name);
  if (fs.existsSync(local)) return local;
  return onPath(name);
}

/** The path of an installed tool, or an error that says how to install it. */
function requireTool(name) {
  const found = findTool(name);
  if (!found) throw new Error(`The ${name} CLI is not installed: run \`node scripts/bootstrap.js\` first.`);
  return found;
}

module.exports = { ROOT, TOOLS_DIR, TOOLS_BIN, findTool, onPath, requireTool };
