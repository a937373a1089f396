import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { columns } from './columns';

/**
 * Per-partner counts, kept in step by every write, so that a list's totalCount
 * reads a few rows instead of counting the partner's customers: customers
 * related to each partner, and current acceptances per partner, type and
 * template. Each count is split over shards (by customer), so that writes for
 * different customers rarely wait for the same row; a count is the sum of its shards.
 */
export class CustomerCounts1763900000000 implements MigrationInterface {
  name = 'CustomerCounts1763900000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { id, text, integer } = columns(queryRunner);
    const shard = integer('shard', { isPrimary: true });
    await queryRunner.createTable(
      new Table({ name: 'relationship_counts', columns: [id('partner_id', true), shard, integer('customers')] }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'current_acceptance_counts',
        columns: [id('partner_id', true), text('agreement_type', 40, { isPrimary: true }), id('template_id', true), shard, integer('customers')],
      }),
    );
    // What is there already goes to shard 0; later writes spread over the shards.
    await queryRunner.query(
      'INSERT INTO relationship_counts (partner_id, shard, customers) SELECT partner_id, 0, COUNT(*) FROM partner_customers GROUP BY partner_id',
    );
    await queryRunner.query(
      'INSERT INTO current_acceptance_counts (partner_id, agreement_type, template_id, shard, customers) ' +
        'SELECT partner_id, agreement_type, template_id, 0, COUNT(*) FROM current_acceptances GROUP BY partner_id, agreement_type, template_id',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('current_acceptance_counts');
    await queryRunner.dropTable('relationship_counts');
  }
}
