import { badInput } from '../../shared/errors';
import { CalendarDate } from '../../shared/scalars';

// A date, optionally with a time (seconds and up to 9 fraction digits optional) and a zone: what .NET and Partner Center send.
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})(?:T([01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d{1,9})?)?(?:Z|[+-](?:[01]\d|2[0-3]):[0-5]\d)?)?$/i;

/**
 * Partner Center sends `dateAgreed` as a date-time ("2018-06-14T00:00:00.000Z");
 * the rule is about a calendar date. The date part is taken as written, whatever
 * the time and zone, so a partner's local date stays its date. A value that is
 * not a date-time, or whose date does not exist, is BAD_USER_INPUT.
 */
export function calendarDateOf(value: unknown, field: string): string {
  if (typeof value !== 'string') throw badInput(field, 'is required: a date-time such as 2026-11-20T00:00:00Z.');
  const match = DATE_TIME.exec(value.trim());
  if (!match) throw badInput(field, `${JSON.stringify(value)} is not a date-time such as 2026-11-20T00:00:00Z.`);
  try {
    return CalendarDate.parseValue(match[1]) as string;
  } catch {
    throw badInput(field, `${match[1]} is not a calendar date.`);
  }
}

/** A stored calendar date as Partner Center writes `dateAgreed`: midnight UTC. */
export const dateTimeOf = (date: string): string => `${date}T00:00:00.000Z`;
