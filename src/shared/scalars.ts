import { GraphQLScalarType, type ValueNode } from 'graphql';
import { DateResolver, DateTimeResolver } from 'graphql-scalars';

const toCalendarDate = (value: unknown): string => (value as Date).toISOString().slice(0, 10);

/**
 * A refused literal becomes a plain error, so that graphql-js reports it as a
 * bad value of the argument (BAD_USER_INPUT) rather than a malformed query.
 */
function literal<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new TypeError((error as Error).message);
  }
}

/**
 * Calendar date, YYYY-MM-DD, no time and no zone. graphql-scalars does the
 * checking (2026-02-30 and 2025-02-29 are refused); the application sees text.
 */
export const CalendarDate = new GraphQLScalarType<string, string>({
  name: 'Date',
  description: 'Calendar date, ISO 8601 (YYYY-MM-DD). No time, no zone.',
  serialize: (value) => DateResolver.serialize(value) as string,
  parseValue: (value) => toCalendarDate(DateResolver.parseValue(value)),
  parseLiteral: (ast: ValueNode) => literal(() => toCalendarDate(DateResolver.parseLiteral(ast, undefined))),
});

/** Instant, ISO 8601 in UTC with milliseconds. */
export const DateTime = new GraphQLScalarType({
  ...DateTimeResolver.toConfig(),
  description: 'Instant, ISO 8601 in UTC with milliseconds (2026-11-21T04:17:50.000Z).',
  parseLiteral: (ast: ValueNode) => literal(() => DateTimeResolver.parseLiteral(ast, undefined)),
});
