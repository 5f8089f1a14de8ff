// Live-feed positions are Redis stream entry ids ("<ms>-<seq>"); the memory bus numbers its entries the same way.

const POSITION = /^(\d{1,15})-(\d{1,15})$/;

export function isFeedPosition(value: string): boolean {
  return POSITION.test(value);
}

/** Negative, zero or positive as `a` is before, at or after `b`; both must be positions. */
export function compareFeedPositions(a: string, b: string): number {
  const [, aMs, aSeq] = POSITION.exec(a)!;
  const [, bMs, bSeq] = POSITION.exec(b)!;
  return Number(aMs) - Number(bMs) || Number(aSeq) - Number(bSeq);
}
