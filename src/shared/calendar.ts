/**
 * Calendar days as the rules count them: a day begins anywhere when it begins
 * in UTC+14, the first zone on Earth to start one.
 */
const UTC_PLUS_14_MS = 14 * 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Today's date in UTC+14: the latest date that has begun anywhere (YYYY-MM-DD). */
export const latestBegunDate = (now: Date): string => new Date(now.getTime() + UTC_PLUS_14_MS).toISOString().slice(0, 10);

/** The instant a date (YYYY-MM-DD) begins in UTC+14: from then on, it has begun somewhere. */
export const beginningOf = (date: string): Date => new Date(Date.parse(`${date}T00:00:00.000Z`) - UTC_PLUS_14_MS);

/** The date after `date`. */
export const dayAfter = (date: string): string => new Date(Date.parse(`${date}T00:00:00.000Z`) + DAY_MS).toISOString().slice(0, 10);

/** The date before `date`. */
export const dayBefore = (date: string): string => new Date(Date.parse(`${date}T00:00:00.000Z`) - DAY_MS).toISOString().slice(0, 10);
