import { type MigrationInterface, type QueryRunner, Table, TableForeignKey, TableIndex, TableUnique } from 'typeorm';
import { columns } from './columns';

const restrict = (name: string, column: string, table: string, referenced = 'id') =>
  new TableForeignKey({ name, columnNames: [column], referencedTableName: table, referencedColumnNames: [referenced], onDelete: 'RESTRICT', onUpdate: 'RESTRICT' });

/**
 * Notifications: the outbox of status events, partners' webhook endpoints and
 * the deliveries to them, the batch jobs that publishing a version or a rule
 * starts, and leases for work one process does at a time.
 */
export class Notifications1764600000100 implements MigrationInterface {
  name = 'Notifications1764600000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { id, text, instant, integer, mysql } = columns(queryRunner);
    const optional = (name: string, length: number) => text(name, length, { isNullable: true });
    const flag = (name: string) => ({ name, type: 'boolean', default: 0 });
    await queryRunner.createTable(
      new Table({
        name: 'status_events',
        columns: [
          { name: 'position', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          id('id', false),
          id('partner_id'),
          id('customer_id'),
          text('agreement_type', 40),
          text('type', 40),
          { name: 'body', type: 'text', ...(mysql ? { charset: 'utf8mb4', collation: 'utf8mb4_bin' } : {}) },
          instant('occurred_at'),
          flag('dispatched'),
        ],
        uniques: [new TableUnique({ name: 'ux_status_events_id', columnNames: ['id'] })],
        indices: [
          new TableIndex({ name: 'ix_status_events_dispatch', columnNames: ['dispatched', 'position'] }),
          new TableIndex({ name: 'ix_status_events_customer', columnNames: ['partner_id', 'customer_id', 'position'] }),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_endpoints',
        columns: [
          id(),
          id('partner_id'),
          text('url', 2048),
          text('events', 200),
          { name: 'enabled', type: 'boolean' },
          text('secret', 100),
          optional('previous_secret', 100),
          instant('previous_secret_until', { isNullable: true }),
          instant('created_at'),
        ],
        indices: [new TableIndex({ name: 'ix_webhook_endpoints_partner', columnNames: ['partner_id', 'created_at'] })],
        foreignKeys: [restrict('fk_webhook_endpoints_partner_id', 'partner_id', 'partners')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webhook_deliveries',
        columns: [
          id(),
          id('event_id'),
          id('endpoint_id'),
          id('customer_id'),
          integer('event_position', { type: 'integer' }),
          text('status', 16),
          integer('attempts', { type: 'integer' }),
          integer('last_response_status', { type: 'integer', isNullable: true }),
          instant('first_attempt_at', { isNullable: true }),
          instant('last_attempt_at', { isNullable: true }),
          instant('next_attempt_at', { isNullable: true }),
          instant('lease_until', { isNullable: true }),
          instant('created_at'),
        ],
        indices: [
          new TableIndex({ name: 'ix_webhook_deliveries_due', columnNames: ['status', 'next_attempt_at'] }),
          new TableIndex({ name: 'ix_webhook_deliveries_order', columnNames: ['endpoint_id', 'customer_id', 'event_position'] }),
          new TableIndex({ name: 'ix_webhook_deliveries_listing', columnNames: ['endpoint_id', 'created_at'] }),
        ],
        foreignKeys: [
          restrict('fk_webhook_deliveries_event_id', 'event_id', 'status_events'),
          restrict('fk_webhook_deliveries_endpoint_id', 'endpoint_id', 'webhook_endpoints'),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'status_fanouts',
        columns: [
          id(),
          text('cause', 32),
          text('step', 16),
          id('template_id'),
          text('agreement_type', 40),
          { name: 'effective_day', type: 'date', isNullable: true },
          instant('due_at'),
          optional('cursor_partner_id', 64),
          optional('cursor_customer_id', 64),
          instant('done_at', { isNullable: true }),
          instant('created_at'),
        ],
        indices: [new TableIndex({ name: 'ix_status_fanouts_due', columnNames: ['done_at', 'due_at'] })],
        foreignKeys: [restrict('fk_status_fanouts_template_id', 'template_id', 'agreement_templates')],
      }),
    );
    await queryRunner.createTable(
      new Table({ name: 'job_leases', columns: [text('name', 64, { isPrimary: true }), text('holder', 64), instant('until')] }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['job_leases', 'status_fanouts', 'webhook_deliveries', 'webhook_endpoints', 'status_events']) await queryRunner.dropTable(table);
  }
}
