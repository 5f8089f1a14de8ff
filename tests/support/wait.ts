/** Polls `check` until it holds; `explain` says what was going on when it did not. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 60_000, explain?: () => Promise<string>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(explain ? await explain() : 'condition not met in time');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Retries `get` until it resolves: for a workflow that another process is about to start. */
export async function waitForResult<T>(get: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await get();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** `promise`, or after `timeoutMs` an error saying what `explain` found (before jest's own timeout hides it). */
export async function withDeadline<T>(promise: Promise<T>, timeoutMs: number, explain: () => Promise<string>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => explain().then((m) => reject(new Error(m)), reject), timeoutMs);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
