import { type MigrationInterface, type QueryRunner, Table, TableIndex, TableUnique } from 'typeorm';
import { columns } from './columns';

/**
 * The evidence trail: one row per mutation attempt, chained per partner by
 * SHA-256; each partner's chain head (the row the chaining locks); and the
 * attempts recorded but not yet chained (written with the attempt itself,
 * moved into the chain moments later, in order, a batch at a time).
 */
export class AuditTrail1763800000000 implements MigrationInterface {
  name = 'AuditTrail1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { text, id, instant } = columns(queryRunner);
    const optional = (name: string, length: number) => text(name, length, { isNullable: true });
    const sha256 = (name: string) => text(name, 64);

    await queryRunner.createTable(
      new Table({
        name: 'audit_events',
        columns: [
          id(),
          id('partner_id'),
          { name: 'sequence', type: 'int' },
          instant('at'),
          text('user_id', 128),
          text('roles_held', 200),
          optional('role_used', 32),
          text('operation', 40),
          // No foreign key: a refused attempt may name a customer that does not exist.
          optional('customer_id', 64),
          text('outcome', 16),
          optional('code', 64),
          optional('acceptance_id', 64),
          optional('request_id', 128),
          optional('correlation_id', 128),
          sha256('previous_hash'),
          sha256('hash'),
        ],
        uniques: [new TableUnique({ name: 'ux_audit_events_sequence', columnNames: ['partner_id', 'sequence'] })],
        indices: [
          new TableIndex({ name: 'ix_audit_events_customer', columnNames: ['partner_id', 'customer_id', 'sequence'] }),
          new TableIndex({ name: 'ix_audit_events_at', columnNames: ['partner_id', 'at'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'audit_chains',
        columns: [id('partner_id', true), { name: 'last_sequence', type: 'int' }, sha256('last_hash')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'audit_pending',
        columns: [
          // The order attempts were recorded in, which is the order they are chained in.
          { name: 'position', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          id('id', false),
          id('partner_id'),
          instant('at'),
          text('user_id', 128),
          text('roles_held', 200),
          optional('role_used', 32),
          text('operation', 40),
          optional('customer_id', 64),
          text('outcome', 16),
          optional('code', 64),
          optional('acceptance_id', 64),
          optional('request_id', 128),
          optional('correlation_id', 128),
        ],
        uniques: [new TableUnique({ name: 'ux_audit_pending_id', columnNames: ['id'] })],
        indices: [new TableIndex({ name: 'ix_audit_pending_partner', columnNames: ['partner_id', 'position'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('audit_pending');
    await queryRunner.dropTable('audit_chains');
    await queryRunner.dropTable('audit_events');
  }
}
