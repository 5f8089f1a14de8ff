import { Pool, type PoolClient, type PoolConfig } from 'pg';

export type Db = Pool;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids from outside are checked before a `uuid` column is compared with them (a bad one would be a query error). */
export const isUuid = (id: string) => UUID.test(id);

export function createDb(connectionString: string, options: PoolConfig = {}): Db {
  const pool = new Pool({ connectionString, max: 10, idleTimeoutMillis: 30_000, ...options });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  return pool;
}

export interface HeldClient {
  client: PoolClient;
  /** Set once the connection failed while held; the next query on it fails. */
  readonly broken: Error | undefined;
  /** Back to the pool, or dropped when broken. */
  release(): void;
}

/**
 * One client for several queries (a transaction). The pool stops listening for its errors while it is out, and an
 * error with no query running (the server went away between two) would be an uncaught 'error' event that kills the
 * process: it is recorded instead, the next query fails, and release() drops the client.
 */
export async function holdClient(db: Db): Promise<HeldClient> {
  const client = await db.connect();
  let broken: Error | undefined;
  const onError = (err: Error) => (broken = err);
  client.on('error', onError);
  return {
    client,
    get broken() {
      return broken;
    },
    release: () => {
      client.off('error', onError);
      client.release(broken);
    },
  };
}

/** Runs `fn` in one transaction on a held client: committed when it resolves, rolled back when it throws. */
export async function withTransaction<T>(db: Db, fn: (client: PoolClient) => Promise<T>): Promise<T> {
  const held = await holdClient(db);
  try {
    await held.client.query('BEGIN');
    const result = await fn(held.client);
    await held.client.query('COMMIT');
    return result;
  } catch (err) {
    await held.client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    held.release();
  }
}

/** Readiness: the database answers a trivial query. */
export async function pingDb(db: Db): Promise<void> {
  await db.query('SELECT 1');
}

/**
 * PostgreSQL's text and jsonb refuse NUL (U+0000), which real shops and CRMs have in notes and addresses: stored
 * copies carry U+FFFD in its place, so one such record cannot fail its page on every retry. Events carry the original.
 */
export const textForPostgres = (text: string) => text.replaceAll('\u0000', '\uFFFD');

/**
 * JSON for a jsonb parameter, with U+FFFD for what jsonb refuses: NUL, and half a surrogate pair (JSON.stringify
 * writes a lone surrogate as a `\udXXX` escape, a whole pair as its character). An escaped backslash before such
 * an escape is text, left alone.
 */
export const jsonForPostgres = (value: unknown) => JSON.stringify(value).replace(/(?<!\\)((?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/g, '$1\\ufffd');
