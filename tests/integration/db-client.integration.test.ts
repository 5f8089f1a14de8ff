// A client held across an await (the token refresh holds a row lock while it calls the token endpoint) can lose its
// server in between; that must fail the next query on it, never crash the process.
import { holdClient } from '../../store/db';
import { createIntegrationEnv, type IntegrationEnv } from '../support/integration-env';
import { waitFor } from '../support/wait';

describe('a database client held between queries', () => {
  let env: IntegrationEnv;

  beforeAll(async () => {
    env = await createIntegrationEnv();
  });

  afterAll(async () => {
    await env?.close();
  });

  it('losing its server fails its next query, and the pool goes on with a new connection', async () => {
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown) => uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    try {
      const held = await holdClient(env.db);
      await held.client.query('BEGIN');
      const { rows } = await held.client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      // What a PostgreSQL restart does to every connection, while this one waits on something else.
      await env.db.query('SELECT pg_terminate_backend($1)', [rows[0]!.pid]);
      await waitFor(async () => held.broken !== undefined, 5_000);
      await expect(held.client.query('SELECT 1')).rejects.toThrow();
      held.release();
      expect(uncaught).toEqual([]);
      // The broken client was dropped, not handed to the next caller.
      expect((await env.db.query<{ one: number }>('SELECT 1 AS one')).rows[0]!.one).toBe(1);
    } finally {
      process.off('uncaughtException', onUncaught);
    }
  });
});
