// Where a Temporal sync's wall time goes (issue #20 item 3): one bulk-export sync of the bench's orders through a
// fresh worker, then its history (across continue-as-new) as a timeline: each activity's run time, and the time
// between one activity's end and the next one's start (workflow task, timers, dispatch). `npx tsx bench/sync-timeline.ts 30000`
import type { WorkflowHandle } from '@temporalio/client';
import { seedShop, syncThroughTemporal } from './context';
import { runScript, withOwnStack } from './own-stack';

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

const ms = (e: HistoryEvent) => Number(e.eventTime!.seconds) * 1000 + Math.round((e.eventTime!.nanos ?? 0) / 1e6);

async function main(): Promise<void> {
  await withOwnStack(Number(process.argv[2] ?? 30_000), async (env, shop) => {
    const worker = await env.startWorker();
    try {
      // A first sync warms the worker (workflow bundle, connections), as the bench's repetitions do.
      await syncThroughTemporal(env.client, env.taskQueue, await seedShop(env, shop.baseUrl));
      const requested = Date.now();
      const { workflowId, firstRunId } = await syncThroughTemporal(env.client, env.taskQueue, await seedShop(env, shop.baseUrl));
      const resulted = Date.now();
      const events: HistoryEvent[] = [];
      for (let runId: string | undefined = firstRunId; runId; ) {
        const run: HistoryEvent[] = (await env.client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
        events.push(...run);
        runId = run.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
      }
      const t0 = ms(events[0]!);
      const names = new Map<string, string>();
      const totals: Record<string, number> = {};
      const add = (what: string, span: number) => (totals[what] = (totals[what] ?? 0) + span);
      let lastEnd = t0;
      for (const e of events) {
        const id = String(e.eventId);
        const scheduled = e.activityTaskScheduledEventAttributes;
        if (scheduled) names.set(id, scheduled.activityType!.name!);
        const started = e.activityTaskStartedEventAttributes;
        if (started) {
          add('between activities (workflow tasks, timers, dispatch)', ms(e) - lastEnd);
          console.log(`${String(ms(e) - t0).padStart(7)} ms  ${names.get(String(started.scheduledEventId))} starts (${ms(e) - lastEnd} ms after the last activity)`);
        }
        const completed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
        if (completed) {
          const name = names.get(String(completed.scheduledEventId))!;
          const startedAt = events.find((x) => String(x.eventId) === String(completed.startedEventId))!;
          add(name, ms(e) - ms(startedAt));
          console.log(`${String(ms(e) - t0).padStart(7)} ms  ${name} ends after ${ms(e) - ms(startedAt)} ms`);
          lastEnd = ms(e);
        }
      }
      const end = ms(events.at(-1)!);
      add('after the last activity', end - lastEnd);
      console.log(`\nhistory span ${end - t0} ms; client start → result ${resulted - requested} ms; ${events.length} events`);
      for (const [what, span] of Object.entries(totals)) console.log(`${String(span).padStart(7)} ms  ${what}`);
    } finally {
      await worker.stop();
    }
  });
}

runScript(main);
