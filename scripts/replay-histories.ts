// Replays recorded workflow histories (JSON as the Temporal CLI/UI exports them) against the current workflow code.
// `npm run replay -- [folder]`; exit code 1 on any nondeterminism, so CI catches a change that breaks running workflows.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { createLogger } from '../observability/logger';
import { installTemporalRuntime } from '../temporal/runtime';
import { WORKFLOW_INTERCEPTOR_MODULES, workflowSpanSinks } from '../workers/options';

async function main(): Promise<void> {
  installTemporalRuntime(createLogger({ level: process.env.LOG_LEVEL ?? 'warn', name: 'replay' }));
  const folder = path.resolve(process.argv[2] ?? path.join(__dirname, '..', 'tests', 'fixtures', 'histories'));
  const bundlePath = process.env.WORKFLOW_BUNDLE_PATH;
  const files = readdirSync(folder).filter((f) => f.endsWith('.json'));
  const histories = files.map((file) => ({
    workflowId: path.basename(file, '.json'),
    history: JSON.parse(readFileSync(path.join(folder, file), 'utf8')) as unknown,
  }));
  // The same workflow code as a worker runs, tracing interceptors included (a bundle has them built in).
  const code = bundlePath
    ? { workflowBundle: { codePath: bundlePath } }
    : { workflowsPath: require.resolve('../workflows'), interceptors: { workflowModules: WORKFLOW_INTERCEPTOR_MODULES } };
  const options = { ...code, sinks: workflowSpanSinks() };
  let failed = 0;
  for await (const result of Worker.runReplayHistories(options, histories)) {
    if (result.error) failed += 1;
    process.stdout.write(`${result.error ? 'FAIL' : 'ok  '} ${result.workflowId}${result.error ? `: ${String(result.error)}` : ''}\n`);
  }
  process.stdout.write(`replayed ${files.length} histories, ${failed} failed\n`);
  process.exit(failed ? 1 : 0);
}

main().catch((err) => {
  process.stderr.write(`replay failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
