import { type MigrationInterface, type QueryRunner, Table, TableForeignKey, TableIndex, TableUnique } from 'typeorm';
import type { TableColumnOptions } from 'typeorm/schema-builder/options/TableColumnOptions';
import { columns } from './columns';

/** The two templates shipped: the Microsoft Customer Agreement and the retired Microsoft Cloud Agreement. */
export const SHIPPED_TEMPLATES = [
  {
    id: '117a77b0-9360-443b-8795-c6dedc750cf9',
    type: 'MICROSOFT_CUSTOMER_AGREEMENT',
    agreement_link: 'https://aka.ms/customeragreement',
    version_rank: 1,
    effective_date: '2019-10-01',
    retired: false,
  },
  {
    id: '998b88de-aa99-4388-a42c-1b3517d49490',
    type: 'MICROSOFT_CLOUD_AGREEMENT',
    agreement_link: 'https://docs.microsoft.com/partner-center/agreements',
    version_rank: 1,
    effective_date: '2018-08-07',
    retired: true,
  },
];

export class InitialSchema1763700000000 implements MigrationInterface {
  name = 'InitialSchema1763700000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const { text, id, instant } = columns(queryRunner);
    const contact = (prefix: string): TableColumnOptions[] => [
      text(`${prefix}_first_name`, 100),
      text(`${prefix}_last_name`, 100),
      text(`${prefix}_email`, 254),
      text(`${prefix}_phone_number`, 32, { isNullable: true }),
    ];
    const relationship = (table: string) =>
      new TableForeignKey({
        name: `fk_${table}_relationship`,
        columnNames: ['partner_id', 'customer_id'],
        referencedTableName: 'partner_customers',
        referencedColumnNames: ['partner_id', 'customer_id'],
      });
    const references = (table: string, column: string, target: string) =>
      new TableForeignKey({
        name: `fk_${table}_${column}`,
        columnNames: [column],
        referencedTableName: target,
        referencedColumnNames: ['id'],
      });

    await queryRunner.createTable(
      new Table({ name: 'partners', columns: [id(), text('name', 200), text('type', 32), text('cloud', 32)] }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'customers',
        columns: [
          id(),
          text('company_name', 200),
          text('domain', 255),
          ...contact('contact'),
          text('search_text', 1000),
          instant('created_at'),
        ],
        indices: [new TableIndex({ name: 'ux_customers_domain', columnNames: ['domain'], isUnique: true })],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'partner_customers',
        columns: [id('partner_id', true), id('customer_id', true), text('sort_name', 400)],
        indices: [
          new TableIndex({ name: 'ix_partner_customers_page', columnNames: ['partner_id', 'sort_name', 'customer_id'] }),
          new TableIndex({ name: 'ix_partner_customers_customer', columnNames: ['customer_id'] }),
        ],
        foreignKeys: [references('partner_customers', 'partner_id', 'partners'), references('partner_customers', 'customer_id', 'customers')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'agreement_templates',
        columns: [
          id(),
          text('type', 40),
          text('agreement_link', 500),
          { name: 'version_rank', type: 'int' },
          { name: 'effective_date', type: 'date' },
          { name: 'retired', type: 'boolean' },
        ],
        uniques: [new TableUnique({ name: 'ux_agreement_templates_rank', columnNames: ['type', 'version_rank'] })],
      }),
    );
    await queryRunner.createTable(
      new Table({ name: 'offers', columns: [id(), text('name', 200), text('billing_type', 20)] }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'subscriptions',
        columns: [
          id(),
          id('customer_id'),
          id('partner_id'),
          id('offer_id'),
          { name: 'quantity', type: 'int', isNullable: true },
          { name: 'auto_renew', type: 'boolean' },
          instant('created_at'),
        ],
        indices: [new TableIndex({ name: 'ix_subscriptions_customer', columnNames: ['customer_id', 'partner_id'] })],
        foreignKeys: [relationship('subscriptions'), references('subscriptions', 'offer_id', 'offers')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'orders',
        columns: [id(), id('customer_id'), id('partner_id'), text('created_by', 128), instant('created_at')],
        indices: [new TableIndex({ name: 'ix_orders_customer', columnNames: ['customer_id', 'partner_id'] })],
        foreignKeys: [relationship('orders')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'order_line_items',
        columns: [
          id('order_id', true),
          { name: 'line_number', type: 'int', isPrimary: true },
          id('offer_id'),
          { name: 'quantity', type: 'int', isNullable: true },
          id('subscription_id'),
        ],
        indices: [new TableIndex({ name: 'ux_order_line_items_subscription', columnNames: ['subscription_id'], isUnique: true })],
        foreignKeys: [
          references('order_line_items', 'order_id', 'orders'),
          references('order_line_items', 'offer_id', 'offers'),
          references('order_line_items', 'subscription_id', 'subscriptions'),
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'acceptances',
        columns: [
          id(),
          id('customer_id'),
          id('partner_id'),
          id('template_id'),
          text('agreement_type', 40),
          text('method', 20),
          text('channel', 20),
          text('scenario', 40, { isNullable: true }),
          ...contact('accepted_by'),
          { name: 'date_agreed', type: 'date' },
          text('recorded_by_user_id', 128),
          text('recorded_by_role', 32),
          instant('recorded_at'),
          { name: 'sequence', type: 'int' },
        ],
        indices: [
          new TableIndex({
            name: 'ix_acceptances_history',
            columnNames: ['partner_id', 'customer_id', 'agreement_type', 'recorded_at'],
          }),
          new TableIndex({ name: 'ix_acceptances_customer', columnNames: ['customer_id'] }),
        ],
        uniques: [
          new TableUnique({
            name: 'ux_acceptances_sequence',
            columnNames: ['partner_id', 'customer_id', 'agreement_type', 'sequence'],
          }),
        ],
        foreignKeys: [relationship('acceptances'), references('acceptances', 'template_id', 'agreement_templates')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'current_acceptances',
        columns: [
          id('partner_id', true),
          id('customer_id', true),
          text('agreement_type', 40, { isPrimary: true }),
          id('acceptance_id'),
          id('template_id'),
          { name: 'sequence', type: 'int' },
        ],
        indices: [
          new TableIndex({
            name: 'ix_current_acceptances_status',
            columnNames: ['partner_id', 'agreement_type', 'template_id'],
          }),
        ],
        foreignKeys: [
          relationship('current_acceptances'),
          references('current_acceptances', 'acceptance_id', 'acceptances'),
          references('current_acceptances', 'template_id', 'agreement_templates'),
        ],
      }),
    );

    for (const t of SHIPPED_TEMPLATES) {
      await queryRunner.query(
        'INSERT INTO agreement_templates (id, type, agreement_link, version_rank, effective_date, retired) VALUES (?, ?, ?, ?, ?, ?)',
        [t.id, t.type, t.agreement_link, t.version_rank, t.effective_date, t.retired ? 1 : 0],
      );
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'current_acceptances',
      'acceptances',
      'order_line_items',
      'orders',
      'subscriptions',
      'offers',
      'agreement_templates',
      'partner_customers',
      'customers',
      'partners',
    ]) {
      await queryRunner.dropTable(table);
    }
  }
}
