// `npm run migrate`: apply pending migrations to DATABASE_URL and exit.
import { z } from 'zod';
import { envFields, loadEnvOrExit } from '../config/env';
import { createDb } from './db';
import { runMigrations } from './migrate';

async function main(): Promise<void> {
  const env = loadEnvOrExit(z.object({ DATABASE_URL: envFields.DATABASE_URL }));
  const db = createDb(env.DATABASE_URL);
  try {
    const applied = await runMigrations(db);
    process.stdout.write(applied.length ? `applied: ${applied.join(', ')}\n` : 'up to date\n');
  } finally {
    await db.end();
  }
}

main().catch((err) => {
  process.stderr.write(`migrate failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
