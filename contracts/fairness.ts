// Each tenant's work shares the task queues fairly: Temporal's matching service dispatches a backlog round-robin by
// fairness key, so one tenant's backfill (or many due syncs at once) cannot hold every worker slot while another
// tenant's sync waits behind it. The key goes on every workflow start; activities and child workflows inherit it.
// Needs fairness on the server (`matching.enableFairness`; the embedded dev server has it); without it, FIFO.
import type { Priority } from '@temporalio/common';

/** Tenant ids are at most 63 ASCII characters (api/routes/tenants.ts): within the 64 bytes a fairness key may have. */
export const tenantFairness = (tenantId: string): Priority => ({ fairnessKey: tenantId });
