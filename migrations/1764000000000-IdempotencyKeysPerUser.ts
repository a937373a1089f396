import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { columns } from './columns';

/**
 * Idempotency keys per partner and user, with the guarded operations the
 * stored response did: a response is replayed only to the user who made the
 * request, and only while that user may still do them. The keys stored so far
 * are dropped, not carried over: they do not say whose they are, and they are
 * a cache of at most a day (a retry of one of them runs again).
 */
export class IdempotencyKeysPerUser1764000000000 implements MigrationInterface {
  name = 'IdempotencyKeysPerUser1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('idempotency_keys');
    await queryRunner.createTable(keysTable(queryRunner, true));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('idempotency_keys');
    await queryRunner.createTable(keysTable(queryRunner, false));
  }
}

/** The table per partner and user (`perUser`), or as it was before: per partner. */
function keysTable(queryRunner: QueryRunner, perUser: boolean): Table {
  const { id, text, instant, integer, longText } = columns(queryRunner);
  return new Table({
    name: 'idempotency_keys',
    columns: [
      id('partner_id', true),
      ...(perUser ? [text('user_id', 128, { isPrimary: true })] : []),
      text('idempotency_key', 255, { isPrimary: true }),
      text('fingerprint', 64),
      ...(perUser ? [text('operations', 255)] : []),
      text('state', 16),
      integer('response_status', { isNullable: true }),
      text('response_content_type', 100, { isNullable: true }),
      longText('response_body', { isNullable: true }),
      instant('created_at'),
      instant('lease_until'),
      instant('expires_at'),
    ],
    indices: [new TableIndex({ name: 'ix_idempotency_keys_expiry', columnNames: ['expires_at'] })],
  });
}
