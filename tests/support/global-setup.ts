// Starts once per run what every integration test shares (see stack.ts) and tells the test files where it is.
import { rmSync, writeFileSync } from 'node:fs';
import { startStack, type Stack } from './stack';
import { SERVERS_FILE, TEST_DATA_DIR } from './servers-file';

export default async function globalSetup(): Promise<void> {
  rmSync(TEST_DATA_DIR, { recursive: true, force: true });
  const stack = await startStack({ dataDir: TEST_DATA_DIR });
  globalThis.__integrationStack = stack;
  writeFileSync(SERVERS_FILE, JSON.stringify(stack.servers, null, 2));
}

declare global {
  var __integrationStack: Stack | undefined;
}
