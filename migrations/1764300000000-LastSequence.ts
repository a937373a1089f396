import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * current_acceptances keeps the last sequence number given to a partner's
 * records of a customer and type, rather than the sequence of the record the
 * status rests on: since an older version may be recorded after a newer one,
 * the two differ, and the next record needs the former.
 */
export class LastSequence1764300000000 implements MigrationInterface {
  name = 'LastSequence1764300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.renameColumn('current_acceptances', 'sequence', 'last_sequence');
    await queryRunner.query(
      'UPDATE current_acceptances SET last_sequence = (SELECT MAX(a.sequence) FROM acceptances a ' +
        'WHERE a.partner_id = current_acceptances.partner_id AND a.customer_id = current_acceptances.customer_id ' +
        'AND a.agreement_type = current_acceptances.agreement_type)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'UPDATE current_acceptances SET last_sequence = (SELECT a.sequence FROM acceptances a WHERE a.id = current_acceptances.acceptance_id)',
    );
    await queryRunner.renameColumn('current_acceptances', 'last_sequence', 'sequence');
  }
}
