/**
 * Calendar days as the rules count them: a day begins anywhere when it begins
 * in UTC+14, the first zone on Earth to start one.
 */
const UTC_PLUS_14_MS = 14 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The last day asked for, and the instants it spans: every status read asks, and it changes once a day. */
let lastDay = { date: '', from: 0, until: 0 };

/** Today's date in UTC+14: the latest date that has begun anywhere (YYYY-MM-DD). */
export const latestBegunDate = (now: Date): string => {
  const at = now.getTime();
  if (at >= lastDay.from && at < lastDay.until) return lastDay.date;
  const date = new Date(at + UTC_PLUS_14_MS).toISOString().slice(0, 10);
  const from = Date.parse(`${date}T00:00:00.000Z`) - UTC_PLUS_14_MS;
  lastDay = { date, from, until: from + DAY_MS };
  return date;
};

/** The instant a date (YYYY-MM-DD) begins in UTC+14: from then on, it has begun somewhere. */
export const beginningOf = (date: string): Date => new Date(Date.parse(`${date}T00:00:00.000Z`) - UTC_PLUS_14_MS);

/** The date after `date`. */
export const dayAfter = (date: string): string => new Date(Date.parse(`${date}T00:00:00.000Z`) + DAY_MS).toISOString().slice(0, 10);

/** The date before `date`. */
export const dayBefore = (date: string): string => new Date(Date.parse(`${date}T00:00:00.000Z`) - DAY_MS).toISOString().slice(0, 10);
