import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { columns } from './columns';

/** Stored responses of mutation requests sent with an idempotency key, per partner. */
export class IdempotencyKeys1763800100000 implements MigrationInterface {
  name = 'IdempotencyKeys1763800100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { id, text, instant, integer, longText } = columns(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'idempotency_keys',
        columns: [
          id('partner_id', true),
          text('idempotency_key', 255, { isPrimary: true }),
          text('fingerprint', 64),
          text('state', 16),
          integer('response_status', { isNullable: true }),
          text('response_content_type', 100, { isNullable: true }),
          longText('response_body', { isNullable: true }),
          instant('created_at'),
          instant('lease_until'),
          instant('expires_at'),
        ],
        indices: [new TableIndex({ name: 'ix_idempotency_keys_expiry', columnNames: ['expires_at'] })],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('idempotency_keys');
  }
}
