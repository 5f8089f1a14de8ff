// `npm run schedules:apply`: create or update the schedules from the environment; idempotent.
import { loadTemporalRoleEnvOrExit, schedulesEnvSchema } from '../config/env';
import { connectClient } from '../temporal/client';
import { applySchedules, scheduleSettingsFromEnv } from '../temporal/schedules';

async function main(): Promise<void> {
  const env = loadTemporalRoleEnvOrExit(schedulesEnvSchema);
  const client = await connectClient(env);
  try {
    const outcomes = await applySchedules(client, scheduleSettingsFromEnv(env));
    for (const [id, outcome] of Object.entries(outcomes)) process.stdout.write(`${id}: ${outcome}\n`);
  } finally {
    await client.connection.close();
  }
}

main().catch((err) => {
  process.stderr.write(`schedules:apply failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
