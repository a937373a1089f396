import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';
import { columns } from './columns';

/**
 * current_acceptances also keeps the date agreed and the method of the record
 * a status rests on, so that a status and what it depends on (a re-acceptance
 * rule goes by the date; whether the customer signed itself, by the method)
 * are read from one row. Filled from the records they point to.
 */
export class CurrentAcceptanceFacts1764400000000 implements MigrationInterface {
  name = 'CurrentAcceptanceFacts1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { text } = columns(queryRunner);
    // Added nullable, filled, then made required: a table with rows cannot take a required column without a default.
    await queryRunner.addColumns('current_acceptances', [
      new TableColumn({ name: 'date_agreed', type: 'date', isNullable: true }),
      new TableColumn({ ...text('method', 20), isNullable: true }),
    ]);
    await queryRunner.query(
      'UPDATE current_acceptances SET ' +
        'date_agreed = (SELECT a.date_agreed FROM acceptances a WHERE a.id = current_acceptances.acceptance_id), ' +
        'method = (SELECT a.method FROM acceptances a WHERE a.id = current_acceptances.acceptance_id)',
    );
    const table = (await queryRunner.getTable('current_acceptances'))!;
    await queryRunner.changeColumns(table, [
      { oldColumn: table.findColumnByName('date_agreed')!, newColumn: new TableColumn({ name: 'date_agreed', type: 'date' }) },
      { oldColumn: table.findColumnByName('method')!, newColumn: new TableColumn(text('method', 20)) },
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumns('current_acceptances', ['date_agreed', 'method']);
  }
}
