import type { QueryRunner } from 'typeorm';
import type { TableColumnOptions } from 'typeorm/schema-builder/options/TableColumnOptions';

/**
 * Column shapes shared by the migrations. On MySQL text compares byte for byte
 * (utf8mb4_bin), so ids, sort keys and search behave exactly as on SQLite.
 */
export function columns(queryRunner: QueryRunner) {
  const mysql = ['mysql', 'mariadb'].includes(queryRunner.connection.driver.options.type);
  const text = (name: string, length: number, extra: Partial<TableColumnOptions> = {}): TableColumnOptions => ({
    name,
    type: 'varchar',
    length: String(length),
    ...(mysql ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {}),
    ...extra,
  });
  return {
    mysql,
    text,
    id: (name = 'id', primary = name === 'id') => text(name, 64, { isPrimary: primary }),
    instant: (name: string, extra: Partial<TableColumnOptions> = {}): TableColumnOptions => ({ name, type: 'datetime', precision: 3, ...extra }),
    integer: (name: string, extra: Partial<TableColumnOptions> = {}): TableColumnOptions => ({ name, type: 'int', ...extra }),
    /** Up to 16 MB of text (MEDIUMTEXT on MySQL). */
    longText: (name: string, extra: Partial<TableColumnOptions> = {}): TableColumnOptions => ({
      name,
      type: mysql ? 'mediumtext' : 'text',
      ...(mysql ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {}),
      ...extra,
    }),
  };
}
