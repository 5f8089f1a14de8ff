import path from 'node:path';
import { migrate } from 'postgres-migrations';
import { holdClient, type Db } from './db';

export const MIGRATIONS_DIR = path.join(__dirname, 'migrations');

/** Applies the numbered SQL files in store/migrations that the database has not seen; safe to run from many processes at once. */
export async function runMigrations(db: Db): Promise<string[]> {
  const held = await holdClient(db);
  try {
    const applied = await migrate({ client: held.client }, MIGRATIONS_DIR, { logger: () => undefined });
    return applied.map((m) => m.fileName);
  } finally {
    held.release();
  }
}
