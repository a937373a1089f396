import { type MigrationInterface, type QueryRunner, TableForeignKey } from 'typeorm';

/** The tables whose whole numbers and foreign keys the earlier migrations declared otherwise than the entities. */
const TABLES = [
  'agreement_templates',
  'partner_customers',
  'subscriptions',
  'orders',
  'order_line_items',
  'acceptances',
  'current_acceptances',
  'audit_events',
  'audit_chains',
  'idempotency_keys',
  'relationship_counts',
  'current_acceptance_counts',
];

/**
 * Brings the schema to exactly what the entities say, so that TypeORM's schema
 * builder finds nothing to change: whole numbers declared `integer` (SQLite
 * kept the earlier `int` as written; MySQL reads both as INT), and every
 * foreign key ON DELETE/UPDATE RESTRICT (MySQL's reading of the earlier
 * unspecified action; SQLite recorded NO ACTION). Nothing changes in meaning:
 * on SQLite each table is rebuilt with its rows; on MySQL there is nothing to do.
 */
export class ModelSchema1764100000000 implements MigrationInterface {
  name = 'ModelSchema1764100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const sqlite = queryRunner.connection.driver.options.type === 'better-sqlite3';
    for (const name of TABLES) {
      const table = await queryRunner.getTable(name);
      if (!table) continue;
      // MySQL reads `integer` back as `int`: there the columns are what the entities say already.
      const integers = sqlite ? table.columns.filter((column) => column.type === 'int') : [];
      if (integers.length > 0) {
        await queryRunner.changeColumns(
          table,
          integers.map((oldColumn) => {
            const newColumn = oldColumn.clone();
            newColumn.type = 'integer';
            return { oldColumn, newColumn };
          }),
        );
      }
      const keys = (await queryRunner.getTable(name))!.foreignKeys.filter((key) => key.onDelete !== 'RESTRICT' || key.onUpdate !== 'RESTRICT');
      if (keys.length > 0) {
        await queryRunner.dropForeignKeys(name, keys);
        await queryRunner.createForeignKeys(
          name,
          keys.map((key) => new TableForeignKey({ ...key, onDelete: 'RESTRICT', onUpdate: 'RESTRICT' })),
        );
      }
    }
  }

  async down(): Promise<void> {
    // The earlier declarations mean the same; nothing to undo.
  }
}
