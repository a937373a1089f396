import type { ColumnOptions, PrimaryColumnOptions } from 'typeorm';

type Extra = Omit<ColumnOptions, 'type' | 'length' | 'precision'>;
/** A shape that fits a primary column as well as any other. */
type Shape = ColumnOptions & PrimaryColumnOptions;

/**
 * Text, compared byte for byte on MySQL (utf8mb4_bin) as it is on SQLite, so
 * that ids, sort keys and search behave the same on both.
 */
export function text(length: number): Shape;
export function text(length: number, options: Extra): ColumnOptions;
export function text(length: number, options: Extra = {}): ColumnOptions {
  return { type: 'varchar', length, charset: 'utf8mb4', collation: 'utf8mb4_bin', ...options };
}

/** An identifier: 1..64 characters (see `isId`). */
export function id(): Shape;
export function id(options: Extra): ColumnOptions;
export function id(options: Extra = {}): ColumnOptions {
  return text(64, options);
}

/** An instant, stored in UTC with milliseconds. */
export const instant = (options: Extra = {}): ColumnOptions => ({ type: 'datetime', precision: 3, ...options });

/** A calendar date, YYYY-MM-DD. */
export const calendarDate = (options: Extra = {}): ColumnOptions => ({ type: 'date', ...options });

export function integer(): Shape;
export function integer(options: Extra): ColumnOptions;
export function integer(options: Extra = {}): ColumnOptions {
  return { type: 'int', ...options };
}

/**
 * A foreign key's options: its name, and that a referenced row is never
 * removed or renamed while something refers to it.
 */
export const references = (name: string) => ({ name, onDelete: 'RESTRICT', onUpdate: 'RESTRICT' }) as const;
