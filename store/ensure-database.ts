import { Client } from 'pg';

/** CREATE DATABASE has no IF NOT EXISTS; a concurrent creator's duplicate error counts as success. */
export async function ensureDatabase(adminUrl: string, name: string, template?: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount) return;
    const quoted = `"${name.replace(/"/g, '""')}"`;
    const from = template ? ` TEMPLATE "${template.replace(/"/g, '""')}"` : '';
    await client.query(`CREATE DATABASE ${quoted}${from}`).catch((err: { code?: string }) => {
      if (err.code !== '42P04') throw err;
    });
  } finally {
    await client.end();
  }
}
