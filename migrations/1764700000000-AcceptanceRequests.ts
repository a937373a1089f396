import { type MigrationInterface, type QueryRunner, Table, TableColumn, TableForeignKey, TableIndex, TableUnique } from 'typeorm';
import { columns } from './columns';

/**
 * Customer-signed acceptance: the partners' acceptance requests (the link's
 * token only as a hash), and the evidence column of the audit trail, which
 * keeps what a signatory's answer was given with.
 */
export class AcceptanceRequests1764700000000 implements MigrationInterface {
  name = 'AcceptanceRequests1764700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { id, text, instant, integer } = columns(queryRunner);
    const optional = (name: string, length: number) => text(name, length, { isNullable: true });
    await queryRunner.createTable(
      new Table({
        name: 'acceptance_requests',
        columns: [
          id(),
          id('partner_id'),
          id('customer_id'),
          id('template_id'),
          text('agreement_type', 40),
          text('signatory_first_name', 100),
          text('signatory_last_name', 100),
          text('signatory_email', 254),
          optional('signatory_phone_number', 32),
          text('country', 2),
          text('language', 35),
          text('status', 16),
          text('finalize', 16),
          text('document_uri', 2048),
          text('token_hash', 64),
          instant('expires_at'),
          instant('created_at'),
          text('created_by_user_id', 128),
          text('created_by_role', 32),
          instant('answered_at', { isNullable: true }),
          optional('decline_reason', 1000),
          { name: 'date_agreed', type: 'date', isNullable: true },
          optional('evidence_document_uri', 2048),
          optional('evidence_typed_name', 300),
          optional('evidence_client_address_hash', 64),
          optional('evidence_user_agent', 512),
          optional('acceptance_id', 64),
          { name: 'email_requested', type: 'boolean', default: 0 },
          instant('email_sent_at', { isNullable: true }),
          integer('email_attempts', { type: 'integer' }),
        ],
        uniques: [new TableUnique({ name: 'ux_acceptance_requests_token_hash', columnNames: ['token_hash'] })],
        indices: [new TableIndex({ name: 'ix_acceptance_requests_customer', columnNames: ['partner_id', 'customer_id', 'created_at'] })],
        foreignKeys: [
          new TableForeignKey({
            name: 'fk_acceptance_requests_relationship',
            columnNames: ['partner_id', 'customer_id'],
            referencedTableName: 'partner_customers',
            referencedColumnNames: ['partner_id', 'customer_id'],
            onDelete: 'RESTRICT',
            onUpdate: 'RESTRICT',
          }),
          new TableForeignKey({
            name: 'fk_acceptance_requests_template_id',
            columnNames: ['template_id'],
            referencedTableName: 'agreement_templates',
            referencedColumnNames: ['id'],
            onDelete: 'RESTRICT',
            onUpdate: 'RESTRICT',
          }),
        ],
      }),
    );
    for (const table of ['audit_events', 'audit_pending']) {
      await queryRunner.addColumn(table, new TableColumn(text('evidence', 4000, { isNullable: true })));
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['audit_events', 'audit_pending']) await queryRunner.dropColumn(table, 'evidence');
    await queryRunner.dropTable('acceptance_requests');
  }
}
