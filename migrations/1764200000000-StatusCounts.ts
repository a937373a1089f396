import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { columns } from './columns';

/**
 * One table of per-partner status counts instead of two: customers per
 * partner, agreement type and current template, where '' counts the customers
 * without an acceptance of the type. A list's totalCount is then one grouped
 * read of one table. The counts are recomputed from the relationships and the
 * current acceptances (what is there goes to shard 0), which also mends any count
 * that had drifted.
 */
export class StatusCounts1764200000000 implements MigrationInterface {
  name = 'StatusCounts1764200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { id, text, integer } = columns(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'status_counts',
        columns: [
          id('partner_id', true),
          text('agreement_type', 40, { isPrimary: true }),
          id('template_id', true),
          integer('shard', { isPrimary: true, type: 'integer' }),
          integer('customers', { type: 'integer' }),
        ],
      }),
    );
    await queryRunner.query(
      'INSERT INTO status_counts (partner_id, agreement_type, template_id, shard, customers) ' +
        "SELECT pc.partner_id, t.agreement_type, COALESCE(ca.template_id, ''), 0, COUNT(*) FROM partner_customers pc " +
        "CROSS JOIN (SELECT 'MICROSOFT_CUSTOMER_AGREEMENT' AS agreement_type UNION ALL SELECT 'MICROSOFT_CLOUD_AGREEMENT') t " +
        'LEFT JOIN current_acceptances ca ON ca.partner_id = pc.partner_id AND ca.customer_id = pc.customer_id AND ca.agreement_type = t.agreement_type ' +
        "GROUP BY pc.partner_id, t.agreement_type, COALESCE(ca.template_id, '')",
    );
    await queryRunner.dropTable('current_acceptance_counts');
    await queryRunner.dropTable('relationship_counts');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const { id, text, integer } = columns(queryRunner);
    const shard = integer('shard', { isPrimary: true });
    await queryRunner.createTable(new Table({ name: 'relationship_counts', columns: [id('partner_id', true), shard, integer('customers')] }));
    await queryRunner.createTable(
      new Table({
        name: 'current_acceptance_counts',
        columns: [id('partner_id', true), text('agreement_type', 40, { isPrimary: true }), id('template_id', true), shard, integer('customers')],
      }),
    );
    await queryRunner.query(
      'INSERT INTO relationship_counts (partner_id, shard, customers) SELECT partner_id, 0, COUNT(*) FROM partner_customers GROUP BY partner_id',
    );
    await queryRunner.query(
      'INSERT INTO current_acceptance_counts (partner_id, agreement_type, template_id, shard, customers) ' +
        'SELECT partner_id, agreement_type, template_id, 0, COUNT(*) FROM current_acceptances GROUP BY partner_id, agreement_type, template_id',
    );
    await queryRunner.dropTable('status_counts');
  }
}
