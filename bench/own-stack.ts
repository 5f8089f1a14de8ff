// What the one-off measurement scripts (profile-*, pg-upsert, sync-timeline) share: their own Temporal dev server,
// PostgreSQL and Redis, a test environment on them and a fake Shopify with the bench's orders, all gone after.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { createIntegrationEnv, type IntegrationEnv } from '../tests/support/integration-env';
import { startStack } from '../tests/support/stack';
import { startFakeShopifyProcess, type FakeShopifyProcess } from './fake-shopify-process';

export async function withOwnStack(records: number, run: (env: IntegrationEnv, shop: FakeShopifyProcess) => Promise<void>): Promise<void> {
  const dataDir = path.resolve(__dirname, '..', '.data', `bench-script-${process.pid}`);
  const stack = await startStack({ dataDir });
  try {
    const env = await createIntegrationEnv(stack.servers);
    const shop = await startFakeShopifyProcess({ generatedOrders: records });
    try {
      await run(env, shop);
    } finally {
      await shop.stop();
      await env.close();
    }
  } finally {
    await stack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Runs a script's main, and exits non-zero with its error. */
export function runScript(main: () => Promise<void>): void {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
