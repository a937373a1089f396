import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableForeignKey } from 'typeorm';
import { columns } from './columns';

/**
 * Re-acceptance rules of agreement versions, and, on each current acceptance
 * and in the status counts, whether it falls under its version's rule
 * (accepted before the rule's date): statuses, filters and counts read it,
 * so that a rule takes effect on its day without a write.
 */
export class ReacceptanceRules1764600000000 implements MigrationInterface {
  name = 'ReacceptanceRules1764600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { id, instant } = columns(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'reacceptance_rules',
        columns: [id('template_id', true), { name: 'accepted_before', type: 'date' }, { name: 'outdated_from', type: 'date' }, instant('activated_at', { isNullable: true })],
        foreignKeys: [
          new TableForeignKey({
            name: 'fk_reacceptance_rules_template_id',
            columnNames: ['template_id'],
            referencedTableName: 'agreement_templates',
            referencedColumnNames: ['id'],
            onDelete: 'RESTRICT',
            onUpdate: 'RESTRICT',
          }),
        ],
      }),
    );
    // 0: false as both databases write it, and as TypeORM reads a boolean default back.
    const flag = () => new TableColumn({ name: 'accepted_before_rule', type: 'boolean', default: 0 });
    await queryRunner.addColumn('current_acceptances', flag());
    await queryRunner.addColumn('status_counts', flag());
    // The flag is part of a count's key.
    const counts = (await queryRunner.getTable('status_counts'))!;
    await queryRunner.dropPrimaryKey(counts);
    await queryRunner.createPrimaryKey('status_counts', [
      'partner_id',
      'agreement_type',
      'template_id',
      'accepted_before_rule',
      'shard',
    ]);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const counts = (await queryRunner.getTable('status_counts'))!;
    await queryRunner.dropPrimaryKey(counts);
    await queryRunner.createPrimaryKey('status_counts', ['partner_id', 'agreement_type', 'template_id', 'shard']);
    await queryRunner.dropColumn('status_counts', 'accepted_before_rule');
    await queryRunner.dropColumn('current_acceptances', 'accepted_before_rule');
    await queryRunner.dropTable('reacceptance_rules');
  }
}
